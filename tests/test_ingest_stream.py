"""A large .jsonl is read an article at a time (rag.articles.read_all), counted for progress
without parsing, and still read whole when it is UTF-16."""

from __future__ import annotations

import json
import tracemalloc
from pathlib import Path

from rag.articles import Article, LoadFailure, count_articles, load_all, read_all


def write_jsonl(path: Path, n: int, text_chars: int = 2000) -> None:
    with path.open("w", encoding="utf-8") as out:
        for i in range(1, n + 1):
            record = {"id": i, "title": f"Story {i}", "text": f"Word {i} " * (text_chars // 8)}
            out.write(json.dumps(record) + "\n")


def test_a_large_jsonl_is_not_held_whole(tmp_path: Path) -> None:
    path = tmp_path / "archive.jsonl"
    write_jsonl(path, 5000)  # about 10 MB
    tracemalloc.start()
    read = sum(isinstance(item, Article) for item in read_all([path]))
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert read == 5000
    assert peak < path.stat().st_size / 5


def test_articles_are_counted_for_progress(tmp_path: Path) -> None:
    write_jsonl(tmp_path / "a.jsonl", 7)
    (tmp_path / "b.txt").write_text("Title\n\nText.", encoding="utf-8")
    assert count_articles([tmp_path]) == 8


def test_a_bad_line_is_named_and_the_rest_read(tmp_path: Path) -> None:
    path = tmp_path / "feed.jsonl"
    write_jsonl(path, 2)
    with path.open("a", encoding="utf-8") as out:
        out.write("{not json\n\n" + json.dumps({"id": "x", "text": "Later."}) + "\n")
    articles, failures = load_all([path])
    assert [a.doc_id for a in articles] == ["feed_1", "feed_2", "feed_x"]
    assert [f.path for f in failures] == [f"{path} line 3"]


def test_utf16_jsonl_is_read(tmp_path: Path) -> None:
    path = tmp_path / "wide.jsonl"
    lines = [json.dumps({"id": i, "text": f"Zürich {i}"}, ensure_ascii=False) for i in (1, 2, 3)]
    path.write_bytes("\n".join(lines).encode("utf-16"))
    articles, failures = load_all([path])
    assert [a.text for a in articles] == ["Zürich 1", "Zürich 2", "Zürich 3"] and not failures


def test_an_empty_jsonl_is_a_failure(tmp_path: Path) -> None:
    (tmp_path / "empty.jsonl").write_text("\n\n", encoding="utf-8")
    items = list(read_all([tmp_path / "empty.jsonl"]))
    assert len(items) == 1 and isinstance(items[0], LoadFailure)
