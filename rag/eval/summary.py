"""Aggregates per-question scores into a run's summary, a paired comparison of two runs and
the reader-robustness summary.

Contract:
    summarize(scores, *, determinism=None) -> dict
        The summary of metrics.json: counts, overall means with 95% bootstrap intervals,
        per-category means, failure counts, latency percentiles per stage, confidence
        reliability and the determinism share.
    compare(baseline_scores, scores, *, key="correct") -> dict
        Paired comparison by question id: regressions, fixes and the exact McNemar p-value.
    summarize_robustness(noise_rows, rejection_rows) -> dict
        Reader robustness (RGB protocol): accuracy per noise ratio and the rejection rate.
`METRICS` lists the overall metrics in report order, with their labels.

Means leave out None values (a metric that does not apply to a question); intervals are
percentile bootstraps with a fixed seed, so the same scores always give the same summary.
Knows nothing about models, the CLI, how a question is scored (it reads score dicts as
rag.eval.scoring writes them) or how a summary is rendered (rag.eval.report).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from rag.eval import metrics
from rag.eval.scoring import FAILURES, RETRIEVAL_KS, STAGES

RESAMPLES = 2000
SEED = 0
LEVEL = 0.95
CATEGORIES = (
    "factoid",
    "numeric",
    "temporal",
    "multi_doc",
    "unanswerable",
    "false_premise",
    "follow_up",
)

Summary = dict[str, Any]


@dataclass(frozen=True)
class Metric:
    key: str  # key in the score dicts
    label: str  # row name in the report
    unavailable: str  # why the metric can apply to no question


_NO_GOLD = "no question has gold documents"
_NO_SLOTS = "no answerable question has answers"
_NO_PASSAGES = "no passages were given, or no question was answered"

METRICS = (
    *(
        Metric(f"{key}@{k}", f"{label}@{k}", _NO_GOLD)
        for key, label in (("recall", "Recall"), ("hit", "Hit"), ("ndcg", "nDCG"))
        for k in RETRIEVAL_KS
    ),
    Metric("mrr", "MRR", _NO_GOLD),
    Metric(
        "evidence_recall",
        "Evidence recall (gold evidence among the sentences read)",
        "no answerable question has gold evidence and a record of what was read",
    ),
    Metric("answer_recall", "Answer recall (share of slots)", _NO_SLOTS),
    Metric("all_slots", "All slots matched", _NO_SLOTS),
    Metric("token_f1", "Token F1", _NO_SLOTS),
    Metric("numeric_match", "Numeric match", "no answer slot is a number"),
    Metric("abstention_recall", "Abstention recall (unanswerable)", "no unanswerable question"),
    Metric("false_abstention", "False abstention rate (answerable)", "no answerable question"),
    Metric("truthfulness", "Truthfulness (+1 / 0 / -1)", "no question could be judged"),
    Metric("citation_valid", "Citations valid", "no question was answered"),
    Metric("cites_gold_doc", "Cites a gold document", "no answered question has gold documents"),
    Metric("supported", "Supported by cited passages", _NO_PASSAGES),
    Metric("unsupported_count", "Invented numbers/names per answer", _NO_PASSAGES),
)

# ---------------------------------------------------------------------------- aggregation


def estimate(values: Iterable[float | bool | None]) -> dict[str, Any]:
    """Mean, 95% bootstrap interval and count of the values that are not None."""
    present = [float(v) for v in values if v is not None]
    interval = metrics.bootstrap_ci(present, resamples=RESAMPLES, seed=SEED, level=LEVEL)
    return {
        "mean": metrics.mean(present),
        "ci": list(interval) if interval else None,
        "n": len(present),
    }


def summarize(scores: Sequence[Mapping[str, Any]], *, determinism: float | None = None) -> Summary:
    """The metrics.json content for one run; `determinism` is scoring.determinism of two runs."""
    return {
        "counts": _counts(scores),
        "overall": {m.key: estimate(s.get(m.key) for s in scores) for m in METRICS},
        "by_category": _by_category(scores),
        "failures": _failure_counts(scores),
        "latency_ms": _latency(scores),
        "reliability": _reliability(scores),
        "determinism": determinism,
        "bootstrap": {"resamples": RESAMPLES, "seed": SEED, "level": LEVEL},
    }


def _counts(scores: Sequence[Mapping[str, Any]]) -> dict[str, int]:
    answerable = sum(bool(s.get("answerable")) for s in scores)
    abstained = sum(bool(s.get("abstained")) for s in scores)
    errors = sum(bool(s.get("error")) for s in scores)
    return {
        "questions": len(scores),
        "answerable": answerable,
        "unanswerable": len(scores) - answerable,
        "answered": len(scores) - abstained - errors,
        "abstained": abstained,
        "errors": errors,
        "failed": sum(s.get("failure") is not None for s in scores),
    }


def _category_order(names: Iterable[str]) -> list[str]:
    present = set(names)
    return [c for c in CATEGORIES if c in present] + sorted(present - set(CATEGORIES))


def _by_category(scores: Sequence[Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    by_category: dict[str, dict[str, Any]] = {}
    for category in _category_order(s.get("category", "") for s in scores):
        rows = [s for s in scores if s.get("category", "") == category]
        means = {m.key: metrics.mean(s.get(m.key) for s in rows) for m in METRICS}
        by_category[category] = {"n": len(rows), "means": means}
    return by_category


def _reliability(scores: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Accuracy per confidence bucket over the answers whose confidence was computed
    (answered, or abstained for low confidence), judged on the verified answer."""
    pairs = [
        (float(s["confidence"]), bool(s["candidate_correct"]))
        for s in scores
        if s.get("confidence") is not None and s.get("candidate_correct") is not None
    ]
    table, error = metrics.reliability(pairs)
    return {"buckets": table, "ece": error, "n": len(pairs)}


