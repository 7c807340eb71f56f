"""Relative dates resolved against publication, and question time frames (rag.dates)."""

from __future__ import annotations

import datetime as dt

import pytest

from rag import dates

THURSDAY = dt.date(2025, 9, 4)  # a Thursday


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("Kim arrived on Tuesday.", ["2 September 2025"]),
        ("They met on Thursday.", ["4 September 2025"]),  # the publication day itself
        ("They met last Thursday.", ["28 August 2025"]),
        ("The parade was held Wednesday.", ["3 September 2025"]),
        ("Kim will leave on Friday.", ["5 September 2025"]),
        ("They meet again next Thursday.", ["11 September 2025"]),
        ("He left yesterday and returns tomorrow.", ["3 September 2025", "5 September 2025"]),
        ("The pact was signed last year.", ["2024"]),
        ("Trade grew this month.", ["September 2025"]),
        ("Talks resume next month.", ["October 2025"]),
        ("Talks were held last week.", ["the week of 25 August 2025"]),
        ("Kim may return in March.", []),  # "may" and "March" are not relative dates
        ("", []),
    ],
)
def test_resolve_relative(sentence: str, expected: list[str]) -> None:
    assert [r.value for r in dates.resolve_relative(sentence, THURSDAY)] == expected


def test_next_month_wraps_the_year() -> None:
    (found,) = dates.resolve_relative("Talks resume next month.", dt.date(2025, 12, 30))
    assert found.value == "January 2026"


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("Kim arrived on Tuesday [1].", "Kim arrived on Tuesday (2 September 2025) [1]."),
        ("They met Thursday, Sept. 4, 2025 [1].", "They met Thursday, Sept. 4, 2025 [1]."),
        ("No dates here.", "No dates here."),
        (
            "He left yesterday; the pact dates from last year.",
            "He left yesterday (3 September 2025); the pact dates from last year (2024).",
        ),
    ],
)
def test_annotate(sentence: str, expected: str) -> None:
    assert dates.annotate(sentence, THURSDAY) == expected


@pytest.mark.parametrize(
    ("question", "first", "last", "latest"),
    [
        ("What happened in September 2025?", dt.date(2025, 9, 1), dt.date(2025, 9, 30), False),
        ("Who met on 4 September 2025?", THURSDAY, THURSDAY, False),
        ("Who met on Sept. 4, 2025?", THURSDAY, THURSDAY, False),
        ("What did China export in 2024?", dt.date(2024, 1, 1), dt.date(2024, 12, 31), False),
        ("What is the latest on the summit?", None, None, True),
        ("How did trade change in the 1990s?", None, None, False),
        ("Who came?", None, None, False),
        ("What happened on 31 February 2025?", None, None, False),
    ],
)
def test_time_frame(question: str, first: dt.date, last: dt.date, latest: bool) -> None:
    frame = dates.time_frame(question)
    assert (frame.first, frame.last, frame.latest) == (first, last, latest)


AUG, SEP = dt.date(2025, 8, 20), dt.date(2025, 9, 4)


@pytest.mark.parametrize(
    ("question", "items", "expected"),
    [
        ("What happened in September 2025?", [("a", AUG), ("b", SEP), ("c", None)], ["b"]),
        ("What happened in September 2025?", [("a", SEP), ("b", SEP)], []),  # no difference
        ("What happened in July 2025?", [("a", AUG), ("b", SEP)], []),  # nothing inside
        ("What is the latest?", [("a", AUG), ("b", None), ("c", SEP)], ["c", "a"]),
        ("What is the latest?", [("a", SEP), ("b", SEP)], []),
        ("Who came?", [("a", AUG), ("b", SEP)], []),
    ],
)
def test_favoured(
    question: str, items: list[tuple[str, dt.date | None]], expected: list[str]
) -> None:
    assert dates.favoured(items, dates.time_frame(question)) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [("2025-09-04", THURSDAY), ("2025-09-04T10:00:00Z", THURSDAY), ("", None), (None, None),
     ("Sept 4", None)],
)  # fmt: skip
def test_parse_date(value: str | None, expected: dt.date | None) -> None:
    assert dates.parse_date(value) == expected
