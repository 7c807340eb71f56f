"""The Library tab's logic, apart from its layout: uploads ingested at once and reported, web
addresses fetched and ingested at once and reported, an article removed together with the
upload it came from (and kept, to be put back by an undo), the removal list.

Contract: the work is rag.library's (the same rules for the page and the HTTP API: supported
suffixes, `settings.max_upload_bytes`, safe names in `settings.uploads_dir`; for the web, the
guarded fetcher and its limits); this module words its results as one-line reports,
`(line, success)` pairs: one per article (added, updated or unchanged) and one per failure. A
refused upload is an InputError naming the file. `remove_article` returns, with its line, a
`Removed`: the upload's bytes when the article came from an upload holding it alone, else the
article's fields rebuilt from its passages; `undo` saves that again and ingests it at once.
Knows nothing about Gradio, HTML or how answers are made; the store is used through its API.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from rag import library as shared
from rag.chunk import chunk_id
from rag.config import Settings
from rag.library import save_upload, upload_name, uploaded_file

if TYPE_CHECKING:
    from rag.chunk import Chunk
    from rag.store import Store
    from rag.stored import ArticleInfo

__all__ = [
    "CHOOSE",
    "Removed",
    "Report",
    "article_choices",
    "ingest_links",
    "ingest_upload",
    "rebuilt_text",
    "remove_article",
    "save_upload",
    "undo",
    "upload_name",
    "uploaded_file",
]

Report = list[tuple[str, bool]]  # one line each, and whether it reports a success
CHOOSE = ("Choose an article to remove…", "")  # the removal list's first entry: no article


@dataclass(frozen=True)
class Removed:
    """What putting a removed article back needs: its upload's name and bytes, or its fields."""

    doc_id: str
    title: str
    name: str = ""  # the upload's file name ("" when the fields are kept instead)
    data: bytes = b""
    date: str | None = None
    source: str | None = None
    url: str | None = None
    text: str = ""


def ingest_upload(source: Path, store: Store, settings: Settings) -> Report:
    """Save and ingest one upload at once; a file holding no article is not kept."""
    got = shared.ingest_file(source, store, settings)
    failed: Report = [(f"{got.name}: {reason}", False) for reason in got.failures]
    if not got.articles:
        return failed
    titles = ", ".join(f"“{a.title}”" for a in got.articles)
    status = "added" if got.added else "updated" if got.updated else "unchanged"
    return [(status_line(titles, status), True), *failed]


def status_line(titles: str, status: str) -> str:
    """What the store did with these articles, in words."""
    if status == "unchanged":
        return f"{titles}: already in the library, unchanged"
    return f"{status} {titles}"


def ingest_links(text: str, store: Store, settings: Settings) -> Report:
    """Fetch what each web address in `text` (separated by white space) serves, a page or a
    feed's or a sitemap's pages, and ingest the articles at once; a line each."""
    links = text.split()
    if not links:
        return [("paste the address of a page, an RSS or Atom feed, or a sitemap", False)]
    got = shared.ingest_web(store, settings, links=links)
    report: Report = [
        (status_line(f"“{a.title}”", got.status(a.doc_id)), True) for a in got.articles
    ]
    report += [(str(failure), False) for failure in got.failures]
    return report or [("nothing to add: no page was listed", False)]


def rebuilt_text(chunks: Sequence[Chunk]) -> str:
    """An article's text from its passages, their overlaps laid over each other by offset."""
    text = ""
    for chunk in sorted(chunks, key=lambda c: c.start):
        if chunk.start >= len(text):
            text += " " * (chunk.start - len(text)) + chunk.text
        else:
            text += chunk.text[len(text) - chunk.start :]
    return text


def kept(doc_id: str, store: Store, settings: Settings) -> Removed:
    """What an undo of this article's removal needs, read before it is removed."""
    articles = store.articles()
    info = next((a for a in articles if a.doc_id == doc_id), None)
    if info is None:
        raise shared.NotInLibrary(f"{doc_id} is not in the library")
    title = info.title or doc_id
    others = [a.doc_id for a in articles if a.doc_id != doc_id]
    upload = uploaded_file(doc_id, settings, others)
    if upload is not None and upload.suffix.lower() != ".jsonl":  # one article a file
        return Removed(doc_id, title, name=upload.name, data=upload.read_bytes())
    chunks = store.chunks([chunk_id(doc_id, i) for i in range(info.chunks)])
    first = chunks[0] if chunks else None
    return Removed(
        doc_id,
        title,
        date=info.date,
        source=first.source if first else None,
        url=first.url if first else None,
        text=rebuilt_text(chunks),
    )


def remove_article(doc_id: str, store: Store, settings: Settings) -> tuple[str, Removed]:
    """Remove an article from the store, and its uploaded file; a one-line report and what
    an undo needs."""
    removed = kept(doc_id, store, settings)
    return f"Removed “{shared.remove_article(doc_id, store, settings)}”.", removed


def undo(removed: Removed, store: Store, settings: Settings) -> Report:
    """Put a removed article back: its upload saved again, or its fields, and ingested."""
    if removed.data:
        target = shared.save_data(removed.data, removed.name, settings)
    else:
        target = shared.save_article(
            removed.title,
            removed.text,
            settings,
            date=removed.date,
            source=removed.source,
            url=removed.url,
            doc_id=removed.doc_id,
        )
    got = shared.ingest_saved(target, store)
    if not got.articles:
        return [(f"“{removed.title}” could not be put back: {'; '.join(got.failures)}", False)]
    return [(f"Put back “{a.title}”.", True) for a in got.articles]


def article_choices(articles: Sequence[ArticleInfo]) -> list[tuple[str, str]]:
    """(label, doc_id) pairs for the removal list, after CHOOSE."""
    labelled = [(f"{a.title or a.doc_id} ({a.date or 'undated'})", a.doc_id) for a in articles]
    return [CHOOSE, *labelled]
