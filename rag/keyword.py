"""BM25 keyword ranking over chunks (bm25s), so exact names and numbers are found even when
embeddings miss them.

Tokens keep numbers whole ("1.05", "2025", "33") and drop common English stop words.
Knows nothing about Chroma or embeddings: it ranks the chunks it is given.
"""

from __future__ import annotations

import re

from rag.chunk import Chunk

_TOKEN = re.compile(r"\d+(?:[.,]\d+)*|[^\W\d_]+", re.UNICODE)
STOP_WORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "been",
        "but",
        "by",
        "did",
        "do",
        "does",
        "for",
        "from",
        "had",
        "has",
        "have",
        "he",
        "her",
        "his",
        "how",
        "i",
        "in",
        "is",
        "it",
        "its",
        "of",
        "on",
        "or",
        "s",
        "she",
        "so",
        "t",
        "that",
        "the",
        "their",
        "them",
        "they",
        "this",
        "to",
        "was",
        "were",
        "what",
        "when",
        "where",
        "which",
        "who",
        "whom",
        "why",
        "will",
        "with",
        "would",
        "you",
    ]
)


def tokenize(text: str) -> list[str]:
    """Lower-cased word and number tokens, stop words removed ("1,050" stays one token)."""
    return [t for t in _TOKEN.findall(text.lower()) if t not in STOP_WORDS]


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
