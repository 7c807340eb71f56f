"""Browser chat for rag-news: ask questions, read cited answers, manage the article library.

Contract: `build(settings, answerer)` returns the Gradio app; `serve(settings)` builds it on the
real stack and serves it on settings.host:settings.port (127.0.0.1 by default) without a share
link, analytics, monitoring or run history. Answers stream from `Answerer.stream`: a status line
("searching… / reading N sources / writing / checking"), then the draft (redrawn at most every
STREAM_INTERVAL seconds), then the checked answer, whose [n] markers open the cited source with
its supporting quote highlighted. One generation runs at a time; other questions wait in the
queue and say so. Every string from an article, an upload or the model is HTML-escaped before it
enters the markup built here, so no markup or script from them reaches the page; the page loads
nothing from other hosts. A RagError is shown as its one-line message; any other exception is
logged here and shown as a generic line, never a traceback.
Knows nothing about how answers are made (it sees rag.answer's events and `Answer`), nor about
Chroma, embeddings or model files: the library goes through the `Store` API and rag.articles.
"""

from __future__ import annotations

import html
import logging
import os
import re
import shutil
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"  # before gradio is imported
import gradio as gr

from rag.articles import SUPPORTED_SUFFIXES, Article, LoadFailure, load_file, safe_id
from rag.config import Settings
from rag.errors import InputError, RagError

if TYPE_CHECKING:
    from rag.answer import Answer, Answerer
    from rag.chunk import Chunk
    from rag.cite import Citation
    from rag.retrieve import Hit
    from rag.store import ArticleInfo, Store

log = logging.getLogger(__name__)

TITLE = "rag-news"
SUBTITLE = (
    "Ask questions about your news articles. Answers are written on this machine, and every "
    "sentence is checked against the passage it cites."
)
EXAMPLES = (
    "Who accompanied Kim Jong Un when he arrived in Beijing?",
    "By how much did China's exports to North Korea grow in the first half of 2025?",
    "What did Xi say about the relationship?",
)
STREAM_INTERVAL = 0.1  # seconds between two redraws of a streaming draft
CLOSEST_PASSAGES = 3  # passages shown with an abstention
POPOVER_CONTEXT = 160  # characters of the passage shown around a quote in a marker's popover
GENERIC_ERROR = "Something went wrong on the server; the details are in its log."
QUEUED = "Another question is being answered; yours is queued and starts next."
STAGES = {
    "rewriting": "Reading the conversation…",
    "searching": "Searching the articles…",
    "writing": "Writing…",
    "checking": "Checking every sentence against its sources…",
}

Message = dict[str, str]
Turn = dict[str, str]

# --------------------------------------------------------------------------- rendering helpers


def esc(text: object) -> str:
    """Text made safe for HTML content and attribute values."""
    return html.escape(str(text), quote=True)


def esc_lines(text: str) -> str:
    """Escaped text whose line breaks (and blank lines) become single <br>s."""
    return re.sub(r"[ \t]*\n\s*", "<br>", esc(text))


def outlet(chunk: Chunk) -> str | None:
    """The source's outlet: its `source`, or the host of an http(s) url."""
    if chunk.source:
        return chunk.source
    if chunk.url:
        parsed = urlparse(chunk.url)
        if parsed.scheme in ("http", "https") and parsed.hostname:
            return parsed.hostname.removeprefix("www.")
    return None


def source_line(chunk: Chunk) -> str:
    """Title, outlet and date of a source, escaped."""
    parts = [f'<span class="rag-title">{esc(chunk.title or chunk.doc_id)}</span>']
    if name := outlet(chunk):
        parts.append(f'<span class="rag-outlet">{esc(name)}</span>')
    parts.append(f'<span class="rag-date">{esc(chunk.date or "undated")}</span>')
    return '<span class="rag-sep"> · </span>'.join(parts)


def highlighted(text: str, start: int, end: int) -> str:
    """`text` escaped, with text[start:end] in a <mark>."""
    start, end = max(0, start), min(len(text), end)
    if start >= end:
        return esc_lines(text)
    return (
        f'{esc_lines(text[:start])}<mark class="rag-quote">{esc_lines(text[start:end])}</mark>'
        f"{esc_lines(text[end:])}"
    )


