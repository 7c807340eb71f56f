"""BM25 keyword ranking over chunks, kept on disk and updated article by article, so exact names
and numbers are found even when embeddings miss them.

Contract: tokens are rag.text's (numbers stay whole, stop words dropped) over a chunk's title
and text; scores are BM25 as bm25s computed them ("lucene": k1 1.5, b 0.75, idf
log(1 + (N - df + 0.5) / (df + 0.5))), so only chunks sharing a term with the query score
above 0, and equal scores keep the order chunks were added in. A folder holds one SQLite file
(each chunk, its article's version and its term counts, and the store revision it mirrors) and
a frozen memory-mapped `Postings` of most rows (opening reads no row of them when none was
deleted since); rows added since are held in memory and folded in by `merge` when they grow
to a quarter of it. `follow` brings it to a store revision in one SQLite transaction: the
articles whose complete versions differ are deleted and added, and the revision is recorded
only with them, so a crash leaves it at the old revision, to be followed again. Several
processes may share the folder: each sees the others' updates at its next search. Top k is
selected without sorting every score. Knows nothing about Chroma.
"""

from __future__ import annotations

import json
import math
import shutil
import sqlite3
import threading
import uuid
from collections import Counter
from collections.abc import Callable, Collection, Iterable
from pathlib import Path

import numpy as np

from rag.chunk import Chunk
from rag.postings import Postings
from rag.text import tokenize

