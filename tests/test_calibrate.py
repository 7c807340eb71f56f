"""Confidence calibration (rag.calibrate) and the yes/no share read from token weights."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rag import calibrate
from rag.cli import main
from rag.errors import ConfigError
from rag.eval.run import calibration_rows
from rag.llm import yes_share


def signals(judge: float, relevance: float = 0.6, kept: float = 1.0) -> dict[str, float]:
    return {"judge": judge, "relevance": relevance, "support": 0.7, "kept": kept}


def test_identity_calibration_is_the_judges_probability() -> None:
    for p in (0.1, 0.5, 0.93):
        assert calibrate.IDENTITY.confidence(signals(p)) == pytest.approx(p, abs=1e-3)


def test_fit_learns_that_a_confident_judge_is_right_more_often() -> None:
    rows = [(signals(0.9), True)] * 8 + [(signals(0.9), False)] * 2
    rows += [(signals(0.3), True)] * 2 + [(signals(0.3), False)] * 8
    fitted = calibrate.fit(rows, l2=0.01)
    high, low = fitted.confidence(signals(0.9)), fitted.confidence(signals(0.3))
    assert high == pytest.approx(0.8, abs=0.02)
    assert low == pytest.approx(0.2, abs=0.02)


def test_fit_needs_both_outcomes() -> None:
    with pytest.raises(ConfigError, match="both right and wrong"):
        calibrate.fit([(signals(0.9), True)] * 3)


def test_save_and_load_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "calibration.json"
    fitted = calibrate.Calibration(-1.5, (0.8, 2.0, 1.0, 0.5), "dev split", "qwen2.5-1.5b")
    fitted.save(path)
    assert calibrate.load(str(path)) == fitted
    assert calibrate.load(str(path), "another-model") == fitted  # a file named: always used
    weights = {"judge": 0.8, "relevance": 2.0, "support": 1.0, "kept": 0.5}
    assert json.loads(path.read_text())["weights"] == weights


def test_a_signal_the_file_does_not_know_gets_no_weight(tmp_path: Path) -> None:
    path = tmp_path / "old.json"
    path.write_text(json.dumps({"bias": 0.5, "weights": {"judge": 1.0, "relevance": 0.0}}))
    assert calibrate.load(str(path)).weights == (1.0, 0.0, 0.0, 0.0)


def test_the_packaged_calibration_applies_to_its_own_model_only() -> None:
    packaged = calibrate.load("", "qwen2.5-1.5b")
    assert packaged.model == "qwen2.5-1.5b" and packaged != calibrate.IDENTITY
    assert calibrate.load("", "qwen2.5-0.5b") == calibrate.IDENTITY


def test_load_reports_a_missing_or_malformed_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        calibrate.load(str(tmp_path / "nope.json"))
    bad = tmp_path / "bad.json"
    bad.write_text('{"bias": 1}')
    with pytest.raises(ConfigError, match="malformed"):
        calibrate.load(str(bad))


@pytest.mark.parametrize(
    ("weights", "expected"),
    [
        ({"Yes": 0.6, " yes": 0.2, "No": 0.2}, 0.8),
        ({"no": 0.3, "maybe": 0.7}, 0.0),
        ({"maybe": 1.0}, 0.5),
        ({"yes": 0.1, "no": 0.1}, 0.5),
    ],
)
def test_yes_share(weights: dict[str, float], expected: float) -> None:
    assert yes_share(weights) == pytest.approx(expected)


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
