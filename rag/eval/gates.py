"""Quality gates: thresholds on a run's overall means, read from a TOML file.

Contract: the file holds one table per split (`[smoke]`, `[dev]`, `[test]`, and `[all]` for a
run without a split), each with `min` and `max` sub-tables of metric means (see
eval/gates.toml). `load_gates(path, split)` reads the run's table (an unknown metric, a
non-number or another sub-table is a RagError naming it); `check_gates(summary, gates)` gives
one line per missed threshold, and a metric that no question measures misses its gate.
Knows nothing about answering or scoring; metric names are rag.eval.summary's.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rag.errors import RagError
from rag.eval.summary import METRICS

ALL_TABLE = "all"  # gates table used by a run without --split


@dataclass(frozen=True)
class Gate:
    metric: str
    bound: str  # "min" or "max"
    threshold: float

    def failure(self, value: float | None) -> str | None:
        """One line describing how `value` misses the gate, or None when it passes."""
        minimum = self.bound == "min"
        limit = f"{'minimum' if minimum else 'maximum'} {self.threshold:g}"
        if value is None:
            return f"{self.metric} = n/a (no question measures it), the {limit}"
        if (value < self.threshold) if minimum else (value > self.threshold):
            return f"{self.metric} = {value:.3f}, {'below' if minimum else 'above'} the {limit}"
        return None


def parse_gates(table: Mapping[str, Any], source: str) -> list[Gate]:
    """Gates from one table {"min": {metric: value}, "max": {metric: value}}."""
    known = {m.key for m in METRICS}
    gates = []
    for bound, limits in table.items():
        if bound not in ("min", "max") or not isinstance(limits, dict):
            raise RagError(f"{source}: expected only `min` and `max` tables, found {bound!r}")
        for metric, threshold in limits.items():
            if metric not in known:
                raise RagError(f"{source}: unknown metric {metric!r} (known: {sorted(known)})")
            if isinstance(threshold, bool) or not isinstance(threshold, int | float):
                raise RagError(f"{source}: {bound}.{metric} must be a number")
            gates.append(Gate(metric, bound, float(threshold)))
    return gates


def load_gates(path: Path, split: str | None) -> list[Gate]:
    """The gates of the run's split (table [all] for a run without a split)."""
    name = split or ALL_TABLE
    try:
        tables = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise RagError(f"cannot read the gates file {path}: {exc}") from None
    if not isinstance(tables.get(name), dict):
        raise RagError(f"{path} has no [{name}] table of gates")
    return parse_gates(tables[name], f"{path} [{name}]")


def check_gates(summary: Mapping[str, Any], gates: Sequence[Gate]) -> list[str]:
    """One line per gate the summary's overall means miss."""
    overall = summary["overall"]
    failures = (gate.failure(overall[gate.metric]["mean"]) for gate in gates)
    return [failure for failure in failures if failure]


def gates_section(failures: Sequence[str], gates: Sequence[Gate], source: Path) -> str:
    """The report's markdown section on the gates of a run."""
    lines = [f"- FAILED: {failure}" for failure in failures] or [f"- all {len(gates)} passed"]
    return f"## Gates ({source})\n\n" + "\n".join(lines) + "\n"
