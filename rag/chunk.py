"""Splits articles into overlapping chunks of at most `max_chars` characters that end on
sentence boundaries; a sentence longer than that (run-on text, CJK without full stops, a
one-line record) is first cut into pieces of half that size, between words when it has any.

Every chunk keeps its character offsets into `Article.text` (`text == article.text[start:end]`)
and carries the article's doc_id, title, date and its position. Chunk ids are deterministic
(`<doc_id>:<position>`), so re-ingesting the same article yields the same ids. `head` gives the
start of a chunk (same id, offsets still into the article) for a prompt that cannot hold it all.
Knows nothing about embeddings or Chroma.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, replace

from rag.articles import Article
from rag.text import Span, sentence_spans

_SPACE = re.compile(r"\s+")


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
    """Greedy packing of whole `pieces` (sentences, or parts of a longer one) up to
    `max_chars`, each chunk starting with the last `overlap` pieces of the previous one."""
    if max_chars < 1 or overlap < 0:
        raise ValueError("max_chars must be positive and overlap non-negative")
    groups: list[list[Span]] = []
    current: list[Span] = []
    fresh = 0  # sentences in `current` that the previous chunk does not hold
    for span in pieces(article.text, max_chars):
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


def pieces(text: str, max_chars: int) -> list[Span]:
    """What chunks are packed from: the sentences of `text`, each one longer than `max_chars`
    cut into pieces of at most `max_chars // 2` (so that two fit in one chunk)."""
    size = max(1, max_chars // 2)
    return [
        piece
        for sentence in sentence_spans(text)
        for piece in (
            [sentence] if sentence[1] - sentence[0] <= max_chars else _cut(text, sentence, size)
        )
    ]


def _cut(text: str, span: Span, size: int) -> Iterator[Span]:
    """`span` in pieces of at most `size` characters: cut at the last whitespace that allows,
    else after `size` characters (text without spaces)."""
    start, end = span
    while end - start > size:
        gaps = list(_SPACE.finditer(text, start + 1, start + size + 1))
        if gaps:
            yield start, gaps[-1].start()
            start = _SPACE.match(text, gaps[-1].start()).end()  # type: ignore[union-attr]
        else:
            yield start, start + size
            start += size
    yield start, end


def head(chunk: Chunk, share: float) -> Chunk:
    """The first `share` of a chunk's text, cut between words when it has any (at least one
    character)."""
    _, end = next(_cut(chunk.text, (0, len(chunk.text)), max(1, int(len(chunk.text) * share))))
    return replace(chunk, end=chunk.start + end, text=chunk.text[:end])


def chunk_id(doc_id: str, position: int) -> str:
    """The id of an article's chunk at `position` (0 to its chunk count - 1)."""
    return f"{doc_id}:{position}"


def _make_chunk(article: Article, position: int, group: list[Span]) -> Chunk:
    start, end = group[0][0], group[-1][1]
    return Chunk(
        chunk_id=chunk_id(article.doc_id, position),
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
