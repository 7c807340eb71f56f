"""Checks a drafted answer against the sources it cites and maps its markers to citations.

Contract: every kept sentence carries at least one citation to a source holding a passage
(one sentence, or two adjacent ones) that states its numbers and names and shares most of
its content words; that passage is the citation's quote. A compound sentence ("…, and …",
"…; …") may instead have each clause backed by its own passage, and then cites them all.
A sentence citing the wrong source is re-pointed to the source that backs it best; a sentence
no source backs is removed and reported, but a count answered with its reason ("Three: …")
keeps its count when a source it cites states that count and only the reason is unbacked.
Markers are renumbered 1..k in order of first use, so the text and the citation list always
agree. A draft that says NOT_FOUND, or keeps no sentence, abstains.
Knows nothing about models, retrieval or Chroma: it works on strings and `Chunk`s.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

from rag import dates
from rag.chunk import Chunk
from rag.facts import (
    extract_quantities,
    is_distinctive,
    is_year,
    missing_claims,
    quantities_in_context,
    spans_and_counts,
    stated_beside,
)
from rag.text import (
    MARKER,
    Span,
    citation_markers,
    contains_phrase,
    normalize_text,
    sentence_spans,
    strip_citation_markers,
    tidy,
    tokenize,
)

MIN_WORD_SUPPORT = 0.5  # share of a sentence's content words its passage must contain
# markers written after the sentence's final punctuation: "... Beijing.[1]" or "... Beijing. [1]"
_TRAILING_MARKERS = re.compile(rf"([.!?…]+[\"'”’)]*)[ \t]*((?:{MARKER}[ \t]*)+)")


@dataclass(frozen=True)
class Citation:
    marker: int
    chunk: Chunk
    quote: str  # the passage of the chunk that backs the first claim citing it
    quote_start: int  # offsets of `quote` in chunk.text
    quote_end: int


@dataclass(frozen=True)
class Checked:
    text: str
    citations: list[Citation]
    abstained: bool
    reason: str  # why it abstained ("" when it did not)
    claims: list[str]  # the kept sentences, without markers
    removed: list[str]  # draft sentences no source backs
    sentences: int  # sentences in the draft


def word_support(claim: str, passage: str, given: str = "") -> float:
    """Share of the claim's content words (and numbers) found in the passage, leaving out the
    words it repeats from `given` (the question: "The most recent full-year figure is $244.8
    billion" answers "What is the most recent full-year figure?" with two words of its own)
    unless it has no others. A number word is found when the passage states its value in any
    form: "five times" is backed by "fifth visit" and "six" by "6" (the numbers' own check,
    `_numbers_in_place`, stays strict)."""
    words = set(tokenize(normalize_text(claim)))
    words = (words - set(tokenize(normalize_text(given)))) or words
    if not words:
        return 1.0
    present = set(tokenize(normalize_text(passage)))
    missing = words - present
    if missing:
        values = {q.value for q in extract_quantities(passage)}
        missing = {w for w in missing if not _number_among(w, values)}
    return (len(words) - len(missing)) / len(words)


def _number_among(word: str, values: set[float]) -> bool:
    found = extract_quantities(word)
    return len(found) == 1 and found[0].value in values


def support(claim: str, chunk: Chunk, given: str = "", article: str = "") -> Span | None:
    """Offsets in chunk.text of the passage that backs the claim best, or None.

    Names and numbers the claim repeats from `given` (the question) need no backing: the user
    supplied them; names and years of the article's title and date are backed by them, which
    the model reads with the passage ("May 9, 2025" from "Friday, May 9" in an article of
    2025-05-09; the date only where the passage states no year of its own), and a relative
    day by the calendar day it means ("September 2" by "on Tuesday" in an article of Thursday
    4 September 2025; rag.dates.with_calendar_days). The claim's other words still must be
    in the passage. A name may also be the long form of one in the passage: "Kim Jong Un" is
    backed by a passage saying "Kim" when the rest of the same `article` (its other passages
    in the prompt) names him in full.

    Numbers must sit beside the claim's words: "4 leaders" is not backed by "26 leaders" in
    one sentence and "fourth summit" in another."""
    spans = sentence_spans(chunk.text) or [(0, len(chunk.text))]
    windows = spans + [(a[0], b[1]) for a, b in pairwise(spans)]
    ages = _ages(strip_citation_markers(claim))
    dated = f"{chunk.title}\n{chunk.date or ''}"  # the model reads them with the passage
    # a count or a length of time the claim states beyond those the question gave
    timed = spans_and_counts(strip_citation_markers(claim)) - spans_and_counts(given)
    best: tuple[float, int, int, int] | None = None
    published = dates.parse_date(chunk.date)
    for start, end in windows:
        text = chunk.text[start:end]
        # the article's date backs a year only where the passage itself states none
        heading = chunk.title if any(map(is_year, extract_quantities(text))) else dated
        passage = dates.with_calendar_days(text, published)
        missing = [
            m
            for m in missing_claims(claim, [passage, heading])
            if not contains_phrase(given, m) and not _long_form(m, claim, passage, article)
        ]
        aged = not ages or ages <= _ages(passage)  # an age is backed only by an age
        # "six times" is not backed by "in six years", nor "38 years" by "38 leaders"
        kinds = timed <= spans_and_counts(passage)
        if missing or not aged or not kinds or not _numbers_in_place(claim, passage):
            continue
        score = word_support(claim, passage, given)
        candidate = (score, start - end, start, end)  # ties go to the shorter passage
        if score >= MIN_WORD_SUPPORT and (best is None or candidate > best):
            best = candidate
    return (best[2], best[3]) if best else None


def _long_form(name: str, claim: str, passage: str, article: str) -> bool:
    """Whether `name` is the article's full form of a name the passage shortens: the article
    holds it, and the passage holds a word of the claim's run of capitalised words around it
    ("Kim" of "Kim Jong Un")."""
    if not article or not contains_phrase(article, name):
        return False
    start = claim.find(name)
    if start < 0:
        return False
    before = re.findall(r"(?:[A-Z][\w'’-]*\s)*$", claim[:start])[0].split()
    return any(contains_phrase(passage, word) for word in [*before, *name.split()])


def _numbers_in_place(claim: str, passage: str) -> bool:
    """Each small whole number written with digits in the claim is stated in one sentence of
    the passage that also holds a word next to the number in the claim ("4 foreign leaders"
    needs a sentence with both 4 and "foreign"; "fourth summit" is not one). A distinctive
    number (a year, a fraction, 10,000 and up) need only be in the passage: its neighbours
    vary ("reached $244.8 billion, which covers 2024" / "rose to $244.8 billion in 2024")."""
    sentences = [normalize_text(passage[a:b]) for a, b in sentence_spans(passage)]
    for quantity, words in quantities_in_context(claim):
        if is_distinctive(quantity):
            continue  # "covers 2024" is backed by "in 2024", "reached $244.8bn" by "rose to" it
        if words and not stated_beside(sentences, quantity, words):
            return False
    return True


# an age: "6 years old", "six-year-old", "aged 6", "age 6", or news style "Kim Ju Ae, 12,"
_AGE = re.compile(
    r"(?P<a>\b[\w-]+)[\s-]+years?[\s-]+old\b|\bage(?:d|\s+of)?\s+(?P<b>[\w-]+)"
    r"|[A-Z][\w'’-]*,\s+(?P<c>\d{1,3}),"
)


def _ages(text: str) -> set[float]:
    """The ages a text states. An age the claim states must be an age in its passage too: "six
    years old" is not backed by "his second trip abroad in six years" (a duration), as a count
    is not backed by a rank."""
    found = set()
    for match in _AGE.finditer(text):
        number = extract_quantities(match["a"] or match["b"] or match["c"])
        if len(number) == 1:
            found.add(number[0].value)
    return found


def _rest_of_article(chunk: Chunk, sources: Sequence[Chunk]) -> str:
    return "\n".join(c.text for c in sources if c.doc_id == chunk.doc_id and c is not chunk)


def _supporters(
    claim: str, cited: set[int], sources: Sequence[Chunk], given: str
) -> dict[int, Span]:
    """The cited sources that back the claim, with their passages; when none does, the one
    source that backs it best."""
    found = {
        m: support(claim, c, given, _rest_of_article(c, sources))
        for m, c in enumerate(sources, start=1)
    }
    backing = {m: span for m, span in found.items() if span and m in cited}
    if backing:
        return backing
    ranked = sorted(
        ((m, span) for m, span in found.items() if span),
        key=lambda item: -word_support(claim, sources[item[0] - 1].text[slice(*item[1])], given),
    )
    return dict(ranked[:1])


_CLAUSE_BREAK = re.compile(r",\s+(?:and|but|while|whereas)\s+|;\s+")
# a run of markers inside a sentence, with text after it: the end of a cited part
_INNER_MARKERS = re.compile(rf"((?:\s*{MARKER})+)(?=\s*[^\s.!?…\[])")


def _parts_supporters(
    sentence: str, claim: str, sources: Sequence[Chunk], given: str
) -> dict[int, Span]:
    """For a sentence made of parts from different passages: the supporters of every part, or
    nothing when any part has none. The parts are the clauses of a compound sentence ("X
    arrived on Tuesday, and Y was forged in the Korean War"), or the stretches the draft itself
    cited apart ("Kim arrived on Tuesday [5] and met Putin on Wednesday [4]."), each held to
    the sources its own markers name first."""
    pieces = _INNER_MARKERS.split(sentence)
    if len(pieces) >= 3:  # text, markers, text, ...
        parts = [
            (tidy(strip_citation_markers(text)), citation_markers(marks))
            for text, marks in zip(pieces[::2], [*pieces[1::2], pieces[-1]], strict=True)
        ]
    else:
        parts = [(clause, citation_markers(sentence)) for clause in _CLAUSE_BREAK.split(claim)]
    parts = [(text, cited) for text, cited in parts if tokenize(text)]
    if len(parts) < 2:
        return {}
    found: dict[int, Span] = {}
    for text, cited in parts:
        backing = _supporters(text, cited, sources, given)
        if not backing:
            return {}
        for marker, span in backing.items():
            found.setdefault(marker, span)
    return found


# a count answered first, then its reason: "Three: the vote was the third cut since 2019"
_COUNT_HEAD = re.compile(r"^([^\s:][^:]{0,30}):\s+\S")
MAX_HEAD_WORDS = 4


def _count_head(claim: str) -> str:
    """The head of a claim that gives a count and then its reason ("Three: …", "Two trips:
    …"), as the worked examples answer a count stated as a rank; "" for any other claim."""
    match = _COUNT_HEAD.match(claim)
    if not match or len(match[1].split()) > MAX_HEAD_WORDS:
        return ""
    head = match[1].strip()
    return head if spans_and_counts(head) else ""


def _head_supporters(
    head: str, cited: set[int], sources: Sequence[Chunk], given: str
) -> dict[int, Span]:
    """The sources the draft cites that back a count's head alone ("Three" by "the third cut"
    as by "three cuts", not by "three years"): when its reason is not in the sources, the
    count still is, but only where the draft itself looked (a bare number is never re-pointed
    to another source)."""
    return {m: span for m, span in _supporters(head, cited, sources, given).items() if m in cited}


def check(draft: str, sources: Sequence[Chunk], not_found: str, question: str = "") -> Checked:
    """Verify each sentence of `draft` against `sources` (marker n is sources[n - 1]); names
    and numbers repeated from `question` need no backing."""
    draft = markers_inside(draft)
    spans = sentence_spans(draft)
    if not spans or normalize_text(not_found) in normalize_text(draft):
        return Checked("", [], True, "the model found no answer in the sources", [], [], len(spans))
    numbering: dict[int, int] = {}  # source number in the prompt -> marker in the answer
    quotes: dict[int, Span] = {}
    kept: list[str] = []
    claims: list[str] = []
    removed: list[str] = []
    for start, end in spans:
        sentence = draft[start:end]
        claim = tidy(strip_citation_markers(sentence))
        if not claim:
            continue
        supporters = _supporters(claim, citation_markers(sentence), sources, question)
        if not supporters:
            supporters = _parts_supporters(sentence, claim, sources, question)
        if not supporters and (head := _count_head(claim)):
            supporters = _head_supporters(head, citation_markers(sentence), sources, question)
            if supporters:  # "Three" kept, its unbacked reason removed
                removed.append(tidy(claim[len(head) :].lstrip(" :")))
                claim = head
        if not supporters:
            removed.append(claim)
            continue
        for m, span in supporters.items():
            numbering.setdefault(m, len(numbering) + 1)
            quotes.setdefault(m, span)
        claims.append(claim)
        kept.append(_with_markers(claim, "".join(f"[{numbering[m]}]" for m in supporters)))
    citations = [
        Citation(new, sources[m - 1], sources[m - 1].text[slice(*quotes[m])], *quotes[m])
        for m, new in numbering.items()
    ]
    reason = "" if kept else "no sentence of the draft is backed by its sources"
    return Checked(" ".join(kept), citations, not kept, reason, claims, removed, len(spans))


def markers_inside(draft: str) -> str:
    """Markers written after a sentence's final punctuation moved before it: "… Beijing.[1]
    Next" → "… Beijing [1]. Next" (so sentences split where the draft means them to)."""
    return _TRAILING_MARKERS.sub(lambda m: f" {m[2].strip()}{m[1]} ", draft)


def cited_sentences(
    text: str, citations: Sequence[Citation]
) -> list[tuple[int, int, list[Citation]]]:
    """Each sentence of a checked answer (its offsets in `text`) with the citations its
    markers name, in marker order."""
    by_marker = {c.marker: c for c in citations}
    return [
        (
            start,
            end,
            [by_marker[m] for m in sorted(citation_markers(text[start:end])) if m in by_marker],
        )
        for start, end in sentence_spans(text)
    ]


def _with_markers(claim: str, marks: str) -> str:
    """Markers go before the final punctuation: "... in Beijing [1]."."""
    if re.search(r"[.!?…][\"'”’)\]]+$", claim):  # ends inside a quotation: marks after it
        return f"{claim} {marks}"
    if claim[-1] in ".!?":
        return f"{claim[:-1].rstrip()} {marks}{claim[-1]}"
    return f"{claim} {marks}."