def excerpt(text: str, start: int, end: int, around: int = POPOVER_CONTEXT) -> str:
    """text[start:end] highlighted, with up to `around` characters of context either side
    (cut at a space, marked with …)."""
    left, right = max(0, start - around), min(len(text), end + around)
    if left > 0:
        left = text.find(" ", left, start) + 1 or left
    if right < len(text) and (cut := text.rfind(" ", end, right)) > end:
        right = cut
    body = highlighted(text[left:right], start - left, end - left)
    return ("…" if left > 0 else "") + body + ("…" if right < len(text) else "")


def citation_card(citation: Citation) -> str:
    chunk = citation.chunk
    passage = excerpt(chunk.text, citation.quote_start, citation.quote_end)
    return (
        f'<span class="rag-card-head"><span class="rag-n">{citation.marker}</span> '
        f"{source_line(chunk)}</span>"
        f'<span class="rag-passage">{passage}</span>'
    )


def marker_html(citation: Citation) -> str:
    """An inline [n] that shows its source on hover, focus or click (CSS only)."""
    return (
        f'<span class="rag-cite rag-cite-{citation.marker}" tabindex="0" role="button">'
        f"[{citation.marker}]"
        f'<span class="rag-pop">{citation_card(citation)}</span></span>'
    )


def link_markers(text: str, citations: Sequence[Citation]) -> str:
    """`text` escaped, each [n] with a citation n turned into its marker."""
    by_marker = {c.marker: c for c in citations}

    def replace(match: re.Match[str]) -> str:
        citation = by_marker.get(int(match.group(1)))
        return marker_html(citation) if citation else match.group(0)

    return re.sub(r"\[(\d+)\]", replace, esc(text))


def copies_html(copies: Sequence[Chunk]) -> str:
    """The other articles carrying the same passage (syndicated copies), if any."""
    if not copies:
        return ""
    lines = "; ".join(source_line(c) for c in copies)
    return f'<span class="rag-copies">Same passage also in: {lines}</span>'


def sources_html(citations: Sequence[Citation], retrieved: Sequence[Hit] = ()) -> str:
    """The cited sources, numbered as in the text, each with its quote in context and the
    copies of its passage found in other articles."""
    if not citations:
        return ""
    copies = {h.chunk.chunk_id: h.copies for h in retrieved}
    items = "".join(
        f'<li class="rag-source"><details><summary><span class="rag-n">{c.marker}</span> '
        f"{source_line(c.chunk)}</summary>"
        f'<span class="rag-passage">{highlighted(c.chunk.text, c.quote_start, c.quote_end)}'
        f"</span></details>"
        f'<span class="rag-snippet">“{esc(c.quote)}”</span>'
        f"{copies_html(copies.get(c.chunk.chunk_id, ()))}</li>"
        for c in sorted(citations, key=lambda c: c.marker)
    )
    return f'<div class="rag-sources"><div class="rag-h">Sources</div><ol>{items}</ol></div>'


def passage_html(hit: Hit) -> str:
    return (
        f'<li class="rag-hit"><span class="rag-card-head">{source_line(hit.chunk)}'
        f'<span class="rag-score">similarity {hit.similarity:.2f}</span></span>'
        f'<span class="rag-passage">{esc_lines(hit.chunk.text)}</span></li>'
    )


def others_html(retrieved: Sequence[Hit], citations: Sequence[Citation]) -> str:
    """Retrieved passages that no citation uses, behind a collapsed <details>."""
    cited = {c.chunk.chunk_id for c in citations}
    others = [h for h in retrieved if h.chunk.chunk_id not in cited]
    if not others:
        return ""
    items = "".join(passage_html(h) for h in others)
    return (
        f'<details class="rag-other"><summary>Other retrieved passages ({len(others)})</summary>'
        f'<ul class="rag-hits">{items}</ul></details>'
    )


def closest_html(retrieved: Sequence[Hit]) -> str:
    """The top passages found, shown with an abstention so the reader can judge."""
    if not retrieved:
        return '<p class="rag-muted">No passage in the library came close.</p>'
    top = sorted(retrieved, key=lambda h: h.rank)[:CLOSEST_PASSAGES]
    items = "".join(passage_html(h) for h in top)
    return (
        f'<div class="rag-closest"><div class="rag-h">Closest passages found</div>'
        f'<ul class="rag-hits">{items}</ul></div>'
    )


def seconds(ms: float | None) -> str:
    """A duration for people: "40 ms", "8.8 s"."""
    ms = ms or 0.0
    return f"{ms:.0f} ms" if ms < 1000 else f"{ms / 1000:.1f} s"


