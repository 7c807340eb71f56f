"""`rag bench hnsw` (rag.eval.hnsw) on a few hundred vectors: a real embedded Chroma and the
real embedder; each measurement runs in this process instead of a fresh one."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from rag.config import Settings
from rag.eval import hnsw


def _in_this_process(function: Any, *args: Any) -> Any:
    return function(*args)


def test_a_small_index_searched_widely_finds_the_exact_nearest(tmp_path: Path) -> None:
    vectors, probes = hnsw.random_set(300)
    np.save(tmp_path / "vectors.npy", vectors)
    np.save(tmp_path / "probes.npy", probes)
    assert hnsw._write(str(tmp_path), 16, 100) > 0
    recall, ms = hnsw._recall(str(tmp_path), 400)  # ef_search above the corpus size
    assert recall == 1.0 and ms > 0


def test_recall_counts_only_the_true_ten_nearest(tmp_path: Path) -> None:
    vectors, probes = hnsw.random_set(300)
    np.save(tmp_path / "vectors.npy", vectors)
    np.save(tmp_path / "probes.npy", probes)
    hnsw._write(str(tmp_path), 16, 100)
    assert hnsw._recall(str(tmp_path), 400)[0] == 1.0
    np.save(tmp_path / "vectors.npy", -vectors)  # exact search now ranks the other end first
    assert hnsw._recall(str(tmp_path), 400)[0] < 0.1


def test_mixed_vectors_are_unit_sums_of_real_sentence_embeddings() -> None:
    vectors, probes = hnsw.mixed_set(Settings(), 50, [Path("seeds")], Path("eval/questions.jsonl"))
    assert vectors.shape == (50, 384) and probes.shape == (90, 384)  # the questions
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert len({v.tobytes() for v in vectors}) == 50
    again, _ = hnsw.mixed_set(Settings(), 50, [Path("seeds")], Path("eval/questions.jsonl"))
    assert np.array_equal(vectors, again)  # seeded


def test_the_table_has_a_row_per_vector_set_and_setting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(hnsw, "in_fresh_process", _in_this_process)
    monkeypatch.setattr(hnsw, "GRID", ((16, 100), (32, 100)))
    monkeypatch.setattr(hnsw, "EF_SEARCH", (10, 400))
    table = hnsw.measure(Settings(), 200, [Path("seeds")], Path("eval/questions.jsonl"))
    rows = [
        line
        for line in table.splitlines()
        if line.startswith("| random") or line.startswith("| mixed")
    ]
    assert [r.split(" | ")[:3] for r in rows] == [
        ["| random", "16", "100"],
        ["| random", "32", "100"],
        ["| mixed", "16", "100"],
        ["| mixed", "32", "100"],
    ]
    recalls = [float(row.split(" | ")[5].split(",")[0]) for row in rows]  # ef_search 400 > 200
    assert recalls[:2] == [1.0, 1.0] and min(recalls) >= 0.99  # mixed sums can tie
