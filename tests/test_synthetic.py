"""The synthetic corpus of the scale benchmark (rag.eval.synthetic): reproducible and news-like."""

from __future__ import annotations

import numpy as np

from rag.eval import synthetic
from rag.text import tokenize


def test_the_same_seed_gives_the_same_chunks() -> None:
    assert list(synthetic.chunks(50, seed=3)) == list(synthetic.chunks(50, seed=3))
    assert list(synthetic.chunks(50, seed=3)) != list(synthetic.chunks(50, seed=4))


def test_chunks_are_600_characters_in_articles_of_a_few() -> None:
    chunks = list(synthetic.chunks(300))
    assert len(chunks) == 300 and len({c.chunk_id for c in chunks}) == 300
    assert all(590 <= len(c.text) <= 600 for c in chunks)
    articles = {c.doc_id for c in chunks}
    assert 300 / 6 <= len(articles) < 300


def test_queries_use_the_corpus_words() -> None:
    words = {t for c in synthetic.chunks(300) for t in tokenize(c.text)}
    for query in synthetic.queries(20):
        assert set(tokenize(query)) & words


def test_unit_vectors() -> None:
    vectors = synthetic.unit_vectors(10, 384, seed=1)
    assert vectors.shape == (10, 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert np.array_equal(vectors, synthetic.unit_vectors(10, 384, seed=1))