def details_html(answer: Answer) -> str:
    """Collapsed facts about how the answer was made."""
    t = answer.timings_ms
    rows: list[tuple[str, str]] = []
    if answer.query.strip() != answer.question.strip():
        rows.append(("Searched for", f"“{esc(answer.query)}”"))
    timing = [f"retrieve {seconds(t.get('retrieve'))}"]
    if "rewrite" in t:
        timing.insert(0, f"rewrite {seconds(t['rewrite'])}")
    timing += [f"first token {seconds(t.get('ttft'))}", f"total {seconds(t.get('total'))}"]
    rows.append(("Time", " · ".join(timing)))
    usage = answer.usage
    rows.append(
        (
            "Tokens",
            f"prompt {int(usage.get('prompt_tokens', 0))} · "
            f"completion {int(usage.get('completion_tokens', 0))}",
        )
    )
    rows.append(("Model", esc(answer.model_file)))
    if answer.abstain_reason:
        rows.append(("Why it abstained", esc(answer.abstain_reason)))
    if answer.confidence is not None:
        rows.append(("Confidence", f"{answer.confidence:.0%} (estimated chance it is right)"))
    notes = [*answer.notes]
    notes += [f"removed: “{s}”" for s in answer.removed]
    if notes:
        rows.append(("Notes", "<br>".join(esc(n) for n in notes)))
    body = "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in rows)
    return f'<details class="rag-meta"><summary>Details</summary><dl>{body}</dl></details>'


def dating_html(answer: Answer) -> str:
    """When the answer holds: the newest cited article's date, and relative dates resolved."""
    notes = [f"{esc(r.text)} = {esc(r.value)}" for r in answer.resolved_dates]
    if answer.as_of:
        notes.insert(0, f"As of {esc(answer.as_of)}, the date of the newest cited article")
    return f'<p class="rag-dating">{" · ".join(notes)}</p>' if notes else ""


def conflicts_html(answer: Answer) -> str:
    """Where another article gives another number than the answer, both with their dates."""
    if not answer.conflicts:
        return ""
    items = "".join(
        f"<li>{marker_html(c.cited)} ({esc(c.cited.chunk.date or 'undated')}) says "
        f"<b>{esc(c.stated)}</b>; {source_line(c.other)} says <b>{esc(c.other_value)}</b>: "
        f'<span class="rag-snippet">“{esc(c.other_quote)}”</span></li>'
        for c in answer.conflicts
    )
    return (
        f'<div class="rag-conflicts"><div class="rag-h">Sources differ</div><ul>{items}</ul></div>'
    )


def render_answer(answer: Answer) -> str:
    """The final answer: text with linked markers, cited sources, other passages, details."""
    if answer.abstained:
        parts = [
            f'<p class="rag-text rag-abstain">{link_markers(answer.text, answer.citations)}</p>',
            closest_html(answer.retrieved),
        ]
    else:
        parts = [
            f'<p class="rag-text">{link_markers(answer.text, answer.citations)}</p>',
            dating_html(answer),
            conflicts_html(answer),
            sources_html(answer.citations, answer.retrieved),
            others_html(answer.retrieved, answer.citations),
        ]
    parts.append(details_html(answer))
    return f'<div class="rag-answer">{"".join(parts)}</div>'


def status_html(text: str) -> str:
    return f'<div class="rag-status" role="status">{esc(text)}</div>'


def streaming_html(status: str, draft: str) -> str:
    """The status line above the draft streamed so far."""
    body = f'<div class="rag-draft">{esc(draft)}</div>' if draft else ""
    return f'<div class="rag-answer rag-streaming">{status_html(status)}{body}</div>'


def error_html(message: str) -> str:
    first_line = next((ln for ln in str(message).splitlines() if ln.strip()), "error").strip()
    return f'<div class="rag-error" role="alert">{esc(first_line)}</div>'


def user_html(question: str, limit: int = 600) -> str:
    shown = question if len(question) <= limit else question[:limit] + "…"
    return f'<div class="rag-question">{esc(shown)}</div>'


def stage_text(stage: str, sources: int = 0) -> str:
    """The status line for a pipeline stage."""
    if stage == "reading" and sources:
        return f"Reading {sources} source{'' if sources == 1 else 's'}…"
    return STAGES.get(stage, f"{stage.capitalize()}…")


