"""Feed and sitemap parsing (rag.feeds) on the fixture files, hostile XML, and the state file."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from rag.feeds import MAX_STATE_PAGES, FeedError, FeedState, Item, parse_feed, parse_sitemap

WEB = Path(__file__).parent / "fixtures" / "web"
BASE = "https://gazette.example"


def fixture(name: str) -> bytes:
    return (WEB / name).read_bytes().replace(b"@BASE@", BASE.encode())


def test_rss_items_with_links_titles_dates_and_the_feed_title() -> None:
    items = parse_feed(fixture("feed.rss"), f"{BASE}/feed.rss", "application/rss+xml")
    source, feed = "The Harbour Gazette – Local", f"{BASE}/feed.rss"
    assert items == [
        Item(
            f"{BASE}/news/harbour-bridge-reopens?utm_source=rss&utm_medium=feed",
            "Harbour bridge reopens after two-year repair",
            "2025-03-14",
            source,
            feed,
        ),
        Item(
            f"{BASE}/news/ferry-timetable",
            "New ferry timetable announced",
            "2025-03-12",
            source,
            feed,
        ),
    ]


def test_atom_entries_relative_links_resolve_against_the_feed() -> None:
    items = parse_feed(fixture("feed.atom"), f"{BASE}/feeds/world.atom")
    assert [i.url for i in items] == [f"{BASE}/world/council-vote", f"{BASE}/culture/cafe-elan"]
    assert [i.date for i in items] == ["2025-03-10", "2025-03-08"]  # published, else updated
    assert items[1].title == "Café Élan reopens on the quay"
    assert {i.source for i in items} == {"Harbour Gazette World"}


def test_an_rss_guid_that_is_a_permalink_stands_for_a_missing_link() -> None:
    rss = b"""<rss version="2.0"><channel><title>T</title>
      <item><guid>https://gazette.example/a</guid><title>A</title></item>
      <item><guid isPermaLink="false">tag-b</guid><title>B</title></item>
      <item><link>javascript:alert(1)</link><title>C</title></item>
    </channel></rss>"""
    assert [i.url for i in parse_feed(rss, f"{BASE}/rss")] == [f"{BASE}/a"]


@pytest.mark.parametrize(
    "body",
    [
        b"<!DOCTYPE html><html><body><p>Hello</p></body></html>",
        b"",
        b"/etc/passwd",  # never opened as a file: feedparser only gets a stream
        b"https://gazette.example/feed.rss",  # never fetched
    ],
)
def test_what_is_not_a_feed_is_named(body: bytes) -> None:
    with pytest.raises(FeedError, match="not an RSS or Atom feed"):
        parse_feed(body, f"{BASE}/feed")


def test_a_sitemap_lists_pages_with_lastmod_or_news_dates_and_titles() -> None:
    found = parse_sitemap(fixture("sitemap.xml"), f"{BASE}/sitemap.xml")
    assert found.sitemaps == []
    assert [(p.url, p.date, p.title) for p in found.pages] == [
        (f"{BASE}/news/harbour-bridge-reopens", "2025-03-14", None),
        (f"{BASE}/news/ferry-timetable", "2025-03-12", "New ferry timetable announced"),
        (f"{BASE}/archive/old-story", "2024-01-05", None),
    ]


def test_a_sitemap_index_lists_sitemaps() -> None:
    found = parse_sitemap(fixture("sitemap-index.xml"), f"{BASE}/sitemap-index.xml")
    assert found.pages == []
    assert [(s.url, s.date) for s in found.sitemaps] == [
        (f"{BASE}/sitemap.xml", "2025-03-14"),
        (f"{BASE}/sitemap-2023.xml", "2023-12-31"),
    ]


def test_gzip_and_plain_text_sitemaps() -> None:
    packed = parse_sitemap(gzip.compress(fixture("sitemap.xml")), f"{BASE}/sitemap.xml.gz")
    assert len(packed.pages) == 3
    text = parse_sitemap(f"{BASE}/a\n{BASE}/b\n\n".encode(), f"{BASE}/sitemap.txt")
    assert [p.url for p in text.pages] == [f"{BASE}/a", f"{BASE}/b"]


def test_a_gzip_bomb_stops_at_the_limit() -> None:
    with pytest.raises(FeedError, match="too large once decompressed"):
        parse_sitemap(gzip.compress(b"<urlset>" + b" " * 2_000_000), f"{BASE}/s.gz", 1_000_000)


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>
<urlset><url><loc>https://gazette.example/&lol2;</loc></url></urlset>"""
EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE urlset [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<urlset><url><loc>https://gazette.example/&secret;</loc></url></urlset>"""


@pytest.mark.parametrize(
    "body",
    [
        BILLION_LAUGHS,
        EXTERNAL_ENTITY,
        b"<rss><channel/></rss>",
        b"<urlset><url><loc>",
        b"hello world\nnot a url",
    ],
)
def test_hostile_or_other_xml_is_not_a_sitemap(body: bytes) -> None:
    with pytest.raises(FeedError, match="not a sitemap"):
        parse_sitemap(body, f"{BASE}/sitemap.xml")


def test_feed_state_round_trips_and_keeps_the_newest_pages(tmp_path: Path) -> None:
    path = tmp_path / "data" / "feeds.json"
    state = FeedState.load(path)
    assert state.get("feeds", f"{BASE}/rss") == (None, None)
    state.put("feeds", f"{BASE}/rss", '"abc"', "Fri, 14 Mar 2025 08:00:00 GMT")
    for n in range(MAX_STATE_PAGES + 2):
        state.put("pages", f"{BASE}/p{n}", f'"{n}"', None)
    state.put("pages", f"{BASE}/p0", '"0b"', None)  # seen again: now the newest
    state.save()
    again = FeedState.load(path)
    assert again.get("feeds", f"{BASE}/rss") == ('"abc"', "Fri, 14 Mar 2025 08:00:00 GMT")
    assert again.get("pages", f"{BASE}/p0") == ('"0b"', None)
    assert again.get("pages", f"{BASE}/p1") == (None, None)  # the oldest went
    assert len(json.loads(path.read_text())["pages"]) == MAX_STATE_PAGES


@pytest.mark.parametrize("content", ["", "not json", "[1, 2]", '{"feeds": 3}'])
def test_an_unreadable_state_file_starts_empty(tmp_path: Path, content: str) -> None:
    path = tmp_path / "feeds.json"
    path.write_text(content)
    assert FeedState.load(path).get("feeds", "x") == (None, None)
