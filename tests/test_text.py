"""Known answers for rag.text: normalising, phrases and citation markers."""

from __future__ import annotations

import pytest

from rag.text import (
    citation_markers,
    clean_text,
    contains_phrase,
    normalize_text,
    strip_citation_markers,
    unique_in_order,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("  Hello\u00a0\n World ", "hello world"),
        ("\u201cQuoted\u201d it\u2019s", '"quoted" it\'s'),
        ("\uff26\uff55\uff4c\uff4c width", "full width"),
        ("Stra\u00dfe", "strasse"),
        ("2010\u20132012", "2010-2012"),
        ("Thursday, Sept. 4, 2025", "thursday, september 4, 2025"),
        ("Aug 31 and Dec.25", "august 31 and december 25"),
        ("Sept. was dry; the dec. of rain", "sept. was dry; the dec. of rain"),  # no day: left
        ("", ""),
    ],
)
def test_normalize_text(text: str, expected: str) -> None:
    assert normalize_text(text) == expected


@pytest.mark.parametrize(
    ("text", "phrase", "expected"),
    [
        ("The Bank of England's rate", "bank of england", True),
        ("Several banks", "bank", True),
        ("Closer interactions", "interaction", True),
        ("Ties with churches", "church", True),
        ("A bankrupt firm", "bank", False),
        ("Aged 65", "6", False),
        ("Z\u00fcrich airport", "Z\u00dcRICH", True),
        ("it\u2019s done", "it's", True),
        ("grew 6.5 percent", "6", False),
        ("grew 6 percent.", "6", True),
        ("about 1,050 million", "050", False),
        ("", "x", False),
        ("anything", "  ", False),
    ],
)
def test_contains_phrase(text: str, phrase: str, expected: bool) -> None:
    assert contains_phrase(text, phrase) is expected


@pytest.mark.parametrize(
    ("text", "markers", "stripped"),
    [
        ("Paris [1] and Rome [2, 3].", {1, 2, 3}, "Paris  and Rome ."),
        ("Twice [1][1]", {1}, "Twice "),
        ("No markers [a]", set(), "No markers [a]"),
        ("", set(), ""),
    ],
)
def test_citation_markers(text: str, markers: set[int], stripped: str) -> None:
    assert citation_markers(text) == markers
    assert strip_citation_markers(text) == stripped


def test_unique_in_order() -> None:
    assert unique_in_order(["b", "a", "b", "c", "a"]) == ["b", "a", "c"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("plain text, tabs\tand\nlines", "plain text, tabs\tand\nlines"),
        ("red\x1b[31;1mtext\x1b[0m", "redtext"),
        ("\x1b]0;window title\x07after", "after"),
        ("cut \x1b] short?\nnext line", "cut  short?\nnext line"),
        ("\x1b]8;;https://evil.example\x1b\\link\x1b]8;;\x1b\\", "link"),
        ("clear\x1bcscreen", "clearscreen"),
        ("nul\x00 bell\x07 del\x7f c1\x85\x9b2J", "nul bell del c1"),
        ("windows\r\nmac\rend", "windows\nmac\nend"),
        ("\u202eevil\u202c \u2066iso\u2069 \u200el\u200fr \u061cx", "evil iso lr x"),
        ("日本語 «guillemets» — café", "日本語 «guillemets» — café"),
    ],
)
def test_clean_text(text: str, expected: str) -> None:
    assert clean_text(text) == expected
