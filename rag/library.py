"""The article library: uploaded files and articles given as fields, saved under safe names
within the limits and ingested at once; web pages, feeds and sitemaps fetched (rag.web) and
ingested at once; the list of ingested articles; an article's removal together with the file it
came from. Shared by the browser chat (rag.ui.library words the results for the page) and the
HTTP API (rag.api); the command line shares the harvest (`rag.web.Harvester.collect`).

Contract: a file is accepted only with a supported suffix (rag.articles.SUPPORTED_SUFFIXES)
and at most `settings.max_upload_bytes` (else `TooLarge`, an InputError); it is saved in
`settings.uploads_dir` under a safe name (no path from a client is ever used) and synced into
the store at once, so the next question can use it. An article given as fields is saved as a
Markdown file with front matter, named by its id (or its title and a hash of its content), and
ingested the same way. Which articles a saved file holds is rag.articles' rule (`comes_from`),
never re-derived here. Web ingest (`ingest_web`) takes at most MAX_WEB_URLS URLs and fetches at
most MAX_WEB_PAGES pages a request, every one through the guarded fetcher (private addresses
refused unless `allow_private_urls`), outside any lock: only the store write (and the feed
validators, saved after it) waits for other writes. Writes (ingest, remove) are serialized
within the process; failure reasons never show the server's paths.
Knows nothing about Gradio, HTTP serving or how answers are made; the store is used through its
API.
"""

from __future__ import annotations

import hashlib
import shutil
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from rag.articles import (
    SUPPORTED_SUFFIXES,
    Article,
    LoadFailure,
    comes_from,
    iso_date,
    load_file,
    safe_id,
)
from rag.config import Settings
from rag.errors import InputError

if TYPE_CHECKING:
    from rag.store import Store

_WRITES = threading.Lock()  # one ingest or removal at a time in this process
TITLE_ID_CHARS = 48  # characters of the title kept in an id made from it
MAX_WEB_URLS = 20  # page, feed and sitemap URLs in one web ingest (the chat's or the API's)
MAX_WEB_PAGES = 50  # pages fetched for one web ingest: the first its URLs, feeds, sitemaps give


class TooLarge(InputError):
    """An upload or article over the size limit."""


class NotInLibrary(InputError):
    """An article id the store does not hold."""


@dataclass(frozen=True)
class Ingested:
    """What one saved file gave: its articles and how the store took each, or why not."""

    name: str  # the file's name as the client gave it
    articles: list[Article] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)  # reasons, without the server's paths

    def status(self, doc_id: str) -> str:
        """ "added", "updated" or "unchanged"."""
        return _status(doc_id, self.added, self.updated)


@dataclass(frozen=True)
class WebIngested:
    """What a web ingest gave: its articles, how the store took each, and each failure (a URL,
    or the pages left over the limit, with its reason)."""

    articles: list[Article] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    failures: list[LoadFailure] = field(default_factory=list)

    def status(self, doc_id: str) -> str:
        """ "added", "updated" or "unchanged"."""
        return _status(doc_id, self.added, self.updated)


def _status(doc_id: str, added: Sequence[str], updated: Sequence[str]) -> str:
    if doc_id in added:
        return "added"
    return "updated" if doc_id in updated else "unchanged"


@dataclass(frozen=True)
class Document:
    """One ingested article as listed to users."""

    doc_id: str
    title: str
    date: str | None
    source: str | None
    url: str | None
    chunks: int


def upload_name(original: str) -> str:
    """A safe file name for an upload: the sanitized stem and the lower-case suffix."""
    path = Path(original)
    return safe_id(path.stem) + path.suffix.lower()


def check_type(name: str) -> None:
    """InputError when this file type is not accepted."""
    suffix = Path(name).suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        kinds = ", ".join(SUPPORTED_SUFFIXES)
        raise InputError(f"{name}: unsupported type {suffix or '(none)'}; use {kinds}")


def check_size(name: str, size: int, settings: Settings) -> None:
    """TooLarge when `size` bytes is over the upload limit."""
    if size > settings.max_upload_bytes:
        raise TooLarge(
            f"{name}: {size:,} bytes is over the {settings.max_upload_bytes:,}-byte limit"
        )


def save_upload(source: Path, settings: Settings, original: str | None = None) -> Path:
    """Copy an uploaded file into settings.uploads_dir under a safe name."""
    name = original or source.name
    check_type(name)
    check_size(name, source.stat().st_size, settings)
    settings.uploads_dir.mkdir(parents=True, exist_ok=True)
    target = settings.uploads_dir / upload_name(name)
    shutil.copyfile(source, target)
    return target


def save_data(data: bytes, original: str, settings: Settings) -> Path:
    """Write an uploaded file's bytes into settings.uploads_dir under a safe name."""
    check_type(original)
    check_size(original, len(data), settings)
    settings.uploads_dir.mkdir(parents=True, exist_ok=True)
    target = settings.uploads_dir / upload_name(original)
    target.write_bytes(data)
    return target


def article_id(title: str, text: str, given: str | None = None) -> str:
    """The doc_id of an article given as fields: its own id made safe, else its title's first
    words and a hash of its title and text (the same article always gets the same id)."""
    if given and given.strip():
        return safe_id(given.strip())
    digest = hashlib.sha256(f"{title}\n{text}".encode()).hexdigest()[:8]
    return f"{safe_id(title)[:TITLE_ID_CHARS].rstrip('._-')}_{digest}"


