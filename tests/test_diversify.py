"""Near-duplicate grouping and maximal marginal relevance (rag.diversify)."""

from __future__ import annotations

import pytest

from rag.diversify import group_copies, jaccard, mmr, shingles

STORY = (
    "Kim Jong Un arrived in Beijing on Tuesday aboard his armoured train, accompanied by his "
    "daughter, for talks with Xi Jinping and a military parade."
)


def test_shingles_of_short_and_empty_texts() -> None:
    assert shingles("") == set()
    assert shingles("Kim arrived") == {("kim", "arrived")}
    assert len(shingles(STORY)) == 16 - 4  # 16 content words (stop words dropped), 5 at a time


@pytest.mark.parametrize(
    ("other", "copy"),
    [
        (STORY, True),
        ("BEIJING (AP) — " + STORY.replace("Tuesday", "Tuesday,"), True),  # syndicated copy
        (STORY.replace("armoured train", "plane"), False),  # edited in its middle: fewer shared
        ("The council approved a budget with more money for schools and buses.", False),
    ],
)
def test_group_copies(other: str, copy: bool) -> None:
    groups = group_copies(["a", "b"], {"a": STORY, "b": other}, threshold=0.6)
    assert groups == ({"a": ["b"]} if copy else {"a": [], "b": []})


def test_group_copies_keeps_the_better_ranked_copy_and_rank_order() -> None:
    texts = {"x": "Budget passes council with money for schools.", "a": STORY, "b": STORY}
    assert group_copies(["b", "x", "a"], texts, threshold=0.6) == {"b": ["a"], "x": []}
    assert group_copies(["b", "x", "a"], texts, threshold=1.1) == {"b": [], "x": [], "a": []}


def test_jaccard() -> None:
    assert jaccard(set(), set()) == 0.0
    assert jaccard({("a",)}, {("a",), ("b",)}) == 0.5


VECTORS = {"a": [1.0, 0.0], "a2": [0.99, 0.141], "b": [0.0, 1.0]}
RANKED = [("a", 0.03), ("a2", 0.029), ("b", 0.02)]


@pytest.mark.parametrize(
    ("weight", "expected"),
    [
        (1.0, ["a", "a2", "b"]),  # relevance only: the fused order
        (0.5, ["a", "b", "a2"]),  # the near-identical a2 waits behind the different b
    ],
)
def test_mmr(weight: float, expected: list[str]) -> None:
    assert mmr(RANKED, VECTORS, 3, weight) == expected
    assert mmr(RANKED, VECTORS, 2, weight) == expected[:2]


def test_mmr_of_nothing() -> None:
    assert mmr([], {}, 3, 0.5) == []


def test_group_copies_is_the_same_when_the_shingles_are_kept_between_calls() -> None:
    texts = {"a": STORY, "b": "BEIJING (AP) — " + STORY, "x": "Budget passes council."}
    first = group_copies(["a", "x", "b"], texts, threshold=0.6)
    assert first == {"a": ["b"], "x": []}
    assert group_copies(["a", "x", "b"], texts, threshold=0.6) == first
    texts["b"] = "The council approved a budget with more money for schools and buses."
    assert group_copies(["a", "x", "b"], texts, threshold=0.6) == {"a": [], "x": [], "b": []}


@pytest.mark.parametrize("threshold", [-1.0, 0.0, 0.3, 0.6, 1.0, 1.5])
def test_group_copies_follows_its_definition(threshold: float) -> None:
    texts = {
        "a": STORY,
        "b": STORY.replace("Tuesday", "Monday"),
        "c": "",
        "d": "Budget passes council with money for schools.",
        "e": STORY,
    }
    ranked = ["d", "a", "c", "b", "e"]
    groups: dict[str, list[str]] = {}
    for item in ranked:  # each joins the first kept one it overlaps by the threshold
        keeper = next(
            (k for k in groups if jaccard(shingles(texts[k]), shingles(texts[item])) >= threshold),
            None,
        )
        groups.setdefault(item, []) if keeper is None else groups[keeper].append(item)
    assert group_copies(ranked, texts, threshold) == groups
