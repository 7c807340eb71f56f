"""Finds where the sources disagree with an answer on a number: a count, an amount, a year.

For each number an answer sentence states (with digits or in words: "Twenty-four [1]."),
another article's sentence on the same topic that gives a different number for the same thing
is a conflict: it shares a word beside the number ("26 leaders" / "25 leaders"; for a terse
answer, the words beside it in the cited quote), has the same unit, and holds at least
`MIN_TOPIC_OVERLAP` of the answer sentence's content words (of the question's, when the answer
is too terse to have a topic of its own). The answer keeps its (verified) sentence; the
conflict is shown beside it with both sources and their dates, so no figure is picked
silently.
Knows nothing about models, retrieval or the UI: strings, `Chunk`s and `Citation`s.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from rag.chunk import Chunk
from rag.cite import Citation, cited_sentences, word_support
from rag.facts import (
    QUANTITY_PATTERN,
    Quantity,
    quantities_in_context,
    same_quantity,
)
from rag.text import normalize_text, sentence_spans, strip_citation_markers, tokenize

MIN_TOPIC_OVERLAP = 0.8  # high: a false "sources differ" misleads more than a missed one


@dataclass(frozen=True)
class Conflict:
    claim: str  # the answer sentence, without markers
    stated: str  # the number as the answer states it
    cited: Citation  # the source the answer cites for it
    other: Chunk  # a passage of another article
    other_quote: str  # its sentence that gives another number
    other_value: str  # that number as written there


MIN_TOPIC_WORDS = 2  # an answer sentence with fewer content words takes the question's topic
_ASKING = re.compile(r"\bhow (?:many|much)\b")  # "many" is not a topic


def find(
    text: str, citations: Sequence[Citation], sources: Sequence[Chunk], question: str = ""
) -> list[Conflict]:
    """The conflicts between the answer `text` (markers numbered as `citations`) and the
    passages of `sources` from articles the sentence does not cite."""
    found: list[Conflict] = []
    for start, end, cited in cited_sentences(text, citations):
        if not cited:
            continue
        claim = strip_citation_markers(text[start:end]).strip()
        topic = QUANTITY_PATTERN.sub(" ", normalize_text(claim))
        if len(set(tokenize(topic))) < MIN_TOPIC_WORDS:
            topic = _ASKING.sub(" ", QUANTITY_PATTERN.sub(" ", normalize_text(question)))
        if not tokenize(topic):
            continue  # no topic to tell the same thing from another: no conflict claimed
        cited_docs = {c.chunk.doc_id for c in cited}
        for quantity, words in quantities_in_context(claim, words_too=True):
            beside = set(words) or _beside_in_quotes(quantity, cited)
            for chunk in sources:
                if chunk.doc_id in cited_docs:
                    continue
                if hit := _disagreeing(topic, quantity, beside, chunk):
                    quote, value = hit
                    found.append(Conflict(claim, quantity.text, cited[0], chunk, quote, value))
                    break
    return found


def _beside_in_quotes(quantity: Quantity, cited: Sequence[Citation]) -> set[str]:
    """The words beside the same number in the quotes the sentence cites ("Twenty-four [1]."
    citing "Twenty-four foreign leaders attended" gives {"foreign"})."""
    return {
        word
        for c in cited
        for other, words in quantities_in_context(c.quote, words_too=True)
        if same_quantity(other, quantity)
        for word in words
    }


def _disagreeing(
    topic: str, quantity: Quantity, words: set[str], chunk: Chunk
) -> tuple[str, str] | None:
    """The first sentence of the chunk on the topic (the claim without its numbers) that gives
    another value for this quantity, with that value."""
    for a, b in sentence_spans(chunk.text):
        sentence = chunk.text[a:b]
        if word_support(topic, sentence) < MIN_TOPIC_OVERLAP:
            continue
        for other, beside in quantities_in_context(sentence, words_too=True):
            same_thing = bool(words & set(beside)) and other.unit == quantity.unit
            if same_thing and not same_quantity(other, quantity):
                return sentence, other.text
    return None
