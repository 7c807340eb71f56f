"""What kind of answer a question asks for, and whether an answer holds one.

"How many/much" wants a quantity, "how long" a duration or a length ("How long is the
bridge?"), "how old" an age, "when" (or "what day/date/year") a time, "who" a name. An answer
without the kind its question asks for has answered something else: a small model copying a
nearby sentence. Questions of other shapes expect nothing in particular.
Knows nothing about models, retrieval or citations; pure functions of strings.
"""

from __future__ import annotations

import re

from rag.facts import capitalised_names, extract_quantities
from rag.text import MONTHS, STOP_WORDS, strip_citation_markers

_KINDS = (
    ("duration", r"\bhow long\b"),
    ("quantity", r"\bhow (many|much|old|far|big|large|often)\b"),
    (
        "time",
        r"^\s*when\b|\b(what|which) (day|date|year|month|time)\b|\bin what year\b"
        r"|\bwhat (is|was) the (\w+ )?(day|date)\b",  # "What was the calendar date of…"
    ),
    ("name", r"^\s*(who|whom|whose)\b"),
)
_TIME_WORDS = re.compile(
    r"\b(monday|tuesday|wednesday|thursday|friday|saturday|sunday|today|yesterday|tomorrow|"
    r"morning|afternoon|evening|night|week|month|year|ago|since|"
    rf"{'|'.join(MONTHS)}|\d{{4}}s?)\b",
    re.IGNORECASE,
)
_DURATION_UNITS = re.compile(
    r"\b(second|minute|hour|day|week|month|year|decade)s?\b|\bsince\b", re.IGNORECASE
)
# "how long" also asks for a length: "1.4 kilometres", "600 m", "12 miles"
_LENGTH_UNITS = re.compile(
    r"\d\s?(km|m|mi|ft)\b|\b(kilo)?(metre|meter)s?\b|\b(mile|foot|feet|yard)s?\b",
    re.IGNORECASE,
)


def expected_kind(question: str) -> str | None:
    """ "duration", "quantity", "time", "name", or None when the question's shape says nothing."""
    lowered = question.lower()
    return next((kind for kind, pattern in _KINDS if re.search(pattern, lowered)), None)


def holds_kind(answer: str, kind: str | None) -> bool:
    """Whether the answer holds an answer of this kind (always, for None)."""
    text = strip_citation_markers(answer)
    if kind == "quantity":
        return bool(extract_quantities(text))
    if kind == "duration":
        unit = _DURATION_UNITS.search(text) or _LENGTH_UNITS.search(text)
        return bool(unit) and bool(extract_quantities(text))
    if kind == "time":
        return bool(_TIME_WORDS.search(text))
    if kind == "name":
        capitalised_later = bool(re.search(r"\b[A-Z][a-z]+", text[1:]))
        return _opens_with_name(text) or bool(capitalised_names(text)) or capitalised_later
    return True


def _opens_with_name(text: str) -> bool:
    """ "Yonhap [1]." opens with a name; "His daughter." and "Three [1]." do not."""
    first = re.match(r"\s*([A-Z][\w'’-]*)", text)
    return bool(first) and first[1].lower() not in STOP_WORDS and not extract_quantities(first[1])
