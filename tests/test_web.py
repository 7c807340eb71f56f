"""Web pages, feeds and sitemaps into articles (rag.web) against a real HTTP server on loopback;
the shared web ingest (rag.library.ingest_web) over an in-memory store, and on the real store
(slow); `rag ingest` with URLs, --feed and --sitemap on the real store (slow)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from fixtures.web.server import HERE, LocalSite
from ui_samples import FakeStore

from rag import cli, config, library
from rag.articles import safe_id
from rag.errors import ArticleError, InputError
from rag.feeds import FeedState
from rag.fetch import Fetcher
from rag.web import (
    Gathered,
    Harvester,
    canonical_url,
    doc_id_for,
    is_url,
    page_article,
    served_kind,
    watch,
)

ARTICLE = "/news/harbour-bridge-reopens"
FERRY = "/news/ferry-timetable"


@pytest.fixture()
def harvester(fetcher: Fetcher, tmp_path: Path) -> Harvester:
    return Harvester(fetcher, FeedState.load(tmp_path / "feeds.json"))


@pytest.mark.parametrize(
    ("url", "canonical"),
    [
        ("https://News.Example/a/b", "https://news.example/a/b"),
        ("HTTPS://news.example:443/a?utm_source=rss&utm_medium=x", "https://news.example/a"),
        ("http://news.example:80/a#comments", "http://news.example/a"),
        ("http://news.example:8080/a", "http://news.example:8080/a"),
        (
            "https://news.example/a?id=7&fbclid=abc&gclid=x&UTM_Campaign=y",
            "https://news.example/a?id=7",
        ),
        ("https://news.example/a?b=2&a=1", "https://news.example/a?a=1&b=2"),
        ("https://user:pw@news.example.:443", "https://news.example/"),
        ("https://[2001:db8::1]:8443/x?mc_cid=1", "https://[2001:db8::1]:8443/x"),
    ],
)
def test_canonical_url(url: str, canonical: str) -> None:
    assert canonical_url(url) == canonical


def test_doc_id_is_readable_valid_and_stable_across_tracking_parameters() -> None:
    plain = doc_id_for("https://www.gazette.example/news/2025/03/harbour-bridge-reopens.html")
    assert re.fullmatch(r"gazette\.example_harbour-bridge-reopens_[0-9a-f]{10}", plain)
    assert safe_id(plain) == plain
    for variant in [
        "https://www.gazette.example/news/2025/03/harbour-bridge-reopens.html?utm_source=rss",
        "https://WWW.gazette.example/news/2025/03/harbour-bridge-reopens.html#comments",
        "https://www.gazette.example:443/news/2025/03/harbour-bridge-reopens.html?fbclid=X1",
    ]:
        assert doc_id_for(variant) == plain
    assert doc_id_for("https://www.gazette.example/news/2025/03/other-story") != plain
    assert (
        doc_id_for("http://www.gazette.example/news/2025/03/harbour-bridge-reopens.html") != plain
    )


@pytest.mark.parametrize(
    ("url", "start"),
    [
        ("https://news.example/", "news.example_home_"),
        ("https://news.example/world/123456", "news.example_world-123456_"),
        ("https://news.example/article.php?id=42", "news.example_article_"),
        ("https://news.example/kultur/m%C3%BCnchen-f%C3%A4hrt", "news.example_munchen-fahrt_"),
        ("https://news.example/%D0%BC%D0%B8%D1%80", "news.example_page_"),
        ("https://news.example/" + "long-words-" * 20, "news.example_long-words-long"),
    ],
)
def test_doc_id_slugs(url: str, start: str) -> None:
    doc_id = doc_id_for(url)
    assert doc_id.startswith(start) and safe_id(doc_id) == doc_id and len(doc_id) < 100


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("https://a.example/x", True),
        ("http://a.example", True),
        ("seeds/", False),
        ("https:/collapsed", False),
        ("ftp://a.example/x", False),
        ("C:/articles", False),
    ],
)
def test_is_url(text: str, expected: bool) -> None:
    assert is_url(text) is expected


def test_an_article_page_gives_text_title_date_outlet_and_canonical_url(
    site: LocalSite, fetcher: Fetcher
) -> None:
    article = page_article(fetcher.get(site.url(ARTICLE + "?utm_source=rss#top")))
    assert article.title == "Harbour bridge reopens after two-year repair"
    assert article.date == "2025-03-14" and article.source == "The Harbour Gazette"
    assert article.url == site.url(ARTICLE) and article.doc_id == doc_id_for(site.url(ARTICLE))
    assert "212 steel cables" in article.text and "Tram line 4" in article.text
    for boilerplate in ["Subscribe", "potholes", "All rights reserved", "Most read", "Home"]:
        assert boilerplate not in article.text


def test_a_page_without_a_canonical_link_is_named_by_its_own_url(
    site: LocalSite, fetcher: Fetcher
) -> None:
    article = page_article(fetcher.get(site.url(FERRY + "?gclid=1")))
    assert article.url == site.url(FERRY) and article.date == "2025-03-12"  # from JSON-LD
    assert "every twelve minutes" in article.text


def test_a_canonical_link_to_another_site_is_ignored(site: LocalSite, fetcher: Fetcher) -> None:
    page = (site.routes[ARTICLE].body).replace(
        site.base.encode() + ARTICLE.encode(), b"https://victim.example/news/real-story"
    )
    site.set("/copy", page)
    assert page_article(fetcher.get(site.url("/copy"))).url == site.url("/copy")


def test_a_windows_1252_page(site: LocalSite, fetcher: Fetcher) -> None:
    article = page_article(fetcher.get(site.url("/culture/cafe-elan")))
    assert article.title == "Café Élan reopens on the quay" and article.source == "Gazette du Port"
    assert "crème brûlée at 7 €" in article.text and "smørrebrød" in article.text


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("/section/local", "no main text"),
        ("/report.pdf", "not HTML (application/pdf)"),
        (
            "/feed.rss",
            "not HTML (application/rss+xml; a feed or a sitemap? use --feed or --sitemap)",
        ),
    ],
)
def test_pages_without_an_article_are_named(
    site: LocalSite, fetcher: Fetcher, path: str, reason: str
) -> None:
    with pytest.raises(ArticleError, match=re.escape(reason)):
        page_article(fetcher.get(site.url(path)))


def test_a_feed_item_date_and_title_fill_in_for_an_undated_page(
    site: LocalSite, harvester: Harvester
) -> None:
    undated = site.routes["/world/council-vote"].body.replace(b"2025-03-10", b"")
    site.set("/world/council-vote", undated)
    items, _ = harvester.plan(feeds=[site.url("/feed.atom")])
    article = harvester.page(items[0])
    assert article is not None and article.date == "2025-03-10"  # the Atom entry's date


def test_feeds_and_sitemaps_expand_into_pages_each_once(
    site: LocalSite, harvester: Harvester
) -> None:
    items, failures = harvester.plan(
        urls=[site.url(ARTICLE)],
        feeds=[site.url("/feed.rss"), site.url("/feed.atom")],
        sitemaps=[site.url("/sitemap-index.xml")],
        since="2025-01-01",
    )
    assert failures == []
    assert [canonical_url(i.url) for i in items] == [
        site.url(p) for p in [ARTICLE, FERRY, "/world/council-vote", "/culture/cafe-elan"]
    ]
    assert "/sitemap-2023.xml" not in site.paths()  # older than --since: not read
    assert "/archive/old-story" not in site.paths()


def test_every_item_fails_on_its_own_with_a_named_reason(
    site: LocalSite, harvester: Harvester
) -> None:
    urls = [
        site.url(p)
        for p in [ARTICLE, "/gone", "/big", "/section/local", "/private/memo", "/down", FERRY]
    ]
    items, failures = harvester.plan(urls, feeds=[site.url("/nofeed"), site.url(ARTICLE)])
    got = harvester.gather(items)
    assert [a.url for a in got.articles] == [site.url(ARTICLE), site.url(FERRY)]
    assert [str(f) for f in failures + got.failures] == [
        f"{site.url('/nofeed')}: HTTP 404",
        f"{site.url(ARTICLE)}: not an RSS or Atom feed",
        f"{site.url('/gone')}: HTTP 404",
        f"{site.url('/big')}: too large (5,200,033 bytes; limit 5,000,000)",
        f"{site.url('/section/local')}: no main text (only short lines: menus, lists of links)",
        f"{site.url('/private/memo')}: refused by the site's robots.txt",
        f"{site.url('/down')}: HTTP 503",
    ]


def test_a_redirect_and_the_direct_link_are_one_article(
    site: LocalSite, harvester: Harvester
) -> None:
    got = harvester.gather(harvester.plan([site.url("/go/harbour"), site.url(ARTICLE)])[0])
    assert len(got.articles) == 1 and got.articles[0].url == site.url(ARTICLE)


def test_private_addresses_are_refused_by_default(site: LocalSite) -> None:
    with Fetcher() as default:
        harvester = Harvester(default)
        items, failures = harvester.plan([site.url(ARTICLE)], feeds=[site.url("/feed.rss")])
        got = harvester.gather(items)
    assert got.articles == [] and site.requests == []
    assert [f.path for f in failures + got.failures] == [site.url("/feed.rss"), site.url(ARTICLE)]
    assert all("refused address: 127.0.0.1 is a loopback" in f.reason for f in got.failures)


def test_watching_sends_conditional_requests_and_fetches_only_what_changed(
    site: LocalSite, fetcher: Fetcher, tmp_path: Path
) -> None:
    state = FeedState.load(tmp_path / "feeds.json")
    first = Harvester(fetcher, state)  # a one-off ingest remembers the validators
    got = first.gather(first.plan(feeds=[site.url("/feed.rss")])[0])
    first.save_state()
    assert len(got.articles) == 2
    site.requests.clear()

    polls: list[Gathered] = []
    watcher = Harvester(fetcher, FeedState.load(tmp_path / "feeds.json"), conditional=True)
    watch(watcher, [site.url("/feed.rss")], 15, polls.append, polls=1, sleep=lambda _: None)
    assert polls[0].articles == [] and site.paths() == ["/feed.rss"]  # 304: nothing else
    assert polls[0].unchanged == [site.url("/feed.rss")]

    site.set("/feed.rss", site.routes["/feed.rss"].body.replace(b"Local", b"Local news"))
    changed = site.routes[FERRY].body.replace(b"twelve minutes", b"ten minutes")
    site.set(FERRY, changed, "text/html")
    site.requests.clear()
    watch(watcher, [site.url("/feed.rss")], 15, polls.append, polls=1, sleep=lambda _: None)
    assert [a.url for a in polls[1].articles] == [site.url(FERRY)]
    assert "every ten minutes" in polls[1].articles[0].text
    assert polls[1].unchanged == [site.url(ARTICLE) + "?utm_source=rss&utm_medium=feed"]
    assert all("if-none-match" in headers for _, headers in site.requests)


def test_a_transient_item_failure_keeps_the_feed_unremembered(
    site: LocalSite, fetcher: Fetcher, tmp_path: Path
) -> None:
    site.set(FERRY, b"", status=503)
    harvester = Harvester(fetcher, FeedState.load(tmp_path / "feeds.json"))
    harvester.gather(harvester.plan(feeds=[site.url("/feed.rss")])[0])
    harvester.save_state()
    saved = FeedState.load(tmp_path / "feeds.json")
    assert saved.get("feeds", site.url("/feed.rss")) == (None, None)  # read again next time
    assert saved.get("pages", site.url(ARTICLE) + "?utm_source=rss&utm_medium=feed")[0]


@pytest.mark.parametrize(
    ("body", "content_type", "kind"),
    [
        ("article.html", "text/html", "page"),
        ("feed.rss", "application/rss+xml", "feed"),
        ("feed.atom", "text/xml", "feed"),
        ("sitemap.xml", "application/xml", "sitemap"),
        ("sitemap-index.xml", "text/plain", "sitemap"),
        ("robots.txt", "text/plain", "page"),  # neither: the page then names why
    ],
)
def test_what_a_url_serves_decides_its_kind_not_its_spelling(
    site: LocalSite, fetcher: Fetcher, body: str, content_type: str, kind: str
) -> None:
    misleading = "/sitemap.xml.rss.html"  # the spelling says nothing
    site.set(misleading, (HERE / body).read_bytes(), content_type)
    assert served_kind(fetcher.get(site.url(misleading))) == kind
    site.set("/listing", b"https://a.example/x\nhttps://a.example/y\n", "text/plain")
    assert served_kind(fetcher.get(site.url("/listing"))) == "sitemap"  # a plain-text sitemap


def test_links_are_fetched_once_and_expanded_by_what_they_serve(
    site: LocalSite, harvester: Harvester
) -> None:
    site.set("/latest", site.routes["/feed.atom"].body, "application/atom+xml")
    site.set("/pages", site.routes["/sitemap.xml"].body, "text/xml")
    links = [site.url(p) for p in [FERRY, "/latest", "/pages", "/gone"]]
    got = harvester.collect(links=links)
    assert [a.url for a in got.articles] == [
        site.url(p) for p in [FERRY, "/world/council-vote", "/culture/cafe-elan", ARTICLE]
    ]
    assert [str(f) for f in got.failures] == [
        f"{site.url('/gone')}: HTTP 404",
        f"{site.url('/archive/old-story')}: HTTP 404",
    ]
    fetched = [p for p in site.paths() if p != "/robots.txt"]
    assert sorted(fetched) == sorted(set(fetched))  # each URL requested once
    assert harvester._kept == {}


def test_at_most_limit_pages_are_fetched_and_their_feed_is_read_again(
    site: LocalSite, harvester: Harvester, tmp_path: Path
) -> None:
    got = harvester.collect(feeds=[site.url("/feed.rss")], limit=1)
    assert [a.url for a in got.articles] == [site.url(ARTICLE)]
    assert [str(f) for f in got.failures] == ["1 more page: not fetched (at most 1 a request)"]
    assert FERRY not in site.paths()
    harvester.save_state()
    saved = FeedState.load(tmp_path / "feeds.json")
    assert saved.get("feeds", site.url("/feed.rss")) == (None, None)  # its rest comes next time


def test_ingest_web_stores_what_the_links_serve_and_names_each_failure(
    site: LocalSite, tmp_path: Path
) -> None:
    settings = config.Settings(data_dir=tmp_path, allow_private_urls=True)
    store: Any = FakeStore()
    links = [site.url("/go/harbour"), site.url("/feed.atom"), "ftp://a.example/x", "notes.txt"]
    got = library.ingest_web(store, settings, urls=[site.url(FERRY)], links=links)
    pages = [FERRY, ARTICLE, "/world/council-vote", "/culture/cafe-elan"]
    ids = [doc_id_for(site.url(p)) for p in pages]
    assert [a.doc_id for a in got.articles] == ids and got.added == ids
    assert [got.status(i) for i in ids] == ["added"] * 4
    assert [str(f) for f in got.failures] == [
        "ftp://a.example/x: not a web address (http:// or https://)",
        "notes.txt: not a web address (http:// or https://)",
    ]
    assert sorted(store.docs) == sorted(ids)
    assert FeedState.load(tmp_path / "feeds.json").get("feeds", site.url("/feed.atom"))[0]
    sitemap = [site.url("/sitemap.xml")]
    again = library.ingest_web(store, settings, sitemaps=sitemap, since="2025-03-01")
    assert [a.doc_id for a in again.articles] == [ids[1], ids[0]] and again.added == []
    assert "/archive/old-story" not in site.paths()  # older than `since`


def test_ingest_web_refuses_private_addresses_unless_allowed(
    site: LocalSite, tmp_path: Path
) -> None:
    store: Any = FakeStore()
    got = library.ingest_web(store, config.Settings(data_dir=tmp_path), links=[site.url(ARTICLE)])
    assert got.articles == [] and store.docs == {} and site.requests == []
    (failure,) = got.failures
    assert failure.path == site.url(ARTICLE)
    assert failure.reason == (
        "refused address: 127.0.0.1 is a loopback address (set allow_private_urls to fetch it)"
    )


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"urls": [f"https://a.example/{i}" for i in range(21)]}, "21 URLs: at most 20"),
        ({"feeds": ["https://a.example/f"], "since": "soon"}, "cannot read 'soon' as a date"),
    ],
)
def test_ingest_web_limits(tmp_path: Path, kwargs: dict[str, Any], message: str) -> None:
    store: Any = FakeStore()
    with pytest.raises(InputError, match=re.escape(message)):
        library.ingest_web(store, config.Settings(data_dir=tmp_path), **kwargs)


# --- the command line on the real store (embedder, Chroma) --------------------------------


def _ingest(capsys: pytest.CaptureFixture[str], data: Path, *args: str) -> tuple[int, str, str]:
    code = cli.main(["--data-dir", str(data), "ingest", "--quiet", *args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.slow
def test_rag_ingest_urls_feeds_and_files_then_again_then_an_update(
    site: LocalSite,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from rag.store import Store

    monkeypatch.setenv("RAG_ALLOW_PRIVATE_URLS", "1")
    note = tmp_path / "note.txt"
    note.write_text(" date 2025-03-01 Harbour note\nThe harbour office opens at nine every day.\n")
    data = tmp_path / "data"
    args = [str(note), site.url("/go/harbour"), site.url("/gone"), "--feed", site.url("/feed.rss")]
    code, out, err = _ingest(capsys, data, *args)
    assert code == 0 and "3 added, 0 updated, 0 unchanged" in out
    assert err.splitlines() == [f"skipped {site.url('/gone')}: HTTP 404"]
    store = Store(config.load({"data_dir": data}))
    by_id = {a.doc_id: a for a in store.articles()}
    harbour = by_id[doc_id_for(site.url(ARTICLE))]
    assert harbour.source == "The Harbour Gazette" and harbour.date == "2025-03-14"
    cited = next(c for c in store.all_chunks() if c.doc_id == harbour.doc_id)
    assert cited.url == site.url(ARTICLE) and cited.source == "The Harbour Gazette"

    revision = store.revision
    code, out, _ = _ingest(capsys, data, *args)
    assert code == 0 and "0 added, 0 updated, 3 unchanged" in out
    assert store.revision == revision  # nothing written

    site.set(FERRY, site.routes[FERRY].body.replace(b"twelve minutes", b"ten minutes"))
    code, out, _ = _ingest(capsys, data, "--feed", site.url("/feed.rss"))
    assert "0 added, 1 updated, 1 unchanged" in out
    ferry = " ".join(c.text for c in store.all_chunks() if c.doc_id == doc_id_for(site.url(FERRY)))
    assert "every ten minutes" in ferry and "twelve" not in ferry


@pytest.mark.slow
def test_rag_ingest_exits_1_when_every_page_fails(
    site: LocalSite, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Without allow_private_urls the test server is refused: one line each, no traceback."""
    code, _, err = _ingest(capsys, tmp_path, site.url(ARTICLE), "--sitemap", site.url("/x.xml"))
    assert code == 1 and site.requests == []
    assert err.splitlines() == [
        f"skipped {site.url('/x.xml')}: refused address: 127.0.0.1 is a loopback address "
        "(set allow_private_urls to fetch it)",
        f"skipped {site.url(ARTICLE)}: refused address: 127.0.0.1 is a loopback address "
        "(set allow_private_urls to fetch it)",
    ]


