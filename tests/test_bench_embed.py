"""`rag bench embed`: the real embedder's chunks a second at each encode batch size."""

from __future__ import annotations

from pathlib import Path

from rag.config import Settings
from rag.eval import bench


def test_one_row_per_batch_size_with_the_ratio_to_the_first() -> None:
    table = bench.bench_embed(Settings(), [Path("seeds")], [4, 16], 1)
    rows = [line.split(" | ") for line in table.splitlines() if line.startswith("| ")][1:]
    assert [row[0] for row in rows] == ["| 4", "| 16"]
    assert rows[0][2] == "1.00 |" and float(rows[1][1]) > 0
    assert table.splitlines()[0].endswith("chunk texts, median of 1")