def save_article(
    title: str,
    text: str,
    settings: Settings,
    date: str | None = None,
    source: str | None = None,
    url: str | None = None,
    doc_id: str | None = None,
) -> Path:
    """Save an article given as fields as `<doc_id>.md` with front matter; InputError when the
    title or text is empty or the date unreadable, TooLarge over the upload limit."""
    import frontmatter

    if not title.strip() or not text.strip():
        raise InputError("an article needs a title and a text")
    if date and iso_date(date) is None:
        raise InputError(f"cannot read {date!r} as a date (use YYYY-MM-DD)")
    meta = {"title": title, "date": date, "source": source, "url": url}
    post = frontmatter.Post(text, **{k: v for k, v in meta.items() if v})
    name = f"{article_id(title, text, doc_id)}.md"
    return save_data(frontmatter.dumps(post).encode("utf-8"), name, settings)


def ingest_saved(target: Path, store: Store, name: str | None = None) -> Ingested:
    """Ingest a saved file at once; a file holding no article is not kept."""
    name = name or target.name
    items = list(load_file(target))
    articles = [i for i in items if isinstance(i, Article)]
    failures = [_failure_reason(i) for i in items if isinstance(i, LoadFailure)]
    if not articles:
        target.unlink(missing_ok=True)
        return Ingested(name, failures=failures or ["no article found"])
    with _WRITES:
        synced = store.sync(articles)
    return Ingested(name, articles, synced.added, synced.updated, failures)


def ingest_file(
    source: Path, store: Store, settings: Settings, original: str | None = None
) -> Ingested:
    """Save and ingest one uploaded file."""
    return ingest_saved(save_upload(source, settings, original), store, original or source.name)


def ingest_web(
    store: Store,
    settings: Settings,
    urls: Iterable[str] = (),
    feeds: Iterable[str] = (),
    sitemaps: Iterable[str] = (),
    links: Iterable[str] = (),
    since: str | None = None,
) -> WebIngested:
    """Fetch the pages at `urls` and those the `feeds` and `sitemaps` list (from `since` on,
    when given), and ingest their articles at once; each of `links` is a page, a feed or a
    sitemap by what it serves. A URL that is not http(s), or fails, is one failure; more than
    MAX_WEB_URLS URLs, or an unreadable `since`, is an InputError."""
    from rag.web import Harvester, is_url  # the web client loads only when used

    named = {"urls": urls, "feeds": feeds, "sitemaps": sitemaps, "links": links}
    given = {kind: list(dict.fromkeys(u.strip() for u in group)) for kind, group in named.items()}
    count = sum(len(group) for group in given.values())
    if count > MAX_WEB_URLS:
        raise InputError(f"{count} URLs: at most {MAX_WEB_URLS} a request")
    if since and iso_date(since) is None:
        raise InputError(f"cannot read {since!r} as a date (use YYYY-MM-DD)")
    refused = [u for group in given.values() for u in group if not is_url(u)]
    web = {kind: [u for u in group if is_url(u)] for kind, group in given.items()}
    harvester = Harvester.from_settings(settings)
    try:
        got = harvester.collect(**web, since=iso_date(since), limit=MAX_WEB_PAGES)
    finally:
        harvester.close()
    with _WRITES:
        synced = store.sync(got.articles)
        harvester.save_state()
    failures = [LoadFailure(u, "not a web address (http:// or https://)") for u in refused]
    return WebIngested(got.articles, synced.added, synced.updated, failures + got.failures)


def _failure_reason(failure: LoadFailure) -> str:
    """The reason without the server's path to the saved file."""
    return failure.reason.replace(failure.path, Path(failure.path).name)


def uploaded_file(doc_id: str, settings: Settings, remaining: Sequence[str]) -> Path | None:
    """The upload holding this article, when no article in `remaining` comes from it too."""
    folder = settings.uploads_dir
    if not folder.is_dir():
        return None
    for path in sorted(folder.iterdir()):
        if (
            path.is_file()
            and comes_from(doc_id, path)
            and not any(comes_from(other, path) for other in remaining)
        ):
            return path
    return None


def remove_article(doc_id: str, store: Store, settings: Settings) -> str:
    """Remove an article from the store, and its uploaded file; its title (or its id when it
    has none). NotInLibrary when the store does not hold it."""
    with _WRITES:
        titles = {a.doc_id: a.title for a in store.articles()}
        if not store.remove(doc_id):
            raise NotInLibrary(f"{doc_id} is not in the library")
        remaining = [a.doc_id for a in store.articles()]
        path = uploaded_file(doc_id, settings, remaining)
        if path is not None:
            path.unlink(missing_ok=True)
    return titles.get(doc_id) or doc_id


def documents(store: Store) -> list[Document]:
    """The ingested articles, newest first, with the url and source their first chunk carries."""
    articles = store.articles()
    first = {c.doc_id: c for c in store.chunks([f"{a.doc_id}:0" for a in articles])}
    return [
        Document(
            doc_id=a.doc_id,
            title=a.title,
            date=a.date,
            source=a.source,
            url=first[a.doc_id].url if a.doc_id in first else None,
            chunks=a.chunks,
        )
        for a in articles
    ]
