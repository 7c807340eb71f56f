"""Model-free metrics: pure functions of strings, numbers and ranked lists.

Contract: deterministic functions with no I/O. Retrieval metrics take doc ids in rank order and
return None when there is no gold document, so callers can leave such questions out of means.
Answer matching works on normalised text (NFKC, case-folded, straight quotes, single spaces) and
on quantities (`extract_quantities`), so "33 per cent" matches "33%" and "US$1.05bn" matches
"1,050 million". `missing_claims` lists the numbers and names of a text that no source backs.

Knows nothing about questions files, predictions, models, Chroma or the CLI; depends on the
standard library and numpy only.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

QUANTITY_REL_TOL = 0.005  # two quantities are the same within 0.5% of the larger one

# ------------------------------------------------------------------------------------ text

_CHAR_MAP = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u201f": '"',
        "\u2033": '"',
        "\u2010": "-",
        "\u2011": "-",
        "\u2012": "-",
        "\u2013": "-",
        "\u2014": "-",
        "\u2212": "-",
    }
)
_MARKERS = re.compile(r"\[(\d+(?:\s*,\s*\d+)*)\]")


def normalize_text(text: str) -> str:
    """NFKC, straight quotes and hyphens, case-folded, runs of whitespace as one space."""
    text = unicodedata.normalize("NFKC", text).translate(_CHAR_MAP).casefold()
    return " ".join(text.split())


def contains_phrase(text: str, phrase: str) -> bool:
    """Whether the normalised phrase occurs in the normalised text as whole words, a plural
    "s" or "es" allowed after a final letter ("bank" is in "banks", not in "bankrupt"; "6" is not
    in "65" or "6.5")."""
    needle = normalize_text(phrase)
    if not needle:
        return False
    plural = "(?:e?s)?" if needle[-1].isalpha() else ""
    pattern = rf"(?<!\w)(?<!\d[.,]){re.escape(needle)}{plural}(?!\w|[.,]\d)"
    return re.search(pattern, normalize_text(text)) is not None


def citation_markers(text: str) -> set[int]:
    """The numbers of the citation markers in text: "[1]" and "[2, 3]" give {1, 2, 3}."""
    return {int(n) for group in _MARKERS.findall(text) for n in group.split(",")}


def strip_citation_markers(text: str) -> str:
    """Text without its citation markers, so that "[1]" is not read as a number."""
    return _MARKERS.sub("", text)


def unique_in_order(items: Iterable[str]) -> list[str]:
    """Items without repeats, each at its first position."""
    return list(dict.fromkeys(items))


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


_QUANTITY = re.compile(
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
    return [_quantity(m) for m in _QUANTITY.finditer(normalize_text(text))]


def quantities_only(text: str) -> list[Quantity]:
    """The quantities of a text written as numbers only ("33%", "$210m", "2025-09-03"), else []
    (for "6 years" or "September 2", whose words carry meaning numbers do not)."""
    normalised = normalize_text(text)
    rest = _QUANTITY.sub(" ", normalised)
    return extract_quantities(normalised) if not any(ch.isalnum() for ch in rest) else []


def same_quantity(a: Quantity, b: Quantity, rel_tol: float = QUANTITY_REL_TOL) -> bool:
    """Equal values within rel_tol, and units that agree or that one side leaves unsaid."""
    units_agree = a.unit is None or b.unit is None or a.unit == b.unit
    return units_agree and math.isclose(a.value, b.value, rel_tol=rel_tol)


def quantities_within(needles: Iterable[Quantity], haystack: Sequence[Quantity]) -> bool:
    """Whether every needle has the same quantity somewhere in haystack."""
    return all(any(same_quantity(n, h) for h in haystack) for n in needles)


# --------------------------------------------------------------------------- answers

Slot = Sequence[str]  # aliases of one required part of an answer; any one of them will do


def alias_matches(alias: str, answer: str) -> bool:
    """The alias occurs in the answer as a phrase, or the alias is written as numbers only and
    every one of its quantities is among the answer's."""
    if contains_phrase(answer, alias):
        return True
    wanted = quantities_only(alias)
    return bool(wanted) and quantities_within(wanted, extract_quantities(answer))


def slot_matched(slot: Slot, answer: str) -> bool:
    """Whether any alias of the slot matches the answer."""
    return any(alias_matches(alias, answer) for alias in slot)


def answer_recall(slots: Sequence[Slot], answer: str) -> float | None:
    """Share of slots the answer matches; None without slots."""
    if not slots:
        return None
    return sum(slot_matched(slot, answer) for slot in slots) / len(slots)


def all_slots(slots: Sequence[Slot], answer: str) -> int | None:
    """1 if the answer matches every slot, else 0; None without slots."""
    if not slots:
        return None
    return int(all(slot_matched(slot, answer) for slot in slots))


def numeric_match(slots: Sequence[Slot], answer: str) -> int | None:
    """1 if the answer matches every numeric slot (a slot with an alias written as numbers
    only), else 0; None when no slot is numeric."""
    numeric = [slot for slot in slots if any(quantities_only(alias) for alias in slot)]
    return all_slots(numeric, answer)


def squad_tokens(text: str) -> list[str]:
    """SQuAD answer normalisation: normalised text, punctuation and symbols removed, articles
    (a, an, the) dropped, split on whitespace."""
    kept = "".join(ch for ch in normalize_text(text) if unicodedata.category(ch)[0] not in "PS")
    return [token for token in kept.split() if token not in {"a", "an", "the"}]


