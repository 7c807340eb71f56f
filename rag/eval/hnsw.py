"""Chroma's HNSW settings chosen by measurement: `rag bench hnsw`.

Contract: `measure(n, corpus, questions)` writes `n` vectors (10^5 by default) into a fresh
embedded Chroma collection for each (M, ef_construction) of GRID, with the write's time; then,
for each ef_search of EF_SEARCH, in a fresh process (Chroma applies ef_search when it loads
the index), every probe asks for the 20 nearest, as retrieval asks: recall@10 against exact
cosine search and the median CPU ms of one query. Two vector sets, each with its own probes:
"random", unit vectors with random directions, the worst case for a graph index (no
neighbourhoods), probed by other random vectors; and "mixed", the real embedder's vectors of
the sentences of the articles under `corpus`, each stored vector the normalized sum of 2 to 4
of them picked at random (seeded), probed by the embeddings of (up to 100) questions in `questions`:
directions real text takes, where encoding 10^5 whole chunks would take most of an hour here.
Returns a markdown table. Part of the evaluation side.
"""

from __future__ import annotations

import random
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from rag.config import Settings
from rag.eval.scale import client, in_fresh_process

GRID = ((16, 100), (16, 200), (32, 100), (32, 200))  # (M, ef_construction); Chroma's: 16, 100
EF_SEARCH = (50, 100, 200, 400)
NEAREST = 20  # candidates a retrieval asks the dense index for
PROBES = 100


def _write(folder: str, m: int, ef_construction: int) -> float:
    """The vectors in `folder`/vectors.npy written into a new collection; seconds taken."""
    vectors = np.load(Path(folder) / "vectors.npy")
    opened = client(folder)
    hnsw = {"space": "cosine", "max_neighbors": m, "ef_construction": ef_construction}
    collection = opened.create_collection(
        "hnsw", configuration={"hnsw": hnsw}, embedding_function=None
    )
    step = opened.get_max_batch_size()
    start = time.perf_counter()
    for at in range(0, len(vectors), step):
        rows = vectors[at : at + step]
        collection.add(ids=[str(i) for i in range(at, at + len(rows))], embeddings=rows)
    return time.perf_counter() - start


def _recall(folder: str, ef_search: int) -> tuple[float, float]:
    """(recall@10 of the probes against exact search, median CPU ms of one query)."""
    vectors = np.load(Path(folder) / "vectors.npy")
    probes = np.load(Path(folder) / "probes.npy")
    collection = client(folder).get_collection("hnsw", embedding_function=None)
    collection.modify(configuration={"hnsw": {"ef_search": ef_search}})  # before it is loaded
    exact = [set(np.argsort(-(vectors @ p))[:10].tolist()) for p in probes]
    found, cpu = [], []
    for probe in probes.tolist():
        start = time.process_time()
        ids = collection.query(query_embeddings=[probe], n_results=NEAREST, include=[])["ids"][0]
        cpu.append((time.process_time() - start) * 1000)
        found.append({int(i) for i in ids[:10]})
    recall = statistics.mean(len(e & f) / 10 for e, f in zip(exact, found, strict=True))
    return recall, statistics.median(cpu[1:])  # the first query loads the index


def _unit(rows: np.ndarray) -> np.ndarray:
    return (rows / np.linalg.norm(rows, axis=1, keepdims=True)).astype(np.float32)


def random_set(n: int) -> tuple[np.ndarray, np.ndarray]:
    from rag.eval import synthetic

    dim = 384  # all-MiniLM-L6-v2's
    return synthetic.unit_vectors(n, dim, 1), synthetic.unit_vectors(PROBES, dim, 99)


def mixed_set(
    settings: Settings, n: int, corpus: list[Path], questions: Path
) -> tuple[np.ndarray, np.ndarray]:
    from rag.articles import Article, read_all
    from rag.embed import get_embedder
    from rag.eval.questions import load_questions
    from rag.text import sentence_spans

    sentences = [
        article.text[start:end]
        for article in read_all(corpus)
        if isinstance(article, Article)
        for start, end in sentence_spans(article.text)
    ]
    embedder = get_embedder(settings.embedder)
    base = np.asarray(embedder.encode(sentences), dtype=np.float64)
    rng = random.Random(1)
    picks = [rng.sample(range(len(base)), rng.randint(2, 4)) for _ in range(n)]
    vectors = _unit(np.stack([base[p].sum(axis=0) for p in picks]))
    asked = [q.question for q in load_questions(questions)][:PROBES]
    return vectors, _unit(np.asarray(embedder.encode(asked), dtype=np.float64))


def measure(settings: Settings, n: int, corpus: list[Path], questions: Path) -> str:
    sets = {"random": random_set(n), "mixed": mixed_set(settings, n, corpus, questions)}
    lines = [
        f"{n:,} vectors, {PROBES} probes asking for the {NEAREST} nearest; recall@10 against "
        "exact cosine search; CPU ms of one query (median)",
        "",
        "| vectors | M | ef_construction | write s | "
        + " | ".join(f"ef_search {ef}: recall, ms" for ef in EF_SEARCH)
        + " |",
        "|---|---|---|---|" + "---|" * len(EF_SEARCH),
    ]
    for name, (vectors, probes) in sets.items():
        for m, ef_construction in GRID:
            with tempfile.TemporaryDirectory(prefix="rag-bench-hnsw-") as folder:
                np.save(Path(folder) / "vectors.npy", vectors)
                np.save(Path(folder) / "probes.npy", probes)
                written = in_fresh_process(_write, folder, m, ef_construction)
                cells = [in_fresh_process(_recall, folder, ef) for ef in EF_SEARCH]
            found = " | ".join(f"{recall:.3f}, {ms:.1f}" for recall, ms in cells)
            lines.append(f"| {name} | {m} | {ef_construction} | {written:.0f} | {found} |")
    return "\n".join(lines)