def plain_text(text: str) -> str:
    """Answer text without its [n] markers, as earlier turns are given to the model."""
    return " ".join(re.sub(r"\s*\[\d+(?:\s*,\s*\d+)*\]", "", text).split())


def library_html(articles: Sequence[ArticleInfo]) -> str:
    if not articles:
        return (
            '<div class="rag-h">Articles</div>'
            '<p class="rag-muted">The library is empty: add articles below.</p>'
        )
    rows = "".join(
        f"<tr><td>{esc(a.title or a.doc_id)}"
        + (f'<span class="rag-outlet"> · {esc(a.source)}</span>' if a.source else "")
        + f'</td><td class="rag-nowrap">{esc(a.date or "undated")}</td>'
        f'<td class="rag-num">{a.chunks}</td></tr>'
        for a in articles
    )
    total = sum(a.chunks for a in articles)
    return (
        f'<div class="rag-h">Articles <span class="rag-count">{len(articles)} '
        f"article{'s' if len(articles) != 1 else ''}, {total} passages</span></div>"
        '<table class="rag-library"><thead><tr><th>Title</th><th>Date</th>'
        f'<th class="rag-num">Passages</th></tr></thead><tbody>{rows}</tbody></table>'
    )


Report = list[tuple[str, bool]]  # one line each, and whether it reports a success


def report_html(report: Report) -> str:
    return "".join(
        f'<div class="{"rag-ok" if ok else "rag-error"}">{esc(line)}</div>' for line, ok in report
    )


# --------------------------------------------------------------------------- library


def upload_name(original: str) -> str:
    """A safe file name for an upload: the sanitized stem and the lower-case suffix."""
    path = Path(original)
    return safe_id(path.stem) + path.suffix.lower()


def save_upload(source: Path, settings: Settings, original: str | None = None) -> Path:
    """Copy an uploaded file into settings.uploads_dir under a safe name; InputError when its
    type or size is not accepted."""
    name = original or source.name
    suffix = Path(name).suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        kinds = ", ".join(SUPPORTED_SUFFIXES)
        raise InputError(f"{name}: unsupported type {suffix or '(none)'}; use {kinds}")
    size = source.stat().st_size
    if size > settings.max_upload_bytes:
        raise InputError(
            f"{name}: {size:,} bytes is over the {settings.max_upload_bytes:,}-byte limit"
        )
    settings.uploads_dir.mkdir(parents=True, exist_ok=True)
    target = settings.uploads_dir / upload_name(name)
    shutil.copyfile(source, target)
    return target


def ingest_upload(source: Path, store: Store, settings: Settings) -> Report:
    """Save and ingest one upload at once, so the next question can use it."""
    target = save_upload(source, settings)
    items = list(load_file(target))
    articles = [i for i in items if isinstance(i, Article)]
    failed: Report = [
        (f"{source.name}: {_failure_reason(i)}", False) for i in items if isinstance(i, LoadFailure)
    ]
    if not articles:
        target.unlink(missing_ok=True)
        return failed or [(f"{source.name}: no article found", False)]
    synced = store.sync(articles)
    titles = ", ".join(f"“{a.title}”" for a in articles)
    if synced.added:
        line = f"added {titles}"
    elif synced.updated:
        line = f"updated {titles}"
    else:
        line = f"{titles}: already in the library, unchanged"
    return [(line, True), *failed]


def _failure_reason(failure: LoadFailure) -> str:
    return failure.reason.replace(failure.path, Path(failure.path).name)


def uploaded_file(doc_id: str, settings: Settings, remaining: Sequence[str]) -> Path | None:
    """The upload holding this article, when no other article in `remaining` comes from it."""
    folder = settings.uploads_dir
    if not folder.is_dir():
        return None
    for path in sorted(folder.iterdir()):
        if not path.is_file():
            continue
        stem = safe_id(path.stem)
        if path.suffix.lower() == ".jsonl":
            prefix = f"{stem}_"
            if doc_id.startswith(prefix) and not any(r.startswith(prefix) for r in remaining):
                return path
        elif stem == doc_id and path.suffix.lower() in SUPPORTED_SUFFIXES:
            return path
    return None


def remove_article(doc_id: str, store: Store, settings: Settings) -> str:
    """Remove an article from the store, and its uploaded file; a one-line report."""
    titles = {a.doc_id: a.title for a in store.articles()}
    if not store.remove(doc_id):
        raise InputError(f"{doc_id} is not in the library")
    remaining = [a.doc_id for a in store.articles()]
    path = uploaded_file(doc_id, settings, remaining)
    if path is not None:
        path.unlink(missing_ok=True)
    return f"removed “{titles.get(doc_id) or doc_id}”"


