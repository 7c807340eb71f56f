"""The article library's names and files (rag.library), over an in-memory store: uploads never
collide by name or doc_id, never replace an article that came from elsewhere, replace their own
earlier version only once the new one is ingested, report duplicate ids, and a removal deletes
only the file that holds the article."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from ui_samples import FakeStore

from rag import library
from rag.config import Settings
from rag.stored import ArticleInfo

VELMORA = " date 2025-10-01 Velmora opens a bridge\n\nIt is 412 m long.\n"
FERRY = " date 2025-10-02 A new ferry timetable\n\nBoats leave every hour.\n"


def _upload(tmp_path: Path, name: str, text: str, store: Any, settings: Settings) -> Any:
    source = tmp_path / "incoming"
    source.mkdir(exist_ok=True)
    path = source / "upload.bin"
    path.write_text(text, encoding="utf-8")
    return library.ingest_file(path, store, settings, original=name)


def _uploads(settings: Settings) -> list[str]:
    return sorted(p.name for p in settings.uploads_dir.iterdir() if p.is_file())


@pytest.mark.parametrize(
    "names",
    [
        ("Story!.txt", "Story?.txt", "Story.txt"),
        ("新闻.txt", "Новости.txt", "?.txt"),
        ("new story.txt", "new_story.txt"),
    ],
)
def test_names_that_differ_stay_distinct(names: tuple[str, ...]) -> None:
    saved = [library.upload_name(n) for n in names]
    assert len(set(saved)) == len(names)


@pytest.mark.parametrize(
    ("original", "saved"),
    [
        ("story.md", "story.md"),
        ("新闻.txt", "新闻.txt"),
        ("Überblick.md", "Überblick.md"),
        ("C:\\Users\\me\\notes.txt", "notes.txt"),
    ],
)
def test_a_safe_name_is_kept_as_it_is(original: str, saved: str) -> None:
    assert library.upload_name(original) == saved


def test_a_sanitized_name_keeps_its_readable_part_and_stays_short() -> None:
    assert library.upload_name("Story!.txt").startswith("Story_")
    long = library.upload_name("新" * 300 + ".txt")
    assert len(long.encode("utf-8")) < 200 and long.endswith(".txt")


def test_non_latin_uploads_get_their_own_doc_ids(tmp_path: Path) -> None:
    settings, store = Settings(data_dir=tmp_path / "data"), FakeStore()
    _upload(tmp_path, "新闻.txt", VELMORA, store, settings)
    _upload(tmp_path, "Новости.txt", FERRY, store, settings)
    assert sorted(store.docs) == ["Новости", "新闻"]


def test_two_formats_of_one_name_are_two_articles(tmp_path: Path) -> None:
    settings, store = Settings(data_dir=tmp_path / "data"), FakeStore()
    first = _upload(tmp_path, "story.txt", VELMORA, store, settings)
    second = _upload(tmp_path, "story.md", f"---\ntitle: Ferry\n---\n{FERRY}", store, settings)
    assert first.added == ["story"] and len(second.added) == 1
    assert second.added[0] != "story" and len(store.docs) == 2
    again = _upload(tmp_path, "story.md", "---\ntitle: Ferry 2\n---\nBoats.", store, settings)
    assert again.updated == second.added and len(store.docs) == 2  # its new version
    assert len(_uploads(settings)) == 2


def test_an_upload_never_replaces_an_article_from_elsewhere(tmp_path: Path) -> None:
    settings, store = Settings(data_dir=tmp_path / "data"), FakeStore()
    store.docs["story"] = ArticleInfo("story", "A seed article", None, None, 3)
    got = _upload(tmp_path, "story.txt", VELMORA, store, settings)
    assert got.updated == [] and len(got.added) == 1 and got.added[0] != "story"
    assert store.docs["story"].title == "A seed article"


def test_a_new_version_of_an_upload_is_reported_as_updated(tmp_path: Path) -> None:
    settings, store = Settings(data_dir=tmp_path / "data"), FakeStore()
    _upload(tmp_path, "story.txt", VELMORA, store, settings)
    got = _upload(tmp_path, "story.txt", FERRY, store, settings)
    assert got.updated == ["story"] and got.status("story") == "updated"
    assert store.docs["story"].title == "A new ferry timetable"
    assert _uploads(settings) == ["story.txt"]


def test_a_failed_new_version_keeps_the_earlier_file(tmp_path: Path) -> None:
    settings, store = Settings(data_dir=tmp_path / "data"), FakeStore()
    _upload(tmp_path, "story.txt", VELMORA, store, settings)
    got = _upload(tmp_path, "story.txt", "   \n", store, settings)
    assert got.failures and not got.articles
    assert (settings.uploads_dir / "story.txt").read_text(encoding="utf-8") == VELMORA
    assert "story" in store.docs and _uploads(settings) == ["story.txt"]


def test_a_new_version_drops_the_articles_it_no_longer_holds(tmp_path: Path) -> None:
    settings, store = Settings(data_dir=tmp_path / "data"), FakeStore()
    lines = [{"id": i, "title": f"T{i}", "text": "Body."} for i in ("a", "b")]
    _upload(tmp_path, "feed.jsonl", "\n".join(map(json.dumps, lines)), store, settings)
    _upload(tmp_path, "feed.jsonl", json.dumps(lines[0]), store, settings)
    assert sorted(store.docs) == ["feed_a"]


def test_a_repeated_id_in_a_feed_is_reported_and_skipped(tmp_path: Path) -> None:
    settings, store = Settings(data_dir=tmp_path / "data"), FakeStore()
    lines = [{"id": "a", "title": t, "text": "Body."} for t in ("First", "Second")]
    got = _upload(tmp_path, "feed.jsonl", "\n".join(map(json.dumps, lines)), store, settings)
    assert got.added == ["feed_a"] and [a.title for a in got.articles] == ["First"]
    assert got.failures == ["duplicate id feed_a: only its first article is kept"]


def test_removal_deletes_only_the_file_holding_the_article(tmp_path: Path) -> None:
    settings, store = Settings(data_dir=tmp_path / "data"), FakeStore()
    _upload(tmp_path, "feed_notes.txt", VELMORA, store, settings)
    feed = settings.uploads_dir / "feed.jsonl"  # e.g. an upload whose articles were pruned
    feed.write_text(json.dumps({"id": "a", "title": "T", "text": "Body."}), encoding="utf-8")
    library.remove_article("feed_notes", store, settings)  # type: ignore[arg-type]
    assert _uploads(settings) == ["feed.jsonl"]


def test_a_feed_line_is_not_taken_for_a_file_of_that_name(tmp_path: Path) -> None:
    settings, store = Settings(data_dir=tmp_path / "data"), FakeStore()
    line = json.dumps({"id": "notes", "title": "T", "text": "Body."})
    _upload(tmp_path, "feed.jsonl", line, store, settings)
    got = _upload(tmp_path, "feed_notes.txt", VELMORA, store, settings)
    assert got.added and got.added[0] != "feed_notes" and len(store.docs) == 2
    library.remove_article(got.added[0], store, settings)  # type: ignore[arg-type]
    assert _uploads(settings) == ["feed.jsonl"]


def test_uploads_leave_nothing_behind_but_their_files(tmp_path: Path) -> None:
    """Staging folders go with the upload, whether it was ingested or refused."""
    settings, store = Settings(data_dir=tmp_path / "data"), FakeStore()
    _upload(tmp_path, "velmora.txt", VELMORA, store, settings)
    _upload(tmp_path, "empty.txt", "", store, settings)
    assert [p.name for p in settings.uploads_dir.iterdir()] == ["velmora.txt"]
