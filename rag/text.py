"""Plain text helpers every stage shares: normalised wording, word tokens and stop words,
sentence spans, month names, the `[n]` citation marker, and text made safe to store and show.

Contract: pure, deterministic functions of strings; each rule lives here once (one month
table, one marker pattern, one tokenizer), so the checker, the keyword index, the chunker
and the date reader agree on what a word, a sentence and a month are.
Knows nothing about articles, chunks, models, Chroma or the UI; imports only the standard
library.
"""

from __future__ import annotations

import calendar
import re
import unicodedata
from collections.abc import Iterable

# ---------------------------------------------------------------------------------- months

MONTH_NAMES = tuple(name.lower() for name in calendar.month_name if name)
# abbreviations written before a day ("Sept. 4"); "may" is a word of its own
MONTH_ABBREVIATIONS = {name[:3]: name for name in MONTH_NAMES if name != "may"} | {
    "sept": "september"
}
MONTHS = {name: n for n, name in enumerate(MONTH_NAMES, start=1)}
MONTHS |= {abbr: MONTHS[name] for abbr, name in MONTH_ABBREVIATIONS.items()}
# a month name or abbreviation (one group), an optional period after it
MONTH_PATTERN = (
    r"(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)

# ---------------------------------------------------------------------------- normalising

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
_ABBREVIATED_DATE = re.compile(rf"\b({'|'.join(MONTH_ABBREVIATIONS)})\.? ?(?=\d)")


def normalize_text(text: str) -> str:
    """NFKC, straight quotes and hyphens, case-folded, runs of whitespace as one space, and
    months abbreviated before a day written out ("Sept. 4" -> "september 4")."""
    text = unicodedata.normalize("NFKC", text).translate(_CHAR_MAP).casefold()
    text = " ".join(text.split())
    return _ABBREVIATED_DATE.sub(lambda m: MONTH_ABBREVIATIONS[m[1]] + " ", text)


# ESC sequences (CSI "ESC[...m", OSC "ESC]...BEL", two-character ones), the C1 CSI with its
# parameters, C0/C1 controls but tab and newline, and the bidi controls that reorder shown text
_TERMINAL_SEQUENCE = re.compile(
    r"\x1b(?:\[[0-?]*[ -/]*[@-~]?|\][^\x07\x1b\n]*(?:\x07|\x1b\\)|[ -~])?|\x9b[0-?]*[ -/]*[@-~]?"
)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def clean_text(text: str) -> str:
    """Text without terminal escape sequences, control characters (tab and newline kept; a
    carriage return becomes a newline) and bidi controls: safe to store, prompt and print."""
    text = _TERMINAL_SEQUENCE.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    return _CONTROL.sub("", text)


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


def unique_in_order(items: Iterable[str]) -> list[str]:
    """Items without repeats, each at its first position."""
    return list(dict.fromkeys(items))


# --------------------------------------------------------------------------------- markers

MARKER = r"\[\d+(?:\s*,\s*\d+)*\]"  # a citation marker: "[1]", "[2, 3]"
_MARKER_NUMBERS = re.compile(r"\[(\d+(?:\s*,\s*\d+)*)\]")


def citation_markers(text: str) -> set[int]:
    """The numbers of the citation markers in text: "[1]" and "[2, 3]" give {1, 2, 3}."""
    return {int(n) for group in _MARKER_NUMBERS.findall(text) for n in group.split(",")}


def strip_citation_markers(text: str) -> str:
    """Text without its citation markers, so that "[1]" is not read as a number."""
    return _MARKER_NUMBERS.sub("", text)


def tidy(text: str) -> str:
    """Single spaces, none before punctuation (left behind by removed markers)."""
    return re.sub(r"\s+([.,;:!?])", r"\1", " ".join(text.split()))


# ---------------------------------------------------------------------------------- tokens

_TOKEN = re.compile(r"\d+(?:[.,]\d+)*|[^\W\d_]+", re.UNICODE)
STOP_WORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "been",
        "but",
        "by",
        "did",
        "do",
        "does",
        "for",
        "from",
        "had",
        "has",
        "have",
        "he",
        "her",
        "his",
        "how",
        "i",
        "in",
        "is",
        "it",
        "its",
        "of",
        "on",
        "or",
        "s",
        "she",
        "so",
        "t",
        "that",
        "the",
        "their",
        "them",
        "they",
        "this",
        "to",
        "was",
        "were",
        "what",
        "when",
        "where",
        "which",
        "who",
        "whom",
        "why",
        "will",
        "with",
        "would",
        "you",
    ]
)


def tokenize(text: str) -> list[str]:
    """Lower-cased word and number tokens, stop words removed ("1,050" stays one token)."""
    return [t for t in _TOKEN.findall(text.lower()) if t not in STOP_WORDS]


# ------------------------------------------------------------------------------- sentences

# abbreviations after which a period does not end a sentence
_ABBREVIATIONS = frozenset(
    [
        "mr",
        "mrs",
        "ms",
        "dr",
        "prof",
        "st",
        "sr",
        "jr",
        "gen",
        "col",
        "lt",
        "sgt",
        "capt",
        "gov",
        "sen",
        "rep",
        "rev",
        "inc",
        "ltd",
        "co",
        "corp",
        "vs",
        "etc",
        "no",
        "nos",
        "fig",
        "approx",
        "dept",
        "est",
        "u.s",
        "u.k",
        "u.n",
        "e.g",
        "i.e",
        "a.m",
        "p.m",
    ]
) | frozenset(MONTH_ABBREVIATIONS)
_END = re.compile(
    r"""[.!?…]+["'”’)\]]*(?=\s+["'“‘(\[]?[A-Z0-9])"""  # before a capital or a digit
    r"""|[。！？]+[」』"'”’）)\]]*"""  # CJK full stops, followed by anything
)
_WORD_BEFORE = re.compile(r"([\w.]+)$")
Span = tuple[int, int]


def _is_abbreviation(text: str, period_at: int) -> bool:
    word = _WORD_BEFORE.search(text, 0, period_at)
    if not word:
        return False
    token = word.group(1).lower().rstrip(".")
    return token in _ABBREVIATIONS or (len(token) == 1 and token.isalpha())


def sentence_spans(text: str) -> list[Span]:
    """(start, end) offsets of the sentences in `text`, whitespace trimmed.

    Lines are hard boundaries (news text puts paragraphs, captions and bullets on lines
    of their own); inside a line, a sentence ends at . ! ? (and closing quotes) before an
    upper-case letter or digit, unless the period ends a known abbreviation or an initial,
    and at the CJK full stops 。！？ (and closing quotes) before anything.
    """
    spans: list[Span] = []
    for line in re.finditer(r"[^\n]+", text):
        cursor = line.start()
        for end in _END.finditer(text, line.start(), line.end()):
            if end.group().startswith(".") and _is_abbreviation(text, end.start()):
                continue
            spans.append((cursor, end.end()))
            cursor = end.end()
        spans.append((cursor, line.end()))
    return [trimmed for span in spans if (trimmed := _trim(text, *span))]


def _trim(text: str, start: int, end: int) -> Span | None:
    piece = text[start:end]
    stripped = piece.strip()
    if not stripped:
        return None
    lead = len(piece) - len(piece.lstrip())
    return start + lead, start + lead + len(stripped)
