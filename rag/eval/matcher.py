"""The scorer's own reading of numbers and names: a second opinion, independent of the checker.

Contract: pure, deterministic functions of strings. The product verifies answers with rag.facts
(through rag.cite); if the scorer used the same reader, "supported" and "invented" would hold by
construction. This module is written without rag.facts and is deliberately simpler:

- `numbers(text)`: every run of digits is a number, read exactly (a `Decimal`): thousands
  separators removed ("1,050" = 1050), a decimal part kept, an ordinal suffix ignored
  ("6th" = 6), and a scale word right after it applied: "thousand", "million", "billion",
  "trillion" (after a space or not) or "k", "m", "mn", "bn", "tn" (glued to the number), so
  "$1.05bn" = "1.05 billion" = "1,050 million". Units are not read ("33%" = "$33" = "33"),
  number words are not numbers ("six", "first"), and two numbers are the same only when equal.
- `names(text)`: runs of capitalised words joined by single spaces ("Great Hall",
  "Kim Jong Un"), without leading function words ("The Fed" -> "Fed"); a possessive ends a
  run and is dropped ("Beijing's Great Hall" -> "Beijing", "Great Hall"). A run of one word
  that opens a sentence is no name (every sentence starts with a capital: "Officials said");
  a longer one is kept whole ("Xi Jinping said" -> "Xi Jinping"). A word glued to "$" is a
  currency ("US$"), not a name.
- `unbacked(text, sources)`: the numbers and names of a text that no source holds: a number
  is held by a source with an equal number, a name by a source containing it as whole words
  (case-, accent-form- and quote-insensitive via rag.text.normalize_text; no plural forms).
- `numbers_only(text)`: the numbers of a text written as numbers only, give or take currency
  signs and unit words ("33%", "$210m", "2025-09-03", "13 per cent"), else [].

Citation markers ("[1]") are never numbers. Knows nothing about rag.facts or rag.cite; uses
rag.text for normalising and markers.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from decimal import Decimal

from rag.text import STOP_WORDS, normalize_text, strip_citation_markers, unique_in_order

_SCALES = {
    "thousand": 3,
    "million": 6,
    "billion": 9,
    "trillion": 12,
    "k": 3,
    "m": 6,
    "mn": 6,
    "bn": 9,
    "tn": 12,
}
_NUMBER = re.compile(
    r"""(?P<digits>\d{1,3}(?:,\d{3})+(?:\.\d+)?(?!\d)|\d+(?:\.\d+)?)
    (?:(?:st|nd|rd|th)(?![a-z]))?
    (?:\s?(?P<word>thousand|million|billion|trillion)(?![a-z])
      |(?P<abbr>k|mn|m|bn|tn)(?![a-z]))?""",
    re.VERBOSE,
)
# what may surround the numbers of an alias that is "written as numbers only"
_UNITS = re.compile(
    r"us\$|[$€£¥%]|\b(?:percentage points?|percentage|per cent|percent|pct|usd|dollars?|euros?"
    r"|eur|pounds?|gbp|yen)\b"
)


def _value(match: re.Match[str]) -> Decimal:
    exponent = _SCALES.get(match["word"] or match["abbr"] or "", 0)
    return Decimal(match["digits"].replace(",", "")).scaleb(exponent)


def number_spans(text: str) -> list[tuple[Decimal, str]]:
    """(value, the text it was read from) for each number of the normalised text, in order."""
    text = normalize_text(strip_citation_markers(text))
    return [(_value(m), m.group()) for m in _NUMBER.finditer(text)]


def numbers(text: str) -> list[Decimal]:
    """The values of the numbers in text, in order."""
    return [value for value, _ in number_spans(text)]


def numbers_only(text: str) -> list[Decimal]:
    """The numbers of a text that holds nothing else but currency signs, unit words and
    punctuation; [] for "6 years" or "September 2", whose words carry meaning."""
    normalised = normalize_text(strip_citation_markers(text))
    rest = _UNITS.sub(" ", _NUMBER.sub(" ", normalised))
    return numbers(normalised) if not any(ch.isalnum() for ch in rest) else []


# ------------------------------------------------------------------------------- names

_WORD = re.compile(r"[^\W\d_][\w'’-]*")
# capitalised words that open a run but name nothing ("The Fed", "Then Jerome Powell")
_LEADING = STOP_WORDS | {
    *("after", "also", "although", "before", "both", "during", "however", "if", "meanwhile"),
    *("my", "no", "not", "now", "our", "since", "then", "there", "these", "those", "though"),
    *("until", "we", "while", "yes"),
}
_POSSESSIVE = re.compile(r"['’]s$")
_SENTENCE_END = re.compile(r"(?:^|[.!?:\n])[\s\"'“‘(\[*•-]*$")


def _runs(text: str) -> list[list[re.Match[str]]]:
    """Capitalised words grouped into runs joined by single spaces."""
    runs: list[list[re.Match[str]]] = []
    previous: re.Match[str] | None = None
    for word in _WORD.finditer(text):
        capital = word.group()[0].isupper() and not text.startswith("$", word.end())
        if capital:
            joined = previous is not None and text[previous.end() : word.start()] == " "
            joined = joined and not _POSSESSIVE.search(previous.group())  # "Beijing's Great"
            if joined and runs:
                runs[-1].append(word)
            else:
                runs.append([word])
        previous = word if capital else None
    return runs


def names(text: str) -> list[str]:
    """The names of a text, once each, in order (see the module docstring)."""
    text = strip_citation_markers(text)
    found = []
    for run in _runs(text):
        if len(run) == 1 and _SENTENCE_END.search(text[: run[0].start()]):
            continue
        while run and run[0].group().lower() in _LEADING:
            run = run[1:]
        if not run:
            continue
        name = text[run[0].start() : run[-1].end()]
        found.append(_POSSESSIVE.sub("", name))
    return unique_in_order(found)


def _holds_name(source: str, name: str) -> bool:
    pattern = rf"(?<!\w){re.escape(normalize_text(name))}(?!\w)"
    return re.search(pattern, source) is not None


def unbacked(text: str, sources: Sequence[str]) -> list[str]:
    """The numbers (as written) and names of text that no source holds, once each, in order."""
    held = {value for source in sources for value in numbers(source)}
    missing = [written for value, written in number_spans(text) if value not in held]
    normalised = [normalize_text(source) for source in sources]
    missing += [n for n in names(text) if not any(_holds_name(s, n) for s in normalised)]
    return unique_in_order(missing)
