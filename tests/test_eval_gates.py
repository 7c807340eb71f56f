"""Quality gates (rag.eval.gates): reading the split's table, errors, missed thresholds."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from rag.errors import RagError
from rag.eval import gates
from rag.eval.gates import Gate
from rag.eval.summary import METRICS

ROOT = Path(__file__).resolve().parents[1]


def summary_with(**means: float | None) -> dict[str, Any]:
    return {"overall": {m.key: {"mean": means.get(m.key), "n": 1} for m in METRICS}}


GATES_TOML = """
[smoke.min]
all_slots = 0.6
"hit@5" = 0.9

[smoke.max]
false_abstention = 0.3

[all]
min = { all_slots = 0.5 }
"""


def test_gates_are_read_from_the_split_table(tmp_path: Path) -> None:
    path = tmp_path / "gates.toml"
    path.write_text(GATES_TOML)
    assert set(gates.load_gates(path, "smoke")) == {
        Gate("all_slots", "min", 0.6),
        Gate("hit@5", "min", 0.9),
        Gate("false_abstention", "max", 0.3),
    }
    assert gates.load_gates(path, None) == [Gate("all_slots", "min", 0.5)]
    with pytest.raises(RagError, match=r"no \[dev\] table"):
        gates.load_gates(path, "dev")


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ("[smoke.min]\nall_slot = 0.5", "unknown metric 'all_slot'"),
        ("[smoke.min]\nall_slots = 'high'", "must be a number"),
        ("[smoke.min]\nall_slots = true", "must be a number"),
        ("[smoke.least]\nall_slots = 0.5", "only `min` and `max`"),
        ("[smoke]\nmin = 0.5", "only `min` and `max`"),
        ("[smoke.min\n", "cannot read the gates file"),
    ],
)
def test_bad_gates_are_errors(tmp_path: Path, table: str, message: str) -> None:
    path = tmp_path / "gates.toml"
    path.write_text(table)
    with pytest.raises(RagError, match=message):
        gates.load_gates(path, "smoke")


def test_check_gates_reports_each_missed_threshold_in_one_line() -> None:
    chosen = [
        Gate("all_slots", "min", 0.6),
        Gate("hit@5", "min", 0.9),
        Gate("false_abstention", "max", 0.3),
        Gate("abstention_recall", "min", 0.5),
    ]
    passing = summary_with(
        all_slots=0.6, **{"hit@5": 1.0}, false_abstention=0.3, abstention_recall=0.5
    )
    assert gates.check_gates(passing, chosen) == []
    failing = summary_with(all_slots=0.55, **{"hit@5": 0.95}, false_abstention=0.35)
    assert gates.check_gates(failing, chosen) == [
        "all_slots = 0.550, below the minimum 0.6",
        "false_abstention = 0.350, above the maximum 0.3",
        "abstention_recall = n/a (no question measures it), the minimum 0.5",
    ]


@pytest.mark.parametrize("split", ["smoke", None])
def test_the_committed_gates_file_is_valid(split: str | None) -> None:
    found = gates.load_gates(ROOT / "eval" / "gates.toml", split)
    assert found
    assert {g.bound for g in found} == {"min", "max"}