def article_choices(articles: Sequence[ArticleInfo]) -> list[tuple[str, str]]:
    return [(f"{a.title or a.doc_id} ({a.date or 'undated'})", a.doc_id) for a in articles]


# --------------------------------------------------------------------------- chat


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


def stream_answer(
    answerer: Answerer, question: str, history: Sequence[Turn], interval: float = STREAM_INTERVAL
) -> Iterator[tuple[str, Answer | None]]:
    """(message HTML, final Answer or None) pairs: status and draft while the answer is made,
    at most one draft redraw per `interval`, then the rendered final answer."""
    from rag.answer import Answer, Status, Token

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


def history_turns(answer: Answer) -> list[Turn]:
    return [
        {"role": "user", "content": answer.question},
        {"role": "assistant", "content": plain_text(answer.text)},
    ]


CSS = """
.gradio-container { max-width: 980px !important; margin: 0 auto !important; }
#rag-header { padding: 18px 4px 6px; }
#rag-header h1 { font-size: 1.9rem; font-weight: 700; margin: 0; letter-spacing: -0.02em; }
#rag-header h1 .rag-dot { color: var(--color-accent); }
#rag-header p { margin: 4px 0 0; color: var(--body-text-color-subdued); font-size: 1rem; }
#chat .message-content { line-height: 1.6; }
.rag-answer { position: relative; }
.rag-text { margin: 0 0 .4em; }
.rag-abstain { font-style: italic; }
.rag-copies { display: block; font-size: .85em; opacity: .75; }
.rag-conflicts { border-left: 3px solid #d97706; padding-left: .6em; margin: .4em 0; }
.rag-dating { font-size: .85em; opacity: .75; margin: .2em 0 .6em; }
.rag-draft { white-space: pre-wrap; opacity: .9; }
.rag-status { display: flex; align-items: center; gap: .55em; font-size: .92em;
  color: var(--body-text-color-subdued); margin: .1em 0 .4em; }
.rag-status::before { content: ""; width: .6em; height: .6em; border-radius: 50%;
  background: var(--color-accent); animation: rag-pulse .9s ease-in-out infinite alternate; }
@keyframes rag-pulse { from { opacity: .25; transform: scale(.8); } to { opacity: 1; } }
.rag-cite { display: inline; cursor: pointer; color: var(--color-accent); font-weight: 600;
  font-size: .8em; padding: 0 .2em; border-radius: 4px; outline: none; }
.rag-cite:hover, .rag-cite:focus { background: var(--color-accent-soft); }
.rag-pop { display: none; position: absolute; left: 0; right: 0; max-width: 44rem; z-index: 20;
  margin-top: 1.5em;
  padding: .75em .95em; border: 1px solid var(--border-color-primary); border-radius: 10px;
  background: var(--background-fill-primary); color: var(--body-text-color);
  box-shadow: 0 10px 28px rgba(0, 0, 0, .18); font-size: var(--text-md); font-weight: 400;
  line-height: 1.55; cursor: auto; text-align: left; }
.rag-cite:hover > .rag-pop, .rag-cite:focus > .rag-pop,
.rag-cite:focus-within > .rag-pop { display: inline-block; }
.rag-card-head { display: block; font-size: .92em; margin-bottom: .35em; }
.rag-passage { display: block; font-size: .92em; color: var(--body-text-color);
  border-left: 3px solid var(--border-color-primary); padding: .15em 0 .15em .7em;
  margin: .35em 0 .2em; }
.rag-title { font-weight: 600; }
.rag-outlet, .rag-date, .rag-sep, .rag-score, .rag-muted { color: var(--body-text-color-subdued); }
.rag-score { float: right; font-size: .85em; }
.rag-n { display: inline-block; min-width: 1.45em; text-align: center; font-size: .8em;
  font-weight: 700; border-radius: 999px; padding: 0 .35em; margin-right: .2em;
  background: var(--color-accent-soft); color: var(--color-accent); }
mark.rag-quote { background: #fde68a; color: #1f2937; padding: 0 .1em; border-radius: 3px; }
.dark mark.rag-quote { background: #a16207; color: #fefce8; }
.rag-h { font-size: .9em; font-weight: 700; color: var(--body-text-color-subdued);
  margin: .9em 0 .3em; }
.rag-count { font-weight: 400; margin-left: .4em; }
.rag-sources ol, .rag-hits { list-style: none; margin: 0; padding: 0; }
.rag-source, .rag-hit { margin: 0 0 .45em; padding: .45em .7em; border-radius: 8px;
  border: 1px solid var(--border-color-primary); background: var(--background-fill-secondary); }
.rag-source details summary { cursor: pointer; font-size: .92em; }
.rag-snippet { display: block; font-size: .88em; color: var(--body-text-color-subdued);
  margin-top: .2em; }
.rag-source details[open] + .rag-snippet { display: none; }
details.rag-other, details.rag-meta { margin-top: .55em; font-size: .9em; }
details.rag-other > summary, details.rag-meta > summary { cursor: pointer;
  color: var(--body-text-color-subdued); }
details.rag-other .rag-hits { margin-top: .5em; }
.rag-meta dl { display: grid; grid-template-columns: max-content 1fr; gap: .2em .9em;
  margin: .5em 0 0; }
.rag-meta dt { color: var(--body-text-color-subdued); }
.rag-meta dd { margin: 0; }
.rag-error { color: var(--error-text-color, #b91c1c); font-weight: 500; }
.rag-ok { color: var(--body-text-color); }
.rag-question { white-space: pre-wrap; }
.rag-library { width: 100%; border-collapse: collapse !important; font-size: .95em;
  border: none !important; }
.rag-library th, .rag-library td { text-align: left; padding: .45em .6em !important;
  border: none !important; border-bottom: 1px solid var(--border-color-primary) !important; }
.rag-library tr, .rag-library thead, .rag-library tbody { border: none !important; }
.rag-library th { font-weight: 600; color: var(--body-text-color-subdued); }
.rag-num { text-align: right !important; }
.rag-nowrap { white-space: nowrap; }
#library-report:empty { display: none; }
.rag-formats { font-size: .9em; margin: 0 0 .2em; }
.rag-formats b { font-size: 1em; font-weight: 600; }
.rag-formats code { font-size: .92em; font-weight: 400; }
#library-report .rag-ok::before { content: "✓ "; color: var(--color-accent); }
"""


