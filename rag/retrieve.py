"""Finds the passages that answer a query: dense (Chroma) and keyword (BM25) rankings fused by
reciprocal rank, so a chunk either ranking finds can surface. A query naming a period ("in
September 2025") or asking for the latest news adds a third ranking by publication date
(rag.dates), so articles from that period, or the newest ones, rise. Near-duplicate passages
(syndicated copies) are folded into the best-ranked one, and the final `top_k` are picked by
maximal marginal relevance (rag.diversify) so one story does not crowd out the others.

`Hit.score` is the fused RRF score (what the ranking used); `Hit.similarity` is the cosine
similarity of the chunk to the query (what relevance thresholds use), computed for every hit.
The store's revision is read once a query and handed to every stage that reads the store, so
they all see one store. Knows nothing about prompts or models.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from rag import dates, diversify
from rag.chunk import Chunk
from rag.config import Settings
from rag.embed import similarity
from rag.keyword_index import KeywordIndex
from rag.store import Store


@dataclass(frozen=True)
class Hit:
    chunk: Chunk
    rank: int  # 1-based
    score: float  # reciprocal-rank-fusion score
    similarity: float  # cosine similarity to the query
    copies: tuple[Chunk, ...] = ()  # near-duplicate passages folded into this one


def fuse(rankings: list[list[str]], k: int = 60) -> list[tuple[str, float]]:
    """Reciprocal rank fusion: each id scores sum(1 / (k + rank)) over the rankings holding it.
    Ties keep the order of first appearance."""
    scores: dict[str, float] = {}
    for ranking in rankings:
        for rank, item in enumerate(ranking, start=1):
            scores[item] = scores.get(item, 0.0) + 1.0 / (k + rank)
    return sorted(scores.items(), key=lambda kv: -kv[1])


class Retriever:
    """Hybrid retrieval over one store; the keyword index (on disk, in the store's
    `keyword_dir`) follows the store's revision, taking in only the articles that changed."""

    def __init__(self, store: Store, settings: Settings | None = None) -> None:
        self.store = store
        self.settings = settings or store.settings  # retrieval knobs (benchmarks vary them)
        self._lock = threading.Lock()
        self._keyword: KeywordIndex | None = None

    def keyword_index(self, revision: str | None = None) -> KeywordIndex:
        """The keyword index at the store's `revision` (read here when not given)."""
        revision = self.store.revision if revision is None else revision
        with self._lock:
            if self._keyword is None:
                self._keyword = KeywordIndex(self.store.keyword_dir)
            index = self._keyword
        index.follow(revision, self.store.complete_versions, self.store.chunks_of_versions)
        return index

    def retrieve(self, query: str, top_k: int | None = None) -> list[Hit]:
        settings = self.settings
        top_k = top_k or settings.top_k
        revision = self.store.revision  # read once: every stage sees the same store
        vector = self.store.embedder.encode([query])[0]
        dense = self.store.search(vector, settings.candidates, revision)
        keyword = self.keyword_index(revision).search(query, settings.candidates)
        chunks = {c.chunk_id: c for c, _ in [*dense, *keyword]}
        rankings = [[c.chunk_id for c, _ in dense], [c.chunk_id for c, _ in keyword]]
        candidates = [(i, dates.parse_date(chunks[i].date)) for i, _ in fuse(rankings)]
        if favoured := dates.favoured(candidates, dates.time_frame(query)):
            rankings.append(favoured)  # the period the question names, or the newest first
        fused = fuse(rankings, settings.rrf_k)
        texts = {i: c.text for i, c in chunks.items()}
        copies = diversify.group_copies([i for i, _ in fused], texts, settings.near_duplicate)
        kept = [(i, score) for i, score in fused if i in copies]
        vectors = self.store.vectors([i for i, _ in kept], revision)
        picked = diversify.mmr(kept, vectors, top_k, settings.mmr_weight)
        scores = dict(kept)
        return [
            Hit(
                chunk=chunks[cid],
                rank=rank,
                score=scores[cid],
                similarity=similarity(vector, vectors[cid].tolist()),  # in float64, as stored
                copies=tuple(chunks[c] for c in copies[cid]),
            )
            for rank, cid in enumerate(picked, start=1)
        ]
