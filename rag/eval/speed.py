"""The app against the libraries it wraps, in one process: `rag bench` (rag.eval.suite) uses it.

Contract: `generation` streams one real answer prompt (the question's retrieved passages, fitted
and ordered by rag.draft) through the app's own path (rag.draft.Drafter over rag.llm.LocalModel,
its cached prompt states dropped first) and through a bare `llama_cpp.Llama` on the same GGUF
with the same context, threads, batch, seed and temperature (reset first), the two back to back
in each repeat: prompt tokens a second until the first token (prefill), tokens a second from
the first token to the last (generation), and the time from the last token to the stream's end
(where the app saves its prompt state for reuse). `ingest` ingests the same article files with
rag.ingest into a fresh store per repeat and encodes the same chunk texts with the embedder's
bare sentence-transformers model, back to back; the ingest's own stages (split, embed, keyword
index, and the rest: Chroma writes, reading files, versions) are timed within it. Each returns
the repeats' figures as lists (the suite takes medians and ratios). Part of the evaluation side.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from rag.config import Settings
from rag.embed import Embedder


def _raw_llama(settings: Settings) -> Any:
    from llama_cpp import Llama

    from rag.llm import llama_options
    from rag.weights import locate

    path = locate(settings.model, settings.cache_dir).path
    return Llama(model_path=str(path), **llama_options(settings))


def _raw_pieces(llm: Any, messages: list[dict[str, str]], settings: Settings, n: int) -> Any:
    """The text pieces of one bare streamed chat completion, from a reset context."""
    llm.reset()
    chunks = llm.create_chat_completion(
        messages=messages,
        max_tokens=n,
        temperature=settings.temperature,
        seed=settings.seed,
        stream=True,
    )
    for chunk in chunks:
        if content := chunk["choices"][0]["delta"].get("content"):
            yield content


def timed(pieces: Iterator[str]) -> tuple[float, float, float, int]:
    """(ms to the first piece, ms to the last, ms to the stream's end, pieces) of a stream
    started by the first `next`."""
    started = time.perf_counter()
    first = last = 0.0
    count = 0
    for _ in pieces:
        last = (time.perf_counter() - started) * 1000
        first = first or last
        count += 1
    return first, last, (time.perf_counter() - started) * 1000, count


def speeds(prompt_tokens: int, stream: tuple[float, float, float, int]) -> tuple[float, float]:
    """(prefill tok/s, generation tok/s): the prompt until the first token, then the tokens
    after it until the last one."""
    first, last, _, tokens = stream
    return prompt_tokens / max(first, 1e-6) * 1000, (tokens - 1) / max(last - first, 1e-6) * 1000


def generation(
    settings: Settings, corpus: Path, question: str, repeats: int, max_tokens: int
) -> dict[str, Any]:
    from rag.articles import load_all
    from rag.draft import Draft, Drafter
    from rag.llm import LocalModel
    from rag.prompts import answer_messages
    from rag.retrieve import Retriever
    from rag.store import Store

    with tempfile.TemporaryDirectory() as data_dir:
        store = Store(settings.replace(data_dir=data_dir))
        store.sync(load_all([corpus])[0])
        hits = Retriever(store).retrieve(question)
    model = LocalModel(settings)
    drafter = Drafter(model, max_tokens)
    sources = drafter.plan(question, hits).sources
    messages = answer_messages(question, sources)
    prompt_tokens = model.count_tokens(messages)
    raw = _raw_llama(settings)
    found: dict[str, list[float]] = {
        k: [] for k in ("app", "raw", "app_pre", "raw_pre", "app_after", "raw_after")
    }
    tokens = 0
    for _ in range(repeats):
        model.forget()
        app = timed(drafter.write(Draft(question, sources, [])))
        bare = timed(_raw_pieces(raw, messages, settings, max_tokens))
        tokens = bare[3]
        for side, stream in (("app", app), ("raw", bare)):
            prefill, generated = speeds(prompt_tokens, stream)
            found[f"{side}_pre"].append(prefill)
            found[side].append(generated)
            found[f"{side}_after"].append(stream[2] - stream[1])
    del raw, model, drafter
    return {
        "prompt_tokens": prompt_tokens,
        "completion_tokens": tokens,
        "prefill": {"app": found["app_pre"], "raw": found["raw_pre"]},
        "generation": {"app": found["app"], "raw": found["raw"]},
        "after_last_token_ms": {"app": found["app_after"], "raw": found["raw_after"]},
    }


class TimedEmbedder(Embedder):
    """The app's embedder, adding up the seconds its `encode` calls take."""

    def __init__(self, inner: Embedder) -> None:
        super().__init__(inner.name)
        self.inner = inner
        self.seconds = 0.0

    def encode(self, texts: list[str], progress: bool = False) -> list[list[float]]:
        started = time.perf_counter()
        try:
            return self.inner.encode(texts, progress)
        finally:
            self.seconds += time.perf_counter() - started


def ingest(settings: Settings, corpus: list[Path], repeats: int) -> dict[str, Any]:
    from rag import ingest as ingesting
    from rag.articles import load_all
    from rag.chunk import split_article
    from rag.embed import BATCH, get_embedder
    from rag.retrieve import Retriever
    from rag.store import Store, embedding_text

    articles = load_all(corpus)[0]
    embedder = get_embedder(settings.embedder)
    bare = embedder._load()  # the sentence-transformers model itself
    stages: dict[str, list[float]] = {
        k: [] for k in ("app", "raw", "split_s", "embed_s", "keyword_s", "rest_s", "total_s")
    }
    chunks = 0
    bare.encode(["warm up"], normalize_embeddings=True)
    for _ in range(repeats):
        started = time.perf_counter()
        texts = [
            embedding_text(c)
            for a in articles
            for c in split_article(a, settings.chunk_chars, settings.chunk_overlap)
        ]
        split_s = time.perf_counter() - started
        chunks = len(texts)
        data_dir = Path(tempfile.mkdtemp(prefix="rag-bench-ingest-"))
        try:
            timed = TimedEmbedder(embedder)
            store = Store(settings.replace(data_dir=data_dir), timed)
            started = time.perf_counter()
            ingesting.ingest(store, corpus, [], prune=False, quiet=True)
            total_s = time.perf_counter() - started
            shutil.rmtree(store.keyword_dir)  # the keyword index's build, timed again alone
            started = time.perf_counter()
            Retriever(store).keyword_index()
            keyword_s = time.perf_counter() - started
        finally:
            shutil.rmtree(data_dir, ignore_errors=True)
        started = time.perf_counter()
        bare.encode(texts, batch_size=BATCH, normalize_embeddings=True)
        raw_s = time.perf_counter() - started
        stages["app"].append(chunks / total_s)
        stages["raw"].append(chunks / raw_s)
        stages["split_s"].append(split_s)
        stages["embed_s"].append(timed.seconds)
        stages["keyword_s"].append(keyword_s)
        stages["rest_s"].append(max(0.0, total_s - timed.seconds - keyword_s - split_s))
        stages["total_s"].append(total_s)
    return {"chunks": chunks, "articles": len(articles), **stages}
