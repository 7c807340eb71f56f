"""The product side of confidence calibration (rag.calibrate: features, confidence, loading a
file) and the yes/no share read from token weights. Fitting is tested in test_eval_calibration."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rag import calibrate
from rag.chat import yes_share
from rag.errors import ConfigError


def signals(judge: float, relevance: float = 0.6, kept: float = 1.0) -> dict[str, float]:
    return {"judge": judge, "relevance": relevance, "support": 0.7, "kept": kept}


def test_identity_calibration_is_the_judges_probability() -> None:
    for p in (0.1, 0.5, 0.93):
        assert calibrate.IDENTITY.confidence(signals(p)) == pytest.approx(p, abs=1e-3)


def test_features_and_confidence_known_answers() -> None:
    assert calibrate.features(signals(0.5, relevance=0.25)) == [0.0, 0.25, 0.7, 1.0]
    assert calibrate.features(signals(1.0))[0] == pytest.approx(9.21, abs=0.01)  # clipped
    fitted = calibrate.Calibration(-1.0, (1.0, 2.0, 0.0, 0.0))
    # z = -1 + 1 * logit(0.5) + 2 * 0.25 = -0.5
    assert fitted.confidence(signals(0.5, relevance=0.25)) == pytest.approx(0.378, abs=1e-3)


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
