"""Known answers for the scorer's own reading of numbers and names (rag.eval.matcher)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from rag.eval import matcher

REPORT = "Pyongyang Trading Co. said exports rose 8 percent to 1.2 billion yuan in 2023."


@pytest.mark.parametrize(
    ("text", "expected", "only"),
    [
        ("33%", ["33"], True),
        ("33 per cent", ["33"], True),
        ("13 percentage points", ["13"], True),
        ("$1.05bn", ["1.05e9"], True),
        ("1.05 billion dollars", ["1.05e9"], True),
        ("1,050 million", ["1.05e9"], True),
        ("US$1.05 billion", ["1.05e9"], True),
        ("0.21 billion and $210m", ["2.1e8", "2.1e8"], False),
        ("2,200,000,000", ["2.2e9"], True),
        ("40k", ["4e4"], True),
        ("3tn", ["3e12"], True),
        ("6th", ["6"], True),
        ("6th and 21st", ["6", "21"], False),
        ("2025-09-03", ["2025", "9", "3"], True),
        ("9:21", ["9", "21"], True),
        ("6 years", ["6"], False),
        ("13 points", ["13"], False),
        ("September 2", ["2"], False),
        ("5km", ["5"], False),  # "km" is no scale
        ("5 m", ["5"], False),  # an abbreviated scale is glued to its number
        ("G7 summit", ["7"], False),  # every run of digits counts
        ("1,2 and 3", ["1", "2", "3"], False),  # not a thousands separator
        ("\uff16\uff10\uff05", ["60"], True),  # full-width digits
        ("Paris [1] and Rome [2, 3].", [], False),  # markers are no numbers
        ("six, sixth, twenty-six", [], False),  # number words are no numbers
        ("", [], False),
    ],
)
def test_numbers(text: str, expected: list[str], only: bool) -> None:
    values = [Decimal(value) for value in expected]
    assert matcher.numbers(text) == values
    assert matcher.numbers_only(text) == (values if only else [])


def test_number_spans_keep_the_text_read() -> None:
    spans = matcher.number_spans("Revenue hit US$1.05bn, up 6.5%, the 3rd rise [1].")
    assert [written for _, written in spans] == ["1.05bn", "6.5", "3rd"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The Federal Reserve met in New York.", ["Federal Reserve", "New York"]),
        ("", []),
        ("nothing capitalised here", []),
        ("Apple sold shares to Microsoft's fund.", ["Microsoft"]),
        ("Xi Jinping met Kim Jong Un [1].", ["Xi Jinping", "Kim Jong Un"]),
        ("Rates rose. Then Jerome Powell spoke.", ["Jerome Powell"]),
        ("At the Great Hall of the People.", ["Great Hall", "People"]),
        ("Kim came. Beijing's Great Hall hosted him.", ["Great Hall"]),
        ("In Beijing, Kim Ju Ae arrived.", ["Beijing", "Kim Ju Ae"]),
        ("Yes, the Fed did.", ["Fed"]),
        ("Revenue hit US$1.05bn.", []),
        ("Trains from Dandong to Sinŭiju ran.", ["Dandong", "Sinŭiju"]),
        ("Xi met Kim.\nKim met Xi, Putin and Xi.", ["Kim", "Xi", "Putin"]),
        ('Asked: "Agreed?" "Never" said Moon Jae-in', ["Moon Jae-in"]),
    ],
)
def test_names(text: str, expected: list[str]) -> None:
    assert matcher.names(text) == expected


@pytest.mark.parametrize(
    ("text", "sources", "missing"),
    [
        ("Exports rose 8% to 1.2bn yuan, Pyongyang Trading said [1].", [REPORT], []),
        ("Exports rose 9% to 1.2bn yuan [1].", [REPORT], ["9"]),
        ("Exports rose 8% to 1.3 billion [1].", [REPORT], ["1.3 billion"]),
        ("Exports rose 8% in 2024 [1].", [REPORT], ["2024"]),  # no closeness: 2024 is not 2023
        ("Exports rose for 2 years [1].", [REPORT], ["2"]),
        ("Exports rose 8%, Reuters said.", [REPORT], ["Reuters"]),
        ("Exports rose 8%, Reuters said.", [REPORT, "Reuters reported."], []),
        ("Pyongyang Traders said so.", [REPORT], ["Pyongyang Traders"]),  # whole words only
        ("Up 8 dollars at PYONGYANG TRADING CO.", [REPORT], []),  # units and case not read
        ("It rose by one third [2].", [], []),
        ("Sales hit 7 million in Kaesong.", [], ["7 million", "Kaesong"]),
        ("", [REPORT], []),
    ],
)
def test_unbacked(text: str, sources: list[str], missing: list[str]) -> None:
    assert matcher.unbacked(text, sources) == missing