FORMATS_HTML = (
    '<p class="rag-muted rag-formats">Up to {size} each. <b>.txt</b>: a first line '
    "<code> date YYYY-MM-DD Title</code>, then the text. <b>.md</b>: YAML front matter with "
    "title, date, source, url. <b>.html</b>: a saved article page. <b>.jsonl</b>: one article "
    "a line with title, date, source, url and text. Uploads are added at once.</p>"
)


def header_html() -> str:
    return (
        f'<div id="rag-header"><h1>{esc(TITLE)}<span class="rag-dot">.</span></h1>'
        f"<p>{esc(SUBTITLE)}</p></div>"
    )


def _theme() -> gr.themes.Base:
    return gr.themes.Default(primary_hue="indigo", neutral_hue="slate", radius_size="md")


class Handlers:
    """The event handlers, over one answerer and its store."""

    def __init__(self, settings: Settings, answerer: Answerer) -> None:
        self.settings = settings
        self.answerer = answerer
        self.store: Store = answerer.store
        self.activity = Activity()

    def start_turn(self, question: str | None, display: list[Message]) -> tuple[Any, ...]:
        """Show the question at once, with a status or queue line, or its error. Outputs:
        chatbot, display, pending question (None when there is nothing to answer), textbox,
        send button, new-chat button (both locked while the answer is made)."""
        text = (question or "").strip()
        if not text:
            return gr.skip(), gr.skip(), None, gr.skip(), gr.skip(), gr.skip()
        display = [*display, {"role": "user", "content": user_html(text)}]
        pending: str | None = None
        try:
            pending = self.answerer.validate(text)
            reply = status_html(QUEUED if self.activity.busy else STAGES["searching"])
        except Exception as exc:
            reply = error_html(friendly(exc))
        display.append({"role": "assistant", "content": reply})
        idle = pending is None
        return (
            display,
            display,
            pending,
            gr.update(value="", interactive=idle),
            gr.update(interactive=idle),
            gr.update(interactive=idle),
        )

    def answer_turn(
        self, pending: str | None, display: list[Message], history: list[Turn]
    ) -> Iterator[tuple[list[Message], list[Message], list[Turn]]]:
        """Stream the answer into the last message. Outputs: chatbot, display, history."""
        if pending is None:
            yield display, display, history
            return
        with self.activity:
            try:
                for message, final in stream_answer(self.answerer, pending, history):
                    display = [*display[:-1], {"role": "assistant", "content": message}]
                    if final is not None:
                        history = [*history, *history_turns(final)]
                    yield display, display, history
            except Exception as exc:
                failed = {"role": "assistant", "content": error_html(friendly(exc))}
                display = [*display[:-1], failed]
                yield display, display, history

    @staticmethod
    def end_turn() -> tuple[Any, Any, Any, None]:
        """Outputs: textbox, send button, new-chat button, pending question."""
        unlocked = gr.update(interactive=True)
        return unlocked, unlocked, unlocked, None

    @staticmethod
    def new_chat() -> tuple[list[Message], list[Message], list[Turn]]:
        return [], [], []

    @staticmethod
    def pick_example(event: gr.SelectData) -> str:
        value = event.value
        return str(value.get("text", "")) if isinstance(value, dict) else str(value)

    def library(self) -> tuple[str, Any]:
        """Outputs: the article list, the removal choices."""
        try:
            articles = self.store.articles()
        except Exception as exc:
            return error_html(friendly(exc)), gr.update(choices=[], value=None)
        return library_html(articles), gr.update(choices=article_choices(articles), value=None)

    def add_files(self, files: list[str] | str | None) -> tuple[str, Any, str, None]:
        """Outputs: the article list, the removal choices, the report, the cleared upload."""
        paths = [files] if isinstance(files, str) else list(files or [])
        report: Report = []
        for path in paths:
            try:
                report += ingest_upload(Path(path), self.store, self.settings)
            except Exception as exc:
                report.append((friendly(exc), False))
        return *self.library(), report_html(report), None

    def remove(self, doc_id: str | None) -> tuple[str, Any, str]:
        """Outputs: the article list, the removal choices, the report."""
        line, ok = "choose an article to remove", False
        if doc_id:
            try:
                line, ok = remove_article(doc_id, self.store, self.settings), True
            except Exception as exc:
                line = friendly(exc)
        return *self.library(), report_html([(line, ok)])


