"""Model-free evaluation metrics: pure functions of answers, ranked lists and numbers.

Contract: deterministic functions with no I/O. Retrieval metrics take doc ids in rank order and
return None when there is no gold document, so callers can leave such questions out of means.
An alias matches an answer as a phrase (rag.text.contains_phrase) or, when the alias is written
as numbers only, by the numbers of rag.eval.matcher (not the product's rag.facts), so "33 per
cent" matches "33%" and "US$1.05bn" matches "1,050 million"; number words are no numbers
("sixth" matches "sixth", not "6th": question files list both).
Knows nothing about questions files, predictions, models, Chroma or the CLI; depends on the
standard library, numpy, rag.text and rag.eval.matcher only.
"""

from __future__ import annotations

import math
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence

import numpy as np

from rag.eval.matcher import numbers, numbers_only
from rag.text import contains_phrase, normalize_text, unique_in_order

# --------------------------------------------------------------------------- answers

Slot = Sequence[str]  # aliases of one required part of an answer; any one of them will do


def alias_matches(alias: str, answer: str) -> bool:
    """The alias occurs in the answer as a phrase, or the alias is written as numbers only and
    every one of its numbers is among the answer's."""
    if contains_phrase(answer, alias):
        return True
    wanted = numbers_only(alias)
    return bool(wanted) and set(wanted) <= set(numbers(answer))


def slot_matched(slot: Slot, answer: str) -> bool:
    """Whether any alias of the slot matches the answer."""
    return any(alias_matches(alias, answer) for alias in slot)


def answer_recall(slots: Sequence[Slot], answer: str) -> float | None:
    """Share of slots the answer matches; None without slots."""
    if not slots:
        return None
    return sum(slot_matched(slot, answer) for slot in slots) / len(slots)


def all_slots(slots: Sequence[Slot], answer: str) -> int | None:
    """1 if the answer matches every slot, else 0; None without slots."""
    if not slots:
        return None
    return int(all(slot_matched(slot, answer) for slot in slots))


def numeric_match(slots: Sequence[Slot], answer: str) -> int | None:
    """1 if the answer matches every numeric slot (a slot with an alias written as numbers
    only), else 0; None when no slot is numeric."""
    numeric = [slot for slot in slots if any(numbers_only(alias) for alias in slot)]
    return all_slots(numeric, answer)


def squad_tokens(text: str) -> list[str]:
    """SQuAD answer normalisation: normalised text, punctuation and symbols removed, articles
    (a, an, the) dropped, split on whitespace."""
    kept = "".join(ch for ch in normalize_text(text) if unicodedata.category(ch)[0] not in "PS")
    return [token for token in kept.split() if token not in {"a", "an", "the"}]


def token_f1(prediction: str, reference: str) -> float:
    """SQuAD token F1; two empty texts agree (1.0), one empty text does not (0.0)."""
    predicted, wanted = squad_tokens(prediction), squad_tokens(reference)
    if not predicted or not wanted:
        return float(predicted == wanted)
    common = sum((Counter(predicted) & Counter(wanted)).values())
    if common == 0:
        return 0.0
    precision, recall = common / len(predicted), common / len(wanted)
    return 2 * precision * recall / (precision + recall)


def slots_f1(slots: Sequence[Slot], answer: str) -> float | None:
    """Token F1 of the answer against the best alias of each slot, joined; None without slots."""
    reference = [max(slot, key=lambda alias: token_f1(answer, alias)) for slot in slots if slot]
    return token_f1(answer, " ".join(reference)) if reference else None


# ------------------------------------------------------------------------------- retrieval


def _top(ranked: Iterable[str], k: int | None = None) -> list[str]:
    return unique_in_order(ranked)[:k]


def recall_at_k(ranked: Sequence[str], gold: Iterable[str], k: int) -> float | None:
    """Share of gold docs among the first k distinct ranked docs; None without gold."""
    wanted = set(gold)
    if not wanted:
        return None
    return len(wanted.intersection(_top(ranked, k))) / len(wanted)


