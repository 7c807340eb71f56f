"""Answer confidence: the probability that a verified answer is right, from its signals.

Signals, each in [0, 1]: `judge` (the model's P(yes) that the cited passages answer this
question), `relevance` (cosine similarity of the closest cited passage to the
question), `support` (the lowest, over the answer's sentences, of its cosine similarity to its
closest cited passage) and `kept` (share of the draft's sentences that survived verification).
A signal an older calibration file does not know gets weight 0.
A logistic model maps them to a confidence; `load` reads its weights from a calibration file.
The weights are learnt from eval runs by the evaluation side (`rag calibrate RUN_DIR`, see
rag.eval.calibration, which writes the file). The weights that ship (`calibration.json` beside
this module) were fit on the dev and smoke splits for the default model and apply only to it;
otherwise, without a file, the confidence is the judge's P(yes) itself.
Knows nothing about models, retrieval, fitting or the CLI.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from rag.errors import ConfigError

FEATURES = ("judge", "relevance", "support", "kept")
PACKAGED = Path(__file__).with_name("calibration.json")
_EPS = 1e-4  # P(yes) is clipped to [eps, 1 - eps] before its logit


@dataclass(frozen=True)
class Calibration:
    bias: float
    weights: tuple[float, ...]  # one per FEATURES entry
    fitted_on: str = ""  # what the weights were learnt from
    model: str = ""  # the model whose judge they were learnt for ("" = any)

    def confidence(self, signals: Mapping[str, float]) -> float:
        z = self.bias + sum(w * x for w, x in zip(self.weights, features(signals), strict=True))
        return round(1 / (1 + math.exp(-z)), 3)


IDENTITY = Calibration(0.0, (1.0, 0.0, 0.0, 0.0), "none: the judge's P(yes)")


def features(signals: Mapping[str, float]) -> list[float]:
    """The model's inputs: logit of the judge's P(yes), then the other signals as they are."""
    judge = min(max(signals["judge"], _EPS), 1 - _EPS)
    return [math.log(judge / (1 - judge)), *(float(signals[name]) for name in FEATURES[1:])]


def load(path: str = "", model: str = "") -> Calibration:
    """The calibration in `path`; else the packaged one when it was fit for `model`; else the
    judge's P(yes) (another model's judge speaks on another scale)."""
    file = Path(path).expanduser() if path else PACKAGED
    if not file.is_file():
        if path:
            raise ConfigError(f"calibration file {file} not found")
        return IDENTITY
    try:
        data = json.loads(file.read_text())
        weights = tuple(float(data["weights"].get(name, 0.0)) for name in FEATURES)
        fitted_on, fitted_for = str(data.get("fitted_on", "")), str(data.get("model", ""))
        found = Calibration(float(data["bias"]), weights, fitted_on, fitted_for)
    except (ValueError, KeyError, TypeError) as exc:
        raise ConfigError(f"calibration file {file} is malformed: {exc}") from None
    return found if path or found.model in ("", model) else IDENTITY
