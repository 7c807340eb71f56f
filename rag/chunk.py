"""Splits articles into overlapping chunks that end on sentence boundaries.

Every chunk keeps its character offsets into `Article.text` (`text == article.text[start:end]`)
and carries the article's doc_id, title, date and its position. Chunk ids are deterministic
(`<doc_id>:<position>`), so re-ingesting the same article yields the same ids.
Knows nothing about embeddings or Chroma.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rag.articles import Article

# Abbreviations after which a period does not end a sentence.
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
        "jan",
        "feb",
        "mar",
        "apr",
        "jun",
        "jul",
        "aug",
        "sep",
        "sept",
        "oct",
        "nov",
        "dec",
        "u.s",
        "u.k",
        "u.n",
        "e.g",
        "i.e",
        "a.m",
        "p.m",
    ]
)
_END = re.compile(r"""[.!?…]+["'”’)\]]*(?=\s+["'“‘(\[]?[A-Z0-9])""")
_WORD_BEFORE = re.compile(r"([\w.]+)$")


@dataclass(frozen=True)
class Chunk:
    chunk_id: str
    doc_id: str
    title: str
    date: str | None
    position: int
    start: int
    end: int
    text: str
    source: str | None = None
    url: str | None = None


def _is_abbreviation(text: str, period_at: int) -> bool:
    word = _WORD_BEFORE.search(text, 0, period_at)
    if not word:
        return False
    token = word.group(1).lower().rstrip(".")
    return token in _ABBREVIATIONS or (len(token) == 1 and token.isalpha())


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) offsets of the sentences in `text`, whitespace trimmed.

    Lines are hard boundaries (news text puts paragraphs, captions and bullets on lines
    of their own); inside a line, a sentence ends at . ! ? (and closing quotes) before an
    upper-case letter or digit, unless the period ends a known abbreviation or an initial.
    """
    spans: list[tuple[int, int]] = []
    for line in re.finditer(r"[^\n]+", text):
        cursor = line.start()
        for end in _END.finditer(text, line.start(), line.end()):
            if end.group().startswith(".") and _is_abbreviation(text, end.start()):
                continue
            spans.append((cursor, end.end()))
            cursor = end.end()
        spans.append((cursor, line.end()))
    return [trimmed for span in spans if (trimmed := _trim(text, *span))]


def _trim(text: str, start: int, end: int) -> tuple[int, int] | None:
    piece = text[start:end]
    stripped = piece.strip()
    if not stripped:
        return None
    lead = len(piece) - len(piece.lstrip())
    return start + lead, start + lead + len(stripped)


def split_article(article: Article, max_chars: int = 600, overlap: int = 1) -> list[Chunk]:
    """Greedy packing of whole sentences up to `max_chars` (a longer sentence stands alone),
    each chunk starting with the last `overlap` sentences of the previous one."""
    if max_chars < 1 or overlap < 0:
        raise ValueError("max_chars must be positive and overlap non-negative")
    groups: list[list[tuple[int, int]]] = []
    current: list[tuple[int, int]] = []
    fresh = 0  # sentences in `current` that the previous chunk does not hold
    for span in sentence_spans(article.text):
        if fresh and span[1] - current[0][0] > max_chars:
            groups.append(current)
            carried = current[-overlap:] if overlap else []
            current = [s for s in carried if span[1] - s[0] <= max_chars]
            fresh = 0
        current.append(span)
        fresh += 1
    if fresh:
        groups.append(current)
    return [_make_chunk(article, position, group) for position, group in enumerate(groups)]


def _make_chunk(article: Article, position: int, group: list[tuple[int, int]]) -> Chunk:
    start, end = group[0][0], group[-1][1]
    return Chunk(
        chunk_id=f"{article.doc_id}:{position}",
        doc_id=article.doc_id,
        title=article.title,
        date=article.date,
        position=position,
        start=start,
        end=end,
        text=article.text[start:end],
        source=article.source,
        url=article.url,
    )