Version = tuple[str, str]  # (doc_id, version)
K1, B = 1.5, 0.75
FORMAT = "1"
MERGE_FRACTION, MERGE_MIN = 0.25, 2000
_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS chunks(row INTEGER PRIMARY KEY AUTOINCREMENT, doc_id TEXT NOT NULL,
    version TEXT NOT NULL, chunk TEXT NOT NULL, terms TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS chunks_version ON chunks(doc_id, version);
"""
# rows up to a row number, counted over the (doc_id, version) index, whose pages are a few per
# cent of the table's (each row there holds its whole chunk): at 10^6 chunks 0.09 s against
# 0.73 s with the file in the page cache, 0.47 s against 1.65 s without
_HELD_UP_TO = "SELECT count(*) FROM chunks INDEXED BY chunks_version WHERE row <= ?"


class KeywordIndex:
    """BM25 over the chunks held in `folder` (created when missing; rebuilt empty when it
    cannot be read or has another format)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._lock = threading.Lock()
        folder.mkdir(parents=True, exist_ok=True)
        try:
            self._db = self._connect()
        except sqlite3.DatabaseError:
            shutil.rmtree(folder)
            folder.mkdir(parents=True)
            self._db = self._connect()
        self._seen: tuple[str, ...] = ()
        self._refresh()

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.folder / "index.sqlite3", timeout=600, check_same_thread=False)
        db.isolation_level = None  # transactions are opened explicitly
        if _meta(db, "format") not in (None, FORMAT):
            db.close()
            raise sqlite3.DatabaseError("another format")
        db.executescript(_SCHEMA)
        db.execute("INSERT OR IGNORE INTO meta VALUES ('format', ?)", (FORMAT,))
        return db

    @property
    def revision(self) -> str:
        """The store revision these chunks are of ("" before the first `follow`)."""
        return _meta(self._db, "revision") or ""

    def follow(
        self,
        revision: str,
        versions: Callable[[], Collection[Version]],
        fetch: Callable[[list[Version]], Iterable[tuple[str, Chunk]]],
    ) -> None:
        """Hold the chunks of the complete `versions()` of a store at `revision`: the ones
        not held are `fetch`ed as (version, chunk) pairs; the others held are dropped."""
        with self._lock:
            if self.revision == revision:
                return
            self._db.execute("BEGIN IMMEDIATE")  # one process follows at a time
            try:
                if self.revision != revision:
                    wanted = set(versions())
                    held = set(self._db.execute("SELECT DISTINCT doc_id, version FROM chunks"))
                    self._db.executemany(
                        "DELETE FROM chunks WHERE doc_id = ? AND version = ?", held - wanted
                    )
                    self._add(fetch(sorted(wanted - held)))
                    self._db.execute("REPLACE INTO meta VALUES ('revision', ?)", (revision,))
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            if self._grown():
                self._merge()
            self._refresh()

    def _add(self, chunks: Iterable[tuple[str, Chunk]]) -> None:
        self._db.executemany(
            "INSERT INTO chunks(doc_id, version, chunk, terms) VALUES (?, ?, ?, ?)",
            (
                (c.doc_id, version, json.dumps(list(vars(c).values())), json.dumps(_counts(c)))
                for version, c in chunks
            ),
        )

    def _grown(self) -> bool:
        """Whether the rows added or deleted since the frozen postings call for a merge."""
        frozen_rows = int(_meta(self._db, "frozen_rows") or 0)
        since = "SELECT count(*) FROM chunks WHERE row > ?"  # a few rows at the table's end
        fresh = self._db.execute(since, (frozen_rows,)).fetchone()[0]
        frozen = self._db.execute(_HELD_UP_TO, (frozen_rows,)).fetchone()[0]
        present = int(_meta(self._db, "frozen_count") or 0)
        return fresh + present - frozen > max(MERGE_MIN, MERGE_FRACTION * frozen)

    def merge(self) -> None:
        """Fold every row into a new frozen `Postings` (done by `follow` when rows added
        since the last one grow to a quarter of it)."""
        with self._lock:
            self._refresh()
            if self._rows_since or self._dead:
                self._merge()

    def _merge(self) -> None:
        name = f"postings-{uuid.uuid4().hex}"
        self._db.execute("BEGIN IMMEDIATE")
        try:
            last = self._db.execute("SELECT coalesce(max(row), 0) FROM chunks").fetchone()[0]
            rows = self._db.execute("SELECT row, terms FROM chunks")
            Postings.build(((r, json.loads(t)) for r, t in rows), self.folder / name)
            old = _meta(self._db, "postings")
            self._db.execute("REPLACE INTO meta VALUES ('postings', ?)", (name,))
            self._db.execute("REPLACE INTO meta VALUES ('frozen_rows', ?)", (str(last),))
            count = self._db.execute(_HELD_UP_TO, (last,)).fetchone()[0]
            self._db.execute("REPLACE INTO meta VALUES ('frozen_count', ?)", (str(count),))
            for stale in self.folder.glob("postings-*"):  # left by a merge cut short
                if stale.name not in (name, old):
                    shutil.rmtree(stale, ignore_errors=True)
            self._db.execute("COMMIT")
        except BaseException:
            self._db.execute("ROLLBACK")
            shutil.rmtree(self.folder / name, ignore_errors=True)
            raise
        if old:
            shutil.rmtree(self.folder / old, ignore_errors=True)  # mapped ones stay readable
        self._refresh()

    def _refresh(self) -> None:
        """Reload what is in memory when this or another process changed the folder; in a
        read transaction, so the postings it names are not removed before they are mapped."""
        self._db.execute("BEGIN")
        try:
            self._reload()
        finally:
            self._db.execute("COMMIT")

    def _reload(self) -> None:
        seen = tuple(_meta(self._db, k) or "" for k in ("revision", "postings", "frozen_rows"))
        if seen == self._seen:
            return
        _, name, frozen_rows = seen
        self._postings = Postings.load(self.folder / name) if name else Postings.empty()
        limit = int(frozen_rows or 0)
        lengths = np.asarray(self._postings.lengths)
        built = int(_meta(self._db, "frozen_count") or 0)
        if self._db.execute(_HELD_UP_TO, (limit,)).fetchone()[0] == built:
            alive = lengths >= 0  # none deleted since the merge: its rows are the live ones
        else:
            alive = np.zeros(len(lengths), dtype=bool)
            alive[
                [r for (r,) in self._db.execute("SELECT row FROM chunks WHERE row <= ?", (limit,))]
            ] = 1
        self._alive = alive
        self._frozen = int(alive.sum())
        self._dead = built - self._frozen
        self._fresh: dict[str, list[tuple[int, int, int]]] = {}  # term: (row, count, length)
        self._last = limit
        length, fresh = float(lengths[alive].sum()), 0
        for row, text in self._db.execute("SELECT row, terms FROM chunks WHERE row > ?", (limit,)):
            counts: dict[str, int] = json.loads(text)
            size = sum(counts.values())
            for term, count in counts.items():
                self._fresh.setdefault(term, []).append((row, count, size))
            length, fresh, self._last = length + size, fresh + 1, row
        self._rows_since = fresh
        self._documents = self._frozen + fresh
        self._average = length / self._documents if self._documents else 0.0
        self._seen = seen

    def search(self, query: str, n: int) -> list[tuple[Chunk, float]]:
        """Up to `n` chunks sharing at least one term with `query`, best first."""
        terms = Counter(tokenize(query))
        with self._lock:
            self._refresh()
            if not terms or n < 1 or not self._documents:
                return []
            scores = np.zeros(max(len(self._alive), self._last + 1))
            for term, times in terms.items():
                rows, counts, lengths = self._postings_of(term)
                df = len(rows)
                if df:
                    idf = math.log(1 + (self._documents - df + 0.5) / (df + 0.5))
                    norm = K1 * (1 - B + B * lengths / self._average)
                    scores[rows] += times * idf * counts / (counts + norm)
            return self._best(scores, n)

    def _postings_of(self, term: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The live rows holding `term`, its count in each, and their lengths."""
        rows, counts = self._postings.of(term)
        live = self._alive[rows]
        rows, counts = np.asarray(rows[live]), np.asarray(counts[live], dtype=float)
        lengths = np.asarray(self._postings.lengths[rows], dtype=float)
        if fresh := self._fresh.get(term):
            more = np.array(fresh, dtype=float).reshape(-1, 3)
            rows = np.concatenate([rows, more[:, 0].astype(np.int64)])
            counts = np.concatenate([counts, more[:, 1]])
            lengths = np.concatenate([lengths, more[:, 2]])
        return rows, counts, lengths

    def _best(self, scores: np.ndarray, n: int) -> list[tuple[Chunk, float]]:
        rows = np.flatnonzero(scores)
        values = scores[rows]
        if len(rows) > n:  # the n-th best score, and every row reaching it
            keep = values >= np.partition(values, len(values) - n)[len(values) - n]
            rows, values = rows[keep], values[keep]
        order = np.lexsort((rows, -values))[:n]
        picked = [int(r) for r in rows[order]]
        marks = ",".join("?" * len(picked))
        stored = dict(
            self._db.execute(f"SELECT row, chunk FROM chunks WHERE row IN ({marks})", picked)
        )
        return [(Chunk(*json.loads(stored[r])), float(scores[r])) for r in picked]


def _counts(chunk: Chunk) -> dict[str, int]:
    return dict(Counter(tokenize(f"{chunk.title}\n{chunk.text}")))


def _meta(db: sqlite3.Connection, key: str) -> str | None:
    try:
        row = db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    except sqlite3.OperationalError:  # no meta table yet
        return None
    return row[0] if row else None
