"""Fits ranked passages into the model's context window, leaving room for the answer.

Passages are taken in rank order while the whole prompt fits; the lowest-ranked ones are
dropped first, and every drop is reported, never silent.
Knows nothing about models or Chroma: the caller passes a token counter for the full prompt.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Budgeted(Generic[T]):
    kept: list[T]  # in rank order
    dropped: list[T]  # in rank order


def fit(
    ranked: Sequence[T],
    prompt_tokens: Callable[[Sequence[T]], int],
    context_window: int,
    answer_tokens: int,
) -> Budgeted[T]:
    """The longest rank-order prefix of `ranked` whose prompt fits
    `context_window - answer_tokens` tokens (binary search: prompt size grows with the prefix)."""
    limit = context_window - answer_tokens
    low, high = 0, len(ranked)
    while low < high:
        middle = (low + high + 1) // 2
        if prompt_tokens(ranked[:middle]) <= limit:
            low = middle
        else:
            high = middle - 1
    return Budgeted(list(ranked[:low]), list(ranked[low:]))
