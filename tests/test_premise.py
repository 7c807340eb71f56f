"""Names a question takes for granted that no passage mentions (rag.premise)."""

from __future__ import annotations

import pytest

from rag.chunk import Chunk
from rag.premise import unknown_names

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
    ],
)
def test_names_no_passage_mentions(question: str, unknown: list[str]) -> None:
    assert unknown_names(question, PASSAGES) == unknown


def test_without_passages_nothing_is_reported() -> None:
    assert unknown_names("What did Macron say?", []) == []
