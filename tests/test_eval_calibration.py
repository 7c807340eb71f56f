"""Fitting the answer confidence to eval runs (rag.eval.calibration) and `rag calibrate`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rag import calibrate
from rag.cli import main
from rag.errors import ConfigError
from rag.eval import calibration
from rag.eval.calibration import calibration_rows, cross_validated


def signals(judge: float, relevance: float = 0.6, kept: float = 1.0) -> dict[str, float]:
    return {"judge": judge, "relevance": relevance, "support": 0.7, "kept": kept}


def test_fit_learns_that_a_confident_judge_is_right_more_often() -> None:
    rows = [(signals(0.9), True)] * 8 + [(signals(0.9), False)] * 2
    rows += [(signals(0.3), True)] * 2 + [(signals(0.3), False)] * 8
    fitted = calibration.fit(rows, l2=0.01)
    high, low = fitted.confidence(signals(0.9)), fitted.confidence(signals(0.3))
    assert high == pytest.approx(0.8, abs=0.02)
    assert low == pytest.approx(0.2, abs=0.02)


def test_fit_needs_both_outcomes() -> None:
    with pytest.raises(ConfigError, match="both right and wrong"):
        calibration.fit([(signals(0.9), True)] * 3)


def test_save_and_load_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "calibration.json"
    fitted = calibrate.Calibration(-1.5, (0.8, 2.0, 1.0, 0.5), "dev split", "qwen2.5-1.5b")
    calibration.save(fitted, path)
    assert calibrate.load(str(path)) == fitted
    assert calibrate.load(str(path), "another-model") == fitted  # a file named: always used
    weights = {"judge": 0.8, "relevance": 2.0, "support": 1.0, "kept": 0.5}
    assert json.loads(path.read_text())["weights"] == weights


def _run(folder: Path, rows: list[tuple[str, float, int | None]]) -> Path:
    """An eval output folder whose answers had these (id, judge P(yes), right?) values."""
    folder.mkdir()
    predictions = [{"id": i, "signals": signals(p) if r is not None else {}} for i, p, r in rows]
    scores = [{"id": i, "candidate_correct": r} for i, _, r in rows]
    for name, items in (("predictions", predictions), ("scores", scores)):
        (folder / f"{name}.jsonl").write_text("".join(json.dumps(x) + "\n" for x in items))
    return folder


def test_rag_calibrate_fits_several_runs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dev = _run(tmp_path / "dev", [("a", 0.9, 1), ("b", 0.8, 1), ("c", 0.4, 0), ("d", 0.7, None)])
    smoke = _run(tmp_path / "smoke", [("e", 0.3, 0), ("f", 0.85, 0), ("g", 0.95, 1)])
    assert len(calibration_rows(dev)) == 3  # "d" never reached the confidence step
    out = tmp_path / "fitted.json"
    assert main(["--model", "m", "calibrate", str(dev), str(smoke), "--out", str(out)]) == 0
    fitted = calibrate.load(str(out))
    assert fitted.model == "m" and "6 answers" in fitted.fitted_on
    assert fitted.confidence(signals(0.95)) > fitted.confidence(signals(0.3))
    assert "fit on 6 answers (3 right)" in capsys.readouterr().out


def test_cross_validation_scores_each_row_without_it() -> None:
    rows = [({"judge": 0.9, "relevance": 0.6, "support": 0.6, "kept": 1.0}, True)] * 6 + [
        ({"judge": 0.2, "relevance": 0.3, "support": 0.3, "kept": 0.5}, False)
    ] * 6
    scored = cross_validated(rows, folds=3)
    assert len(scored) == len(rows)
    assert min(scored[:6]) > 0.5 > max(scored[6:])  # the pattern holds out of fold
    with pytest.raises(ConfigError, match="at least 5 rows"):
        cross_validated(rows[:4])
