"""Known answers for every metric in rag.eval.metrics."""

from __future__ import annotations

import math

import pytest

from rag.eval import metrics

# --------------------------------------------------------------------------- answers


@pytest.mark.parametrize(
    ("alias", "answer", "expected"),
    [
        ("Great Hall", "They met at the great hall of the People.", True),
        ("33%", "Exports rose 33 per cent.", True),
        ("1.05 billion", "They reached US$1.05bn.", True),
        ("1,050 million", "about $1.05 billion", True),
        ("0.21 billion", "Sales of $210m.", True),
        ("2025-09-03", "On 2025-09-03.", True),
        # number words are no numbers; question files list "sixth" and "6th" as aliases
        ("sixth", "It was their 6th meeting.", False),
        ("6th", "It was their sixth meeting.", False),
        ("two", "2 daughters", False),
        ("33%", "Exports rose $33.", True),  # units are not read
        ("33%", "Exports rose 34%.", False),
        ("6 years", "six years", False),
        ("September 2", "on 2 September", False),
        ("Z\u00fcrich", "ZURICH", False),
        ("Z\u00fcrich", "Z\u00dcRICH", True),
        ("", "anything", False),
    ],
)
def test_alias_matches(alias: str, answer: str, expected: bool) -> None:
    assert metrics.alias_matches(alias, answer) is expected


SLOTS_20_210 = [["20%", "20 percent"], ["210 million", "$210m"]]


@pytest.mark.parametrize(
    ("slots", "answer", "recall", "complete"),
    [
        (SLOTS_20_210, "Up 20 per cent to US$210m.", 1.0, 1),
        (SLOTS_20_210, "Up 20 per cent.", 0.5, 0),
        (SLOTS_20_210, "", 0.0, 0),
        ([["Yonhap"]], "Yonhap reported it.", 1.0, 1),
        ([[]], "anything", 0.0, 0),
        ([], "anything", None, None),
    ],
)
def test_answer_recall_and_all_slots(
    slots: list[list[str]], answer: str, recall: float | None, complete: int | None
) -> None:
    assert metrics.answer_recall(slots, answer) == recall
    assert metrics.all_slots(slots, answer) == complete


@pytest.mark.parametrize(
    ("slots", "answer", "expected"),
    [
        (SLOTS_20_210, "Up 20 per cent to US$210m.", 1),
        (SLOTS_20_210, "Up 20 per cent to $200m.", 0),
        ([["sixth", "6th", "six"]], "The 6th meeting.", 1),
        ([["September 3", "2025-09-03"]], "On September 3, 2025.", 1),
        ([["Great Hall"], ["26", "twenty-six"]], "In the Great Hall, with 25 leaders.", 0),
        ([["Great Hall"]], "In the Great Hall.", None),
        ([["6 years"]], "six years", None),
        ([], "", None),
    ],
)
def test_numeric_match(slots: list[list[str]], answer: str, expected: int | None) -> None:
    assert metrics.numeric_match(slots, answer) == expected


@pytest.mark.parametrize(
    ("text", "tokens"),
    [
        ("The U.S. economy, a giant!", ["us", "economy", "giant"]),
        ("$1,050 (50%)", ["1050", "50"]),
        ("Z\u00fcrich \u2014 an Apple", ["z\u00fcrich", "apple"]),
        ("", []),
    ],
)
def test_squad_tokens(text: str, tokens: list[str]) -> None:
    assert metrics.squad_tokens(text) == tokens


@pytest.mark.parametrize(
    ("prediction", "reference", "f1"),
    [
        ("the cat sat", "a cat sat", 1.0),
        ("cat", "dog", 0.0),
        ("New York City", "new york", 0.8),
        ("Z\u00fcrich, Switzerland!", "z\u00fcrich", 2 / 3),
        ("cat cat", "cat", 2 / 3),
        ("", "", 1.0),
        ("", "cat", 0.0),
        ("the", "cat", 0.0),
    ],
)
def test_token_f1(prediction: str, reference: str, f1: float) -> None:
    assert metrics.token_f1(prediction, reference) == pytest.approx(f1)


@pytest.mark.parametrize(
    ("slots", "answer", "f1"),
    [
        ([["Paris", "City of Paris"]], "Paris", 1.0),
        # best aliases "Biden" (F1 0.5 > 0.4 for "Joe Biden") and "Kamala Harris"
        ([["Joe Biden", "Biden"], ["Kamala Harris"]], "Biden and Harris", 2 / 3),
        ([["Paris"], []], "Paris", 1.0),
        ([], "Paris", None),
        ([[]], "Paris", None),
    ],
)
def test_slots_f1(slots: list[list[str]], answer: str, f1: float | None) -> None:
    assert metrics.slots_f1(slots, answer) == (None if f1 is None else pytest.approx(f1))


# ------------------------------------------------------------------------------- retrieval

GOLD_AB = {"a", "b"}


