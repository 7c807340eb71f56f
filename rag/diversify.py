"""Keeps one copy of a repeated story among the retrieved candidates, then picks a diverse set.

Near duplicates: two passages whose content-word 5-gram sets overlap by the threshold
(Jaccard; setting `near_duplicate`) or more say the same thing (a syndicated copy, an updated
version of one story); the better ranked one stays and the others become its `copies`.
Jaccard is computed exactly: over the few dozen candidates of one query that is cheaper than
MinHash, which only estimates it; the shingles of the passages seen last are kept between
queries (the same passages come back while the store is unchanged).
Selection: maximal marginal relevance (Carbonell & Goldstein, 1998) over the fused ranking,
trading relevance (fused score, scaled to [0, 1]) against the highest cosine similarity to a
passage already picked (one matrix product of the candidates' vectors, each passage's highest
similarity updated as passages are picked).
Knows nothing about Chroma, models or prompts: ids, texts and vectors.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence, Set

import numpy as np

from rag.text import normalize_text, tokenize

SHINGLE = 5


def shingles(text: str) -> set[tuple[str, ...]]:
    words = tokenize(normalize_text(text))
    if len(words) < SHINGLE:
        return {tuple(words)} if words else set()
    return {tuple(words[i : i + SHINGLE]) for i in range(len(words) - SHINGLE + 1)}


_SEEN: dict[str, frozenset[tuple[str, ...]]] = {}  # text: its shingles, the latest CACHED
CACHED = 2048
_SEEN_LOCK = threading.Lock()


def _shingles_of(text: str) -> frozenset[tuple[str, ...]]:
    """`shingles(text)`, kept for the texts seen last (the same passages come back query
    after query while the store is unchanged)."""
    with _SEEN_LOCK:
        found = _SEEN.get(text)
    if found is None:
        found = frozenset(shingles(text))
        with _SEEN_LOCK:
            _SEEN[text] = found
            while len(_SEEN) > CACHED:
                del _SEEN[next(iter(_SEEN))]
    return found


def jaccard(a: Set[tuple[str, ...]], b: Set[tuple[str, ...]]) -> float:
    shared = len(a & b)  # the union is counted, not built
    return shared / (len(a) + len(b) - shared) if a or b else 0.0


def group_copies(
    ranked: Sequence[str], texts: Mapping[str, str], threshold: float
) -> dict[str, list[str]]:
    """Each kept id (in rank order) with the ids of its near-duplicate copies, best first: an
    id joins the first kept one it overlaps by `threshold` or more (none above 1, which no
    Jaccard reaches)."""
    if threshold > 1:
        return {item: [] for item in ranked}
    sets = {i: _shingles_of(texts[i]) for i in ranked}
    groups: dict[str, list[str]] = {}
    for item in ranked:
        keeper = next((k for k in groups if jaccard(sets[k], sets[item]) >= threshold), None)
        if keeper is None:
            groups[item] = []
        else:
            groups[keeper].append(item)
    return groups


def mmr(
    ranked: Sequence[tuple[str, float]],
    vectors: Mapping[str, Sequence[float]],
    k: int,
    weight: float,
) -> list[str]:
    """The k ids maximal marginal relevance picks from (id, score) pairs, best first;
    `weight` 1 keeps the ranking, lower values favour passages unlike those already picked."""
    if not ranked:
        return []
    top = max(score for _, score in ranked)
    ids = [i for i, _ in ranked]
    relevance = [score / top if top > 0 else 0.0 for _, score in ranked]
    matrix = np.asarray([vectors[i] for i in ids], dtype=float)
    similarities = matrix @ matrix.T
    redundancy = np.zeros(len(ids))  # the highest similarity to a picked one (0: none picked)
    picked: list[int] = []
    left = list(range(len(ids)))
    while left and len(picked) < k:
        # ties keep rank order: max returns the first maximum
        best = max(left, key=lambda j: weight * relevance[j] - (1 - weight) * redundancy[j])
        redundancy = (
            similarities[:, best] if not picked else np.maximum(redundancy, similarities[:, best])
        )
        picked.append(best)
        left.remove(best)
    return [ids[j] for j in picked]
