"""Known answers for rag.facts: quantities and names."""

from __future__ import annotations

import pytest

from rag import facts
from rag.facts import Quantity

# ------------------------------------------------------------------------------ quantities


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("33 percent", [(33, "%")]),
        ("33%", [(33, "%")]),
        ("33 per cent", [(33, "%")]),
        ("13 percentage points", [(13, "%")]),
        ("$1.05 billion", [(1.05e9, "$")]),
        ("1.05 billion dollars", [(1.05e9, "$")]),
        ("US$1.05bn", [(1.05e9, "$")]),
        ("1,050 million", [(1.05e9, None)]),
        ("2.2 billion", [(2.2e9, None)]),
        ("2,200,000,000", [(2.2e9, None)]),
        ("\u00a33m and \u20ac40k", [(3e6, "\u00a3"), (4e4, "\u20ac")]),
        ("sixth", [(6, None)]),
        ("6th", [(6, None)]),
        ("the 21st and 22nd", [(21, None), (22, None)]),
        ("two", [(2, None)]),
        ("twenty-six", [(26, None)]),
        ("twenty six", [(26, None)]),
        ("eightieth", [(80, None)]),
        ("seventeen", [(17, None)]),
        ("five percent", [(5, "%")]),
        ("\uff16\uff10\uff05", [(60, "%")]),
        ("3.5% and 12", [(3.5, "%"), (12, None)]),
        ("2025-09-03", [(2025, None), (9, None), (3, None)]),
        ("5km", [(5, None)]),
        ("G7 summit", []),
        ("someone often", []),
        ("no numbers here", []),
        ("", []),
    ],
)
def test_extract_quantities(text: str, expected: list[tuple[float, str | None]]) -> None:
    found = [(q.value, q.unit) for q in facts.extract_quantities(text)]
    assert found == [(pytest.approx(value), unit) for value, unit in expected]


def test_quantity_keeps_its_text() -> None:
    [quantity] = facts.extract_quantities("Revenue hit US$1.05bn.")
    assert quantity.value == pytest.approx(1.05e9)
    assert quantity.text == "us$1.05bn"
    assert quantity == Quantity(quantity.value, "$", "text is not compared")


@pytest.mark.parametrize(
    ("text", "count"),
    [
        ("33%", 1),
        ("$210m", 1),
        ("2025-09-03", 3),
        ("twenty six", 1),
        ("6 years", 0),
        ("September 2", 0),
        ("Great Hall", 0),
    ],
)
def test_quantities_only(text: str, count: int) -> None:
    assert len(facts.quantities_only(text)) == count


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("33 percent", "33%", True),
        ("33 per cent", "33%", True),
        ("$1.05 billion", "1.05 billion dollars", True),
        ("US$1.05bn", "$1.05 billion", True),
        ("1,050 million", "$1.05 billion", True),
        ("2.2 billion", "2,200,000,000", True),
        ("sixth", "6th", True),
        ("two", "2", True),
        ("1.000 billion", "1.004 billion", True),
        ("1.05 billion", "1.06 billion", False),
        ("5 million", "5 billion", False),
        ("33%", "$33", False),
        ("0", "zero", True),
        ("2024", "2025", False),  # years (whole numbers under 10,000) match exactly
        ("1,000", "1,004", False),
    ],
)
def test_same_quantity(a: str, b: str, same: bool) -> None:
    [qa], [qb] = facts.extract_quantities(a), facts.extract_quantities(b)
    assert facts.same_quantity(qa, qb) is same
    assert facts.same_quantity(qb, qa) is same


@pytest.mark.parametrize(
    ("needles", "haystack", "expected"),
    [
        ("20% and $210m", "210 million dollars, up 20 percent", True),
        ("20% and $210m", "up 20 percent", False),
        ("", "anything", True),
        ("7", "", False),
    ],
)
def test_quantities_within(needles: str, haystack: str, expected: bool) -> None:
    found = facts.quantities_within(
        facts.extract_quantities(needles), facts.extract_quantities(haystack)
    )
    assert found is expected


