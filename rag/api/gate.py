"""Turns for answers: one answer at a time in this process, and a bounded queue of waiting ones.

Contract: `Gate.reserve()` takes the turn at once when it is free, else a place in the queue,
or raises `Busy` when `max_waiting` answers already wait behind the one being made; the
`Ticket` then waits for the turn (`wait`, which gives up when its `cancelled` event is set;
turns are handed over in the order places were reserved) and holds it until `close()`
(idempotent; it also gives back a place or a turn never used). Read-only counts for a waiting
user: `Gate.waiting` (answers waiting behind the one being made), `Gate.queued` (answers made or
waiting now), `Ticket.ahead` (answers before it).
`GatedAnswerer` is an `Answerer` whose `stream` takes its turn this way, so the browser chat and
the API, sharing one, never interleave their model calls; `ungated` is the plain stream for a
caller that holds a ticket itself.
Knows nothing about HTTP or Gradio.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Sequence
from typing import Any

from rag.answer import Answerer, Event
from rag.chat import Message
from rag.config import Settings
from rag.errors import RagError

MAX_WAITING = 8  # answers that may wait for their turn; more are refused (429 on the API)
POLL_SECONDS = 0.25  # how often a waiting ticket checks whether it was cancelled


class Busy(RagError):
    """Too many answers are waiting for their turn."""


class Gate:
    """One turn at a time, handed over in the order the places were reserved; at most
    `max_waiting` tickets wait for it."""

    def __init__(self, max_waiting: int = MAX_WAITING) -> None:
        self.max_waiting = max_waiting
        self._changed = threading.Condition()
        self._queue: list[Ticket] = []  # waiting tickets, oldest first
        self._holder: Ticket | None = None

    @property
    def waiting(self) -> int:
        """Answers waiting behind the one being made."""
        with self._changed:
            return len(self._queue)

    @property
    def queued(self) -> int:
        """Answers being made or waiting: how many a question reserved now would wait for."""
        with self._changed:
            return len(self._queue) + (self._holder is not None)

    def reserve(self) -> Ticket:
        """The turn when it is free, else a place in the queue; Busy when the queue is full."""
        with self._changed:
            ticket = Ticket(self)
            if self._holder is None:
                self._holder = ticket
                return ticket
            if len(self._queue) >= self.max_waiting:
                raise Busy(
                    f"the server is busy: {_behind(len(self._queue))}; try again in a minute"
                )
            self._queue.append(ticket)
            return ticket

    def _ahead(self, ticket: Ticket) -> int:
        with self._changed:
            if ticket not in self._queue:
                return 0
            return self._queue.index(ticket) + (self._holder is not None)

    def _take(self, ticket: Ticket, cancelled: threading.Event | None) -> bool:
        """Block until the turn is handed to `ticket` (True), or `cancelled` is set or the
        ticket closed by another thread (False: its place, or the turn handed to it, is given
        back)."""
        with self._changed:
            while ticket._state == "waiting" and not (cancelled is not None and cancelled.is_set()):
                if self._holder is ticket:
                    return True
                self._changed.wait(POLL_SECONDS)
            self._leave(ticket)
            return False

    def _leave(self, ticket: Ticket) -> None:
        with self._changed:
            if self._holder is ticket:
                self._holder = self._queue.pop(0) if self._queue else None
            elif ticket in self._queue:
                self._queue.remove(ticket)
            self._changed.notify_all()


def _behind(waiting: int) -> str:
    """ "an answer is being made", with how many wait behind it."""
    if waiting == 0:
        return "an answer is being made"
    more = "1 more question is" if waiting == 1 else f"{waiting} more questions are"
    return f"an answer is being made and {more} waiting"


class Ticket:
    """The turn, given at once or handed over from a place in a gate's queue, until closed."""

    def __init__(self, gate: Gate) -> None:
        self._gate = gate
        self._state = "waiting"  # then "held", then "closed"
        self._since = time.monotonic()
        self.waited_ms = 0.0  # time spent waiting for the turn

    @property
    def ahead(self) -> int:
        """Answers to be made before this ticket's turn (0 once it holds the turn)."""
        with self._gate._changed:
            return self._gate._ahead(self) if self._state == "waiting" else 0

    def wait(self, cancelled: threading.Event | None = None) -> bool:
        """Block until this ticket's turn (True), or until `cancelled` is set or the ticket is
        closed (False, and the place, or the turn handed to it, is given back)."""
        with self._gate._changed:  # a condition's wait releases it while the ticket waits
            if self._state != "waiting":
                return self._state == "held"
            if not self._gate._take(self, cancelled):
                self._state = "closed"
                return False
            self.waited_ms = (time.monotonic() - self._since) * 1000
            self._state = "held"
            return True

    def close(self) -> None:
        """Give back the turn, or the place in the queue; from any thread (a ticket closed
        while it waits stops waiting)."""
        with self._gate._changed:
            if self._state != "closed":
                self._state = "closed"
                self._gate._leave(self)


class GatedAnswerer(Answerer):
    """An Answerer whose answers take turns through one gate."""

    def __init__(self, settings: Settings, gate: Gate | None = None, **parts: Any) -> None:
        super().__init__(settings, **parts)
        self.gate = gate or Gate()

    def stream(self, question: str, history: Sequence[Message] = ()) -> Iterator[Event]:
        ticket = self.gate.reserve()
        try:
            ticket.wait()
            yield from self.ungated(question, history)
        finally:
            ticket.close()

    def ungated(self, question: str, history: Sequence[Message] = ()) -> Iterator[Event]:
        """The answer's events without taking a turn: the caller holds one."""
        return super().stream(question, history)
