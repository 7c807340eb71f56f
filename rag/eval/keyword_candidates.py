"""The keyword index candidates side by side on synthetic chunks: bm25s saved and memory-mapped,
SQLite FTS5 (`bm25()`, `ORDER BY rank LIMIT k`), and rag.keyword_index (SQLite rows and
memory-mapped postings, followed article by article).

Contract: `measure(n)` builds each from the same `n` chunks of rag.eval.synthetic (tokens from
rag.text for all three, so FTS5 sees the same terms), then times opening it afresh and the
top 20 of 200 synthetic queries; returns one row a candidate: build s, load s, search p50 and
p95 ms, MB on disk. Needs the `bench` extra (bm25s). Part of the evaluation side.
"""

from __future__ import annotations

import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from rag.chunk import Chunk
from rag.eval import synthetic
from rag.keyword_index import KeywordIndex
from rag.text import tokenize

TOP = 20
Searcher = Callable[[str], object]


def _terms(chunk: Chunk) -> list[str]:
    return tokenize(f"{chunk.title}\n{chunk.text}")


def _bm25s(chunks: list[Chunk], folder: Path) -> Callable[[], Searcher]:
    import bm25s
    import numpy as np

    model = bm25s.BM25()
    model.index([_terms(c) or ["∅"] for c in chunks], show_progress=False)
    model.save(str(folder / "bm25s"))

    def opened() -> Searcher:
        loaded = bm25s.BM25.load(str(folder / "bm25s"), mmap=True)

        def search(query: str) -> object:
            terms = [t for t in tokenize(query) if t in loaded.vocab_dict]
            if not terms:
                return []
            scores = loaded.get_scores(terms)
            k = min(TOP, len(scores))
            best = np.argpartition(-scores, k - 1)[:k]
            return best[np.argsort(-scores[best], kind="stable")]

        return search

    return opened


def _fts5(chunks: list[Chunk], folder: Path) -> Callable[[], Searcher]:
    path = folder / "fts5.sqlite3"
    with sqlite3.connect(path) as db:
        db.execute(
            "CREATE VIRTUAL TABLE fts USING fts5(terms, "
            "tokenize=\"unicode61 remove_diacritics 0 tokenchars '.,'\")"
        )
        rows = ((i, " ".join(_terms(c))) for i, c in enumerate(chunks))
        db.executemany("INSERT INTO fts(rowid, terms) VALUES (?, ?)", rows)
        db.execute("INSERT INTO fts(fts) VALUES ('optimize')")
    db.close()

    def opened() -> Searcher:
        db = sqlite3.connect(path)
        db.execute("SELECT count(*) FROM fts").fetchone()

        def search(query: str) -> object:
            match = " OR ".join(f'"{t}"' for t in tokenize(query))
            sql = "SELECT rowid, bm25(fts) FROM fts WHERE fts MATCH ? ORDER BY rank LIMIT ?"
            return db.execute(sql, (match, TOP)).fetchall() if match else []

        return search

    return opened


def _ours(chunks: list[Chunk], folder: Path) -> Callable[[], Searcher]:
    index = KeywordIndex(folder / "ours")
    versions = {(c.doc_id, "1") for c in chunks}
    index.follow("1", lambda: versions, lambda wanted: (("1", c) for c in chunks))
    index.merge()

    def opened() -> Searcher:
        again = KeywordIndex(folder / "ours")
        return lambda query: again.search(query, TOP)

    return opened


CANDIDATES = {
    "bm25s, saved and memory-mapped": _bm25s,
    "SQLite FTS5, bm25() ORDER BY rank LIMIT 20": _fts5,
    "rag.keyword_index (SQLite + memory-mapped postings)": _ours,
}


def measure(n: int) -> list[dict[str, object]]:
    chunks = list(synthetic.chunks(n, seed=1))
    queries = synthetic.queries(200, seed=1)
    rows: list[dict[str, object]] = []
    for name, build in CANDIDATES.items():
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            start = time.perf_counter()
            opener = build(chunks, folder)
            built = time.perf_counter() - start
            start = time.perf_counter()
            search = opener()
            loaded = time.perf_counter() - start
            times = []
            for query in queries:
                start = time.perf_counter()
                search(query)
                times.append((time.perf_counter() - start) * 1000)
            times.sort()
            disk = sum(f.stat().st_size for f in folder.rglob("*") if f.is_file()) / 1e6
            rows.append(
                {
                    "index": name,
                    "chunks": n,
                    "build_s": round(built, 2),
                    "load_s": round(loaded, 3),
                    "p50_ms": round(statistics.median(times), 2),
                    "p95_ms": round(times[int(0.95 * (len(times) - 1))], 2),
                    "disk_mb": round(disk, 1),
                }
            )
    return rows
