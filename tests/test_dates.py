"""Relative dates resolved against publication, and question time frames (rag.dates)."""

from __future__ import annotations

import datetime as dt

import pytest

from rag import dates

THURSDAY = dt.date(2025, 9, 4)  # a Thursday


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


def test_with_calendar_days_writes_each_relative_day_out_after_it() -> None:
    text = "Kim arrived on Tuesday. Talks follow next week."
    assert dates.with_calendar_days(text, dt.date(2025, 9, 4)) == (
        "Kim arrived on Tuesday (2 September). Talks follow next week."  # a week names no day
    )
    assert dates.with_calendar_days(text, None) == text
