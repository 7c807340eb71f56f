"""Names a question takes for granted that no passage mentions (rag.premise)."""

from __future__ import annotations

import pytest

from rag.chunk import Chunk
from rag.premise import unknown, unknown_names

TEXT = (
    "Kim Jong Un arrived in Beijing on Tuesday with his daughter. Russian President Vladimir "
    "Putin and 26 foreign leaders watched the parade."
)
PASSAGES = [Chunk("a:0", "a", "Kim in Beijing", "2025-09-04", 0, 0, len(TEXT), TEXT)]


@pytest.mark.parametrize(
    ("question", "unknown"),
    [
        ("What did Emmanuel Macron say about the parade?", ["Emmanuel Macron"]),
        ("Who accompanied Kim Jong Un when he arrived in Beijing?", []),
        ("When did Kim Jong-un arrive?", []),  # one shared word is enough
        ("What did Putin say to the Pope?", ["Pope"]),
        ("How did South Korea react?", ["South Korea"]),
        ("how many leaders came?", []),  # no names at all
        ("How much did exports rise in H1 2025, in January to June?", []),  # dates, not names
        ("What happened on Monday in Pyongyang?", ["Pyongyang"]),
        ("What did the article titled Kim in Beijing say?", []),  # titles count
        ("What did Russia say about the parade?", []),  # known from "Russian"
        ("What did the Vietnamese leader say?", ["Vietnamese"]),
    ],
)
def test_names_no_passage_mentions(question: str, unknown: list[str]) -> None:
    assert unknown_names(question, PASSAGES) == unknown


def test_without_passages_nothing_is_reported() -> None:
    assert unknown_names("What did Macron say?", []) == []


RANKS = (
    "Kim held his sixth meeting with Xi since 2018. It was his fifth trip to China, and the "
    "parade marked the 80th anniversary of the war's end. Kim Jong Il made his seventh visit."
)
RANKED = [Chunk("b:0", "b", "Kim and Xi", "2025-09-04", 0, 0, len(RANKS), RANKS)]


@pytest.mark.parametrize(
    ("question", "missing"),
    [
        ("What did Xi and Kim agree on at their seventh meeting?", ["a seventh meeting"]),
        ("What did Xi and Kim agree on at their sixth meeting?", []),
        ("Why did Kim make a fifth trip to China?", []),
        ("What did the parade for the 80th anniversary show?", []),
        ("What did the parade for the 70th anniversary show?", ["a 70th anniversary"]),
        ("Who came on his first trip?", []),  # "first" is too common to be a premise
        ("How many foreign leaders came, two or three?", []),  # counts, not ranks
        ("What happened on September 3rd?", []),  # a date, not a rank
    ],
)
def test_a_rank_the_passages_never_state_is_unknown(question: str, missing: list[str]) -> None:
    assert unknown(question, RANKED) == missing


@pytest.mark.parametrize(
    ("question", "unknown"),
    [
        ("How much did Chinese exports grow?", []),  # known from "China"
        ("What did the Korean leader say?", []),  # from "Korea"
        ("What did the Austrian minister say?", ["Austrian"]),  # "Australia" is another
    ],
)
def test_a_name_is_known_in_another_form(question: str, unknown: list[str]) -> None:
    text = "China and North Korea met. Australia was not there."
    passages = [Chunk("c:0", "c", "Talks", "2025-09-04", 0, 0, len(text), text)]
    assert unknown_names(question, passages) == unknown
