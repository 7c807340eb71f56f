"""One answer for the page, made in a worker thread in its turn and watched while it is made.

Contract: `turns(answerer)` is the gate an answerer's answers take turns through (a
`GatedAnswerer`'s, shared with the API, or a new one for a plain `Answerer`) and its events
without that gate. `AnswerRun(gate, events, question, history)` takes the turn or a place in
the queue at once (`Busy` when the queue is full) and starts a thread that waits for its turn,
then reads the answer's events. `watch()` yields a `Progress` at every event and at least every
POLL_SECONDS while nothing happens (so the page can count the seconds and the questions
ahead); it ends after the final `Answer`, within POLL_SECONDS of `cancel()` (without one), or
raises what the answer raised. `cancel()` (idempotent, from any thread; also when the watching
generator is closed) makes the thread give back its place, or stop at the answer's next event
and close the answer's event stream: the model's generation ends and the turn is free for the
next question.
Knows nothing about Gradio, HTML or how answers are made beyond rag.answer's events.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import closing
from dataclasses import dataclass, field, replace

from rag.answer import Answer, Answerer, Event, Status, Token
from rag.api.gate import Gate, GatedAnswerer
from rag.chat import Message

POLL_SECONDS = 0.25  # longest time between two snapshots while nothing happens
Events = Callable[[str, Sequence[Message]], Iterator[Event]]


def turns(answerer: Answerer) -> tuple[Gate, Events]:
    """The gate an answerer's answers take turns through, and its events without the gate."""
    if isinstance(answerer, GatedAnswerer):
        return answerer.gate, answerer.ungated
    return Gate(), answerer.stream


@dataclass
class Progress:
    """What is known of an answer being made, at one moment."""

    ahead: int = 0  # answers to be made before this one starts
    status: Status | None = None  # the stage begun last (None while waiting)
    draft: str = ""  # the model's reply so far
    elapsed: float = 0.0  # seconds since the question was asked
    answer: Answer | None = None  # the final answer, once made
    sources: int = 0  # how many passages the model reads (0 until it reads)


@dataclass
class _Done:
    error: BaseException | None = None


@dataclass
class AnswerRun:
    gate: Gate
    events: Events
    question: str
    history: Sequence[Message] = ()
    cancelled: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self) -> None:
        self._ticket = self.gate.reserve()
        self._started = time.monotonic()
        self._queue: queue.Queue[Event | _Done] = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="answer", daemon=True)
        self._thread.start()

    def cancel(self) -> None:
        self.cancelled.set()

    def _run(self) -> None:
        try:
            if self._ticket.wait(self.cancelled):
                events = self.events(self.question, list(self.history))
                with closing(events):
                    for event in events:
                        if self.cancelled.is_set():
                            break
                        self._queue.put(event)
            self._queue.put(_Done())
        except Exception as exc:
            self._queue.put(_Done(exc))
        finally:
            self._ticket.close()

    def watch(self) -> Iterator[Progress]:
        """Snapshots until the final answer (see the module's contract)."""
        progress = Progress()
        try:
            while not self.cancelled.is_set():
                try:
                    item = self._queue.get(timeout=POLL_SECONDS)
                except queue.Empty:
                    item = None
                if isinstance(item, _Done):
                    if item.error is not None:
                        raise item.error
                    return
                if isinstance(item, Status):
                    progress.status = item
                    progress.sources = item.sources or progress.sources
                elif isinstance(item, Token):
                    progress.draft += item.text
                elif isinstance(item, Answer):
                    progress.answer = item
                progress.ahead = self._ticket.ahead
                progress.elapsed = time.monotonic() - self._started
                yield replace(progress)
                if progress.answer is not None:
                    return
        finally:
            self.cancel()