def token_f1(prediction: str, reference: str) -> float:
    """SQuAD token F1; two empty texts agree (1.0), one empty text does not (0.0)."""
    predicted, wanted = squad_tokens(prediction), squad_tokens(reference)
    if not predicted or not wanted:
        return float(predicted == wanted)
    common = sum((Counter(predicted) & Counter(wanted)).values())
    if common == 0:
        return 0.0
    precision, recall = common / len(predicted), common / len(wanted)
    return 2 * precision * recall / (precision + recall)


def slots_f1(slots: Sequence[Slot], answer: str) -> float | None:
    """Token F1 of the answer against the best alias of each slot, joined; None without slots."""
    reference = [max(slot, key=lambda alias: token_f1(answer, alias)) for slot in slots if slot]
    return token_f1(answer, " ".join(reference)) if reference else None


# ------------------------------------------------------------------------------- retrieval


def _top(ranked: Iterable[str], k: int | None = None) -> list[str]:
    return unique_in_order(ranked)[:k]


def recall_at_k(ranked: Sequence[str], gold: Iterable[str], k: int) -> float | None:
    """Share of gold docs among the first k distinct ranked docs; None without gold."""
    wanted = set(gold)
    if not wanted:
        return None
    return len(wanted.intersection(_top(ranked, k))) / len(wanted)


def hit_at_k(ranked: Sequence[str], gold: Iterable[str], k: int) -> int | None:
    """1 if a gold doc is among the first k distinct ranked docs, else 0; None without gold."""
    recall = recall_at_k(ranked, gold, k)
    return None if recall is None else int(recall > 0)


def reciprocal_rank(ranked: Sequence[str], gold: Iterable[str]) -> float | None:
    """1 / rank of the first gold doc among distinct ranked docs, 0.0 if none; None without
    gold."""
    wanted = set(gold)
    if not wanted:
        return None
    ranks = (rank for rank, doc in enumerate(_top(ranked), start=1) if doc in wanted)
    return 1.0 / next(ranks, math.inf)


def ndcg_at_k(ranked: Sequence[str], gold: Iterable[str], k: int) -> float | None:
    """nDCG@k with binary relevance and a log2(rank + 1) discount over distinct ranked docs; the
    ideal ranking puts min(k, len(gold)) gold docs first. None without gold; k must be >= 1."""
    wanted = set(gold)
    if not wanted:
        return None
    dcg = sum(_gain(rank) for rank, doc in enumerate(_top(ranked, k), start=1) if doc in wanted)
    ideal = sum(_gain(rank) for rank in range(1, min(k, len(wanted)) + 1))
    return dcg / ideal


def _gain(rank: int) -> float:
    return 1.0 / math.log2(rank + 1)


# ------------------------------------------------------------------------------ statistics


def mean(values: Iterable[float | None]) -> float | None:
    """Mean of the values that are not None; None when there are none."""
    present = [float(v) for v in values if v is not None]
    return sum(present) / len(present) if present else None


def percentile(values: Sequence[float], q: float) -> float | None:
    """The q-th percentile (0-100, linear interpolation); None for no values."""
    return float(np.percentile(values, q)) if len(values) else None


def bootstrap_ci(
    values: Sequence[float], *, resamples: int = 2000, seed: int = 0, level: float = 0.95
) -> tuple[float, float] | None:
    """Percentile bootstrap interval for the mean: the same values and seed give the same
    interval. None for no values."""
    if not len(values):
        return None
    data = np.asarray(values, dtype=float)
    rng = np.random.default_rng(seed)
    means = data[rng.integers(0, len(data), size=(resamples, len(data)))].mean(axis=1)
    tail = (1.0 - level) / 2 * 100
    low, high = np.percentile(means, [tail, 100 - tail])
    return float(low), float(high)


def mcnemar_exact(regressions: int, fixes: int) -> float:
    """Two-sided exact McNemar p-value from the discordant pair counts: a binomial test of
    min(b, c) out of b + c against p = 0.5. 1.0 when there is no discordant pair."""
    n = regressions + fixes
    tail = sum(math.comb(n, i) for i in range(min(regressions, fixes) + 1))
    return min(1.0, 2 * tail / 2**n)


# ---------------------------------------------------------------------------------- claims

_WORD = re.compile(r"[^\W\d_][\w'\u2019-]*")
_SENTENCE_LEAD = " \t\"'([*\u2022\u201c\u2018-"


def _starts_sentence(before: str) -> bool:
    stripped = before.rstrip(_SENTENCE_LEAD)
    return not stripped or stripped[-1] in ".!?:\n"


def _name_runs(text: str) -> Iterable[list[re.Match[str]]]:
    run: list[re.Match[str]] = []
    for word in _WORD.finditer(text):
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
    and capitalised names matched as phrases. Citation markers are not claims."""
    text = strip_citation_markers(text)
    pool = [q for source in sources for q in extract_quantities(source)]
    numbers = [q for q in extract_quantities(text) if any(ch.isdigit() for ch in q.text)]
    missing = [q.text for q in numbers if not quantities_within([q], pool)]
    names = capitalised_names(text)
    missing += [n for n in names if not any(contains_phrase(s, n) for s in sources)]
    return unique_in_order(missing)
