"""What a question takes for granted that the articles found never mention.

Contract: `unknown_names(question, passages)` lists the names of the question (capitalised
runs, rag.facts) none of whose words occurs in any of the passages (nor their titles). A
question about a person, place or body the retrieved articles never name ("What did Macron
say about the parade?" over articles that never mention him) cannot be answered from them:
a small model asked anyway tends to attribute another person's words to the name it was
given, and the citation check cannot catch that, since the name comes from the question.
Lenient on purpose: one shared word is enough ("Kim Jong-un" is known from "Kim Jong Un"),
in any of its forms ("Chinese" from "China"), so only names wholly absent are reported;
months, weekdays and words with digits ("H1", "June") are dates, not names.
`unknown` adds the ranks the question takes for granted ("their seventh meeting"): an ordinal
from "second" up, with a word beside it, that no sentence of the passages states as a rank
with that word ("sixth meeting" or "seventh visit" do not make a seventh meeting).
Knows nothing about models, retrieval or the UI: strings and `Chunk`s.
"""

from __future__ import annotations

import calendar
from collections.abc import Sequence

from rag.chunk import Chunk
from rag.facts import capitalised_names, is_ordinal, quantities_in_context, stated_beside
from rag.text import MONTHS, normalize_text, sentence_spans, tokenize

_NOT_NAMES = frozenset(MONTHS) | frozenset(calendar.day_name[d].lower() for d in range(7))


def unknown(question: str, passages: Sequence[Chunk]) -> list[str]:
    """The names and the ranks of the question that the passages never state."""
    return [*unknown_names(question, passages), *unknown_ranks(question, passages)]


def unknown_ranks(question: str, passages: Sequence[Chunk]) -> list[str]:
    """The question's ranks ("a seventh meeting") no sentence of the passages states as a rank
    beside one of the same words."""
    if not passages:
        return []
    sentences = [normalize_text(c.text[a:b]) for c in passages for a, b in sentence_spans(c.text)]
    missing = []
    for rank, words in quantities_in_context(question, words_too=True):
        if not is_ordinal(rank) or rank.value < 2 or not words or set(words) & _NOT_NAMES:
            continue  # "on September 3rd" is a date, not a rank
        if not stated_beside(sentences, rank, words):
            missing.append(f"a {rank.text} {words[-1]}")
    return missing


def unknown_names(question: str, passages: Sequence[Chunk]) -> list[str]:
    if not passages:
        return []
    known = {word for c in passages for word in tokenize(f"{c.title}\n{c.text}")}
    return [
        name
        for name in capitalised_names(question)
        if (words := _name_words(name)) and not any(_known(word, known) for word in words)
    ]


def _known(word: str, known: set[str]) -> bool:
    """Whether the word, or its demonym or country, is known: "Chinese" from "China",
    "Russian" from "Russia"; not "Nigeria" from "Niger" nor "Indiana" from "India"."""
    return word in known or any(_demonym(word, other) or _demonym(other, word) for other in known)


_DEMONYM_ENDINGS = ("n", "an", "ian", "ese", "i", "ish")


def _demonym(place: str, people: str) -> bool:
    """Whether `people` is `place` with a demonym ending ("china" -> "chinese" drops its
    final vowel first; "russia" -> "russian"); places of four letters and more."""
    if len(place) < 4:
        return False
    stems = {place, place[:-1]} if place[-1] in "aeiou" else {place}
    return any(people == stem + end for stem in stems for end in _DEMONYM_ENDINGS)


def _name_words(name: str) -> list[str]:
    """The name's words that can name someone or something: no dates, no codes such as "H1"."""
    plain = " ".join(w for w in name.split() if not any(ch.isdigit() for ch in w))
    return [w for w in tokenize(plain) if w not in _NOT_NAMES]
