"""What a stored chunk carries: its text and metadata (rag.store keeps them in Chroma), and the
version of its article, by which the store tells a complete article from one cut short.

Contract: a chunk's metadata holds its article's fields, its place, its article's version
(`article_version`: a hash of the article's fingerprint, `chunk_chars`, `chunk_overlap` and
the embedder's name, so that any of them changing changes it) and the number of chunks of that
version. A (doc_id, version) is complete when every one of those chunks is there
(`complete_of`); chunks stored before they were counted are taken as complete.
`held_versions` reads every chunk's metadata into each article's versions, the complete ones
and its ids' extent; `ArticleInfo`, `Pending` and `SyncReport` are what the store reports and
writes. Knows nothing about Chroma, embeddings or how chunks are searched.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from rag.articles import Article
from rag.chunk import Chunk
from rag.config import Settings

Version = tuple[str, str]  # (doc_id, version)


@dataclass(frozen=True)
class ArticleInfo:
    doc_id: str
    title: str
    date: str | None
    source: str | None
    chunks: int


@dataclass(frozen=True)
class Pending:
    """An article's new version, split, waiting to be written; `extent` as in held_versions."""

    version: str
    chunks: list[Chunk]
    extent: int | None


@dataclass(frozen=True)
class SyncReport:
    added: list[str]
    updated: list[str]
    unchanged: list[str]
    removed: list[str]

    def __str__(self) -> str:
        return ", ".join(f"{len(getattr(self, p))} {p}" for p in self.__dataclass_fields__)


def article_version(article: Article, settings: Settings, embedder: str) -> str:
    """The version the chunks of this article carry when written with these settings."""
    made = [article.fingerprint, settings.chunk_chars, settings.chunk_overlap, embedder]
    return hashlib.sha256(json.dumps(made).encode("utf-8")).hexdigest()[:16]


def metadata(chunk: Chunk, version: str, count: int) -> dict[str, Any]:
    meta = {
        "doc_id": chunk.doc_id,
        "title": chunk.title,
        "date": chunk.date,
        "source": chunk.source,
        "url": chunk.url,
        "position": chunk.position,
        "start": chunk.start,
        "end": chunk.end,
        "fingerprint": version,
        "chunks": count,
    }
    return {k: v for k, v in meta.items() if v is not None}


def from_stored(chunk_id: str, text: str, meta: dict[str, Any]) -> Chunk:
    return Chunk(
        chunk_id=chunk_id,
        doc_id=meta["doc_id"],
        title=meta.get("title", ""),
        date=meta.get("date"),
        position=int(meta.get("position", 0)),
        start=int(meta.get("start", 0)),
        end=int(meta.get("end", len(text))),
        text=text,
        source=meta.get("source"),
        url=meta.get("url"),
    )


def chunks_of(got: Any, complete: set[Version]) -> list[Chunk]:
    rows = zip(got["ids"], got["documents"] or [], got["metadatas"] or [], strict=True)
    return [from_stored(i, d, m) for i, d, m in rows if version_of(m) in complete]


def version_of(meta: dict[str, Any]) -> Version:
    return meta["doc_id"], str(meta.get("fingerprint"))


def complete_of(metas: Iterable[dict[str, Any]]) -> set[Version]:
    """The (doc_id, version) pairs of which the store holds every chunk (chunks written before
    chunks were counted are taken as complete)."""
    held: Counter[Version] = Counter()
    expected: dict[Version, Any] = {}
    for meta in metas:
        held[version_of(meta)] += 1
        expected[version_of(meta)] = meta.get("chunks")
    return {v for v, n in held.items() if expected[v] in (None, n)}


def held_versions(
    metas: Iterable[dict[str, Any]],
) -> tuple[dict[str, set[str]], set[Version], dict[str, int | None]]:
    """From every chunk's metadata: each article's versions, the complete ones, and how many
    chunk ids its versions may hold (`doc_id:0` up to the largest count; None when a chunk was
    stored before chunks were counted)."""
    metas = list(metas)
    versions: dict[str, set[str]] = {}
    extent: dict[str, int | None] = {}
    for meta in metas:
        doc_id, count = meta["doc_id"], meta.get("chunks")
        versions.setdefault(doc_id, set()).add(version_of(meta)[1])
        known = extent.get(doc_id, 0)
        extent[doc_id] = None if count is None or known is None else max(known, int(count))
    return versions, complete_of(metas), extent
