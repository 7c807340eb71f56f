"""Fitting ranked passages into the prompt budget (rag.budget)."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from rag.budget import fit
from rag.chunk import Chunk
from rag.draft import Drafter
from rag.retrieve import Hit

PASSAGES = [f"p{i}" for i in range(1, 11)]  # in rank order


class Counter:
    """10 tokens of instructions plus 100 per passage; remembers what it was asked."""

    def __init__(self, base: int = 10, per: int = 100) -> None:
        self.base, self.per = base, per
        self.calls: list[int] = []

    def __call__(self, passages: Sequence[str]) -> int:
        self.calls.append(len(passages))
        return self.base + self.per * len(passages)


@pytest.mark.parametrize(
    ("context_window", "answer_tokens", "kept"),
    [
        (1000, 300, 6),  # limit 700: 10 + 600 fits, 10 + 700 does not
        (1010, 300, 7),  # limit 710: exactly 10 + 700
        (1009, 300, 6),  # one token short of the seventh passage
        (2000, 0, 10),  # everything fits
        (1010, 0, 10),  # exactly everything
        (409, 300, 0),  # limit 109: only the empty prompt fits
        (110, 0, 1),
    ],
)
def test_keeps_the_longest_prefix_that_fits(context_window: int, answer_tokens: int, kept: int):
    result = fit(PASSAGES, Counter(), context_window, answer_tokens)
    assert result.kept == PASSAGES[:kept]
    assert result.dropped == PASSAGES[kept:]
    limit = context_window - answer_tokens
    assert Counter()(result.kept) <= limit
    assert not result.dropped or Counter()([*result.kept, result.dropped[0]]) > limit


def test_nothing_dropped_when_everything_fits() -> None:
    result = fit(PASSAGES, Counter(), 4096, 320)
    assert result.kept == PASSAGES
    assert result.dropped == []


def test_drops_are_reported_in_rank_order() -> None:
    result = fit(PASSAGES, Counter(), 1000, 300)
    assert result.dropped == ["p7", "p8", "p9", "p10"]


@pytest.mark.parametrize(("context_window", "answer_tokens"), [(100, 95), (10, 20), (0, 0)])
def test_everything_dropped_when_even_an_empty_prompt_is_too_large(
    context_window: int, answer_tokens: int
) -> None:
    result = fit(PASSAGES, Counter(), context_window, answer_tokens)
    assert result.kept == []
    assert result.dropped == PASSAGES


def test_no_passages() -> None:
    result = fit([], Counter(), 1000, 300)
    assert (result.kept, result.dropped) == ([], [])


def test_counts_whole_prompts_of_prefixes_only() -> None:
    counter = Counter()
    fit(PASSAGES, counter, 1000, 300)
    assert all(0 <= n <= len(PASSAGES) for n in counter.calls)
    assert len(counter.calls) <= 6  # a binary search, not one count per passage


def test_uneven_passages_keep_rank_order() -> None:
    sizes = {"long": 500, "short": 50, "mid": 200}

    def tokens(passages: Sequence[str]) -> int:
        return 10 + sum(sizes[p] for p in passages)

    # "short" would fit after "long" is dropped, but only a rank-order prefix is kept
    result = fit(["long", "short", "mid"], tokens, 600, 200)
    assert result.kept == []
    assert result.dropped == ["long", "short", "mid"]
    result = fit(["short", "long", "mid"], tokens, 800, 200)
    assert result.kept == ["short", "long"]
    assert result.dropped == ["mid"]


# ----------------------------------------------------------------- a top passage too large


def by_length(passages: Sequence[str]) -> int:
    """10 tokens of instructions, one per 4 characters of passage."""
    return 10 + sum(len(p) // 4 for p in passages)


def head(passage: str, share: float) -> str:
    return passage[: int(len(passage) * share)]


def test_a_top_passage_larger_than_the_window_is_cut_to_fit() -> None:
    huge, small = "x" * 60_000, "y" * 400
    result = fit([huge, small], by_length, 4096, 320, shorten=head)
    (kept,) = result.kept
    assert huge.startswith(kept)
    assert 0.95 * (4096 - 320) <= by_length([kept]) <= 4096 - 320
    assert result.cut == [huge]  # reported: only its beginning is in the prompt
    assert result.dropped == [small]


def test_nothing_is_cut_when_the_top_passage_fits() -> None:
    result = fit(["x" * 4000, "y" * 20_000], by_length, 4096, 320, shorten=head)
    assert result.kept == ["x" * 4000]
    assert result.cut == []


def test_nothing_is_cut_when_not_even_instructions_fit() -> None:
    result = fit(["x" * 60_000], by_length, 100, 95, shorten=head)
    assert (result.kept, result.dropped, result.cut) == ([], ["x" * 60_000], [])


def test_the_drafter_cuts_a_huge_stored_chunk_instead_of_abstaining() -> None:
    text = "word " * 12_000  # a 60 KB chunk stored before chunks were bounded
    chunk = Chunk("doc:0", "doc", "Title", "2025-09-04", 0, 0, len(text), text)
    other = Chunk("doc2:0", "doc2", "Other", "2025-09-04", 0, 0, 11, "Short text.")

    class Model:
        n_ctx = 4096

        def count_tokens(self, messages: list[dict[str, str]]) -> int:
            return sum(len(m["content"]) for m in messages) // 4

    draft = Drafter(Model(), 320).plan(
        "What happened?", [Hit(chunk, 1, 0.1, 0.9), Hit(other, 2, 0.1, 0.5)]
    )  # type: ignore[arg-type]
    (source,) = draft.sources
    assert source.chunk_id == "doc:0" and text.startswith(source.text)
    assert 1000 < len(source.text) < len(text) and source.end == len(source.text)
    assert [h.chunk.chunk_id for h in draft.dropped] == ["doc2:0"]
