"""Retrieval at scale: `rag bench retrieval --scale [full]`.

Contract: for 10^3, 10^4 and 10^5 chunks (and 10^6 with `full`) of rag.eval.synthetic, each in
a process of its own, the chunks are written into an embedded store with random unit vectors as
their embeddings (encoding 10^5 chunks would take hours here; the dense half is timed on
vectors of the real dimension, not judged), then the full retrieval of rag.retrieve is timed
on synthetic queries: p50 and p95 ms, wall and the process's CPU (other jobs sharing the
machine inflate the wall time), the process's resident memory, and the keyword index's first
build from the store and its opening afresh. At the 10^5 point Chroma's HNSW recall@10 (of
the 20 nearest asked, as retrieval asks) against exact search and a query's CPU time are
measured for `ef_search` 10 to 400, each in a fresh process, and the keyword index candidates
are compared (rag.eval.keyword_candidates). With `keep` (`--keep-stores DIR`) each store is
written once into DIR/<chunks> and reused by later runs, which report the write and build
times recorded when it was written. Returns markdown tables. Part of the evaluation side.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import multiprocessing
import os
import platform
import shutil
import statistics
import tempfile
import time
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from rag.config import Settings
from rag.embed import Embedder
from rag.eval import synthetic
from rag.stored import metadata

DIM = 384  # all-MiniLM-L6-v2's
QUERIES = 60
EF_SEARCH = (10, 50, 100, 200, 400)
WRITTEN = "written.json"  # in a kept store: [write s, keyword index build s] when written


class RandomEmbedder(Embedder):
    """A unit vector a text, the same for the same text: embeddings without a model."""

    def __init__(self) -> None:
        super().__init__(f"random-unit-{DIM}")

    def encode(self, texts: list[str], progress: bool = False) -> list[list[float]]:
        seeds = (zlib.crc32(t.encode("utf-8")) for t in texts)
        return [synthetic.unit_vectors(1, DIM, seed)[0].tolist() for seed in seeds]


def client(path: str) -> Any:
    """An embedded Chroma client over `path`, telemetry off."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    return chromadb.PersistentClient(path=path, settings=ChromaSettings(anonymized_telemetry=False))


def _collection(settings: Settings) -> Any:
    opened = client(str(settings.store_dir))
    return opened, opened.get_collection(settings.collection, embedding_function=None)


def _fill(settings: Settings, n: int) -> None:
    """`n` synthetic chunks written straight into the collection, whole articles a batch."""
    client, collection = _collection(settings)
    limit = client.get_max_batch_size()
    vectors = iter(synthetic.unit_vectors(n, DIM, seed=1))
    batch: list[tuple[Any, dict[str, Any]]] = []
    articles = itertools.groupby(synthetic.chunks(n, seed=1), key=lambda c: c.doc_id)
    for _, group in itertools.chain(articles, [("", iter(()))]):
        chunks = list(group)
        if len(batch) + len(chunks) > limit or not chunks:
            collection.add(
                ids=[c.chunk_id for c, _ in batch],
                embeddings=[next(vectors) for _ in batch],
                documents=[c.text for c, _ in batch],
                metadatas=[m for _, m in batch],
            )
            batch = []
        batch += [(c, metadata(c, "synthetic", len(chunks))) for c in chunks]


def _rss_mb() -> float:
    status = Path("/proc/self/status").read_text()
    return int(next(x for x in status.splitlines() if x.startswith("VmRSS")).split()[1]) / 1024


def _point(n: int, data_dir: str) -> dict[str, Any]:
    from rag.keyword_index import KeywordIndex
    from rag.retrieve import Retriever
    from rag.store import Store

    settings = Settings(data_dir=Path(data_dir), embedder=f"random-unit-{DIM}")
    store = Store(settings, RandomEmbedder())
    retriever = Retriever(store)
    record = Path(data_dir) / WRITTEN
    if record.exists():  # a kept store: its write and build times are those recorded then
        written, built = json.loads(record.read_text())
    else:
        start = time.perf_counter()
        _fill(settings, n)
        written = time.perf_counter() - start
        start = time.perf_counter()
        retriever.keyword_index()
        built = time.perf_counter() - start
        record.write_text(json.dumps([written, built]))
    start = time.perf_counter()
    KeywordIndex(store.keyword_dir).search("warm", 1)
    opened = time.perf_counter() - start
    queries = synthetic.queries(QUERIES + 3, seed=1)
    for query in queries[:3]:
        retriever.retrieve(query)  # warm: the vector index is loaded at the first search
    times, cpu = [], []  # wall and this process's CPU (other jobs on the machine inflate wall)
    for query in queries[3:]:
        start, started = time.perf_counter(), time.process_time()
        retriever.retrieve(query)
        times.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - started) * 1000)
    times.sort()
    cpu.sort()
    return {
        "chunks": n,
        "p50_ms": round(statistics.median(times), 1),
        "p95_ms": round(times[int(0.95 * (len(times) - 1))], 1),
        "cpu_p50_ms": round(statistics.median(cpu), 1),
        "cpu_p95_ms": round(cpu[int(0.95 * (len(cpu) - 1))], 1),
        "rss_mb": round(_rss_mb()),
        "write_s": round(written, 1),
        "keyword_build_s": round(built, 1),
        "keyword_open_s": round(opened, 3),
    }


