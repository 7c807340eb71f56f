"""The chat's HTML, rendered from the Jinja2 templates in `templates/`.

Contract: every function here returns a complete piece of HTML from one template, rendered by
one environment with autoescape on and StrictUndefined (a missing variable is an error, not an
empty string). Python computes what to show (which passages, where a quote starts, the
timings as words) and hands the templates plain data: strings, numbers and the pipeline's
dataclasses; it never writes markup or escapes text itself, so every string from an article,
an upload or the model reaches the page as text. A source's title links to its article's URL
(`web_link`: http and https only; opened in a new tab, without referrer or opener; nothing
from it is loaded by the page itself). Template files are written one element a
line: when a template loads, each line break and the indentation after it are dropped (the
chat shows its markup inline, where a line break would be a visible space), so a space
between two lines is written `{{ " " }}`.
Knows nothing about Gradio, the store or how answers are made; it reads `Answer` and its parts.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlparse

from jinja2 import Environment, FileSystemLoader, StrictUndefined, Template
from jinja2.ext import Extension

if TYPE_CHECKING:
    from rag.answer import Answer
    from rag.chunk import Chunk
    from rag.cite import Citation
    from rag.retrieve import Hit
    from rag.stored import ArticleInfo

TEMPLATES = Path(__file__).resolve().parent / "templates"
CLOSEST_PASSAGES = 3  # passages shown with an abstention
POPOVER_CONTEXT = 160  # characters of the passage shown around a quote in a marker's popover
QUESTION_LIMIT = 600  # characters of a question shown in the chat
# (lowest percentage, words): an answer's estimated chance of being right, as the page says it
CONFIDENCE_BANDS = ((90, "very likely right"), (70, "likely right"), (50, "uncertain"))
LOW_CONFIDENCE = "doubtful"  # under the lowest band
_MARKER = re.compile(r"\[(\d+)\]")  # one citation marker, linked to its citation
_BREAK = re.compile(r"[ \t]*\n\s*")  # a line break in text, with the blank space around it
_SOURCE_BREAK = re.compile(r"\n\s*")  # a line break in a template file, with the indentation


@dataclass(frozen=True)
class Passage:
    """A passage cut in three around its quote (empty when nothing is highlighted), and
    whether text was cut off before or after it."""

    before: str
    quote: str
    after: str
    cut_left: bool = False
    cut_right: bool = False


def split_at(text: str, start: int, end: int) -> Passage:
    """`text` with text[start:end] as its quote (offsets clamped; none when empty)."""
    start, end = max(0, start), min(len(text), end)
    if start >= end:
        return Passage(text, "", "")
    return Passage(text[:start], text[start:end], text[end:])


def highlight(citation: Citation) -> Passage:
    """The cited chunk's whole text with its quote."""
    return split_at(citation.chunk.text, citation.quote_start, citation.quote_end)


def excerpt(citation: Citation, around: int = POPOVER_CONTEXT) -> Passage:
    """The quote with up to `around` characters of context either side, cut at a space."""
    text, start, end = citation.chunk.text, citation.quote_start, citation.quote_end
    left, right = max(0, start - around), min(len(text), end + around)
    if left > 0:
        left = text.find(" ", left, start) + 1 or left
    if right < len(text) and (cut := text.rfind(" ", end, right)) > end:
        right = cut
    inner = split_at(text[left:right], start - left, end - left)
    return Passage(inner.before, inner.quote, inner.after, left > 0, right < len(text))


def web_link(url: str | None) -> str | None:
    """`url` when it is an absolute http(s) address with a host, fit for a link; else None
    (a javascript:, data: or relative URL is never a link)."""
    try:
        parsed = urlparse((url or "").strip())
        host = parsed.hostname
    except ValueError:  # a malformed address, such as an unclosed IPv6 bracket
        return None
    return parsed.geturl() if parsed.scheme.lower() in ("http", "https") and host else None


def outlet(chunk: Chunk) -> str | None:
    """The source's outlet: its `source`, or the host of an http(s) url."""
    if chunk.source:
        return chunk.source
    link = web_link(chunk.url)
    host = urlparse(link).hostname if link else None
    return host.removeprefix("www.") if host else None


def linked_parts(text: str, citations: Sequence[Citation]) -> list[str | Citation]:
    """`text` split at its markers: each [n] with a citation n becomes that Citation; a
    marker without one stays text."""
    by_marker = {c.marker: c for c in citations}
    parts: list[str | Citation] = []
    done = 0
    for match in _MARKER.finditer(text):
        if (citation := by_marker.get(int(match.group(1)))) is not None:
            parts += [text[done : match.start()], citation]
            done = match.end()
    return [*parts, text[done:]]


def seconds(ms: float | None) -> str:
    """A duration for people: "40 ms", "8.8 s"."""
    ms = ms or 0.0
    return f"{ms:.0f} ms" if ms < 1000 else f"{ms / 1000:.1f} s"


