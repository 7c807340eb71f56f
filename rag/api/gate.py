"""Turns for answers: one answer at a time in this process, and a bounded queue of waiting ones.

Contract: `Gate.reserve()` takes a place in the queue at once, or raises `Busy` when
`max_waiting` answers already wait; the `Ticket` then waits for the turn (`wait`, which gives up
when its `cancelled` event is set) and holds it until `close()` (idempotent; it also gives back
a place never used). `GatedAnswerer` is an `Answerer` whose `stream` takes its turn this way, so
the browser chat and the API, sharing one, never interleave their model calls; `ungated` is the
plain stream for a caller that holds a ticket itself.
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
    """One turn at a time; at most `max_waiting` tickets wait for it."""

    def __init__(self, max_waiting: int = MAX_WAITING) -> None:
        self.max_waiting = max_waiting
        self._turn = threading.Lock()
        self._count = threading.Lock()
        self._waiting = 0

    @property
    def waiting(self) -> int:
        return self._waiting

    def reserve(self) -> Ticket:
        """A place in the queue; Busy when it is full."""
        with self._count:
            if self._waiting >= self.max_waiting:
                raise Busy(
                    f"the server is busy: {self._waiting} questions are waiting; "
                    "try again in a minute"
                )
            self._waiting += 1
        return Ticket(self)

    def _leave_queue(self) -> None:
        with self._count:
            self._waiting -= 1


class Ticket:
    """A place in a gate's queue, then its turn, until closed."""

    def __init__(self, gate: Gate) -> None:
        self._gate = gate
        self._state = "waiting"  # then "held", then "closed"
        self._since = time.monotonic()
        self.waited_ms = 0.0  # time spent waiting for the turn

    def wait(self, cancelled: threading.Event | None = None) -> bool:
        """Block until this ticket's turn (True), or until `cancelled` is set (False, and the
        place is given back)."""
        if self._state != "waiting":
            return self._state == "held"
        while not self._gate._turn.acquire(timeout=POLL_SECONDS):
            if cancelled is not None and cancelled.is_set():
                self.close()
                return False
        self.waited_ms = (time.monotonic() - self._since) * 1000
        self._state = "held"
        self._gate._leave_queue()
        return True

    def close(self) -> None:
        """Give back the turn, or the place in the queue."""
        if self._state == "held":
            self._gate._turn.release()
        elif self._state == "waiting":
            self._gate._leave_queue()
        self._state = "closed"


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
