"""The article library: uploaded files and articles given as fields, saved under safe names
within the limits and ingested at once; web pages, feeds and sitemaps fetched (rag.web) and
ingested at once; the list of ingested articles; an article's removal together with the file it
came from. Shared by the browser chat (rag.ui.library words the results for the page) and the
HTTP API (rag.api); the command line shares the harvest (`rag.web.Harvester.collect`).

Contract: a file is accepted only with a supported suffix (rag.articles.SUPPORTED_SUFFIXES)
and at most `settings.max_upload_bytes` (else `TooLarge`, an InputError). No path from a client
is ever used: the name is its base name made safe (`upload_name`: letters and digits of any
script; when anything was dropped, a tag of the original name keeps `Story!.txt` and
`Story?.txt` apart). A file is staged in a hidden folder of `settings.uploads_dir`, ingested at
once (so the next question can use it), and only then moved into place; a file holding no
article leaves the library as it was. Its place is its safe name when that is an earlier
upload of the same name, or free; else that name with a tag (`story.md` beside `story.txt`, or
a name whose doc_id an article from elsewhere, e.g. `rag ingest seeds/`, has): an upload never
replaces an article it did not itself bring. An upload named like an earlier upload is its new
version: it replaces it (reported as "updated", or "unchanged"), and articles the old version
held and the new one does not leave the store. That is what re-uploading a corrected file
means; keeping both would leave two versions of one story answering side by side; a different
story needs a different file name. Within a file, a repeated doc_id is reported and skipped, as
is a doc_id an article from elsewhere has. An article given as fields is saved as a
Markdown file with front matter, named by its id (or its title and a hash of its content), and
ingested the same way. Which articles a saved file holds is rag.articles' rule (`comes_from`,
confirmed by reading the file), never re-derived here; removing an article deletes only the
file that holds it, once no other article in the store comes from it.
Web ingest (`ingest_web`) takes at most MAX_WEB_URLS URLs and fetches at most MAX_WEB_PAGES
pages a request, every one through the guarded fetcher (private addresses
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
    iso_date,
    load_file,
    safe_id,
)
from rag.config import Settings
from rag.errors import InputError
from rag.uploads import find_place, held_by, holder, stage, unstaged
from rag.uploads import upload_name as upload_name  # a part of this module's API

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
    """Copy an uploaded file into a staging folder under its safe name, for `ingest_saved`."""
    name = original or source.name
    target = _staged(name, source.stat().st_size, settings)
    shutil.copyfile(source, target)
    return target


def save_data(data: bytes, original: str, settings: Settings) -> Path:
    """Write an uploaded file's bytes into a staging folder under its safe name, for
    `ingest_saved`."""
    target = _staged(original, len(data), settings)
    target.write_bytes(data)
    return target


def _staged(name: str, size: int, settings: Settings) -> Path:
    """Where an accepted upload waits to be ingested (see rag.uploads.stage)."""
    check_type(name)
    check_size(name, size, settings)
    return stage(name, settings.uploads_dir)


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


def ingest_saved(staged: Path, store: Store, name: str | None = None) -> Ingested:
    """Ingest an upload as `save_upload`, `save_data` or `save_article` staged it, and put it in
    its place in the library (see the contract); the staged copy is gone afterwards."""
    with unstaged(staged), _WRITES:
        return _ingest_staged(staged, store, name or staged.name)


def _ingest_staged(staged: Path, store: Store, name: str) -> Ingested:
    folder = staged.parent.parent
    held = {a.doc_id for a in store.articles()}
    place = find_place(staged.name, folder, held)
    if place is None:
        return Ingested(name, failures=["this name is taken by other articles; rename the file"])
    staged = staged.rename(staged.with_name(place.name))
    items = list(load_file(staged))
    earlier = held_by(place)
    articles, failures = _checked(items, held - earlier)
    if not articles:
        return Ingested(name, failures=failures or ["no article found"])
    synced = store.sync(articles)
    for doc_id in sorted(earlier - {a.doc_id for a in articles}):
        store.remove(doc_id)  # the new version no longer holds it
    staged.replace(place)
    return Ingested(name, articles, synced.added, synced.updated, failures)


def _checked(
    items: Iterable[Article | LoadFailure], taken: set[str]
) -> tuple[list[Article], list[str]]:
    """The articles to ingest, and a reason for each item that is not: one that failed to load,
    an id seen earlier in the file, an id an article from elsewhere has (`taken`)."""
    articles: list[Article] = []
    failures: list[str] = []
    for item in items:
        if isinstance(item, LoadFailure):
            failures.append(_failure_reason(item))
        elif any(a.doc_id == item.doc_id for a in articles):
            failures.append(f"duplicate id {item.doc_id}: only its first article is kept")
        elif item.doc_id in taken:
            failures.append(f"id {item.doc_id} is taken by another article: skipped")
        else:
            articles.append(item)
    return articles, failures


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
    return holder(doc_id, settings.uploads_dir, remaining)


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
