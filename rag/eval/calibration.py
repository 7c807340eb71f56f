"""Fitting the answer confidence (the product's rag.calibrate model) to eval runs.

Contract: `calibration_rows(folder)` reads an eval run's (signals, whether the verified answer
was right) for each answer that reached the confidence step; `fit(rows)` learns the logistic
model's bias and weights over rag.calibrate.features by L2-regularised Newton steps (the bias
is not penalised; both outcomes must occur, else a ConfigError); `save(calibration, path)`
writes the JSON file that rag.calibrate.load reads (`rag calibrate RUN ...`);
`cross_validated(rows, folds)` gives each row's confidence from a model fit without it
(k-fold, in a fixed interleaved order), so the fit's calibration can be judged on answers it
did not learn from.
Knows nothing about how the signals are computed or used.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from rag.calibrate import FEATURES, Calibration, features
from rag.errors import ConfigError
from rag.eval.outputs import read_jsonl

Row = tuple[Mapping[str, float], bool]
NEWTON_STEPS = 50  # at most; it stops when a step moves no weight by 1e-8


def fit(rows: Sequence[Row], l2: float = 1.0, fitted_on: str = "", model: str = "") -> Calibration:
    """Logistic regression of correctness on the signals (bias not penalised)."""
    if len({label for _, label in rows}) < 2:
        raise ConfigError("calibration needs both right and wrong answers among its rows")
    x = np.array([[1.0, *features(signals)] for signals, _ in rows])
    y = np.array([float(label) for _, label in rows])
    penalty = l2 * np.diag([0.0] + [1.0] * len(FEATURES))
    w = np.zeros(x.shape[1])
    for _ in range(NEWTON_STEPS):
        p = 1 / (1 + np.exp(-x @ w))
        gradient = x.T @ (p - y) + penalty @ w
        hessian = x.T @ (x * (p * (1 - p))[:, None]) + penalty
        step = np.linalg.solve(hessian, gradient)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    return Calibration(float(w[0]), tuple(float(v) for v in w[1:]), fitted_on, model)


def cross_validated(rows: Sequence[Row], folds: int = 5, l2: float = 1.0) -> list[float]:
    """Each row's out-of-fold confidence: row i is scored by a model fit on the rows of the
    other folds (fold = i mod `folds`)."""
    if len(rows) < folds:
        raise ConfigError(f"cross-validation needs at least {folds} rows, not {len(rows)}")
    scored = [0.0] * len(rows)
    for fold in range(folds):
        train = [row for i, row in enumerate(rows) if i % folds != fold]
        model = fit(train, l2)
        for i in range(fold, len(rows), folds):
            scored[i] = model.confidence(rows[i][0])
    return scored


def save(calibration: Calibration, path: Path) -> None:
    """Write the calibration as rag.calibrate.load reads it."""
    data = {
        "bias": calibration.bias,
        "weights": dict(zip(FEATURES, calibration.weights, strict=True)),
        "model": calibration.model,
        "fitted_on": calibration.fitted_on,
    }
    path.write_text(json.dumps(data, indent=2) + "\n")


def calibration_rows(folder: Path) -> list[tuple[dict[str, float], bool]]:
    """(signals, whether the verified answer was right) for each answer of an eval run that
    reached the confidence step."""
    signals = {p["id"]: p.get("signals") or {} for p in read_jsonl(folder / "predictions.jsonl")}
    return [
        (signals[s["id"]], bool(s["candidate_correct"]))
        for s in read_jsonl(folder / "scores.jsonl")
        if s.get("candidate_correct") is not None and "judge" in signals.get(s["id"], {})
    ]