# ---------------------------------------------------------------------------------- claims


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("The Federal Reserve met in New York.", ["Federal Reserve", "New York"]),
        ("Apple sold shares to Microsoft's fund.", ["Microsoft"]),
        ("Rates rose. Then Jerome Powell spoke.", ["Jerome Powell"]),
        (
            "Prices in Z\u00fcrich and \u0141\u00f3d\u017a rose.",
            ["Z\u00fcrich", "\u0141\u00f3d\u017a"],
        ),
        ("Kim met Xi.\nXi met Kim, Putin and Kim.", ["Xi", "Kim", "Putin"]),
        ('He said: "Yes". "Maybe" Paris', ["Paris"]),
        ("all lower case", []),
        ("", []),
    ],
)
def test_capitalised_names(text: str, names: list[str]) -> None:
    assert facts.capitalised_names(text) == names


SOURCE = "Acme Corp said revenue rose 12 percent to 3.4 billion dollars in 2024."


@pytest.mark.parametrize(
    ("text", "sources", "missing"),
    [
        ("Revenue rose 12% to $3.4bn at Acme Corp [1].", [SOURCE], []),
        ("Revenue rose 15% to $3.4bn at Acme Corp [1].", [SOURCE], ["15%"]),
        ("In 2024 Globex bought Acme Corp.", [SOURCE], ["Globex"]),
        ("In 2024 Globex bought Acme Corp.", [SOURCE, "Globex."], []),
        ("It rose by one third [2].", [], []),
        ("Sales hit 7 million in Paris.", [], ["7 million", "Paris"]),
        ("", [SOURCE], []),
    ],
)
def test_missing_claims(text: str, sources: list[str], missing: list[str]) -> None:
    assert facts.missing_claims(text, sources) == missing


@pytest.mark.parametrize(
    ("text", "ordinal"),
    [("2", False), ("2nd", True), ("second", True), ("twenty-first", True), ("two", False),
     ("33%", False), ("80th", True)],
)  # fmt: skip
def test_is_ordinal(text: str, ordinal: bool) -> None:
    (quantity,) = facts.extract_quantities(text)
    assert facts.is_ordinal(quantity) is ordinal


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("his second trip abroad in six years", {(2, False), (6, True)}),
        ("six times", {(6, False)}),
        ("a 10-day visit", {(10, True)}),
        ("the 12-year-old came", {(12, False)}),  # an age is no length of time
        ("six years old", {(6, False)}),
        ("26 leaders in 2025", {(26, False)}),  # a year is neither
        ("one of them", set()),
    ],
)
def test_spans_and_counts(text: str, expected: set[tuple[float, bool]]) -> None:
    assert facts.spans_and_counts(text) == expected


@pytest.mark.parametrize(
    ("text", "distinctive"),
    [
        *[("2024", True), ("$244.8 billion", True), ("1.9%", True), ("12,000", True)],
        *[("4", False), ("33%", False), ("$210", False), ("fourth", False)],
    ],
)
def test_is_distinctive(text: str, distinctive: bool) -> None:
    (quantity,) = facts.extract_quantities(text)
    assert facts.is_distinctive(quantity) is distinctive


@pytest.mark.parametrize(
    ("claim", "source", "missing"),
    [
        ("The talks were on Aug. 4, 2025.", "The talks were on Aug. 4, 2025.", []),
        ("Thursday, Sept. 4, 2025", "They met on Thursday, September 4, 2025.", []),
        ("They met on Sept. 4.", "They met on Aug. 4.", ["Sept"]),
        ("They met on August 4.", "They met on Aug. 4.", []),
    ],
)
def test_a_month_abbreviated_before_its_day_is_its_month(
    claim: str, source: str, missing: list[str]
) -> None:
    assert facts.missing_claims(claim, [source]) == missing
