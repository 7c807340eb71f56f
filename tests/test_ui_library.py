"""The Library tab's logic (rag.ui.library): uploads saved under safe names within the limits,
ingested at once, and removed together with their file; web addresses fetched from a real
HTTP server on loopback and ingested at once; over an in-memory store."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from fixtures.web.server import LocalSite
from ui_samples import FakeStore, chunk

from rag.articles import Article
from rag.config import Settings
from rag.errors import InputError
from rag.stored import ArticleInfo
from rag.ui import library

VELMORA = " date 2025-10-01 Velmora opens a bridge\n\nIt is 412 m long.\n"


@pytest.mark.parametrize(
    ("original", "saved"),
    [
        ("../../etc/My Story (1).TXT", r"My_Story_1_[0-9a-f]{8}\.txt"),
        ("story.md", r"story\.md"),
        ("<script>.html", r"script_[0-9a-f]{8}\.html"),
        ("...jsonl", r"article_[0-9a-f]{8}\.jsonl"),
    ],
)
def test_upload_names_are_safe(original: str, saved: str) -> None:
    assert re.fullmatch(saved, library.upload_name(original))


def test_uploads_are_saved_within_the_limits(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data", max_upload_bytes=100)
    small = tmp_path / "evil name.md"
    small.write_text("---\ntitle: T\n---\nBody.", encoding="utf-8")
    saved = library.save_upload(small, settings)  # staged until ingested
    assert saved.name == library.upload_name("evil name.md") and saved.is_relative_to(
        settings.uploads_dir
    )
    assert saved.read_text().endswith("Body.")
    renamed = library.save_upload(small, settings, original="Other Name.MD")
    assert renamed.name == library.upload_name("Other Name.MD")
    big = tmp_path / "big.txt"
    big.write_text("x" * 101, encoding="utf-8")
    with pytest.raises(InputError, match=r"big\.txt: 101 bytes is over the 100-byte limit"):
        library.save_upload(big, settings)
    exe = tmp_path / "run.sh"
    exe.write_text("echo", encoding="utf-8")
    with pytest.raises(InputError, match=r"run\.sh: unsupported type \.sh; use \.txt"):
        library.save_upload(exe, settings)
    bare = tmp_path / "README"
    bare.write_text("x", encoding="utf-8")
    with pytest.raises(InputError, match=r"unsupported type \(none\)"):
        library.save_upload(bare, settings)


def test_an_upload_is_ingested_at_once_and_reported(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data")
    store = FakeStore()
    upload = tmp_path / "new story.txt"
    upload.write_text(VELMORA, encoding="utf-8")
    added = library.ingest_upload(upload, store, settings)  # type: ignore[arg-type]
    assert added == [("added “Velmora opens a bridge”", True)]
    saved = library.upload_name(upload.name)
    assert (settings.uploads_dir / saved).exists()
    assert [a.doc_id for a in store.articles()] == [Path(saved).stem]
    again = library.ingest_upload(upload, store, settings)  # type: ignore[arg-type]
    assert again == [("updated “Velmora opens a bridge”", True)]


def test_an_upload_without_articles_is_reported_and_not_kept(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data")
    store = FakeStore()
    empty = tmp_path / "empty.txt"
    empty.write_text("   \n", encoding="utf-8")
    report = library.ingest_upload(empty, store, settings)  # type: ignore[arg-type]
    assert report == [("empty.txt: no text", False)]
    assert not (settings.uploads_dir / "empty.txt").exists() and store.articles() == []


def test_a_feed_reports_its_bad_lines_without_the_server_path(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data")
    feed = tmp_path / "feed.jsonl"
    good = {"id": "a", "title": "Good", "date": "2025-10-01", "text": "Body."}
    feed.write_text(json.dumps(good) + "\nnot json\n", encoding="utf-8")
    report = library.ingest_upload(feed, FakeStore(), settings)  # type: ignore[arg-type]
    assert report[0] == ("added “Good”", True)
    line, ok = report[1]
    assert line.startswith("feed.jsonl: ") and not ok
    assert str(settings.uploads_dir) not in line


def test_removing_an_article_deletes_only_its_upload(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    assert library.uploaded_file("story", settings, []) is None  # no uploads folder yet
    settings.uploads_dir.mkdir()
    for name in ("story.txt", "notes.sh"):
        (settings.uploads_dir / name).write_text("x")
    lines = (json.dumps({"id": i, "title": "T", "text": "Body."}) for i in (1, 2))
    (settings.uploads_dir / "feed.jsonl").write_text("\n".join(lines))
    (settings.uploads_dir / "folder.txt").mkdir()
    assert library.uploaded_file("story", settings, []) == settings.uploads_dir / "story.txt"
    assert library.uploaded_file("feed_1", settings, ["feed_2"]) is None
    assert library.uploaded_file("feed_1", settings, []) == settings.uploads_dir / "feed.jsonl"
    assert library.uploaded_file("seed", settings, []) is None
    assert library.uploaded_file("notes", settings, []) is None
    assert library.uploaded_file("folder", settings, []) is None


def test_remove_article_and_undo_from_the_uploads_bytes(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    store = FakeStore()
    upload = tmp_path / "new story.txt"
    upload.write_text(VELMORA, encoding="utf-8")
    library.ingest_upload(upload, store, settings)  # type: ignore[arg-type]
    store.docs["seed"] = ArticleInfo("seed", "", None, None, 1)
    saved = settings.uploads_dir / library.upload_name(upload.name)
    line, kept = library.remove_article(saved.stem, store, settings)  # type: ignore[arg-type]
    assert line == "Removed “Velmora opens a bridge”."
    assert not saved.exists() and kept.data == VELMORA.encode() and kept.name == saved.name
    report = library.undo(kept, store, settings)  # type: ignore[arg-type]
    assert report == [("Put back “Velmora opens a bridge”.", True)]
    assert saved.read_text(encoding="utf-8") == VELMORA and saved.stem in store.docs
    line, _ = library.remove_article("seed", store, settings)  # type: ignore[arg-type]
    assert line == "Removed “seed”."
    with pytest.raises(InputError, match="seed is not in the library"):
        library.remove_article("seed", store, settings)  # type: ignore[arg-type]


def test_an_article_without_an_upload_is_put_back_from_its_passages(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    store = FakeStore()
    body = "Velmora opened a glass bridge. It is 412 metres long."
    store.sync([Article("seed_1", "Glass bridge", "2025-10-01", body, source="Wire")])
    line, kept = library.remove_article("seed_1", store, settings)  # type: ignore[arg-type]
    assert line == "Removed “Glass bridge”." and kept.data == b"" and kept.text == body
    assert (kept.date, kept.source) == ("2025-10-01", "Wire") and "seed_1" not in store.docs
    assert library.undo(kept, store, settings) == [("Put back “Glass bridge”.", True)]  # type: ignore[arg-type]
    assert store.docs["seed_1"].title == "Glass bridge"


def test_passages_are_laid_over_each_other_by_offset() -> None:
    text = "One. Two. Three. Four."
    parts = [(0, 9), (5, 16), (17, 22)]  # overlapping, then after a gap of one space
    chunks = [chunk(f"d:{i}", text[a:b], start=a, end=b) for i, (a, b) in enumerate(parts)]
    assert library.rebuilt_text(list(reversed(chunks))) == text


def test_article_choices() -> None:
    articles = [
        ArticleInfo("a", "Bridge", "2025-10-01", None, 1),
        ArticleInfo("b", "", None, None, 1),
    ]
    assert library.article_choices(articles) == [
        library.CHOOSE,
        ("Bridge (2025-10-01)", "a"),
        ("b (undated)", "b"),
    ]


def test_web_addresses_are_fetched_and_reported_a_line_each(
    site: LocalSite, tmp_path: Path
) -> None:
    settings = Settings(data_dir=tmp_path, allow_private_urls=True)
    store: Any = FakeStore()
    text = f"  {site.url('/feed.rss')}\n{site.url('/gone')}   www.example.org/page "
    report = library.ingest_links(text, store, settings)
    assert report == [
        ("added “Harbour bridge reopens after two-year repair”", True),
        ("added “New ferry timetable announced”", True),
        ("www.example.org/page: not a web address (http:// or https://)", False),
        (f"{site.url('/gone')}: HTTP 404", False),
    ]
    assert len(store.docs) == 2 and not (settings.uploads_dir).exists()  # no file is kept
    again = library.ingest_links(site.url("/news/ferry-timetable"), store, settings)
    assert again == [("updated “New ferry timetable announced”", True)]  # as the store says


def test_nothing_pasted_or_nothing_listed_is_one_line(site: LocalSite, tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, allow_private_urls=True)
    store: Any = FakeStore()
    assert library.ingest_links("  \n ", store, settings) == [
        ("paste the address of a page, an RSS or Atom feed, or a sitemap", False)
    ]
    empty = b'<rss version="2.0"><channel><title>T</title></channel></rss>'
    site.set("/empty.xml", empty, "application/rss+xml")
    assert library.ingest_links(site.url("/empty.xml"), store, settings) == [
        ("nothing to add: no page was listed", False)
    ]


def test_status_lines() -> None:
    assert library.status_line("“A”", "added") == "added “A”"
    assert library.status_line("“A”, “B”", "updated") == "updated “A”, “B”"
    assert library.status_line("“A”", "unchanged") == "“A”: already in the library, unchanged"
