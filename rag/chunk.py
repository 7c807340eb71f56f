"""Splits articles into overlapping chunks that end on sentence boundaries.

Every chunk keeps its character offsets into `Article.text` (`text == article.text[start:end]`)
and carries the article's doc_id, title, date and its position. Chunk ids are deterministic
(`<doc_id>:<position>`), so re-ingesting the same article yields the same ids.
Knows nothing about embeddings or Chroma.
"""

from __future__ import annotations

from dataclasses import dataclass

from rag.articles import Article
from rag.text import Span, sentence_spans


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


def split_article(article: Article, max_chars: int = 600, overlap: int = 1) -> list[Chunk]:
    """Greedy packing of whole sentences up to `max_chars` (a longer sentence stands alone),
    each chunk starting with the last `overlap` sentences of the previous one."""
    if max_chars < 1 or overlap < 0:
        raise ValueError("max_chars must be positive and overlap non-negative")
    groups: list[list[Span]] = []
    current: list[Span] = []
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


def _make_chunk(article: Article, position: int, group: list[Span]) -> Chunk:
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
