"""Known answers for aggregation and comparison (rag.eval.summary) and the markdown report
(rag.eval.report)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from rag.eval import report
from rag.eval.scoring import FAILURES, SCORE_KEYS, STAGES
from rag.eval.summary import METRICS, compare, summarize, summarize_robustness


def score(qid: str, category: str = "factoid", **values: Any) -> dict[str, Any]:
    """A score dict as rag.eval.scoring writes it: every key present, unset metrics None."""
    base: dict[str, Any] = dict.fromkeys(SCORE_KEYS)
    base |= {"id": qid, "category": category, "answerable": True, "abstained": False}
    base |= {"error": False, "timings_ms": {}}
    return base | values


SCORES = [
    score(
        "q1",
        mrr=1.0,
        all_slots=1,
        truthfulness=1,
        correct=True,
        timings_ms={"total": 100.0},
        confidence=0.9,
        candidate_correct=1,
    ),
    score(
        "q2",
        mrr=0.5,
        all_slots=0,
        truthfulness=-1,
        correct=False,
        failure="reader miss",
        confidence=0.7,
        candidate_correct=0,
    ),
    score(
        "q3",
        "unanswerable",
        answerable=False,
        abstained=True,
        abstention_recall=1,
        truthfulness=1,
        correct=True,
        timings_ms={"total": 300.0, "retrieve": 10.0},
    ),
    score(
        "q4",
        "numeric",
        mrr=0.0,
        all_slots=0,
        truthfulness=0,
        correct=False,
        abstained=True,
        failure="retrieval miss",
        timings_ms={"total": 200.0},
    ),
    score("q5", "custom", error=True, truthfulness=-1, correct=False, failure="error"),
    score(
        "q6",
        mrr=1.0,
        all_slots=1,
        truthfulness=1,
        correct=True,
        timings_ms={"total": 400.0},
        confidence=0.95,
        candidate_correct=1,
    ),
]


@pytest.fixture(scope="module")
def summary() -> dict[str, Any]:
    return summarize(SCORES, determinism=0.9)


@pytest.mark.parametrize(
    ("key", "mean", "n"),
    [
        ("mrr", 0.625, 4),
        ("all_slots", 0.5, 4),
        ("truthfulness", 1 / 6, 6),
        ("abstention_recall", 1.0, 1),
        ("supported", None, 0),
    ],
)
def test_overall_means_skip_none(summary: dict[str, Any], key: str, mean: float, n: int) -> None:
    overall = summary["overall"][key]
    assert overall["mean"] == (None if mean is None else pytest.approx(mean))
    assert overall["n"] == n


@pytest.mark.parametrize("key", ["mrr", "all_slots", "truthfulness"])
def test_overall_interval_contains_the_mean(summary: dict[str, Any], key: str) -> None:
    overall = summary["overall"][key]
    low, high = overall["ci"]
    assert low <= overall["mean"] <= high
    assert low < high


def test_summary_is_deterministic_and_json_ready(summary: dict[str, Any]) -> None:
    again = summarize(SCORES, determinism=0.9)
    assert again == summary
    assert json.loads(json.dumps(summary)) == summary
    assert summary["bootstrap"] == {"resamples": 2000, "seed": 0, "level": 0.95}
    assert summary["determinism"] == 0.9


def test_summary_keys(summary: dict[str, Any]) -> None:
    assert list(summary) == [
        "counts",
        "overall",
        "by_category",
        "failures",
        "latency_ms",
        "reliability",
        "determinism",
        "bootstrap",
    ]
    assert set(summary["overall"]) == {metric.key for metric in METRICS}


def test_counts(summary: dict[str, Any]) -> None:
    assert summary["counts"] == {
        "questions": 6,
        "answerable": 5,
        "unanswerable": 1,
        "answered": 3,
        "abstained": 2,
        "errors": 1,
        "failed": 3,
    }


def test_by_category(summary: dict[str, Any]) -> None:
    by_category = summary["by_category"]
    assert list(by_category) == ["factoid", "numeric", "unanswerable", "custom"]
    assert by_category["factoid"]["n"] == 3
    assert by_category["factoid"]["means"]["mrr"] == pytest.approx(2.5 / 3)
    assert by_category["unanswerable"]["means"]["abstention_recall"] == 1.0
    assert by_category["numeric"]["means"]["mrr"] == 0.0
    assert by_category["custom"]["means"]["mrr"] is None


def test_failure_counts(summary: dict[str, Any]) -> None:
    failures = summary["failures"]
    assert list(failures) == list(FAILURES)
    assert failures["reader miss"] == 1 and failures["retrieval miss"] == 1
    assert failures["error"] == 1 and failures["citation error"] == 0


def test_latency_percentiles(summary: dict[str, Any]) -> None:
    latency = summary["latency_ms"]
    assert list(latency) == list(STAGES)
    assert latency["total"] == {"p50": 250.0, "p95": pytest.approx(385.0), "n": 4}
    assert latency["retrieve"] == {"p50": 10.0, "p95": 10.0, "n": 1}
    assert latency["ttft"] == {"p50": None, "p95": None, "n": 0}


def test_summarize_without_scores() -> None:
    empty = summarize([])
    assert empty["counts"]["questions"] == 0
    assert empty["overall"]["mrr"] == {"mean": None, "ci": None, "n": 0}
    assert empty["by_category"] == {}
    assert "n/a (no question has gold documents)" in report.render_markdown(
        empty, command="rag eval", model={}
    )


# ------------------------------------------------------------------------------ comparison


def run(outcomes: dict[str, bool | None]) -> list[dict[str, Any]]:
    return [score(qid, correct=value) for qid, value in outcomes.items()]


BASELINE = run({"a": True, "b": False, "c": False, "d": False, "e": False, "f": False})
BASELINE += run({"g": False, "h": True, "old": True, "none": True})
CURRENT = run({"a": False, "b": True, "c": True, "d": True, "e": True, "f": True, "g": True})
CURRENT += run({"h": True, "new": False, "none": None})


def test_compare_lists_regressions_fixes_and_mcnemar() -> None:
    comparison = compare(BASELINE, CURRENT)
    assert comparison["key"] == "correct"
    assert comparison["paired"] == 8
    assert comparison["baseline_correct"] == 2 and comparison["correct"] == 7
    assert [e["id"] for e in comparison["regressions"]] == ["a"]
    assert [e["id"] for e in comparison["fixes"]] == ["b", "c", "d", "e", "f", "g"]
    assert comparison["p_value"] == pytest.approx(0.125)


@pytest.mark.parametrize(
    ("baseline", "current", "p"),
    [
        (run({"a": True, "b": False}), run({"a": True, "b": False}), 1.0),
        (run({"a": True}), run({"b": False}), 1.0),
        (run({q: True for q in "abcde"}), run({q: False for q in "abcde"}), 0.0625),
    ],
)
def test_compare_p_value(
    baseline: list[dict[str, Any]], current: list[dict[str, Any]], p: float
) -> None:
    assert compare(baseline, current)["p_value"] == pytest.approx(p)


def test_compare_on_another_key() -> None:
    baseline = [score("a", all_slots=1), score("b", all_slots=0)]
    current = [score("a", all_slots=0), score("b", all_slots=0)]
    comparison = compare(baseline, current, key="all_slots")
    assert [e["id"] for e in comparison["regressions"]] == ["a"] and comparison["fixes"] == []


def test_markdown_lists_the_failure_of_a_regression() -> None:
    comparison = compare(
        [score("a", correct=True)], [score("a", correct=False, failure="reader miss")]
    )
    text = report.render_markdown(summarize([]), command="c", model={}, comparison=comparison)
    assert "- `a` (factoid: reader miss)" in text.splitlines()


# ------------------------------------------------------------------------------ robustness

NOISE_ROWS = [
    *({"noise": 0.0, "correct": c} for c in (True, True, False, True)),
    *({"noise": 0.4, "correct": c} for c in (True, False)),
    *({"noise": 0.8, "correct": c} for c in (False, False)),
]
REJECTION_ROWS = [{"abstained": a} for a in (True, False, True, True)]


def test_summarize_robustness() -> None:
    robustness = summarize_robustness(NOISE_ROWS, REJECTION_ROWS)
    levels = [(row["noise"], row["mean"], row["n"]) for row in robustness["noise"]]
    assert levels == [(0.0, 0.75, 4), (0.4, 0.5, 2), (0.8, 0.0, 2)]
    assert robustness["rejection"]["mean"] == 0.75 and robustness["rejection"]["n"] == 4


# ------------------------------------------------------------------------------- markdown


@pytest.fixture(scope="module")
def markdown(summary: dict[str, Any]) -> str:
    return report.render_markdown(
        summary,
        command="rag eval --split dev",
        model={"llm": "tiny.gguf", "embedder": "all-MiniLM-L6-v2"},
        baseline=summarize(SCORES[:2]),
        comparison=compare(BASELINE, CURRENT),
        robustness=summarize_robustness(NOISE_ROWS, REJECTION_ROWS),
    )


@pytest.mark.parametrize(
    "line",
    [
        "# Evaluation report",
        "- Command: `rag eval --split dev`",
        "- Model: `llm=tiny.gguf`, `embedder=all-MiniLM-L6-v2`",
        "- Questions: 6 (5 answerable, 1 unanswerable); answered 3, abstained 2, errors 1",
        "- Determinism: 0.900 of answers identical in two runs",
        "| Metric | Value | 95% CI | n | Baseline | Δ |",
        "| Supported by cited passages | n/a (no passages were given, or no question was answered) "
        "|  | 0 | n/a | n/a |",
        "| Category | n | Recall@5 | MRR | Evidence recall (gold evidence among the sentences "
        "read) | All slots matched | Token F1 | Truthfulness (+1 / 0 / -1) | Supported by cited "
        "passages |",
        "| factoid | 3 | n/a | 0.833 | n/a | 0.667 | n/a | 0.333 | n/a |",
        "| reader miss | 1 | 33% |",
        "| total | 250 | 385 | 4 |",
        "| ttft | n/a | n/a | 0 |",
        "### Regressions: baseline right, now wrong (1)",
        "- `a` (factoid)",
        "### Fixes: baseline wrong, now right (6)",
        "| 0.4 | 0.500 | [0.000, 1.000] | 2 |",
    ],
)
def test_markdown_has_key_lines(markdown: str, line: str) -> None:
    assert line in markdown.splitlines()


def test_markdown_headline_rows(markdown: str) -> None:
    mrr_row = next(line for line in markdown.splitlines() if line.startswith("| MRR |"))
    cells = [cell.strip() for cell in mrr_row.strip("|").split("|")]
    assert cells[0] == "MRR" and cells[1] == "0.625" and cells[3] == "4"
    low, high = (float(x) for x in cells[2].strip("[]").split(","))
    assert low <= 0.625 <= high
    assert cells[4] == "0.750" and cells[5] == "-0.125"


def test_markdown_sections_in_order(markdown: str) -> None:
    headings = [line for line in markdown.splitlines() if line.startswith("## ")]
    assert headings == [
        "## Headline",
        "## By category",
        "## Failure attribution",
        "## Confidence reliability",
        "## Latency (ms)",
        "## Comparison with baseline",
        "## Reader robustness (RGB)",
        "## Model-based metrics",
    ]
    assert markdown.index("### Regressions") < markdown.index("### Fixes")
    assert "Exact McNemar p = 0.1250 (7 discordant pairs)." in markdown
    assert "Rejection rate (no answer in context): 0.750" in markdown


def test_markdown_without_optional_sections(summary: dict[str, Any]) -> None:
    text = report.render_markdown(summary, command="rag eval", model={"llm": "x"})
    assert "| Metric | Value | 95% CI | n |" in text.splitlines()
    assert "Baseline" not in text and "McNemar" not in text and "RGB" not in text


def test_markdown_escapes_table_cells() -> None:
    summary = summarize([score("q|1", "odd|category", mrr=1.0)])
    text = report.render_markdown(summary, command="rag eval", model={})
    assert "| odd\\|category | 1 |" in text


def test_reliability_buckets_the_answers_with_a_confidence(summary: dict[str, Any]) -> None:
    reliability = summary["reliability"]
    assert reliability["n"] == 3
    top, high = reliability["buckets"][4], reliability["buckets"][3]
    assert (top["n"], top["accuracy"], top["confidence"]) == (2, 1.0, pytest.approx(0.925))
    assert (high["n"], high["accuracy"]) == (1, 0.0)
    # ECE: 2/3 * |1 - 0.925| + 1/3 * |0 - 0.7|
    assert reliability["ece"] == pytest.approx(2 / 3 * 0.075 + 1 / 3 * 0.7)


def test_report_has_a_reliability_table(summary: dict[str, Any]) -> None:
    markdown = report.render_markdown(summary, command="rag eval", model={})
    assert "## Confidence reliability" in markdown
    assert "| 0.8–1.0 | 2 | 0.925 | 1.000 |" in markdown
