"""A frozen, memory-mapped inverted index: for each term, the rows holding it and how often.

Contract: `Postings.build(rows, folder)` writes `terms.json` and three .npy arrays (per-term
offsets, rows, counts) plus `lengths.npy` (tokens per row, -1 where there is none) into a new
`folder`, whole before it returns, so the caller publishes it only once written;
`Postings.load(folder)` maps the arrays (no copy: opening costs reading the term list). It
never changes;
rag.keyword_index keeps the rows written since beside it and rebuilds it when they grow.
Knows nothing about chunks, SQLite or Chroma.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

import numpy as np


class Postings:
    def __init__(
        self,
        terms: dict[str, int],
        offsets: np.ndarray,
        rows: np.ndarray,
        counts: np.ndarray,
        lengths: np.ndarray,
    ) -> None:
        self.terms = terms
        self.offsets = offsets
        self.rows = rows
        self.counts = counts
        self.lengths = lengths  # indexed by row

    @classmethod
    def empty(cls) -> Postings:
        none = np.zeros(0, dtype=np.int64)
        return cls({}, np.zeros(1, dtype=np.int64), none, none.astype(np.int32), none)

    @classmethod
    def build(cls, rows: Iterable[tuple[int, dict[str, int]]], folder: Path) -> Postings:
        """From (row, {term: count}) pairs, written into `folder` (which must not exist)."""
        terms: dict[str, int] = {}
        term_ids: list[int] = []
        at: list[int] = []
        counts: list[int] = []
        lengths: dict[int, int] = {}
        for row, held in rows:
            ids = [terms.setdefault(term, len(terms)) for term in held]
            term_ids += ids
            at += [row] * len(ids)
            counts += held.values()
            lengths[row] = sum(held.values())
        order = np.argsort(np.array(term_ids, dtype=np.int64), kind="stable")
        sizes = np.bincount(np.array(term_ids, dtype=np.int64), minlength=len(terms))
        offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
        length_of = np.full(max(lengths, default=-1) + 1, -1, dtype=np.int64)  # -1: no row
        length_of[list(lengths)] = list(lengths.values())
        built = cls(
            terms,
            offsets,
            np.array(at, dtype=np.int64)[order],
            np.array(counts, dtype=np.int32)[order],
            length_of,
        )
        folder.mkdir(parents=True)
        for name in ("offsets", "rows", "counts", "lengths"):
            np.save(folder / f"{name}.npy", getattr(built, name))
        (folder / "terms.json").write_text(json.dumps(terms), encoding="utf-8")
        return built

    @classmethod
    def load(cls, folder: Path) -> Postings:
        arrays = [np.load(folder / f"{n}.npy", mmap_mode="r") for n in ("offsets", "rows")]
        arrays += [np.load(folder / f"{n}.npy", mmap_mode="r") for n in ("counts", "lengths")]
        terms = json.loads((folder / "terms.json").read_text(encoding="utf-8"))
        return cls(terms, *arrays)

    def of(self, term: str) -> tuple[np.ndarray, np.ndarray]:
        """The rows holding `term` and its count in each."""
        i = self.terms.get(term)
        if i is None:
            return self.rows[:0], self.counts[:0]
        start, end = int(self.offsets[i]), int(self.offsets[i + 1])
        return self.rows[start:end], self.counts[start:end]