def _failure_counts(scores: Sequence[Mapping[str, Any]]) -> dict[str, int]:
    counts = Counter(s.get("failure") for s in scores)
    return {label: counts[label] for label in FAILURES}


def _latency(scores: Sequence[Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    latency = {}
    for stage in STAGES:
        values = [s["timings_ms"][stage] for s in scores if stage in (s.get("timings_ms") or {})]
        latency[stage] = {
            "p50": metrics.percentile(values, 50),
            "p95": metrics.percentile(values, 95),
            "n": len(values),
        }
    return latency


def compare(
    baseline_scores: Sequence[Mapping[str, Any]],
    scores: Sequence[Mapping[str, Any]],
    *,
    key: str = "correct",
) -> dict[str, Any]:
    """Paired comparison on the questions both runs judged (`key` not None in either), with
    `key` read as a boolean: regressions (baseline right, now wrong), fixes (the reverse) and
    the exact two-sided McNemar p-value of the discordant pairs."""
    baseline = {s["id"]: s for s in baseline_scores if s.get(key) is not None}
    paired = [
        (baseline[s["id"]], s) for s in scores if s.get(key) is not None and s["id"] in baseline
    ]
    regressions = [_entry(now) for before, now in paired if before[key] and not now[key]]
    fixes = [_entry(now) for before, now in paired if now[key] and not before[key]]
    return {
        "key": key,
        "paired": len(paired),
        "baseline_correct": sum(bool(before[key]) for before, _ in paired),
        "correct": sum(bool(now[key]) for _, now in paired),
        "regressions": regressions,
        "fixes": fixes,
        "p_value": metrics.mcnemar_exact(len(regressions), len(fixes)),
    }


def _entry(score: Mapping[str, Any]) -> dict[str, Any]:
    return {"id": score["id"], "category": score.get("category"), "failure": score.get("failure")}


def summarize_robustness(
    noise_rows: Sequence[Mapping[str, Any]], rejection_rows: Sequence[Mapping[str, Any]]
) -> dict[str, Any]:
    """Accuracy per noise ratio (rows {"noise", "correct"}) and the rate of abstention on
    questions whose context holds no answer (rows {"abstained"})."""
    levels = sorted({float(row["noise"]) for row in noise_rows})
    return {
        "noise": [
            {
                "noise": level,
                **estimate(row["correct"] for row in noise_rows if float(row["noise"]) == level),
            }
            for level in levels
        ],
        "rejection": estimate(row["abstained"] for row in rejection_rows),
    }