@pytest.mark.slow
def test_ingest_web_on_the_real_store_writes_only_what_changed(
    site: LocalSite, tmp_path: Path
) -> None:
    from rag.store import Store

    store = Store(config.Settings(data_dir=tmp_path, allow_private_urls=True))
    settings = store.settings
    got = library.ingest_web(store, settings, links=[site.url("/feed.rss")])
    ids = [doc_id_for(site.url(p)) for p in [ARTICLE, FERRY]]
    assert got.added == ids and got.failures == []
    cited = next(c for c in store.all_chunks() if c.doc_id == ids[0])
    assert cited.url == site.url(ARTICLE) and cited.source == "The Harbour Gazette"
    revision = store.revision
    again = library.ingest_web(store, settings, urls=[site.url(ARTICLE)])
    assert again.status(ids[0]) == "unchanged" and store.revision == revision
    site.set(FERRY, site.routes[FERRY].body.replace(b"twelve minutes", b"ten minutes"))
    assert library.ingest_web(store, settings, urls=[site.url(FERRY)]).updated == [ids[1]]


def test_ingest_refuses_a_bad_since_or_a_watch_without_feeds(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _ingest(capsys, tmp_path, "--sitemap", "https://a.example/s", "--since", "soon")[0] == 1
    code, _, err = _ingest(capsys, tmp_path, "https://a.example/x", "--watch", "5")
    assert code == 1 and err.startswith("error: --watch needs")
