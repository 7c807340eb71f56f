"""One answer for the API, made in a worker thread in its turn, awaited or streamed.

Contract: an `AnswerJob` holds a ticket already reserved (rag.api.gate), waits for its turn in a
worker thread, runs `GatedAnswerer.ungated`, and notes the stage reached; once `cancelled` is
set (the client went away), it gives back its place or its turn, or stops at the next event,
which closes the model's generation and frees the turn. `start(job, pool)` runs it at once (so
that a reply never begun still frees the turn); `answer(job, future)` awaits the final `Answer`;
`sse(job, future, ...)` yields the events of a streamed reply: the role chunk at once, a comment
naming the stage every KEEPALIVE_SECONDS while the answer is made (the draft is never sent),
then the final text in a few deltas, the last chunk with the extras, and `[DONE]`; an error
after the stream began is sent as one `{"error": ...}` event, as OpenAI does.
Knows nothing about HTTP routes or how answers are made beyond rag.answer's events.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Sequence
from concurrent.futures import Executor
from contextlib import closing

from rag.answer import Answer, Status
from rag.api import responses
from rag.api.errors import from_exception
from rag.api.gate import GatedAnswerer, Ticket
from rag.chat import Message

KEEPALIVE_SECONDS = 5.0


class Cancelled(Exception):
    """The client went away before its answer was made."""


class AnswerJob:
    """One question answered in its turn; `run` blocks, in a worker thread."""

    def __init__(
        self,
        answerer: GatedAnswerer,
        ticket: Ticket,
        question: str,
        history: Sequence[Message] = (),
    ) -> None:
        self.answerer = answerer
        self.ticket = ticket
        self.question = question
        self.history = list(history)
        self.cancelled = threading.Event()
        self.stage = "queued"

    @property
    def waited_ms(self) -> float:
        return self.ticket.waited_ms

    def run(self) -> Answer:
        try:
            if not self.ticket.wait(self.cancelled):
                raise Cancelled()
            self.stage = "searching"
            events = self.answerer.ungated(self.question, self.history)
            with closing(events):
                for event in events:
                    if self.cancelled.is_set():
                        raise Cancelled()
                    if isinstance(event, Status):
                        self.stage = event.stage
                    elif isinstance(event, Answer):
                        return event
            raise RuntimeError("the answer's events ended without an answer")
        finally:
            self.ticket.close()


def start(job: AnswerJob, pool: Executor) -> asyncio.Future[Answer]:
    """Run the job in `pool`; its failure is read by whoever awaits it, or dropped."""
    future = asyncio.get_running_loop().run_in_executor(pool, job.run)
    future.add_done_callback(lambda done: done.cancelled() or done.exception())
    return future


async def answer(job: AnswerJob, future: asyncio.Future[Answer]) -> Answer:
    """The answer of a job already started (`start`); the job is cancelled if this await is."""
    try:
        return await asyncio.shield(future)
    finally:
        if not future.done():
            job.cancelled.set()


async def sse(
    job: AnswerJob, future: asyncio.Future[Answer], model: str, rid: str, created: int
) -> AsyncIterator[str]:
    """The server-sent events of a streamed reply (see the module's contract), for a job
    already started (`start`): a stream that never begins then still frees the turn."""
    try:
        yield responses.event(responses.first_chunk(model, rid, created))
        while not future.done():
            await asyncio.wait({future}, timeout=KEEPALIVE_SECONDS)
            if not future.done():
                yield responses.comment(job.stage)
        try:
            final = future.result()
        except Exception as exc:
            yield responses.event(from_exception(exc).body())
            return
        for piece in responses.answer_chunks(final, model, rid, created):
            yield responses.event(piece)
        yield responses.DONE
    finally:
        if not future.done():
            job.cancelled.set()