@pytest.mark.parametrize(
    ("ranked", "gold", "k", "recall", "hit", "ndcg"),
    [
        (["a", "x", "b"], GOLD_AB, 1, 0.5, 1, 1.0),
        (["a", "x", "b"], GOLD_AB, 3, 1.0, 1, 0.9197),
        (["a", "x", "b"], GOLD_AB, 5, 1.0, 1, 0.9197),
        (["x", "a"], {"a"}, 1, 0.0, 0, 0.0),
        (["x", "a"], {"a"}, 3, 1.0, 1, 0.6309),
        (["b", "a"], GOLD_AB, 3, 1.0, 1, 1.0),
        (["x", "x", "x", "b"], GOLD_AB, 3, 0.5, 1, 0.3869),
        (["a", "a", "b"], GOLD_AB, 2, 1.0, 1, 1.0),
        ([], GOLD_AB, 5, 0.0, 0, 0.0),
        (["a"], set(), 5, None, None, None),
        ([], [], 1, None, None, None),
    ],
)
def test_retrieval_at_k(
    ranked: list[str],
    gold: set[str],
    k: int,
    recall: float | None,
    hit: int | None,
    ndcg: float | None,
) -> None:
    assert metrics.recall_at_k(ranked, gold, k) == recall
    assert metrics.hit_at_k(ranked, gold, k) == hit
    expected_ndcg = None if ndcg is None else pytest.approx(ndcg, abs=1e-4)
    assert metrics.ndcg_at_k(ranked, gold, k) == expected_ndcg


@pytest.mark.parametrize(
    ("ranked", "gold", "rr"),
    [
        (["a", "x", "b"], GOLD_AB, 1.0),
        (["x", "a"], {"a"}, 0.5),
        (["x", "x", "y", "a"], {"a"}, 1 / 3),
        (["x", "y"], {"a"}, 0.0),
        ([], {"a"}, 0.0),
        (["a"], set(), None),
    ],
)
def test_reciprocal_rank(ranked: list[str], gold: set[str], rr: float | None) -> None:
    assert metrics.reciprocal_rank(ranked, gold) == rr


# ------------------------------------------------------------------------------ statistics


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([1, None, 2, 0], 1.0),
        ([True, False, False, True], 0.5),
        ([None, None], None),
        ([], None),
    ],
)
def test_mean(values: list[float | None], expected: float | None) -> None:
    assert metrics.mean(values) == expected


@pytest.mark.parametrize(
    ("values", "q", "expected"),
    [
        ([1, 2, 3, 4], 50, 2.5),
        ([1, 2, 3, 4], 95, 3.85),
        ([4, 1, 3, 2], 0, 1.0),
        ([7], 95, 7.0),
        ([], 50, None),
    ],
)
def test_percentile(values: list[float], q: float, expected: float | None) -> None:
    result = metrics.percentile(values, q)
    assert result == (None if expected is None else pytest.approx(expected))


@pytest.mark.parametrize(
    "values",
    [
        [0.0, 1.0] * 50,
        [1.0, 0.0, 0.0, 0.0, 1.0, 0.5, -1.0, 1.0],
        [0.25] * 3,
        [3.0],
    ],
)
def test_bootstrap_ci_is_deterministic_and_contains_the_mean(values: list[float]) -> None:
    low, high = metrics.bootstrap_ci(values)
    assert metrics.bootstrap_ci(values) == (low, high)
    assert min(values) <= low <= metrics.mean(values) <= high <= max(values)


def test_bootstrap_ci_width_and_seed() -> None:
    values = [0.0, 1.0] * 50  # standard error of the mean is 0.05
    low, high = metrics.bootstrap_ci(values)
    assert 0.38 < low < 0.43 and 0.57 < high < 0.62
    spread = [float(i) ** 1.5 for i in range(20)]
    assert metrics.bootstrap_ci(spread, seed=1) != metrics.bootstrap_ci(spread, seed=0)
    narrow = metrics.bootstrap_ci(values, level=0.5)
    assert low < narrow[0] < narrow[1] < high


def test_bootstrap_ci_without_values() -> None:
    assert metrics.bootstrap_ci([]) is None


@pytest.mark.parametrize(
    ("regressions", "fixes", "p"),
    [
        (0, 0, 1.0),
        (1, 6, 0.125),
        (6, 1, 0.125),
        (0, 5, 0.0625),
        (2, 8, 0.109375),
        (3, 3, 1.0),
        (0, 1, 1.0),
        (0, 20, 2 / 2**20),
    ],
)
def test_mcnemar_exact(regressions: int, fixes: int, p: float) -> None:
    assert metrics.mcnemar_exact(regressions, fixes) == pytest.approx(p)


def test_mcnemar_exact_large_counts_do_not_overflow() -> None:
    p = metrics.mcnemar_exact(600, 600)
    assert 0.9 < p <= 1.0 and math.isfinite(p)


def test_reliability_of_an_empty_run() -> None:
    table, error = metrics.reliability([])
    assert error is None and [row["n"] for row in table] == [0] * 5


def test_reliability_puts_a_confidence_of_one_in_the_top_bucket() -> None:
    table, error = metrics.reliability([(1.0, True), (0.0, False)], bins=2)
    assert [row["n"] for row in table] == [1, 1]
    assert error == 0.0