def hit_at_k(ranked: Sequence[str], gold: Iterable[str], k: int) -> int | None:
    """1 if a gold doc is among the first k distinct ranked docs, else 0; None without gold."""
    recall = recall_at_k(ranked, gold, k)
    return None if recall is None else int(recall > 0)


def reciprocal_rank(ranked: Sequence[str], gold: Iterable[str]) -> float | None:
    """1 / rank of the first gold doc among distinct ranked docs, 0.0 if none; None without
    gold."""
    wanted = set(gold)
    if not wanted:
        return None
    ranks = (rank for rank, doc in enumerate(_top(ranked), start=1) if doc in wanted)
    return 1.0 / next(ranks, math.inf)


def ndcg_at_k(ranked: Sequence[str], gold: Iterable[str], k: int) -> float | None:
    """nDCG@k with binary relevance and a log2(rank + 1) discount over distinct ranked docs; the
    ideal ranking puts min(k, len(gold)) gold docs first. None without gold; k must be >= 1."""
    wanted = set(gold)
    if not wanted:
        return None
    dcg = sum(_gain(rank) for rank, doc in enumerate(_top(ranked, k), start=1) if doc in wanted)
    ideal = sum(_gain(rank) for rank in range(1, min(k, len(wanted)) + 1))
    return dcg / ideal


def _gain(rank: int) -> float:
    return 1.0 / math.log2(rank + 1)


# ------------------------------------------------------------------------------ statistics


def mean(values: Iterable[float | None]) -> float | None:
    """Mean of the values that are not None; None when there are none."""
    present = [float(v) for v in values if v is not None]
    return sum(present) / len(present) if present else None


def percentile(values: Sequence[float], q: float) -> float | None:
    """The q-th percentile (0-100, linear interpolation); None for no values."""
    return float(np.percentile(values, q)) if len(values) else None


def reliability(
    pairs: Iterable[tuple[float, bool]], bins: int = 5
) -> tuple[list[dict[str, float | int | None]], float | None]:
    """Accuracy per confidence bucket (equal widths over [0, 1]) and the expected calibration
    error: the count-weighted mean |accuracy - mean confidence| over the buckets."""
    rows: list[list[tuple[float, bool]]] = [[] for _ in range(bins)]
    for confidence, correct in pairs:
        rows[min(int(confidence * bins), bins - 1)].append((confidence, correct))
    table: list[dict[str, float | int | None]] = []
    total = sum(len(r) for r in rows)
    error = 0.0
    for n, bucket in enumerate(rows):
        accuracy = mean(float(c) for _, c in bucket)
        confidence = mean(x for x, _ in bucket)
        if accuracy is not None and confidence is not None:
            error += len(bucket) / total * abs(accuracy - confidence)
        table.append(
            {"low": n / bins, "high": (n + 1) / bins, "n": len(bucket), "accuracy": accuracy,
             "confidence": confidence}
        )  # fmt: skip
    return table, (error if total else None)


def bootstrap_ci(
    values: Sequence[float], *, resamples: int = 2000, seed: int = 0, level: float = 0.95
) -> tuple[float, float] | None:
    """Percentile bootstrap interval for the mean: the same values and seed give the same
    interval. None for no values."""
    if not len(values):
        return None
    data = np.asarray(values, dtype=float)
    rng = np.random.default_rng(seed)
    means = data[rng.integers(0, len(data), size=(resamples, len(data)))].mean(axis=1)
    tail = (1.0 - level) / 2 * 100
    low, high = np.percentile(means, [tail, 100 - tail])
    return float(low), float(high)


def mcnemar_exact(regressions: int, fixes: int) -> float:
    """Two-sided exact McNemar p-value from the discordant pair counts: a binomial test of
    min(b, c) out of b + c against p = 0.5. 1.0 when there is no discordant pair."""
    n = regressions + fixes
    tail = sum(math.comb(n, i) for i in range(min(regressions, fixes) + 1))
    return min(1.0, 2 * tail / 2**n)
