"""Reads RSS/Atom feeds and sitemaps that were already fetched, and remembers feed validators.

Contract: `parse_feed(body, url)` gives the feed's items (page URL, title, date), parsed by
feedparser (every RSS and Atom dialect, relative links resolved against the feed's URL);
`parse_sitemap(body, url)` gives a sitemap's pages (with lastmod or news publication date)
and, for a sitemap index, the sitemaps it lists; XML is parsed with defusedxml (no entity
expansion, no DTD fetching), gzip and plain-text sitemaps are accepted. Only http and https
links are kept. `FeedState` keeps ETag / Last-Modified values in a small JSON file.
Content that is not a feed or a sitemap raises `FeedError`.
Knows nothing about HTTP, HTML extraction or the store: it never fetches anything.
"""

from __future__ import annotations

import calendar
import io
import json
import os
import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

from rag.articles import iso_date
from rag.errors import RagError

MAX_STATE_PAGES = 5000  # validators of this many pages are kept, the most recent ones


class FeedError(RagError):
    """Content that should be a feed or a sitemap is not one."""


@dataclass(frozen=True)
class Item:
    """A page a feed or a sitemap points at, with what the listing says about it."""

    url: str
    title: str | None = None
    date: str | None = None  # ISO YYYY-MM-DD: published (feeds) or last modified (sitemaps)
    source: str | None = None  # the feed's title
    feed: str | None = None  # the feed it was listed in (None for a sitemap's pages)


@dataclass(frozen=True)
class Sitemap:
    pages: list[Item]
    sitemaps: list[Item]  # child sitemaps of a sitemap index


def _web_url(url: str | None, base: str) -> str | None:
    if not url:
        return None
    absolute = urljoin(base, url.strip())
    return absolute if urlsplit(absolute).scheme in ("http", "https") else None


def _struct_date(value: Any) -> str | None:
    if not value:
        return None
    return datetime.fromtimestamp(calendar.timegm(value), tz=UTC).date().isoformat()


def parse_feed(body: bytes, url: str, content_type: str = "") -> list[Item]:
    """The items of an RSS or Atom feed, in feed order, with their page URLs."""
    import feedparser

    headers = {"content-location": url, "content-type": content_type or "application/xml"}
    # a stream, never a str: given a str, feedparser would fetch a URL or open a file itself
    parsed = feedparser.parse(io.BytesIO(body), response_headers=headers)
    if not parsed.get("version") and not parsed.entries:
        raise FeedError("not an RSS or Atom feed")
    source = str(parsed.feed.get("title") or "").strip() or None
    items = []
    for entry in parsed.entries:
        link = entry.get("link")
        if not link and entry.get("guidislink", True):
            link = entry.get("id")
        page = _web_url(link, url)
        if page is None:
            continue
        day = _struct_date(entry.get("published_parsed") or entry.get("updated_parsed"))
        title = str(entry.get("title") or "").strip() or None
        items.append(Item(page, title, day, source, url))
    return items


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _child(element: Any, name: str) -> Any:
    return next((c for c in element.iter() if _local(c.tag) == name), None)


def _text(element: Any, name: str) -> str | None:
    found = _child(element, name)
    return (found.text or "").strip() or None if found is not None else None


def _gunzip(body: bytes, limit: int) -> bytes:
    inflate = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        data = inflate.decompress(body, limit + 1)
    except zlib.error as exc:
        raise FeedError(f"bad gzip data ({exc})") from None
    if len(data) > limit:
        raise FeedError(f"too large once decompressed (more than {limit:,} bytes)")
    return data


def parse_sitemap(body: bytes, url: str, limit: int = 50_000_000) -> Sitemap:
    """A sitemap's pages, or a sitemap index's sitemaps (XML, gzip-compressed XML or plain
    text with one URL a line); `limit` bounds the decompressed size."""
    from xml.etree.ElementTree import ParseError

    import defusedxml.ElementTree as SafeTree
    from defusedxml import DefusedXmlException

    if body[:2] == b"\x1f\x8b":
        body = _gunzip(body, limit)
    start = body.lstrip()[:200].lower()
    if not start.startswith(b"<"):
        lines = [line.strip() for line in body.decode("utf-8", "replace").splitlines()]
        lines = [line for line in lines if line]
        if not lines or any(urlsplit(line).scheme not in ("http", "https") for line in lines):
            raise FeedError("not a sitemap")
        pages = [Item(line) for line in lines]
        return Sitemap(pages, [])
    try:
        root = SafeTree.fromstring(body, forbid_dtd=True)
    except (ParseError, DefusedXmlException) as exc:
        raise FeedError(f"not a sitemap ({type(exc).__name__}: {exc})") from None
    kind = _local(root.tag)
    if kind not in ("urlset", "sitemapindex"):
        raise FeedError(f"not a sitemap (root element <{kind}>)")
    found = []
    for entry in root:
        if _local(entry.tag) not in ("url", "sitemap"):
            continue
        page = _web_url(_text(entry, "loc"), url)
        if page is None:
            continue
        day = iso_date(_text(entry, "publication_date") or _text(entry, "lastmod"))
        found.append(Item(page, _text(entry, "title"), day))
    return Sitemap(found, []) if kind == "urlset" else Sitemap([], found)


@dataclass
class FeedState:
    """ETag / Last-Modified of feeds and of their pages, kept in a JSON file between runs."""

    path: Path
    tables: dict[str, dict[str, dict[str, str]]] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path) -> FeedState:
        """The state in `path`; empty when the file is missing or unreadable."""
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            return cls(path, {kind: dict(data[kind]) for kind in ("feeds", "pages")})
        except (OSError, ValueError, KeyError, TypeError):
            return cls(path)

    def get(self, kind: str, url: str) -> tuple[str | None, str | None]:
        """The (etag, last_modified) remembered for a feed (`kind` "feeds") or a page."""
        kept = self.tables.get(kind, {}).get(url, {})
        return kept.get("etag"), kept.get("last_modified")

    def put(self, kind: str, url: str, etag: str | None, last_modified: str | None) -> None:
        table = self.tables.setdefault(kind, {})
        table.pop(url, None)  # re-inserted last: the order is recency
        values = {"etag": etag, "last_modified": last_modified}
        if kept := {k: v for k, v in values.items() if v}:
            table[url] = kept

    def save(self) -> None:
        """Write the file atomically, keeping the most recent MAX_STATE_PAGES pages."""
        data = {kind: dict(self.tables.get(kind, {})) for kind in ("feeds", "pages")}
        data["pages"] = dict(list(data["pages"].items())[-MAX_STATE_PAGES:])
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_suffix(".tmp")
        temporary.write_text(json.dumps(data, indent=1), encoding="utf-8")
        os.replace(temporary, self.path)
