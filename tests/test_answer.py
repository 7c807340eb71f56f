"""Pure helpers of rag.answer: the dating of an answer from its citations."""

from __future__ import annotations

from rag.answer import absolute_dates, newest_date
from rag.chunk import Chunk
from rag.cite import Citation


def cited(marker: int, date: str | None, text: str = "Kim arrived on Tuesday.") -> Citation:
    source = Chunk(f"d{marker}:0", f"d{marker}", "Title", date, 0, 0, len(text), text)
    return Citation(marker, source, text, 0, len(text))


def test_newest_date_of_the_cited_articles() -> None:
    assert newest_date([cited(1, "2025-09-04"), cited(2, None), cited(3, "2025-09-05")]) == (
        "2025-09-05"
    )
    assert newest_date([cited(1, None)]) is None
    assert newest_date([]) is None


def test_relative_dates_resolve_against_the_article_each_sentence_cites() -> None:
    text = "Kim arrived on Tuesday [1]. The parade was on Wednesday [2]. He left Friday."
    found = absolute_dates(text, [cited(1, "2025-09-04"), cited(2, "2025-09-11")])
    assert [(r.text, r.value) for r in found] == [
        ("Tuesday", "2 September 2025"),
        ("Wednesday", "10 September 2025"),
    ]  # the uncited sentence has no publication date to resolve against
    assert [text[r.start : r.end] for r in found] == ["Tuesday", "Wednesday"]


def test_an_undated_article_resolves_nothing() -> None:
    assert absolute_dates("Kim arrived on Tuesday [1].", [cited(1, None)]) == []
