"""What a question takes for granted that the articles found never mention.

Contract: `unknown_names(question, passages)` lists the names of the question (capitalised
runs, rag.facts) none of whose words occurs in any of the passages (nor their titles). A
question about a person, place or body the retrieved articles never name ("What did Macron
say about the parade?" over articles that never mention him) cannot be answered from them:
a small model asked anyway tends to attribute another person's words to the name it was
given, and the citation check cannot catch that, since the name comes from the question.
Lenient on purpose: one shared word is enough ("Kim Jong-un" is known from "Kim Jong Un"),
so only names wholly absent are reported; months, weekdays and words with digits ("H1",
"June") are dates, not names.
Knows nothing about models, retrieval or the UI: strings and `Chunk`s.
"""

from __future__ import annotations

import calendar
from collections.abc import Sequence

from rag.chunk import Chunk
from rag.facts import capitalised_names
from rag.text import MONTHS, tokenize

_NOT_NAMES = frozenset(MONTHS) | frozenset(calendar.day_name[d].lower() for d in range(7))


def unknown_names(question: str, passages: Sequence[Chunk]) -> list[str]:
    if not passages:
        return []
    known = {word for c in passages for word in tokenize(f"{c.title}\n{c.text}")}
    return [
        name
        for name in capitalised_names(question)
        if (words := _name_words(name)) and not any(word in known for word in words)
    ]


def _name_words(name: str) -> list[str]:
    """The name's words that can name someone or something: no dates, no codes such as "H1"."""
    plain = " ".join(w for w in name.split() if not any(ch.isdigit() for ch in w))
    return [w for w in tokenize(plain) if w not in _NOT_NAMES]
