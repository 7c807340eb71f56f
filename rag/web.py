"""Turns web pages, RSS/Atom feeds and sitemaps into `Article` values, one failure per item.

Contract: a page's main text, title, date, outlet (`source`) and canonical URL come from the
same trafilatura path as .html files (`articles.parse_html`); the page's own publication date
is kept (a feed item's date fills in when the page has none). A page whose text has no line of
`MIN_LINE_WORDS` words (a menu, a list of links) has "no main text". `doc_id` is
`<host>_<slug>_<hash>`, from the canonical URL without tracking parameters or fragment, so
the same story fetched through different links is one article, and an unchanged page gives an
unchanged article (the store then writes nothing). The canonical URL a page declares is used
only when it is on the page's own host. `Harvester` fetches every item through one
`fetch.Fetcher`, remembers feed and page validators (`feeds.FeedState`), and with
`conditional=True` sends them, so a feed or page that has not changed is not downloaded again.
A link of unknown kind is a page, a feed or a sitemap by what it serves (`served_kind`: the
content type and body, never the URL's spelling). `Harvester.collect` is the whole harvest.
Knows nothing about embeddings, the store or answers.
"""

from __future__ import annotations

import hashlib
import re
import time
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import unquote, unquote_plus, urljoin, urlsplit, urlunsplit

from rag.articles import Article, LoadFailure, parse_html, safe_id
from rag.config import Settings
from rag.errors import ArticleError
from rag.feeds import FeedError, FeedState, Item, parse_feed, parse_sitemap
from rag.fetch import Fetched, Fetcher, FetchError

STATE_FILE = "feeds.json"  # in the data dir: validators of watched feeds and their pages
MIN_LINE_WORDS = 10  # a page without a line this long has no main text
MAX_SITEMAPS = 50  # sitemaps read for one --sitemap (an index and the sitemaps it lists)
TRACKING = re.compile(
    r"^(utm_\w*|fbclid|gclid|gclsrc|dclid|gbraid|wbraid|msclkid|yclid|twclid|igshid|mc_cid|"
    r"mc_eid|mkt_tok|_ga|_gl|_hsenc|_hsmi|oly_enc_id|oly_anon_id|vero_id|ocid|cmpid|ito|"
    r"at_medium|at_campaign|ns_\w+|wt\.\w+|s_cid|ref_src|ref_url)$"
)
_DEFAULT_PORTS = {"http": 80, "https": 443}
_PAGE_SUFFIX = re.compile(r"\.(s?html?|php|aspx?|jsp|cms)$")
_HTML = ("text/html", "application/xhtml+xml")
_FEEDISH = ("rss", "atom", "xml")


def is_url(text: str) -> bool:
    """Whether a command-line argument is a web address rather than a path."""
    parts = urlsplit(text)
    return parts.scheme.lower() in _DEFAULT_PORTS and bool(parts.netloc)


