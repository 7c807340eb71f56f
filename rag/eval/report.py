"""Renders a run's summary as the markdown report.

Contract: `render_markdown(summary, *, command, model, baseline=None, comparison=None,
robustness=None) -> str` gives the report: the command and model, the headline metrics (with
the baseline's means and the deltas when a baseline summary is given), per-category means,
failure attribution, confidence reliability, latency, and the comparison and robustness
sections when given. `number(value)` is how every mean is printed ("n/a" for None).
Knows nothing about how scores are computed or aggregated: it reads rag.eval.summary's dicts.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from rag.eval.summary import METRICS, Metric, Summary

CATEGORY_COLUMNS = (
    "recall@5",
    "mrr",
    "evidence_recall",
    "all_slots",
    "token_f1",
    "truthfulness",
    "supported",
)
_LABELS = {metric.key: metric.label for metric in METRICS}

# ------------------------------------------------------------------------------- rendering


def number(value: float | None, digits: int = 3) -> str:
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
    value = number(now["mean"]) if now["n"] else f"n/a ({metric.unavailable})"
    row = [metric.label, value, _interval(now["ci"]), str(now["n"])]
    if baseline is not None:
        before = baseline["overall"].get(metric.key, {}).get("mean")
        row += [number(before), _delta(now["mean"], before)]
    return row


def _headline_section(summary: Summary, baseline: Summary | None) -> str:
    header = ["Metric", "Value", "95% CI", "n"]
    header += ["Baseline", "Δ"] if baseline is not None else []
    rows = [_headline_row(metric, summary, baseline) for metric in METRICS]
    return "## Headline\n\n" + _table(header, rows)


def _category_section(summary: Summary) -> str:
    header = ["Category", "n", *(_LABELS[key] for key in CATEGORY_COLUMNS)]
    rows = [
        [name, group["n"], *(number(group["means"][key]) for key in CATEGORY_COLUMNS)]
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
            number(b["confidence"]),
            number(b["accuracy"]),
        ]
        for b in reliability["buckets"]
    ]
    intro = (
        "Answers that reached the confidence step (answered, or abstained for low confidence), "
        "judged on the verified answer: a calibrated confidence matches the accuracy of its "
        f"bucket. Expected calibration error {number(reliability['ece'])} over "
        f"{reliability['n']} answers."
    )
    header = ["Confidence", "n", "Mean confidence", "Accuracy"]
    return "## Confidence reliability\n\n" + intro + "\n\n" + _table(header, rows)


def _latency_section(summary: Summary) -> str:
    rows = [
        [stage, number(row["p50"], 0), number(row["p95"], 0), row["n"]]
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
        [f"{row['noise']:.1f}", number(row["mean"]), _interval(row["ci"]), row["n"]]
        for row in robustness["noise"]
    ]
    rejection = robustness["rejection"]
    rejection_line = (
        f"Rejection rate (no answer in context): {number(rejection['mean'])} "
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
