"""BM25 keyword ranking over chunks (bm25s), so exact names and numbers are found even when
embeddings miss them.

Tokens are rag.text's: numbers stay whole ("1.05", "2025", "33"), stop words are dropped.
Knows nothing about Chroma or embeddings: it ranks the chunks it is given.
"""

from __future__ import annotations

from rag.chunk import Chunk
from rag.text import tokenize


class KeywordIndex:
    """BM25 over a fixed list of chunks."""

    def __init__(self, chunks: list[Chunk]) -> None:
        import bm25s

        self.chunks = chunks
        self._bm25 = bm25s.BM25()
        if chunks:
            self._bm25.index(
                [tokenize(f"{c.title}\n{c.text}") or ["∅"] for c in chunks], show_progress=False
            )

    def search(self, query: str, n: int) -> list[tuple[Chunk, float]]:
        """Up to `n` chunks sharing at least one term with `query`, best first."""
        terms = tokenize(query)
        if not terms or not self.chunks:
            return []
        scores = self._bm25.get_scores(terms)
        order = sorted(range(len(self.chunks)), key=lambda i: (-scores[i], i))
        return [(self.chunks[i], float(scores[i])) for i in order[:n] if scores[i] > 0]
