"""The conversation's logic, apart from its layout: answers streamed as HTML, the history kept
for follow-ups, the question's length against its limit, confidence in words, and errors as
one line.

Contract: `stream_answer` turns an `AnswerRun`'s progress (rag.ui.worker) into (message HTML,
final Answer or None) pairs: while waiting, the questions ahead; then a status line worded from
each `Status` stage, with the seconds since the question was asked (redrawn when the second
changes); the draft redrawn at most every STREAM_INTERVAL seconds; then the checked answer, or,
when the run was cancelled (Stop), the line STOPPED as its last message.
Earlier turns are kept as plain text without [n] markers, as the model is given them. A
RagError is shown as its message, a sentence; any other exception is logged here with its
traceback and shown as GENERIC_ERROR. `length_note` is the live count under the question box;
`too_long` the sentence refusing a question over the limit, counted as rag.answer counts it
(white space collapsed).
Knows nothing about Gradio, nor how answers are made beyond rag.answer's events and `Answer`.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator

from rag.answer import Answer, Stage
from rag.errors import RagError
from rag.text import strip_citation_markers
from rag.ui.render import render_answer, status_html, streaming_html
from rag.ui.worker import AnswerRun, Progress

log = logging.getLogger(__name__)

STREAM_INTERVAL = 0.1  # seconds between two redraws of a streaming draft
GENERIC_ERROR = "Something went wrong on the server; the details are in its log."
STOPPED = "Stopped. Your question is back in the box."
STAGES: dict[Stage, str] = {
    "searching": "Searching the articles…",
    "reading": "Reading…",
    "writing": "Writing…",
    "checking": "Checking every sentence against its sources…",
}
_PLAIN_WORD = re.compile(r"[a-z]+(?:[\s,;]|$)")  # a first word that is a plain word
_CLOSING = tuple(".,;:!?")  # punctuation a removed marker stood before: "came [1]." is "came."

Message = dict[str, str]  # one chat message as shown: role and HTML content
Turn = dict[str, str]  # one turn of the conversation: role and plain text


def sentence(text: str) -> str:
    """`text` as a sentence: a capital first letter when it starts with a plain word (never a
    file name or an address), and a full stop."""
    text = text.strip()
    if not text:
        return text
    if _PLAIN_WORD.match(text):
        text = text[0].upper() + text[1:]
    return text if text.endswith((".", "!", "?", "…")) else text + "."


def counted(question: str) -> int:
    """The question's length as the answerer counts it: white space collapsed."""
    return len(" ".join(question.split()))


def length_note(question: str | None, limit: int) -> str:
    """The live count under the question box: "120 / 2,000 characters"."""
    return f"{counted(question or ''):,} / {limit:,} characters"


def too_long(question: str, limit: int) -> str | None:
    """The sentence refusing a question over the limit; None when it fits."""
    n = counted(question)
    if n <= limit:
        return None
    return (
        f"Your question is {n:,} characters long and the limit is {limit:,}: "
        f"shorten it by {n - limit:,} to ask it."
    )


def ahead_text(ahead: int) -> str:
    """ "1 question ahead of yours"."""
    return f"{ahead} question{'' if ahead == 1 else 's'} ahead of yours…"


def friendly(exc: BaseException) -> str:
    """A one-line message for an exception; unexpected ones are logged with their traceback."""
    if isinstance(exc, RagError):
        return sentence(str(exc))
    log.error("unexpected error", exc_info=exc)
    return GENERIC_ERROR


def stage_text(stage: Stage, sources: int = 0) -> str:
    """The status line for a pipeline stage."""
    if stage == "reading" and sources:
        # the model reads the best of the passages found; the answer lists them all
        best = "most relevant passage" if sources == 1 else f"{sources} most relevant passages"
        return f"Reading the {best} found…"
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


def progress_text(progress: Progress) -> str:
    """The status line of an answer being made: the questions ahead, or the stage."""
    if progress.status is None:
        return ahead_text(progress.ahead) if progress.ahead else STAGES["searching"]
    return stage_text(progress.status.stage, progress.sources)


def stream_answer(
    run: AnswerRun, interval: float = STREAM_INTERVAL
) -> Iterator[tuple[str, Answer | None]]:
    """(message HTML, final Answer or None) pairs: the status with the seconds waited, and the
    draft redrawn at most once per `interval`, then the rendered final answer, or STOPPED when
    the run is cancelled first (its last message, so no earlier redraw can land after it)."""
    shown: tuple[str, int, int] | None = None  # (status, whole seconds, draft length) drawn
    drawn_at = 0.0
    for progress in run.watch():
        if progress.answer is not None:
            yield render_answer(progress.answer), progress.answer
            return
        status, seconds = progress_text(progress), int(progress.elapsed)
        now = (status, seconds, len(progress.draft))
        if now == shown:
            continue
        if shown and now[:2] == shown[:2] and progress.elapsed - drawn_at < interval:
            continue  # only the draft grew, and it was drawn a moment ago
        shown, drawn_at = now, progress.elapsed
        yield streaming_html(status, progress.draft, seconds), None
    yield status_html(STOPPED, done=True), None