def canonical_url(url: str) -> str:
    """The URL that names a page: scheme and host lowercased, default port, user info,
    fragment and tracking parameters (utm_*, fbclid, gclid...) dropped, the other query
    parameters sorted."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").rstrip(".")
    host = f"[{host}]" if ":" in host else host
    try:
        port = parts.port
    except ValueError:
        port = None
    netloc = host if port in (None, _DEFAULT_PORTS.get(scheme)) else f"{host}:{port}"
    pairs = [p for p in parts.query.split("&") if p and not _tracking(p)]
    return urlunsplit((scheme, netloc, parts.path or "/", "&".join(sorted(pairs)), ""))


def _tracking(pair: str) -> bool:
    return bool(TRACKING.match(unquote_plus(pair.split("=", 1)[0]).lower()))


def doc_id_for(url: str) -> str:
    """`<host>_<slug>_<hash>`: readable, and the same for every link to one canonical URL."""
    canonical = canonical_url(url)
    parts = urlsplit(canonical)
    host = (parts.hostname or "web").removeprefix("www.")
    digest = hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:10]
    return safe_id(f"{host}_{_slug(parts.path)}_{digest}")


def _slug(path: str) -> str:
    words = [_PAGE_SUFFIX.sub("", s) for s in unquote(path).split("/") if s]
    words = [w for w in words if w]
    if not words:
        return "home"
    slug = words[-1]
    if (len(slug) < 4 or slug.isdigit()) and len(words) > 1:
        slug = f"{words[-2]}-{slug}"
    ascii_slug = unicodedata.normalize("NFKD", slug).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_slug.lower()).strip("-")
    return slug[:60].rsplit("-", 1)[0] if len(slug) > 60 else slug or "page"


def _site(url: str) -> str:
    return (urlsplit(url).hostname or "").removeprefix("www.")


def _is_html(page: Fetched) -> bool:
    if page.content_type in _HTML:
        return True
    start = page.body.lstrip()[:100].lower()
    unknown = page.content_type in ("", "text/plain", "application/octet-stream")
    return unknown and start.startswith((b"<!doctype html", b"<html"))


def page_article(page: Fetched, item: Item | None = None) -> Article:
    """The article on a fetched page; `ArticleError` names why there is none."""
    if not _is_html(page):
        kind = page.content_type or "no content type"
        feedish = any(k in kind for k in _FEEDISH)
        hint = "; a feed or a sitemap? use --feed or --sitemap" if feedish else ""
        raise ArticleError(f"not HTML ({kind}{hint})")
    try:
        found = parse_html("page", page.text())
    except ArticleError:
        raise ArticleError("no main text") from None
    if not any(len(line.split()) >= MIN_LINE_WORDS for line in found.text.splitlines()):
        raise ArticleError("no main text (only short lines: menus, lists of links)")
    url = canonical_url(page.url)
    if found.url:
        declared = urljoin(page.url, found.url)
        if is_url(declared) and _site(declared) == _site(page.url):
            url = canonical_url(declared)
    listed = item or Item(page.url)
    return replace(
        found,
        doc_id=doc_id_for(url),
        url=url,
        date=found.date or (listed.date if listed.feed else None),
        source=found.source or listed.source or _site(url) or None,
    )


def served_kind(fetched: Fetched) -> str:
    """ "page" for HTML, else "sitemap" or "feed" when it parses as one, else "page"."""
    for kind, parse in (("sitemap", parse_sitemap), ("feed", parse_feed)):
        try:
            if not _is_html(fetched):
                parse(fetched.body, fetched.url)
                return kind
        except FeedError:
            continue
    return "page"


@dataclass
class Gathered:
    articles: list[Article] = field(default_factory=list)
    failures: list[LoadFailure] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)  # feeds and pages that answered 304


class Harvester:
    """Expands feeds and sitemaps into pages and fetches them, one failure per item."""

    def __init__(
        self, fetcher: Fetcher, state: FeedState | None = None, conditional: bool = False
    ) -> None:
        self.fetcher, self.state, self.conditional = fetcher, state, conditional
        self._feeds: dict[str, tuple[str | None, str | None]] = {}  # to remember when saved
        self._pages: dict[str, tuple[str | None, str | None]] = {}
        self._retry: set[str] = set()  # feeds with an item that may work next time
        self._skipped: list[LoadFailure] = []  # sitemaps listed in an index that failed
        self._unchanged: list[str] = []  # feeds that answered 304
        self._kept: dict[str, Fetched] = {}  # responses read to learn a link's kind

    @classmethod
    def from_settings(cls, settings: Settings, conditional: bool = False) -> Harvester:
        state = FeedState.load(settings.data_dir / STATE_FILE)
        return cls(Fetcher.from_settings(settings), state, conditional)

    def close(self) -> None:
        self.fetcher.close()

    def _validators(self, kind: str, url: str) -> tuple[str | None, str | None]:
        if self.conditional and self.state is not None:
            return self.state.get(kind, url)
        return None, None

    def _get(self, url: str, etag: str | None = None, modified: str | None = None) -> Fetched:
        """The response kept from learning the link's kind, else a new request."""
        return self._kept.pop(url, None) or self.fetcher.get(url, etag, modified)

    def plan(
        self,
        urls: Iterable[str] = (),
        feeds: Iterable[str] = (),
        sitemaps: Iterable[str] = (),
        since: str | None = None,
        links: Iterable[str] = (),
    ) -> tuple[list[Item], list[LoadFailure]]:
        """The pages to fetch (each canonical URL once) and the feeds or sitemaps that failed;
        each of `links` is fetched once and is what it serves (`served_kind`)."""
        given: dict[str, list[str]] = {"page": [*urls], "feed": [*feeds], "sitemap": [*sitemaps]}
        failures = []
        for link in links:
            try:
                self._kept[link] = fetched = self.fetcher.get(link)
                given[served_kind(fetched)].append(link)
            except FetchError as exc:
                failures.append(LoadFailure(link, _reason(exc, link)))
        items = [Item(url) for url in given["page"]]
        for expand, sources in ((self.feed, given["feed"]), (self.sitemap, given["sitemap"])):
            for source in sources:
                try:
                    items += expand(source, since)
                except (FetchError, FeedError) as exc:
                    failures.append(LoadFailure(source, _reason(exc, source)))
        failures += self._skipped
        self._skipped = []
        unique: dict[str, Item] = {}
        for item in items:
            unique.setdefault(canonical_url(item.url), item)
        return list(unique.values()), failures

    def feed(self, url: str, since: str | None = None) -> list[Item]:
        """A feed's items ([] when a conditional request says it has not changed)."""
        fetched = self._get(url, *self._validators("feeds", url))
        if fetched.not_modified:
            self._unchanged.append(url)
            return []
        self._feeds[url] = (fetched.etag, fetched.last_modified)
        items = parse_feed(fetched.body, fetched.url, fetched.content_type)
        return [replace(i, feed=url) for i in items if not since or (i.date or since) >= since]

    def sitemap(self, url: str, since: str | None = None) -> list[Item]:
        """The pages of a sitemap or sitemap index, modified on or after `since` when given
        (pages without a date are kept). A listed sitemap that fails is one failure."""
        queue, seen, pages = [url], {url}, []
        while queue:
            current = queue.pop(0)
            try:
                fetched = self._get(current)
                found = parse_sitemap(fetched.body, fetched.url, 10 * self.fetcher.max_bytes)
            except (FetchError, FeedError) as exc:
                if current == url:
                    raise
                self._skipped.append(LoadFailure(current, _reason(exc, current)))
                continue
            pages += [p for p in found.pages if not since or (p.date or since) >= since]
            for child in found.sitemaps:
                fresh = not since or (child.date or since) >= since
                if fresh and child.url not in seen and len(seen) < MAX_SITEMAPS:
                    seen.add(child.url)
                    queue.append(child.url)
        return pages

    def page(self, item: Item) -> Article | None:
        """The item's article, or None when a conditional request says it has not changed."""
        fetched = self._get(item.url, *self._validators("pages", item.url))
        if fetched.not_modified:
            return None
        article = page_article(fetched, item)
        if item.feed:
            self._pages[item.url] = (fetched.etag, fetched.last_modified)
        return article

    def gather(
        self, items: Iterable[Item], progress: Callable[[], object] | None = None
    ) -> Gathered:
        """Every item's article (one per doc_id), failures named, and the unchanged ones."""
        got = Gathered()
        for item in items:
            try:
                article = self.page(item)
            except (FetchError, ArticleError) as exc:
                got.failures.append(LoadFailure(item.url, _reason(exc, item.url)))
                if item.feed and isinstance(exc, FetchError) and exc.transient:
                    self._retry.add(item.feed)
            except Exception as exc:  # a parser library choking on malformed input
                reason = f"cannot parse: {type(exc).__name__}: {str(exc).strip()}"
                got.failures.append(LoadFailure(item.url, reason.splitlines()[0]))
            else:
                if article is None:
                    got.unchanged.append(item.url)
                elif all(a.doc_id != article.doc_id for a in got.articles):
                    got.articles.append(article)
            if progress:
                progress()
        return got

    def collect(
        self,
        *sources: Any,
        limit: int | None = None,
        progress: Callable[[], object] | None = None,
        planned: Callable[[int], object] | None = None,
        **named: Any,
    ) -> Gathered:
        """`plan(*sources, **named)`, then `gather` the first `limit` pages (the others are one
        failure, and their feeds are read again next time), with every failure in order;
        `planned` hears how many pages will be fetched."""
        items, failures = self.plan(*sources, **named)
        if limit is not None and (more := len(items) - limit) > 0:
            pages = f"{more} more page{'s' * (more > 1)}"
            failures.append(LoadFailure(pages, f"not fetched (at most {limit} a request)"))
            self._retry.update(i.feed for i in items[limit:] if i.feed)  # read again next time
            items = items[:limit]
        if planned:
            planned(len(items))
        got = self.gather(items, progress)
        self._kept.clear()
        got.failures[:0] = failures
        got.unchanged[:0], self._unchanged = self._unchanged, []
        return got

    def save_state(self) -> None:
        """Remember the validators of what was gathered (call once it is stored). A feed
        with an item that failed and may work later is not remembered: it is read again."""
        if self.state is None:
            return
        for url, (etag, modified) in self._pages.items():
            self.state.put("pages", url, etag, modified)
        for url, (etag, modified) in self._feeds.items():
            kept = (None, None) if url in self._retry else (etag, modified)
            self.state.put("feeds", url, *kept)
        self._feeds, self._pages, self._retry = {}, {}, set()
        self.state.save()


def watch(
    harvester: Harvester,
    feeds: list[str],
    minutes: float,
    store: Callable[[Gathered], None],
    polls: int | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> None:
    """Every `minutes`, poll the feeds and hand what changed to `store`, until interrupted
    (or `polls` times)."""
    done = 0
    while polls is None or done < polls:
        sleep(minutes * 60)
        got = harvester.collect(feeds=feeds)
        store(got)
        harvester.save_state()
        done += 1


def _reason(exc: Exception, url: str) -> str:
    if isinstance(exc, FetchError):
        return exc.reason if exc.url == url else f"{exc.reason} (at {exc.url})"
    return str(exc)
