"""Keeps chunks and their embeddings in a Chroma collection (embedded on disk, or a Chroma server).

Contract: cosine distance, telemetry off, our own embeddings (never Chroma's), deterministic
chunk ids written with upsert. Every chunk carries its article's version (a hash of the
article's fingerprint, `chunk_chars`, `chunk_overlap` and the embedder's name) and the number of
chunks that version has; a version is complete when the store holds that many chunks of it.
Readers (`articles`, `all_chunks`, `chunks`, `search`) see only complete versions, so an article
cut short by a crash is never shown, and syncing counts an article unchanged only when its one
complete version is the current one (new chunking settings chunk every article again; a crash is
repaired by the next sync). Articles to write are gathered until they hold `write_batch` chunks,
embedded in one call and upserted together (the embedder batches well only across articles: most
hold a few chunks). A changed article gets its new chunks upserted before its stale ones are
deleted, so a reader never sees it missing (one too large for one upsert is hidden while
written); stale chunks are deleted by id (`doc_id:n` onwards), without a filter on metadata,
which Chroma answers by scanning every chunk. The collection records the embedder that built it,
refusing queries made with another, and a revision that changes before and after every write, so
that a derived index (rag.keyword_index, kept in `keyword_dir`) at the store's revision holds
what the store holds, even after a crash. Embedded Chroma keeps a process's vector index in
memory and refreshes it only on that process's own writes, so when the revision moved without
this process, the embedded client is reopened. A search asks Chroma for the nearest chunks and
then for the other chunks of their versions by id (a filter on metadata scans every chunk); a
caller that has read the revision hands it in, so a query reads it once. Knows nothing about
prompts, models or the UI.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

from rag import chroma_clients
from rag.articles import Article
from rag.chunk import Chunk, chunk_id, split_article
from rag.config import Settings
from rag.embed import Embedder, get_embedder
from rag.errors import StoreError
from rag.stored import (
    ArticleInfo,
    Pending,
    SyncReport,
    Version,
    article_version,
    chunks_of,
    complete_of,
    from_stored,
    held_versions,
    metadata,
    version_of,
)

# A new collection's vector index (an existing one keeps its own): ef_search 200 (Chroma's 100)
# as measured at 10^5 chunks (README); M and ef_construction are Chroma's defaults
HNSW = {"space": "cosine", "ef_search": 200, "max_neighbors": 16, "ef_construction": 100}


def embedding_text(chunk: Chunk) -> str:
    """What the embedder sees: the title gives every chunk its story's context."""
    return f"{chunk.title}\n{chunk.text}"