@dataclass
class Ui:
    display: gr.State  # the chat's messages as shown (HTML)
    history: gr.State  # the conversation as plain text, for follow-ups
    pending: gr.State  # the question waiting for its answer
    chatbot: gr.Chatbot
    question: gr.Textbox
    send: gr.Button
    clear: gr.Button
    listing: gr.HTML
    upload: gr.File
    report: gr.HTML
    chosen: gr.Dropdown
    remove: gr.Button


def chat_tab() -> dict[str, Any]:
    chatbot = gr.Chatbot(
        elem_id="chat",
        show_label=False,
        render_markdown=False,
        sanitize_html=True,
        buttons=[],
        feedback_options=None,
        group_consecutive_messages=False,
        height="62vh",
        placeholder=(
            "<strong>Ask about the articles in your library.</strong><br>"
            "Hover or click a marker like [1] to see the passage behind a sentence."
        ),
        examples=[{"text": q} for q in EXAMPLES],
    )
    with gr.Row(equal_height=True):
        question = gr.Textbox(
            elem_id="question",
            show_label=False,
            container=False,
            placeholder="Ask a question about the news…",
            lines=1,
            max_lines=4,
            scale=8,
            autofocus=True,
        )
        send = gr.Button("Ask", variant="primary", scale=1, min_width=90, elem_id="ask-button")
        clear = gr.Button(
            "New chat", variant="secondary", scale=1, min_width=110, elem_id="new-chat"
        )
    return {"chatbot": chatbot, "question": question, "send": send, "clear": clear}


def library_tab(settings: Settings) -> dict[str, Any]:
    listing = gr.HTML(elem_id="library-list")
    size = f"{settings.max_upload_bytes / 1e6:.1f} MB"
    gr.HTML(f'<div class="rag-h">Add articles</div>{FORMATS_HTML.format(size=size)}')
    upload = gr.File(
        label="Article files",
        file_count="multiple",
        file_types=list(SUPPORTED_SUFFIXES),
        type="filepath",
        elem_id="upload",
        height=140,
    )
    report = gr.HTML(elem_id="library-report")
    gr.HTML('<div class="rag-h">Remove an article</div>')
    with gr.Row(equal_height=True):
        chosen = gr.Dropdown(
            choices=[],
            value=None,
            scale=6,
            show_label=False,
            container=False,
            elem_id="remove-choice",
        )
        remove = gr.Button("Remove", variant="stop", scale=1, min_width=110, elem_id="remove")
    return {
        "listing": listing,
        "upload": upload,
        "report": report,
        "chosen": chosen,
        "remove": remove,
    }


