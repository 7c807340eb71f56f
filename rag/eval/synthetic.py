"""A synthetic news-like corpus for measurements at scale: seeded and reproducible.

Contract: `chunks(n, seed)` yields the same `n` chunks for the same seed, about `chars`
characters each, in articles of a few chunks: sentences of Zipf-distributed words from a fixed
vocabulary, with names, places, figures, months and years mixed in, so keyword statistics look
like news (a few very common words, a long tail of rare ones, numbers that stay one token).
`queries(n, seed)` gives keyword queries over the same vocabulary (two to five words, often a
name). `unit_vectors(n, dim, seed)` gives random unit vectors, the stand-in for embeddings where
encoding would take hours. Part of the evaluation side: the product never imports it.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from itertools import accumulate

import numpy as np

from rag.chunk import Chunk

VOCABULARY = 30_000
_ONSETS = ["b", "c", "d", "f", "g", "h", "k", "l", "m", "n", "p", "r", "s", "t", "v", "tr", "st"]
_VOWELS = ["a", "e", "i", "o", "u", "ai", "ou", "ea"]
_FILLERS = ["the", "of", "and", "to", "in", "a", "said", "on", "for", "with", "at", "by"]
_MONTHS = ["January", "March", "May", "June", "September", "October", "December"]


def _word(rng: random.Random) -> str:
    return "".join(rng.choice(_ONSETS) + rng.choice(_VOWELS) for _ in range(rng.randint(1, 4)))


class _Writer:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.words = [_word(self.rng) for _ in range(VOCABULARY)]
        self.names = [w.capitalize() for w in self.words[: VOCABULARY // 10]]
        self.zipf = list(accumulate(1 / (rank + 1) for rank in range(VOCABULARY)))

    def sentence(self) -> str:
        rng = self.rng
        words = rng.choices(self.words, cum_weights=self.zipf, k=rng.randint(8, 18))
        words += rng.choices(_FILLERS, k=len(words) // 2)
        rng.shuffle(words)
        extra = rng.choice(
            [
                f"{rng.choice(self.names)} {rng.choice(self.names)}",
                f"{rng.randint(2, 950)} {rng.choice(['million', 'billion', 'per cent'])}",
                f"{rng.choice(_MONTHS)} {rng.randint(1, 28)}, {rng.randint(1990, 2026)}",
                f"{rng.randint(1, 99)}.{rng.randint(0, 99):02d}",
            ]
        )
        words.insert(rng.randrange(len(words)), extra)
        return " ".join(words).capitalize() + "."

    def text(self, chars: int) -> str:
        sentences: list[str] = []
        while sum(len(s) + 1 for s in sentences) < chars:
            sentences.append(self.sentence())
        return " ".join(sentences)[:chars]


def chunks(n: int, seed: int = 0, chars: int = 600) -> Iterator[Chunk]:
    """`n` chunks of about `chars` characters, 1 to 6 to an article, dated 1990-2026."""
    writer = _Writer(seed)
    rng = writer.rng
    made, article = 0, 0
    while made < n:
        size = min(rng.randint(1, 6), n - made)
        doc_id = f"synthetic-{article:07d}"
        title = " ".join(rng.choice(writer.names) for _ in range(rng.randint(3, 7)))
        date = f"{rng.randint(1990, 2026)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        for position in range(size):
            text = writer.text(chars)
            start = position * chars
            yield Chunk(
                f"{doc_id}:{position}",
                doc_id,
                title,
                date,
                position,
                start,
                start + len(text),
                text,
            )
        made += size
        article += 1


def queries(n: int, seed: int = 0) -> list[str]:
    """`n` queries of the words `chunks(..., seed)` is written in."""
    writer = _Writer(seed)
    rng = random.Random(seed + 1)
    made = []
    for _ in range(n):
        words = rng.choices(writer.words, cum_weights=writer.zipf, k=rng.randint(2, 5))
        if rng.random() < 0.5:
            words.append(rng.choice(writer.names))
        made.append(" ".join(words))
    return made


def unit_vectors(n: int, dim: int, seed: int = 0) -> np.ndarray:
    """`n` random unit vectors of `dim` dimensions (Gaussian, normalised), as float32 rows."""
    vectors = np.random.default_rng(seed).standard_normal((n, dim), dtype=np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
