"""The Library tab's logic, apart from its layout: uploads ingested at once and reported, web
addresses fetched and ingested at once and reported, an article removed together with the
upload it came from, the removal list.

Contract: the work is rag.library's (the same rules for the page and the HTTP API: supported
suffixes, `settings.max_upload_bytes`, safe names in `settings.uploads_dir`; for the web, the
guarded fetcher and its limits); this module words its results as one-line reports,
`(line, success)` pairs: one per article (added, updated or unchanged) and one per failure. A
refused upload is an InputError naming the file.
Knows nothing about Gradio, HTML or how answers are made; the store is used through its API.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from rag import library as shared
from rag.config import Settings
from rag.library import save_upload, upload_name, uploaded_file

if TYPE_CHECKING:
    from rag.store import ArticleInfo, Store

__all__ = [
    "Report",
    "article_choices",
    "ingest_links",
    "ingest_upload",
    "remove_article",
    "save_upload",
    "upload_name",
    "uploaded_file",
]

Report = list[tuple[str, bool]]  # one line each, and whether it reports a success


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


def remove_article(doc_id: str, store: Store, settings: Settings) -> str:
    """Remove an article from the store, and its uploaded file; a one-line report."""
    return f"removed “{shared.remove_article(doc_id, store, settings)}”"


def article_choices(articles: Sequence[ArticleInfo]) -> list[tuple[str, str]]:
    """(label, doc_id) pairs for the removal list."""
    return [(f"{a.title or a.doc_id} ({a.date or 'undated'})", a.doc_id) for a in articles]