def layout(settings: Settings) -> Ui:
    """The page: header, then an Ask tab and a Library tab."""
    states = {"display": gr.State([]), "history": gr.State([]), "pending": gr.State(None)}
    gr.HTML(header_html())
    with gr.Tabs():
        with gr.Tab("Ask", id="ask"):
            chat = chat_tab()
        with gr.Tab("Library", id="library"):
            lib = library_tab(settings)
    return Ui(**states, **chat, **lib)


PRIVATE = {"api_visibility": "private"}  # the page's own events, not a public API


def wire_turn(trigger: Callable[..., Any], ui: Ui, handlers: Handlers, **kwargs: Any) -> None:
    """Question → shown at once (unqueued) → answered (one generation at a time) → input back."""
    (
        trigger(
            handlers.start_turn,
            inputs=[ui.question, ui.display],
            outputs=[ui.chatbot, ui.display, ui.pending, ui.question, ui.send, ui.clear],
            queue=False,
            **PRIVATE,
            **kwargs,
        )
        .then(
            handlers.answer_turn,
            inputs=[ui.pending, ui.display, ui.history],
            outputs=[ui.chatbot, ui.display, ui.history],
            concurrency_limit=1,
            concurrency_id="model",
            show_progress="hidden",
            **PRIVATE,
        )
        .then(
            handlers.end_turn,
            outputs=[ui.question, ui.send, ui.clear, ui.pending],
            queue=False,
            **PRIVATE,
        )
    )


def wire(demo: gr.Blocks, ui: Ui, handlers: Handlers) -> None:
    wire_turn(ui.question.submit, ui, handlers)
    wire_turn(ui.send.click, ui, handlers)
    example = ui.chatbot.example_select(
        handlers.pick_example, outputs=[ui.question], queue=False, **PRIVATE
    )
    wire_turn(example.then, ui, handlers)
    for reset in (ui.clear.click, ui.chatbot.clear):
        reset(
            handlers.new_chat, outputs=[ui.chatbot, ui.display, ui.history], queue=False, **PRIVATE
        )
    library = {"concurrency_limit": 1, "concurrency_id": "library", **PRIVATE}
    ui.upload.upload(
        handlers.add_files,
        inputs=[ui.upload],
        outputs=[ui.listing, ui.chosen, ui.report, ui.upload],
        **library,
    )
    ui.remove.click(
        handlers.remove, inputs=[ui.chosen], outputs=[ui.listing, ui.chosen, ui.report], **library
    )
    demo.load(handlers.library, outputs=[ui.listing, ui.chosen], **library)


def build(settings: Settings, answerer: Answerer | None = None) -> gr.Blocks:
    """The app over this answerer (by default the real one for these settings)."""
    if answerer is None:
        from rag.answer import Answerer

        answerer = Answerer(settings)
    handlers = Handlers(settings, answerer)
    with gr.Blocks(title=TITLE, analytics_enabled=False) as demo:
        wire(demo, layout(settings), handlers)
    return demo


def launch_options(settings: Settings) -> dict[str, Any]:
    """Safe defaults: local address, no share link, no error details, nothing phoned home."""
    return {
        "server_name": settings.host,
        "server_port": settings.port,
        "share": False,
        "show_error": False,
        "inbrowser": False,
        "max_file_size": settings.max_upload_bytes,
        "footer_links": [],
        "run_history": False,
        "enable_monitoring": False,
        "mcp_server": False,
        "pwa": False,
        "ssr_mode": False,
        "theme": _theme(),
        "css": CSS,
    }


def serve(settings: Settings) -> None:
    """Load the store and the model, then serve the chat until interrupted."""
    from rag.answer import Answerer

    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
        logging.getLogger("httpx").setLevel(logging.WARNING)  # gradio's own startup checks
    answerer = Answerer(settings)
    log.info("loading the model %s", settings.model)
    answerer.model  # noqa: B018 - load now, so the first question does not wait for it
    demo = build(settings, answerer)
    demo.queue(default_concurrency_limit=1)
    demo.launch(**launch_options(settings))