def timing(timings_ms: dict[str, float]) -> list[str]:
    """The answer's stages with their durations, in order."""
    t = timings_ms
    return [
        f"retrieve {seconds(t.get('retrieve'))}",
        f"first token {seconds(t.get('ttft'))}",
        f"total {seconds(t.get('total'))}",
    ]


def dating(answer: Answer) -> list[str]:
    """When the answer holds: the newest cited article's date, and relative dates resolved."""
    notes = [f"{r.text} = {r.value}" for r in answer.resolved_dates]
    if answer.as_of:
        notes.insert(0, f"As of {answer.as_of}, the date of the newest cited article")
    return notes


def confidence_words(confidence: float) -> str:
    """ "likely right, 81%": the band's words (CONFIDENCE_BANDS, by the rounded percentage,
    so words and number always agree) and the percentage."""
    percent = round(confidence * 100)
    words = next((w for low, w in CONFIDENCE_BANDS if percent >= low), LOW_CONFIDENCE)
    return f"{words}, {percent}%"


def by_score(hits: Sequence[Hit]) -> list[Hit]:
    """Passages, the most similar to the query first."""
    return sorted(hits, key=lambda h: -h.similarity)


def first_line(message: str) -> str:
    """The first non-blank line of a message ("error" when there is none)."""
    return next((ln for ln in message.splitlines() if ln.strip()), "error").strip()


class _Joined(Extension):
    """Drops each line break of a template's source and the indentation after it."""

    def preprocess(self, source: str, name: str | None, filename: str | None = None) -> str:
        return _SOURCE_BREAK.sub("", source)


@functools.cache
def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=StrictUndefined,
        extensions=[_Joined],
    )
    env.filters["breaks"] = _BREAK.split
    env.globals.update(outlet=outlet, excerpt=excerpt, highlight=highlight, link=web_link)
    return env


def _template(name: str) -> Template:
    return _environment().get_template(name)


def render_answer(answer: Answer) -> str:
    """The final answer: text with linked markers, cited sources, other passages, details."""
    cited = {c.chunk.chunk_id for c in answer.citations}
    return _template("answer.html").render(
        answer=answer,
        parts=linked_parts(answer.text, answer.citations),
        dating=dating(answer),
        copies={h.chunk.chunk_id: h.copies for h in answer.retrieved},
        others=by_score([h for h in answer.retrieved if h.chunk.chunk_id not in cited]),
        closest=by_score(sorted(answer.retrieved, key=lambda h: h.rank)[:CLOSEST_PASSAGES]),
        confidence=None if answer.confidence is None else confidence_words(answer.confidence),
        searched=answer.query if answer.query.strip() != answer.question.strip() else None,
        timing=timing(answer.timings_ms),
        notes=[*answer.notes, *(f"removed: “{s}”" for s in answer.removed)],
    )


def status_html(status: str, seconds: int = 0, done: bool = False) -> str:
    """A status line (`done`: a final one, such as "Stopped.", without the busy sign)."""
    return _template("status.html").render(status=status, seconds=seconds, done=done)


def count_html(note: str, refusal: str | None) -> str:
    """The live count under the question box, and why the question is refused when it is."""
    return _template("count.html").render(note=note, refusal=refusal)


def streaming_html(status: str, draft: str, seconds: int = 0) -> str:
    """The status line, with the seconds since the question was asked, above the draft."""
    return _template("streaming.html").render(
        status=status, draft=draft, seconds=seconds, done=False
    )


def error_html(message: str) -> str:
    """The first line of an error message."""
    return _template("error.html").render(message=first_line(str(message)))


def question_html(question: str, limit: int = QUESTION_LIMIT) -> str:
    shown = question if len(question) <= limit else question[:limit] + "…"
    return _template("question.html").render(question=shown)


def library_html(articles: Sequence[ArticleInfo]) -> str:
    passages = sum(a.chunks for a in articles)
    return _template("library.html").render(articles=articles, passages=passages)


def report_html(report: Sequence[tuple[str, bool]]) -> str:
    """(line, success) pairs, one line each."""
    return _template("report.html").render(report=report)


def confirm_html(title: str) -> str:
    """The question asked before an article is removed."""
    return _template("confirm.html").render(title=title)


def header_html(title: str, subtitle: str) -> str:
    return _template("header.html").render(title=title, subtitle=subtitle)


def heading_html(text: str) -> str:
    return _template("heading.html").render(text=text)


def formats_html(max_bytes: int) -> str:
    """The upload section's heading and the formats it accepts, up to `max_bytes` each."""
    return _template("formats.html").render(size=f"{max_bytes / 1e6:.1f} MB")


def web_html(max_urls: int, max_pages: int) -> str:
    """The web section's heading and what it takes."""
    return _template("web.html").render(max_urls=max_urls, max_pages=max_pages)


def placeholder_html() -> str:
    return _template("placeholder.html").render()
