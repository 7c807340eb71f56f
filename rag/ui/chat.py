"""The conversation's logic, apart from its layout: answers streamed as HTML, the history kept
for follow-ups, the count of running generations, and errors as one line.

Contract: `stream_answer` turns `Answerer.stream`'s events into (message HTML, final Answer or
None) pairs: a status line worded from each `Status` stage and its numbers, the draft redrawn
at most every STREAM_INTERVAL seconds, then the checked answer. Earlier turns are kept as
plain text without [n] markers, as the model is given them. A RagError is shown as its
message; any other exception is logged here with its traceback and shown as GENERIC_ERROR.
Knows nothing about Gradio, nor how answers are made beyond rag.answer's events and `Answer`.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator, Sequence

from rag.answer import Answer, Answerer, Stage, Status, Token
from rag.errors import RagError
from rag.text import strip_citation_markers
from rag.ui.render import render_answer, streaming_html

log = logging.getLogger(__name__)

STREAM_INTERVAL = 0.1  # seconds between two redraws of a streaming draft
GENERIC_ERROR = "Something went wrong on the server; the details are in its log."
QUEUED = "Another question is being answered; yours is queued and starts next."
STAGES: dict[Stage, str] = {
    "rewriting": "Reading the conversation…",
    "searching": "Searching the articles…",
    "reading": "Reading…",
    "writing": "Writing…",
    "checking": "Checking every sentence against its sources…",
}
_CLOSING = tuple(".,;:!?")  # punctuation a removed marker stood before: "came [1]." is "came."

Message = dict[str, str]  # one chat message as shown: role and HTML content
Turn = dict[str, str]  # one turn of the conversation: role and plain text


class Activity:
    """How many generations are running, to tell a waiting user why."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._running = 0

    @property
    def busy(self) -> bool:
        return self._running > 0

    def __enter__(self) -> Activity:
        with self._lock:
            self._running += 1
        return self

    def __exit__(self, *exc: object) -> None:
        with self._lock:
            self._running -= 1


def friendly(exc: BaseException) -> str:
    """A one-line message for an exception; unexpected ones are logged with their traceback."""
    if isinstance(exc, RagError):
        return str(exc)
    log.error("unexpected error", exc_info=exc)
    return GENERIC_ERROR


def stage_text(stage: Stage, sources: int = 0) -> str:
    """The status line for a pipeline stage."""
    if stage == "reading" and sources:
        return f"Reading {sources} source{'' if sources == 1 else 's'}…"
    return STAGES.get(stage, f"{stage.capitalize()}…")


def plain_text(text: str) -> str:
    """Answer text without its [n] markers, as earlier turns are given to the model."""
    words: list[str] = []
    for word in strip_citation_markers(text).split():
        if words and word.startswith(_CLOSING) and not any(ch.isalnum() for ch in word):
            words[-1] += word  # what stood after a marker: "came [1]." is "came."
        else:
            words.append(word)
    return " ".join(words)


def history_turns(answer: Answer) -> list[Turn]:
    return [
        {"role": "user", "content": answer.question},
        {"role": "assistant", "content": plain_text(answer.text)},
    ]


def stream_answer(
    answerer: Answerer, question: str, history: Sequence[Turn], interval: float = STREAM_INTERVAL
) -> Iterator[tuple[str, Answer | None]]:
    """(message HTML, final Answer or None) pairs: status and draft while the answer is made,
    at most one draft redraw per `interval`, then the rendered final answer."""
    status, draft, shown = STAGES["searching"], "", 0.0
    for event in answerer.stream(question, list(history)):
        if isinstance(event, Status):
            status = stage_text(event.stage, event.sources)
        elif isinstance(event, Token):
            draft += event.text
            if time.monotonic() - shown < interval:
                continue
        elif isinstance(event, Answer):
            yield render_answer(event), event
            return
        shown = time.monotonic()
        yield streaming_html(status, draft), None