class Store:
    """One Chroma collection of chunks, written and read with one embedder."""

    def __init__(self, settings: Settings, embedder: Embedder | None = None) -> None:
        self.settings = settings
        self.embedder = embedder or get_embedder(settings.embedder)
        if not settings.chroma_url:
            settings.store_dir.mkdir(parents=True, exist_ok=True)
        try:
            client = chroma_clients.client(settings.chroma_url, str(settings.store_dir))
            collection = client.get_or_create_collection(
                settings.collection,
                metadata={"embedder": self.embedder.name, "revision": "0"},
                configuration={"hnsw": HNSW},
                embedding_function=None,
            )
        except Exception as exc:  # chromadb raises many unrelated types for one cause
            where = settings.chroma_url or settings.store_dir
            raise StoreError(f"cannot open the Chroma store at {where}: {exc}") from None
        self._opened = (client, collection)
        self._key = (str(settings.store_dir), settings.collection)
        if not settings.chroma_url:
            chroma_clients.KNOWN.setdefault(
                self._key, str((collection.metadata or {}).get("revision", "0"))
            )
        built_with = (collection.metadata or {}).get("embedder")
        if built_with != self.embedder.name:
            raise StoreError(
                f"the store was built with embedder {built_with!r}, not {self.embedder.name!r}: "
                "use that embedder, or re-ingest into another collection or data dir"
            )

    @property
    def _client(self) -> Any:
        return self._live()[0]

    @property
    def _collection(self) -> Any:
        return self._live()[1]

    def _live(self) -> tuple[Any, Any]:
        """The client and collection, the new ones when another Store of this process has
        reopened the shared embedded client."""
        client, collection = self._opened
        current = chroma_clients.client(self.settings.chroma_url, str(self.settings.store_dir))
        if current is not client:
            collection = current.get_collection(self.settings.collection, embedding_function=None)
            self._opened = (current, collection)
        return self._opened

    def _follow_other_writers(self, revision: str | None = None) -> None:
        """Embedded Chroma: reopen the client when another process wrote since this one did
        (its in-memory vector index would miss the new chunks and fail to give their vectors).
        `revision`: the store's, when the caller has just read it."""
        if self.settings.chroma_url:
            return  # a Chroma server holds the one index that every client searches
        revision = self.revision if revision is None else revision
        if revision != chroma_clients.KNOWN.get(self._key):
            chroma_clients.drop(self._key, str(self.settings.store_dir), revision)

    @property
    def revision(self) -> str:
        """Changes on every write, also one made by another process sharing the store (the
        collection object keeps the metadata it was opened with: ask the client)."""
        current = self._client.get_collection(self.settings.collection, embedding_function=None)
        return str((current.metadata or {}).get("revision", "0"))

    def _bump_revision(self) -> None:
        revision = str(time.time_ns())
        self._collection.modify(metadata={"embedder": self.embedder.name, "revision": revision})
        if not self.settings.chroma_url:
            chroma_clients.KNOWN[self._key] = revision

    def count(self) -> int:
        return self._collection.count()

    def _metadatas(self) -> list[dict[str, Any]]:
        """Every chunk's metadata, a page at a time (one get of 10^5 is refused by Chroma)."""
        get, metas = self._collection.get, []
        while page := get(include=["metadatas"], limit=20_000, offset=len(metas))["metadatas"]:
            metas += page
        return metas

    def _versions(self) -> tuple[dict[str, set[str]], set[Version], dict[str, int | None]]:
        """Each article's stored versions, the complete ones, and its ids' extent
        (rag.stored.held_versions)."""
        return held_versions(self._metadatas())

    def _complete_of(self, doc_ids: Iterable[str]) -> set[Version]:
        """The complete versions of these articles."""
        wanted = sorted(set(doc_ids))
        if not wanted:
            return set()
        got = self._collection.get(where={"doc_id": {"$in": wanted}}, include=["metadatas"])
        return complete_of(got["metadatas"] or [])

    def sync(
        self,
        articles: Iterable[Article],
        prune: bool = False,
        progress: Callable[[Article], None] | None = None,
    ) -> SyncReport:
        """Make the collection hold exactly these articles' current chunks (others stay
        unless `prune`). Articles to write are gathered until they hold `write_batch`
        chunks, embedded in one call and upserted together."""
        existing, complete, extent = self._versions()
        added, updated, unchanged = [], [], []
        pending: list[Pending] = []
        seen: set[str] = set()
        for article in articles:
            seen.add(article.doc_id)
            version = article_version(article, self.settings, self.embedder.name)
            old = existing.get(article.doc_id, set())
            if old == {version} and (article.doc_id, version) in complete:
                unchanged.append(article.doc_id)
            else:
                if not (added or updated):
                    self._bump_revision()  # what derived indexes recorded is no longer so
                settings = self.settings
                chunks = split_article(article, settings.chunk_chars, settings.chunk_overlap)
                pending.append(Pending(version, chunks, extent.get(article.doc_id, 0)))
                if sum(len(p.chunks) for p in pending) >= settings.write_batch:
                    self._write(pending)
                    pending = []
                shown = any((article.doc_id, v) in complete for v in old)
                (updated if shown else added).append(article.doc_id)
            if progress:
                progress(article)
        self._write(pending)
        removed = sorted(set(existing) - seen) if prune else []
        if removed and not (added or updated):
            self._bump_revision()
        for doc_id in removed:
            self._collection.delete(where={"doc_id": doc_id})
        if added or updated or removed:
            self._bump_revision()
        return SyncReport(added, updated, unchanged, removed)

    def _write(self, pending: list[Pending]) -> None:
        """Upsert the new versions' chunks, then delete their articles' chunks no new version
        holds: by id when the old versions' counts are known, else by a filter on doc_id."""
        rows = [(c, metadata(c, p.version, len(p.chunks))) for p in pending for c in p.chunks]
        if not rows:
            return
        vectors = self.embedder.encode([embedding_text(c) for c, _ in rows])
        batch = self._client.get_max_batch_size()
        for i in range(0, len(rows), batch):
            part = rows[i : i + batch]
            self._collection.upsert(
                ids=[c.chunk_id for c, _ in part],
                embeddings=vectors[i : i + batch],
                documents=[c.text for c, _ in part],
                metadatas=[meta for _, meta in part],
            )
        stale: list[str] = []
        for p in pending:
            if p.extent is None:
                doc_id, current = p.chunks[0].doc_id, {c.chunk_id for c in p.chunks}
                held = self._collection.get(where={"doc_id": doc_id}, include=[])["ids"]
                stale += [i for i in held if i not in current]
            else:
                stale += [chunk_id(p.chunks[0].doc_id, k) for k in range(len(p.chunks), p.extent)]
        if stale:
            self._collection.delete(ids=stale)

    def remove(self, doc_id: str) -> bool:
        """Delete one article's chunks; False when it was not there."""
        ids = self._collection.get(where={"doc_id": doc_id}, include=[])["ids"]
        if ids:
            self._bump_revision()
            self._collection.delete(ids=ids)
            self._bump_revision()
        return bool(ids)

    def articles(self) -> list[ArticleInfo]:
        """The articles held complete (see the contract)."""
        metas = self._metadatas()
        complete = complete_of(metas)
        by_doc: dict[str, ArticleInfo] = {}
        for meta in (m for m in metas if version_of(m) in complete):
            info = by_doc.get(meta["doc_id"])
            by_doc[meta["doc_id"]] = ArticleInfo(
                doc_id=meta["doc_id"],
                title=meta.get("title", ""),
                date=meta.get("date"),
                source=meta.get("source"),
                chunks=(info.chunks if info else 0) + 1,
            )
        return sorted(by_doc.values(), key=lambda a: (a.date or "", a.doc_id), reverse=True)

    @property
    def keyword_dir(self) -> Path:
        """This collection's keyword index: beside the embedded store, or for a server one
        folder a (server, collection) in this machine's data dir."""
        name = self.settings.collection
        if self.settings.chroma_url:
            name += "-" + hashlib.sha256(self.settings.chroma_url.encode()).hexdigest()[:12]
        return self.settings.data_dir / "keyword" / name

    def complete_versions(self) -> set[Version]:
        return self._versions()[1]

    def chunks_of_versions(self, versions: list[Version]) -> Iterator[tuple[str, Chunk]]:
        """(version, chunk) for the chunks of these (doc_id, version)s, a batch of articles at
        a time, each article's in its order."""
        wanted = set(versions)
        doc_ids = sorted({doc_id for doc_id, _ in wanted})
        for i in range(0, len(doc_ids), 500):
            where = {"doc_id": {"$in": doc_ids[i : i + 500]}}
            got = self._collection.get(where=where, include=["documents", "metadatas"])
            metas = got["metadatas"] or []
            version = {i: version_of(m)[1] for i, m in zip(got["ids"], metas, strict=True)}
            for chunk in sorted(chunks_of(got, wanted), key=lambda c: (c.doc_id, c.position)):
                yield version[chunk.chunk_id], chunk

    def all_chunks(self) -> list[Chunk]:
        got = self._collection.get(include=["documents", "metadatas"])
        return chunks_of(got, complete_of(got["metadatas"] or []))

    def chunks(self, ids: list[str]) -> list[Chunk]:
        """The chunks with these ids, in this order (unknown ids are skipped)."""
        if not ids:
            return []
        got = self._collection.get(ids=ids, include=["documents", "metadatas"])
        complete = self._complete_of(m["doc_id"] for m in got["metadatas"] or [])
        found = {c.chunk_id: c for c in chunks_of(got, complete)}
        return [found[i] for i in ids if i in found]

    def vectors(self, ids: list[str], revision: str | None = None) -> dict[str, np.ndarray]:
        """The stored embeddings of these chunks, float64 rows (unknown ids are skipped);
        `revision`: the store's, when the caller has just read it."""
        if not ids:
            return {}
        self._follow_other_writers(revision)
        got = self._collection.get(ids=ids, include=["embeddings"])
        rows = np.asarray(got["embeddings"], dtype=np.float64).reshape(len(got["ids"]), -1)
        return dict(zip(got["ids"], rows, strict=True))

    def search(
        self, vector: list[float], n: int, revision: str | None = None
    ) -> list[tuple[Chunk, float]]:
        """Nearest chunks with their cosine similarity, best first; `revision`: the store's,
        when the caller has just read it (Chroma gives fewer than `n` when it holds fewer)."""
        self._follow_other_writers(revision)
        if n < 1:
            return []
        got = self._collection.query(
            query_embeddings=[vector], n_results=n, include=["documents", "metadatas", "distances"]
        )
        rows = zip(
            got["ids"][0],
            got["documents"][0],
            got["metadatas"][0],
            got["distances"][0],
            strict=True,
        )
        hits = [(m, from_stored(i, d, m), 1.0 - float(dist)) for i, d, m, dist in rows]
        complete = self._complete_among({chunk.chunk_id: m for m, chunk, _ in hits})
        return [(chunk, score) for m, chunk, score in hits if version_of(m) in complete]

    def _complete_among(self, held: dict[str, dict[str, Any]]) -> set[Version]:
        """The complete versions of these chunks (id: metadata), the same as `_complete_of`
        their articles: the other chunks of each version are asked for by id (a version of n
        chunks is "doc_id:0" to "doc_id:n-1", rag.chunk's ids), as Chroma answers a filter on
        metadata by scanning every chunk."""
        counts = {version_of(m): m.get("chunks") for m in held.values()}
        known = {v: int(n) for v, n in counts.items() if n is not None}
        ids = {v: [chunk_id(v[0], p) for p in range(n)] for v, n in known.items()}
        wanted = sorted({i for group in ids.values() for i in group} - set(held))
        found = dict(held)
        if wanted:
            got = self._collection.get(ids=wanted, include=["metadatas"])
            found.update(zip(got["ids"], got["metadatas"] or [], strict=True))
        return {
            v
            for v, n in counts.items()
            if n is None
            or (ids[v] and all(i in found and version_of(found[i]) == v for i in ids[v]))
        }
