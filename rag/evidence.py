"""Picks the evidence sentences the model reads: the sentences of the retrieved passages
closest to the question, instead of whole passages.

Contract: `select(query, hits, embedder, n)` scores every sentence of `hits` by its embedder
similarity to the query and by the query words it holds (fused by reciprocal rank, the way
retrieval fuses passages), keeps the best `n`, and returns them as hits on sub-passages:
each is a `Chunk` with its parent passage's id, article and position, covering one sentence
(or adjacent kept sentences joined), with offsets into the article, so a quote stays exact.
Returned in score order; `n <= 0` returns the hits unchanged. `new_to` keeps those a
follow-up has not already shown. `sub_hit` makes such a hit of sentences of a passage; a
`Chooser` is any function of `select`'s shape (the answerer takes one).
A model reads a few sentences several times faster than whole passages (prompt reading is
most of the time to the first token on a CPU), and with less beside the answer it copies less
of the neighbouring text.
Knows nothing about prompts, models or Chroma.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence

from rag.chunk import Chunk
from rag.embed import Embedder, similarity
from rag.retrieve import Hit, fuse
from rag.text import sentence_spans, tokenize

Chooser = Callable[[str, Sequence[Hit], Embedder, int], list[Hit]]


@dataclasses.dataclass(frozen=True)
class Sentence:
    hit: Hit
    start: int  # offsets in hit.chunk.text
    end: int

    @property
    def text(self) -> str:
        return self.hit.chunk.text[self.start : self.end]


def select(query: str, hits: Sequence[Hit], embedder: Embedder, n: int) -> list[Hit]:
    if n <= 0 or not hits:
        return list(hits)
    sentences, seen = [], set()
    for hit in hits:  # a sentence that overlapping passages share is scored once
        for a, b in sentence_spans(hit.chunk.text):
            if (key := (hit.chunk.doc_id, hit.chunk.start + a)) not in seen:
                seen.add(key)
                sentences.append(Sentence(hit, a, b))
    if len(sentences) <= n:
        return list(hits)
    query_vector, *vectors = embedder.encode([query, *(s.text for s in sentences)])
    dense = [similarity(query_vector, v) for v in vectors]
    words = set(tokenize(query))
    overlap = [len(words & set(tokenize(s.text))) for s in sentences]
    by_dense = sorted(range(len(sentences)), key=lambda i: -dense[i])
    by_words = sorted((i for i in range(len(sentences)) if overlap[i]), key=lambda i: -overlap[i])
    ranked = [int(i) for i, _ in fuse([[str(i) for i in by_dense], [str(i) for i in by_words]])]
    kept = sorted(ranked[:n])  # in passage order, to join neighbours
    best = {i: rank for rank, i in enumerate(ranked)}
    groups: list[list[int]] = []
    for i in kept:
        previous = groups[-1][-1] if groups else None
        if previous is not None and _adjacent(sentences[previous], sentences[i]):
            groups[-1].append(i)
        else:
            groups.append([i])
    groups.sort(key=lambda group: min(best[i] for i in group))
    return [
        sub_hit(sentences[g[0]], sentences[g[-1]], max(dense[i] for i in g), rank)
        for rank, g in enumerate(groups, start=1)
    ]


def new_to(shown: Sequence[Chunk], hits: Sequence[Hit]) -> list[Hit]:
    """The hits that overlap none of the passages already shown (same article, overlapping
    offsets), in their order."""
    return [
        h
        for h in hits
        if not any(
            c.doc_id == h.chunk.doc_id and c.start < h.chunk.end and h.chunk.start < c.end
            for c in shown
        )
    ]


def _adjacent(a: Sentence, b: Sentence) -> bool:
    """Whether b is the sentence right after a in the same passage."""
    if a.hit is not b.hit:
        return False
    return not a.hit.chunk.text[a.end : b.start].strip()


def sub_hit(first: Sentence, last: Sentence, closeness: float, rank: int) -> Hit:
    """The hit on `first` to `last` (sentences of one passage, in order), offsets exact."""
    chunk = first.hit.chunk
    part = Chunk(
        chunk_id=chunk.chunk_id,
        doc_id=chunk.doc_id,
        title=chunk.title,
        date=chunk.date,
        position=chunk.position,
        start=chunk.start + first.start,
        end=chunk.start + last.end,
        text=chunk.text[first.start : last.end],
        source=chunk.source,
        url=chunk.url,
    )
    return dataclasses.replace(first.hit, chunk=part, rank=rank, similarity=closeness)
