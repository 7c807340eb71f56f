"""rag.keyword_index on disk: following a store's revision with the articles that changed,
reopening without rebuilding, a crash mid-update, and two processes sharing the folder."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from rag.chunk import Chunk
from rag.keyword_index import KeywordIndex


class FakeStore:
    """Articles at versions, and a count of the chunks fetched from it."""

    def __init__(self) -> None:
        self.articles: dict[str, tuple[str, str]] = {}  # doc_id: (version, text)
        self.fetched = 0

    def versions(self) -> set[tuple[str, str]]:
        return {(d, v) for d, (v, _) in self.articles.items()}

    def fetch(self, wanted: list[tuple[str, str]]) -> list[tuple[str, Chunk]]:
        self.fetched += len(wanted)
        return [(v, Chunk(f"{d}:0", d, "", None, 0, 0, 9, self.articles[d][1])) for d, v in wanted]

    def follow(self, index: KeywordIndex, revision: str) -> None:
        index.follow(revision, self.versions, self.fetch)


def ids(index: KeywordIndex, query: str) -> list[str]:
    return [c.chunk_id for c, _ in index.search(query, 10)]


@pytest.mark.parametrize("merged", [False, True])
def test_only_changed_articles_are_fetched(tmp_path: Path, merged: bool) -> None:
    store = FakeStore()
    store.articles = {"a": ("1", "zeppelin harbour"), "b": ("1", "ferry harbour")}
    index = KeywordIndex(tmp_path)
    store.follow(index, "r1")
    if merged:
        index.merge()
    assert ids(index, "harbour") and store.fetched == 2
    store.articles["a"] = ("2", "airship hangar")
    store.articles["c"] = ("1", "zeppelin museum")
    store.follow(index, "r2")
    assert store.fetched == 4  # a's new version and c
    assert ids(index, "zeppelin") == ["c:0"]
    assert ids(index, "harbour") == ["b:0"]
    del store.articles["b"]
    store.follow(index, "r3")
    assert ids(index, "harbour") == [] and ids(index, "hangar") == ["a:0"]
    store.follow(index, "r3")
    assert store.fetched == 4


def test_reopening_at_the_same_revision_fetches_nothing(tmp_path: Path) -> None:
    store = FakeStore()
    store.articles = {"a": ("1", "zeppelin")}
    store.follow(KeywordIndex(tmp_path), "r1")
    again = KeywordIndex(tmp_path)
    store.follow(again, "r1")
    assert store.fetched == 1 and ids(again, "zeppelin") == ["a:0"]


def test_a_crash_mid_update_leaves_the_old_revision(tmp_path: Path) -> None:
    store = FakeStore()
    store.articles = {"a": ("1", "zeppelin")}
    index = KeywordIndex(tmp_path)
    store.follow(index, "r1")
    store.articles["b"] = ("1", "airship")

    def broken(wanted: list[tuple[str, str]]) -> list[tuple[str, Chunk]]:
        raise OSError("the store went away")

    with pytest.raises(OSError):
        index.follow("r2", store.versions, broken)
    assert index.revision == "r1" and ids(index, "airship") == []
    store.follow(KeywordIndex(tmp_path), "r2")
    assert ids(KeywordIndex(tmp_path), "airship") == ["b:0"]


def test_an_unreadable_index_is_rebuilt(tmp_path: Path) -> None:
    (tmp_path / "index.sqlite3").write_bytes(b"not a database at all" * 100)
    store = FakeStore()
    store.articles = {"a": ("1", "zeppelin")}
    index = KeywordIndex(tmp_path)
    store.follow(index, "r1")
    assert ids(index, "zeppelin") == ["a:0"]


def test_another_format_is_rebuilt(tmp_path: Path) -> None:
    with sqlite3.connect(tmp_path / "index.sqlite3") as db:
        db.execute("CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        db.execute("INSERT INTO meta VALUES ('format', '0')")
    assert KeywordIndex(tmp_path).revision == ""


def test_a_process_sees_what_another_wrote(tmp_path: Path) -> None:
    store = FakeStore()
    store.articles = {"a": ("1", "zeppelin")}
    first, second = KeywordIndex(tmp_path), KeywordIndex(tmp_path)
    store.follow(first, "r1")
    assert ids(second, "zeppelin") == ["a:0"]
    store.articles["b"] = ("1", "zeppelin airship")
    store.follow(second, "r2")
    first.merge()
    assert ids(second, "airship") == ["b:0"]
    store.follow(first, "r2")
    assert store.fetched == 2


@pytest.mark.parametrize("deleted", [False, True])
def test_reopening_after_a_merge_scores_as_the_index_it_reopens(
    tmp_path: Path, deleted: bool
) -> None:
    store = FakeStore()
    store.articles = {d: ("1", f"harbour {d} ferry") for d in "abcdef"}
    store.articles["g"] = ("1", "harbour harbour airship")
    index = KeywordIndex(tmp_path)
    store.follow(index, "r1")
    index.merge()  # every row frozen
    if deleted:  # a frozen row dropped: opening reads which rows are alive
        del store.articles["c"]
        store.follow(index, "r2")
    again = KeywordIndex(tmp_path)
    for query in ("harbour", "ferry", "airship harbour"):
        assert again.search(query, 10) == index.search(query, 10)
    assert ("c:0" in ids(again, "harbour")) is not deleted
