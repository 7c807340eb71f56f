"""Checkable facts in text: quantities and names.

Contract: pure, deterministic functions. `extract_quantities` reads numbers with their scale
and unit, so "33 per cent" equals "33%" and "US$1.05bn" equals "1,050 million";
`capitalised_names` finds names by a simple heuristic; `missing_claims` lists the numbers and
names of a text that no source states; `spans_and_counts`, `is_year` and `is_distinctive` tell
the kinds of numbers apart. Used to verify answers and questions (rag.cite, rag.conflicts,
rag.expect, rag.premise, rag.condense). Wording, tokens and markers are rag.text's.
Knows nothing about models, Chroma, questions files or the CLI.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from rag.text import (
    MONTH_ABBREVIATIONS,
    contains_phrase,
    normalize_text,
    strip_citation_markers,
    tokenize,
    unique_in_order,
)

QUANTITY_REL_TOL = 0.005  # two quantities are the same within 0.5% of the larger one

# ------------------------------------------------------------------------------ quantities


@dataclass(frozen=True)
class Quantity:
    """A number found in text: its value with any scale applied (1.05bn -> 1.05e9), its unit
    ("%", "$", "€", "£", "¥" or None) and the normalised text it was read from."""

    value: float
    unit: str | None = None
    text: str = field(default="", compare=False)


_ONES = ("one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
_TEENS = ("ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen")
_TEENS += ("eighteen", "nineteen")
_TENS = ("twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")
_ORDINALS = ("first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth")
_ORDINALS += ("tenth", "eleventh", "twelfth", "thirteenth", "fourteenth", "fifteenth")
_ORDINALS += ("sixteenth", "seventeenth", "eighteenth", "nineteenth")
_TENS_ORDINALS = ("twentieth", "thirtieth", "fortieth", "fiftieth", "sixtieth", "seventieth")
_TENS_ORDINALS += ("eightieth", "ninetieth")


def _word_values() -> dict[str, int]:
    values = {"zero": 0}
    values |= {word: n for n, word in enumerate((*_ONES, *_TEENS), start=1)}
    values |= {word: n for n, word in enumerate(_ORDINALS, start=1)}
    values |= {word: 10 * n for n, word in enumerate(_TENS, start=2)}
    values |= {word: 10 * n for n, word in enumerate(_TENS_ORDINALS, start=2)}
    return values


_WORD_VALUES = _word_values()
_SCALES = {
    "thousand": 1e3,
    "k": 1e3,
    "million": 1e6,
    "mn": 1e6,
    "m": 1e6,
    "billion": 1e9,
    "bn": 1e9,
    "trillion": 1e12,
    "tn": 1e12,
}
_PREFIX_UNITS = {"us$": "$", "$": "$", "€": "€", "£": "£", "¥": "¥"}
_SUFFIX_UNITS = {
    "%": "%",
    "percent": "%",
    "per cent": "%",
    "pct": "%",
    "percentage": "%",
    "percentage point": "%",
    "percentage points": "%",
    "dollar": "$",
    "dollars": "$",
    "us dollars": "$",
    "usd": "$",
    "euro": "€",
    "euros": "€",
    "eur": "€",
    "pound": "£",
    "pounds": "£",
    "gbp": "£",
    "yen": "¥",
}


def _alternation(words: Iterable[str]) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


QUANTITY_PATTERN = re.compile(
    rf"""(?<!\w)
    (?:(?P<prefix>{_alternation(_PREFIX_UNITS)})\s?)?
    (?:
        (?P<digits>\d{{1,3}}(?:,\d{{3}})+(?:\.\d+)?|\d+(?:\.\d+)?)(?:st|nd|rd|th)?
      | (?P<words>(?:{_alternation(_TENS)})(?:[-\s](?:{_alternation((*_ONES, *_ORDINALS[:9]))}))?
          |{_alternation(_WORD_VALUES)})(?!\w)
    )
    (?:\s?(?P<scale>{_alternation(w for w in _SCALES if len(w) > 1)})(?!\w)
      |(?P<abbr>[km])(?!\w))?
    (?:\s?(?P<suffix>{_alternation(_SUFFIX_UNITS)})(?!\w))?""",
    re.VERBOSE,
)


def _number_value(match: re.Match[str]) -> float:
    if match["digits"]:
        return float(match["digits"].replace(",", ""))
    return float(sum(_WORD_VALUES[word] for word in re.split(r"[-\s]", match["words"])))


def _quantity(match: re.Match[str]) -> Quantity:
    scale = _SCALES.get(match["scale"] or match["abbr"] or "", 1.0)
    unit = _PREFIX_UNITS.get(match["prefix"] or "") or _SUFFIX_UNITS.get(match["suffix"] or "")
    return Quantity(_number_value(match) * scale, unit, match.group().strip())


def extract_quantities(text: str) -> list[Quantity]:
    """Every number in text, in order: digits ("1,050", "2.5"), number words up to ninety-nine
    ("two", "twenty-six"), ordinals ("6th", "sixth", "eightieth"), scaled by thousand / million /
    billion / trillion / k / m / mn / bn / tn, with a unit read from a currency sign before it or
    a unit word after it ("percent", "per cent", "dollars", ...). Numbers glued to a letter
    before them ("G7") are not quantities."""
    return [_quantity(m) for m in QUANTITY_PATTERN.finditer(normalize_text(text))]


_ORDINAL_WORDS = frozenset((*_ORDINALS, *_TENS_ORDINALS))


def is_ordinal(quantity: Quantity) -> bool:
    """Whether the number was written as an ordinal: "2nd", "second", "twenty-first"."""
    text = quantity.text.rstrip(".")
    last = re.split(r"[-\s]", text)[-1] if text else ""
    return last in _ORDINAL_WORDS or bool(re.search(r"\d(st|nd|rd|th)$", text))


def quantities_in_context(text: str, words_too: bool = False) -> list[tuple[Quantity, list[str]]]:
    """Each quantity written with digits (and, with `words_too`, number words from two up:
    "twenty-four"), with the content words right beside it (the last one before, the first one
    after): "4 foreign leaders came" gives (4, ["foreign"]) and "exports grew 33%" gives (33%,
    ["grew"])."""
    text = normalize_text(strip_citation_markers(text))
    matches = list(QUANTITY_PATTERN.finditer(text))
    bounds = [0, *(x for m in matches for x in m.span()), len(text)]
    gaps = [text[bounds[i] : bounds[i + 1]] for i in range(0, len(bounds), 2)]
    found = []
    for n, match in enumerate(matches):
        if any(ch.isdigit() for ch in match.group()) or (words_too and _quantity(match).value >= 2):
            words = tokenize(gaps[n])[-1:] + tokenize(gaps[n + 1])[:1]
            found.append((_quantity(match), [w for w in words if w.isalpha()]))
    return found


# a length of time after a number: "six years", "a 10-day visit" (not an age: "six years old")
_TIME_SPAN = re.compile(
    r"[\s-]+(?:years?|months?|weeks?|days?|hours?|minutes?|decades?)\b(?![\s-]+old\b)"
)


def spans_and_counts(text: str) -> set[tuple[float, bool]]:
    """Each number of the text from two up that is not a year, as (value, whether it is a
    length of time): "six times" gives (6, False), "in six years" (6, True). A count is not
    backed by a length of time, nor the other way round."""
    text = normalize_text(text)
    found = set()
    for match in QUANTITY_PATTERN.finditer(text):
        quantity = _quantity(match)
        if quantity.value >= 2 and not is_year(quantity):
            found.add((quantity.value, bool(_TIME_SPAN.match(text, match.end()))))
    return found


def stated_beside(sentences: Iterable[str], quantity: Quantity, words: Iterable[str]) -> bool:
    """Whether one of the (normalised) sentences states the quantity, as a rank where it
    ranks and as a count where it counts, together with one of the words: "4 foreign leaders"
    needs a sentence with both 4 and "foreign" ("2 years" is not "second trip ... six years")."""
    wanted = set(words)
    ordinal = is_ordinal(quantity)
    return any(
        wanted & set(tokenize(sentence))
        and any(
            same_quantity(found, quantity) and is_ordinal(found) == ordinal
            for found in extract_quantities(sentence)
        )
        for sentence in sentences
    )


def is_distinctive(quantity: Quantity) -> bool:
    """Whether the number is unlikely to recur by chance: a year, a fraction ("$244.8
    billion", "1.9%") or 10,000 and up; small whole numbers ("4 leaders", "33%") are not."""
    return is_year(quantity) or "." in quantity.text or quantity.value >= 10_000


def is_year(quantity: Quantity) -> bool:
    """Whether the number reads as a year: a whole number from 1900 to 2100 without a unit."""
    value = quantity.value
    return quantity.unit is None and value.is_integer() and 1900 <= value <= 2100


def quantities_only(text: str) -> list[Quantity]:
    """The quantities of a text written as numbers only ("33%", "$210m", "2025-09-03"), else []
    (for "6 years" or "September 2", whose words carry meaning numbers do not)."""
    normalised = normalize_text(text)
    rest = QUANTITY_PATTERN.sub(" ", normalised)
    return extract_quantities(normalised) if not any(ch.isalnum() for ch in rest) else []


def same_quantity(a: Quantity, b: Quantity, rel_tol: float = QUANTITY_REL_TOL) -> bool:
    """Equal values within rel_tol (exactly equal for whole numbers under 10,000, such as
    years: 2024 is not 2025), and units that agree or that one side leaves unsaid."""
    units_agree = a.unit is None or b.unit is None or a.unit == b.unit
    if all(q.value.is_integer() and q.value < 10_000 for q in (a, b)):
        return units_agree and a.value == b.value
    return units_agree and math.isclose(a.value, b.value, rel_tol=rel_tol)


def quantities_within(needles: Iterable[Quantity], haystack: Sequence[Quantity]) -> bool:
    """Whether every needle has the same quantity somewhere in haystack."""
    return all(any(same_quantity(n, h) for h in haystack) for n in needles)


# ---------------------------------------------------------------------------------- claims

_WORD = re.compile(r"[^\W\d_][\w'\u2019-]*")
_SENTENCE_LEAD = " \t\"'([*\u2022\u201c\u2018-"


def _starts_sentence(before: str) -> bool:
    stripped = before.rstrip(_SENTENCE_LEAD)
    return not stripped or stripped[-1] in ".!?:\n"


def _name_runs(text: str) -> Iterable[list[re.Match[str]]]:
    run: list[re.Match[str]] = []
    for word in _WORD.finditer(text):
        if text.startswith("$", word.end()):  # a currency prefix such as US$ or HK$
            continue
        joined = bool(run) and text[run[-1].end() : word.start()] == " "
        if run and not (joined and word.group()[0].isupper()):
            yield run
            run = []
        if word.group()[0].isupper():
            run.append(word)
    if run:
        yield run


def capitalised_names(text: str) -> list[str]:
    """Names by a simple heuristic: runs of capitalised words separated by single spaces
    ("New York", "Zürich"). A run that opens a sentence (start of text, or after . ! ? : or a
    line break) loses its first word, which is capitalised anyway ("The Fed" -> "Fed", "Apple"
    -> nothing). A trailing possessive 's is dropped. Repeats are kept once, in order."""
    names = []
    for run in _name_runs(text):
        words = run[1:] if _starts_sentence(text[: run[0].start()]) else run
        if words:
            name = text[words[0].start() : words[-1].end()]
            names.append(re.sub(r"['\u2019]s$", "", name))
    return unique_in_order(names)


def missing_claims(text: str, sources: Sequence[str]) -> list[str]:
    """The claims of text that no single source backs: numbers written with digits (number
    words such as "one" or "first" are too common in prose to count) matched as quantities,
    and capitalised names matched as phrases. Citation markers are not claims. A month
    abbreviated before its day is its month: "Aug. 4" is backed by "August 4" and by "Aug. 4"
    (which the sources' normalisation writes out), not by "Sept. 4"."""
    text = strip_citation_markers(text)
    pool = [q for source in sources for q in extract_quantities(source)]
    numbers = [q for q in extract_quantities(text) if any(ch.isdigit() for ch in q.text)]
    missing = [q.text for q in numbers if not quantities_within([q], pool)]
    names = capitalised_names(text)
    missing += [
        n
        for n in names
        if not any(contains_phrase(s, MONTH_ABBREVIATIONS.get(n.casefold(), n)) for s in sources)
    ]
    return unique_in_order(missing)
