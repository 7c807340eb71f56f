"""The files of an eval run folder: JSON lines and JSON written and read back, and a finished
run read as the baseline of another.

Contract: `write_jsonl`/`read_jsonl` and `write_json` keep non-ASCII text as it is; a file that
cannot be read or parsed is a RagError naming it. `load_baseline(folder, ids=None)` gives a
run's scores and summary (the summary of its metrics.json, recomputed from the scores when it
lacks one, or for only the questions `ids` when given, so a split compares with the same
questions of the baseline).
Knows nothing about answering or scoring.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from rag.errors import RagError
from rag.eval.summary import summarize

Row = dict[str, Any]


def read_jsonl(path: Path) -> list[Row]:
    try:
        return [
            json.loads(line)
            for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip()
        ]
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise RagError(f"cannot read {path}: {exc}") from None


def write_jsonl(path: Path, rows: Iterable[Mapping[str, Any]]) -> None:
    path.write_text(
        "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows), encoding="utf-8"
    )


def write_json(path: Path, data: Any) -> None:
    path.write_text(
        json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n", encoding="utf-8"
    )


def load_baseline(folder: Path, ids: Iterable[str] | None = None) -> tuple[list[Row], Row]:
    """A baseline run's scores and summary (recomputed when metrics.json lacks one); with
    `ids`, only those questions, so a split compares with the same split of the baseline."""
    scores = read_jsonl(folder / "scores.jsonl")
    if ids is not None:
        wanted = set(ids)
        kept = [s for s in scores if s.get("id") in wanted]
        return kept, summarize(kept)
    try:
        summary = json.loads((folder / "metrics.json").read_text(encoding="utf-8"))["summary"]
    except (OSError, ValueError, KeyError, TypeError):
        summary = summarize(scores)
    return scores, summary
