"""Finds where the sources disagree with an answer on a number, and says so in the answer.

For each number an answer sentence states (with digits or in words: "Twenty-four [1]."),
a sentence of another retrieved article is a conflict when it gives a different number of the
same kind for the same thing on the same topic:
- the same unit, both ranks or both counts, and (for a count) a word of the question beside
  the number in both ("26 leaders" / "25 leaders" for "How many leaders…"; for a terse answer,
  the words beside it in the cited quote); amounts of money or shares need no such word
  ("$2.2 billion" / "about $2.3 billion"); a year is compared with years only, and needs that
  word too (two articles' years are more often two events than a disagreement);
- the same topic: it holds (with the sentence before it) at least `MIN_TOPIC_OVERLAP` of the
  question's content words that the cited quote holds (at least `MIN_TOPIC_WORDS` of them), so
  the question says what "the same thing" is;
- the same time and place: it states no year when the question (or else the cited quote)
  states others ("$2.8 billion in 2019" is no conflict for 2023), and its passage (with its
  title) mentions every name of the question (Moscow's parade is no conflict for Beijing's).
`cite_others` adds one sentence per conflict to the answer, each figure with its marker and
its article's date, and the other article as a citation: no figure is picked silently.
Knows nothing about models, retrieval or the UI: strings, `Chunk`s and `Citation`s.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rag import premise, prompts
from rag.chunk import Chunk
from rag.cite import Citation, cited_sentences
from rag.facts import (
    Quantity,
    extract_quantities,
    is_ordinal,
    is_year,
    quantities_in_context,
    same_quantity,
)
from rag.text import normalize_text, sentence_spans, strip_citation_markers, tokenize

MIN_TOPIC_OVERLAP = 0.8  # high: a false "sources differ" misleads more than a missed one
MIN_TOPIC_WORDS = 2  # fewer question words in the cited quote: no topic, no conflict claimed
_AMOUNTS = frozenset("$€£¥%")  # units that say what is counted on their own


@dataclass(frozen=True)
class Conflict:
    claim: str  # the answer sentence, without markers
    stated: str  # the number as the answer states it
    cited: Citation  # the source the answer cites for it
    other: Chunk  # a passage of another article
    other_quote: str  # its sentence that gives another number
    other_value: str  # that number as written there


def find(
    text: str, citations: Sequence[Citation], sources: Sequence[Chunk], question: str = ""
) -> list[Conflict]:
    """The conflicts between the answer `text` (markers numbered as `citations`) and the
    passages of `sources` from articles the sentence does not cite, on `question`'s topic."""
    asked = set(tokenize(normalize_text(question)))
    found: list[Conflict] = []
    for start, end, cited in cited_sentences(text, citations):
        if not cited:
            continue
        claim = strip_citation_markers(text[start:end]).strip()
        cited_docs = {c.chunk.doc_id for c in cited}
        for quantity, words in quantities_in_context(claim, words_too=True):
            quote = _stating(quantity, cited)
            topic = asked & set(tokenize(normalize_text(quote.quote))) if quote else set()
            if len(topic) < MIN_TOPIC_WORDS or quote is None:
                continue  # no topic to tell the same thing from another: no conflict claimed
            # what is counted, as the question names it ("leaders" of "How many leaders")
            beside = (set(words) | _beside(quantity, quote.quote)) & asked
            # the years that set the scene (not the answer's own, when it gives a year)
            years = (_years(question) or _years(quote.quote)) - {quantity.value}
            for chunk in sources:
                if chunk.doc_id in cited_docs or premise.unknown_names(question, [chunk]):
                    continue
                if hit := _disagreeing(topic, years, quantity, beside, chunk):
                    found.append(Conflict(claim, quantity.text, quote, chunk, *hit))
                    break
    return found


def cite_others(
    text: str, citations: Sequence[Citation], found: Sequence[Conflict]
) -> tuple[str, list[Citation]]:
    """The answer with a sentence per conflict ("The sources differ: [1] (2025-09-05) gives
    twenty-four, [2] (2025-09-04) gives 26."), and its citations with each other article's
    sentence added under the next marker."""
    citations = list(citations)
    sentences = []
    for conflict in found:
        other = _citation(conflict, citations)
        if other not in citations:
            citations.append(other)
        sentences.append(
            prompts.render(
                "sources_differ",
                marker=conflict.cited.marker,
                date=conflict.cited.chunk.date or "undated",
                stated=conflict.stated,
                other_marker=other.marker,
                other_date=other.chunk.date or "undated",
                other_value=conflict.other_value,
            )
        )
    return " ".join([text, *dict.fromkeys(sentences)]), citations


def _citation(conflict: Conflict, citations: Sequence[Citation]) -> Citation:
    """The citation of the conflict's other sentence: the existing one, or a new marker."""
    chunk, quote = conflict.other, conflict.other_quote
    for c in citations:
        if c.chunk.chunk_id == chunk.chunk_id and c.quote == quote:
            return c
    start = chunk.text.index(quote)
    marker = max((c.marker for c in citations), default=0) + 1
    return Citation(marker, chunk, quote, start, start + len(quote))


def _stating(quantity: Quantity, cited: Sequence[Citation]) -> Citation | None:
    """The first cited quote that states the quantity."""
    return next(
        (c for c in cited if any(same_quantity(q, quantity) for q in extract_quantities(c.quote))),
        None,
    )


def _beside(quantity: Quantity, quote: str) -> set[str]:
    """The words beside the same number in the quote ("Twenty-four [1]." citing "Twenty-four
    foreign leaders attended" gives {"foreign"})."""
    return {
        word
        for other, words in quantities_in_context(quote, words_too=True)
        if same_quantity(other, quantity)
        for word in words
    }


def _years(text: str) -> set[float]:
    """The years a text states."""
    return {q.value for q in extract_quantities(text) if is_year(q)}


def _disagreeing(
    topic: set[str], years: set[float], quantity: Quantity, words: set[str], chunk: Chunk
) -> tuple[str, str] | None:
    """The first sentence of the chunk on the topic (read with the sentence before it, which
    often names what "the bilateral trade" is), of the same years, that gives another value of
    the same kind for this quantity, with that value."""
    spans = sentence_spans(chunk.text)
    for (a, b), before in zip(spans, [(0, 0), *spans], strict=False):
        sentence = chunk.text[a:b]
        held = topic & set(tokenize(normalize_text(chunk.text[before[0] : b])))
        if len(held) < MIN_TOPIC_OVERLAP * len(topic):
            continue
        if years and (stated := _years(sentence) - {quantity.value}) and not stated & years:
            continue
        for other, beside in quantities_in_context(sentence, words_too=True):
            kind = other.unit == quantity.unit and is_ordinal(other) == is_ordinal(quantity)
            kind = kind and is_year(other) == is_year(quantity)
            # amounts and shares say what they are; a count (or a year) needs the counted word
            same_thing = quantity.unit in _AMOUNTS or bool(words & set(beside))
            if kind and same_thing and not same_quantity(other, quantity):
                return sentence, other.text
    return None
