"""Fits ranked passages into the model's context window, leaving room for the answer.

Passages are taken in rank order while the whole prompt fits; the lowest-ranked ones are
dropped first, and every drop is reported, never silent. When not even the top passage fits
(one huge passage), it is cut to fit by the caller's `shorten` rather than leaving the prompt
empty, and reported as cut.
Knows nothing about models or Chroma: the caller passes a token counter for the full prompt.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

T = TypeVar("T")
CUT_STEPS = 12  # halvings when searching how much of a passage fits (to 1/4096 of it)


@dataclass(frozen=True)
class Budgeted(Generic[T]):
    kept: list[T]  # in rank order
    dropped: list[T]  # in rank order
    cut: list[T] = field(default_factory=list)  # passages of which `kept` holds only the start


def fit(
    ranked: Sequence[T],
    prompt_tokens: Callable[[Sequence[T]], int],
    context_window: int,
    answer_tokens: int,
    shorten: Callable[[T, float], T] | None = None,
) -> Budgeted[T]:
    """The longest rank-order prefix of `ranked` whose prompt fits
    `context_window - answer_tokens` tokens (binary search: prompt size grows with the prefix).
    When that prefix is empty and `shorten(passage, share)` gives the first `share` of a
    passage, the longest start of the top passage that fits is kept instead."""
    limit = context_window - answer_tokens
    low, high = 0, len(ranked)
    while low < high:
        middle = (low + high + 1) // 2
        if prompt_tokens(ranked[:middle]) <= limit:
            low = middle
        else:
            high = middle - 1
    if low == 0 and ranked and shorten is not None:
        start = _longest_start(ranked[0], prompt_tokens, limit, shorten)
        if start is not None:
            return Budgeted([start], list(ranked[1:]), [ranked[0]])
    return Budgeted(list(ranked[:low]), list(ranked[low:]))


def _longest_start(
    passage: T,
    prompt_tokens: Callable[[Sequence[T]], int],
    limit: int,
    shorten: Callable[[T, float], T],
) -> T | None:
    """The longest `shorten(passage, share)` whose prompt fits (binary search on share)."""
    best, low, high = None, 0.0, 1.0
    for _ in range(CUT_STEPS):
        share = (low + high) / 2
        candidate = shorten(passage, share)
        if prompt_tokens([candidate]) <= limit:
            best, low = candidate, share
        else:
            high = share
    return best