def _recall(data_dir: str, ef: int) -> tuple[float, float]:
    """HNSW recall@10 against exact cosine search, for 100 random query vectors each asking for
    the 20 nearest (retrieval's candidates), and the median CPU ms of one such query."""
    settings = Settings(data_dir=Path(data_dir), embedder=f"random-unit-{DIM}")
    _, collection = _collection(settings)
    collection.modify(configuration={"hnsw": {"ef_search": ef}})  # before the index is loaded
    ids, rows = [], []
    while (page := collection.get(include=["embeddings"], limit=20_000, offset=len(ids)))["ids"]:
        ids += page["ids"]
        rows.append(np.asarray(page["embeddings"], dtype=np.float32))
    names, matrix = np.array(ids), np.concatenate(rows)
    probes = synthetic.unit_vectors(100, DIM, seed=99)
    exact = [set(names[np.argsort(-(matrix @ p))[:10]]) for p in probes]
    found, cpu = [], []
    for probe in probes.tolist():
        start = time.process_time()
        found.append(collection.query(query_embeddings=[probe], n_results=20, include=[])["ids"][0])
        cpu.append((time.process_time() - start) * 1000)
    recall = statistics.mean(len(e & set(f[:10])) / 10 for e, f in zip(exact, found, strict=True))
    return recall, statistics.median(cpu[1:])  # the first query loads the index


def in_fresh_process(function: Any, *args: Any) -> Any:
    """`function(*args)` in a new interpreter: a fork of a process that runs threads (a loaded
    model, Chroma, a test run) can inherit a lock some thread held, and hang."""
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        return pool.apply(function, args)


@contextlib.contextmanager
def _store_dir(n: int, keep: Path | None) -> Iterator[str]:
    """A fresh temporary data dir, or `keep/<n>`, kept and reused by the next run once
    written whole."""
    if keep is None:
        with tempfile.TemporaryDirectory() as data_dir:
            yield data_dir
    else:
        folder = keep / str(n)
        if not (folder / WRITTEN).exists():  # a store cut short is written again from nothing
            shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True, exist_ok=True)
        yield str(folder)


def point(n: int, keep: Path | None = None) -> dict[str, Any]:
    """One row of the table: `n` chunks in a fresh process over a store of its own."""
    with _store_dir(n, keep) as data_dir:
        return dict(in_fresh_process(_point, n, data_dir))


def measure(full: bool, keep: Path | None = None) -> str:
    from rag.eval import keyword_candidates

    sizes = [10**3, 10**4, 10**5] + ([10**6] if full else [])
    rows, recalls = [], {}
    for n in sizes:
        with _store_dir(n, keep) as data_dir:
            rows.append(in_fresh_process(_point, n, data_dir))
            if n == 10**5:
                recalls = {ef: in_fresh_process(_recall, data_dir, ef) for ef in EF_SEARCH}
    candidates = keyword_candidates.measure(max(n for n in sizes if n <= 10**5))
    return _table(rows, recalls, candidates)


def _table(
    rows: list[dict[str, Any]],
    recalls: dict[int, tuple[float, float]],
    candidates: list[dict[str, Any]],
) -> str:
    cpu = next((x for x in Path("/proc/cpuinfo").read_text().splitlines() if "model name" in x), "")
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    machine = f"{cpu.split(':')[-1].strip() or platform.machine()}, {os.cpu_count()} cores, "
    machine += f"{memory:.0f} GiB"
    lines = [
        f"synthetic news-like chunks of 600 characters, random unit vectors ({DIM} dimensions) "
        f"as embeddings; {QUERIES} synthetic queries a point, each point in a process of its own; "
        f"{machine}",
        "",
        "| chunks | retrieval p50 ms | p95 ms | CPU p50 ms | CPU p95 ms | RSS MB | "
        "keyword index: first build s | opening s | store write s |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    lines += [
        f"| {r['chunks']:,} | {r['p50_ms']} | {r['p95_ms']} | {r['cpu_p50_ms']} | "
        f"{r['cpu_p95_ms']} | {r['rss_mb']} | "
        f"{r['keyword_build_s']} | {r['keyword_open_s']} | {r['write_s']} |"
        for r in rows
    ]
    if recalls:
        lines += ["", "| HNSW ef_search (10^5 chunks) | recall@10 vs exact | query CPU ms |"]
        lines += ["|---|---|---|"]
        lines += [f"| {ef} | {recall:.3f} | {ms:.1f} |" for ef, (recall, ms) in recalls.items()]
    lines += ["", "| keyword index | chunks | build s | load s | p50 ms | p95 ms | MB |"]
    lines += ["|---|---|---|---|---|---|---|"]
    lines += ["| " + " | ".join(str(v) for v in c.values()) + " |" for c in candidates]
    return "\n".join(lines)
