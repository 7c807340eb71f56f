"""rag.retrieve's reads of its store, with a counting fake store (logic only, no Chroma): the
store's revision is read once a query and handed to every stage that reads the store."""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from rag.chunk import Chunk
from rag.config import load
from rag.embed import Embedder
from rag.retrieve import Retriever

TEXTS = {
    "ferry": "The harbour ferry stopped running after the storm damaged the pier.",
    "bridge": "The harbour bridge toll rises to nine dollars in March.",
    "budget": "The council approved a budget with more money for schools and buses.",
}


class WordEmbedder(Embedder):
    """A unit vector a text from the words it holds: enough for the ranking to mean something."""

    def __init__(self) -> None:
        super().__init__("words")

    def encode(self, texts: list[str], progress: bool = False) -> list[list[float]]:
        rows = []
        for text in texts:
            row = np.zeros(64)
            for word in text.lower().split():
                row[zlib.crc32(word.strip(".,?").encode()) % 64] += 1.0
            rows.append((row / (np.linalg.norm(row) or 1.0)).tolist())
        return rows


class CountingStore:
    """The reads rag.retrieve makes of rag.store, over chunks held in memory."""

    def __init__(self, folder: Path) -> None:
        self.settings = load({"data_dir": folder, "top_k": 2})
        self.embedder = WordEmbedder()
        self.keyword_dir = folder / "keyword"
        self.chunks = {
            f"{d}:0": Chunk(f"{d}:0", d, d.title(), "2025-01-01", 0, 0, len(t), t)
            for d, t in TEXTS.items()
        }
        self.embedded = dict(
            zip(self.chunks, self.embedder.encode(list(TEXTS.values())), strict=True)
        )
        self.revision_reads = 0
        self.given: list[str | None] = []  # the revision each read was handed

    @property
    def revision(self) -> str:
        self.revision_reads += 1
        return "r1"

    def search(self, vector: list[float], n: int, revision: str | None = None) -> list:
        self.given.append(revision)
        scored = [(c, float(np.dot(vector, self.embedded[i]))) for i, c in self.chunks.items()]
        return sorted(scored, key=lambda cs: -cs[1])[:n]

    def vectors(self, ids: list[str], revision: str | None = None) -> dict[str, np.ndarray]:
        self.given.append(revision)
        return {i: np.asarray(self.embedded[i]) for i in ids if i in self.embedded}

    def complete_versions(self) -> set[tuple[str, str]]:
        return {(c.doc_id, "1") for c in self.chunks.values()}

    def chunks_of_versions(self, versions: list[tuple[str, str]]) -> Iterator[tuple[str, Chunk]]:
        for doc_id, version in versions:
            yield version, self.chunks[f"{doc_id}:0"]


def test_the_revision_is_read_once_a_query(tmp_path: Path) -> None:
    store = CountingStore(tmp_path)
    retriever = Retriever(store)  # type: ignore[arg-type]
    for query in ("harbour bridge toll", "council budget", "ferry storm"):
        before = store.revision_reads
        hits = retriever.retrieve(query)
        assert store.revision_reads - before == 1
        assert hits and all(revision == "r1" for revision in store.given)
    assert retriever.retrieve("harbour bridge toll")[0].chunk.doc_id == "bridge"
