"""Aggregates per-question scores into a summary and renders it as a markdown report.

API:
    summarize(scores, *, determinism=None) -> dict
        The content of metrics.json: counts, overall means with 95% bootstrap intervals,
        per-category means, failure counts, latency percentiles per stage.
    compare(baseline_scores, scores, *, key="correct") -> dict
        Paired comparison by question id: regressions, fixes and the exact McNemar p-value.
    summarize_robustness(noise_rows, rejection_rows) -> dict
        Reader robustness (RGB protocol): accuracy per noise ratio and the rejection rate.
    render_markdown(summary, *, command, model, baseline=None, comparison=None,
                    robustness=None) -> str
        The report; `baseline` is a baseline run's summary, shown next to the headline numbers.

Means leave out None values (a metric that does not apply to a question); intervals are
percentile bootstraps with a fixed seed, so the same scores always give the same report.
Knows nothing about models, Chroma, the CLI or how a question is scored; it reads score dicts as
rag.scoring writes them.
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
CATEGORY_COLUMNS = ("recall@5", "mrr", "all_slots", "token_f1", "truthfulness", "supported")
_LABELS = {metric.key: metric.label for metric in METRICS}

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


# ------------------------------------------------------------------------------- rendering


def _number(value: float | None, digits: int = 3) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def _interval(ci: Sequence[float] | None) -> str:
    return "" if ci is None else f"[{ci[0]:.3f}, {ci[1]:.3f}]"


def _delta(now: float | None, before: float | None) -> str:
    return "n/a" if now is None or before is None else f"{now - before:+.3f}"


def _cell(value: Any) -> str:
    return str(value).replace("|", "\\|").replace("\n", " ")


def _table(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    lines = [header, ["---"] * len(header), *rows]
    return "\n".join("| " + " | ".join(_cell(c) for c in line) + " |" for line in lines)


def _preamble(summary: Summary, command: str, model: Mapping[str, Any]) -> str:
    counts = summary["counts"]
    lines = [
        "# Evaluation report",
        "",
        f"- Command: `{command}`",
        "- Model: " + (", ".join(f"`{k}={v}`" for k, v in model.items()) or "n/a"),
        f"- Questions: {counts['questions']} ({counts['answerable']} answerable, "
        f"{counts['unanswerable']} unanswerable); answered {counts['answered']}, "
        f"abstained {counts['abstained']}, errors {counts['errors']}",
    ]
    if summary.get("determinism") is not None:
        lines.append(
            f"- Determinism: {summary['determinism']:.3f} of answers identical in two runs"
        )
    boot = summary["bootstrap"]
    lines.append(
        f"- Intervals: {boot['level']:.0%} percentile bootstrap, "
        f"{boot['resamples']} resamples, seed {boot['seed']}"
    )
    return "\n".join(lines)


def _headline_row(metric: Metric, summary: Summary, baseline: Summary | None) -> list[str]:
    now = summary["overall"][metric.key]
    value = _number(now["mean"]) if now["n"] else f"n/a ({metric.unavailable})"
    row = [metric.label, value, _interval(now["ci"]), str(now["n"])]
    if baseline is not None:
        before = baseline["overall"].get(metric.key, {}).get("mean")
        row += [_number(before), _delta(now["mean"], before)]
    return row


def _headline_section(summary: Summary, baseline: Summary | None) -> str:
    header = ["Metric", "Value", "95% CI", "n"]
    header += ["Baseline", "Δ"] if baseline is not None else []
    rows = [_headline_row(metric, summary, baseline) for metric in METRICS]
    return "## Headline\n\n" + _table(header, rows)


def _category_section(summary: Summary) -> str:
    header = ["Category", "n", *(_LABELS[key] for key in CATEGORY_COLUMNS)]
    rows = [
        [name, group["n"], *(_number(group["means"][key]) for key in CATEGORY_COLUMNS)]
        for name, group in summary["by_category"].items()
    ]
    return "## By category\n\n" + _table(header, rows)


def _failure_section(summary: Summary) -> str:
    failed = summary["counts"]["failed"]
    rows = [
        [label, count, f"{count / failed:.0%}" if failed else "n/a"]
        for label, count in summary["failures"].items()
    ]
    intro = f"{failed} failed questions, each under the first cause that applies (in this order)."
    return "## Failure attribution\n\n" + intro + "\n\n" + _table(["Cause", "Count", "Share"], rows)


def _reliability_section(summary: Summary) -> str | None:
    reliability = summary.get("reliability") or {}
    if not reliability.get("n"):
        return None
    rows = [
        [
            f"{b['low']:.1f}–{b['high']:.1f}",
            b["n"],
            _number(b["confidence"]),
            _number(b["accuracy"]),
        ]
        for b in reliability["buckets"]
    ]
    intro = (
        "Answers that reached the confidence step (answered, or abstained for low confidence), "
        "judged on the verified answer: a calibrated confidence matches the accuracy of its "
        f"bucket. Expected calibration error {_number(reliability['ece'])} over "
        f"{reliability['n']} answers."
    )
    header = ["Confidence", "n", "Mean confidence", "Accuracy"]
    return "## Confidence reliability\n\n" + intro + "\n\n" + _table(header, rows)


def _latency_section(summary: Summary) -> str:
    rows = [
        [stage, _number(row["p50"], 0), _number(row["p95"], 0), row["n"]]
        for stage, row in summary["latency_ms"].items()
    ]
    return "## Latency (ms)\n\n" + _table(["Stage", "p50", "p95", "n"], rows)


def _join(*parts: str | None) -> str:
    return ": ".join(part for part in parts if part)


def _listing(title: str, entries: Sequence[Mapping[str, Any]]) -> str:
    items = [f"- `{e['id']}` ({_join(e['category'], e['failure'])})" for e in entries]
    return f"### {title} ({len(entries)})\n\n" + ("\n".join(items) or "- none")


def _comparison_section(comparison: Mapping[str, Any]) -> str:
    discordant = len(comparison["regressions"]) + len(comparison["fixes"])
    summary_line = (
        f"Paired on {comparison['paired']} questions (`{comparison['key']}`): baseline right on "
        f"{comparison['baseline_correct']}, this run on {comparison['correct']}. "
        f"Exact McNemar p = {comparison['p_value']:.4f} ({discordant} discordant pairs)."
    )
    return "\n\n".join(
        [
            "## Comparison with baseline",
            summary_line,
            _listing("Regressions: baseline right, now wrong", comparison["regressions"]),
            _listing("Fixes: baseline wrong, now right", comparison["fixes"]),
        ]
    )


def _robustness_section(robustness: Mapping[str, Any]) -> str:
    rows = [
        [f"{row['noise']:.1f}", _number(row["mean"]), _interval(row["ci"]), row["n"]]
        for row in robustness["noise"]
    ]
    rejection = robustness["rejection"]
    rejection_line = (
        f"Rejection rate (no answer in context): {_number(rejection['mean'])} "
        f"{_interval(rejection['ci'])} (n={rejection['n']})"
    )
    table = _table(["Noise ratio", "Accuracy", "95% CI", "n"], rows)
    return "## Reader robustness (RGB)\n\n" + table + "\n\n" + rejection_line


MODEL_BASED_NOTE = (
    "## Model-based metrics\n\nSentence-level faithfulness and ALCE-style citation recall and "
    "precision need a local NLI or judge model; none is configured, so they are not computed. "
    "Every metric above is deterministic and model-free."
)


def render_markdown(
    summary: Summary,
    *,
    command: str,
    model: Mapping[str, Any],
    baseline: Summary | None = None,
    comparison: Mapping[str, Any] | None = None,
    robustness: Mapping[str, Any] | None = None,
) -> str:
    """The markdown report of a summary; optional sections appear when their input is given."""
    sections = [
        _preamble(summary, command, model),
        _headline_section(summary, baseline),
        _category_section(summary),
        _failure_section(summary),
        _reliability_section(summary),
        _latency_section(summary),
    ]
    sections = [section for section in sections if section]
    if comparison is not None:
        sections.append(_comparison_section(comparison))
    if robustness is not None:
        sections.append(_robustness_section(robustness))
    sections.append(MODEL_BASED_NOTE)
    return "\n\n".join(sections) + "\n"
