"""Benchmarks: model thread/batch settings, and first-answer vs follow-up latency.

`rag bench llama` loads the model once per (threads, batch) setting and times a cold prefill
of the seed articles and a fixed-length generation, repeated and reported as medians with
the ratio to the first setting (machines are noisy; compare within one run).
`rag bench answer` times the full pipeline on a first question and on a follow-up to it
(rewritten, then answered); the prompt cache is cleared before each first question.
Knows nothing about the UI; prints a markdown table.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from pathlib import Path

from rag.articles import load_all
from rag.config import Settings

GENERATED_TOKENS = 48


def _median_ms(run: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def bench_llama(
    settings: Settings, corpus: Path, threads: list[int], batches: list[int], repeats: int
) -> str:
    from llama_cpp import Llama

    from rag.weights import locate

    path = str(locate(settings.model, settings.cache_dir).path)
    text = "\n\n".join(a.text for a in load_all([corpus])[0])
    rows, base = [], None
    for n_threads in threads:
        for n_batch in batches:
            llm = Llama(
                model_path=path,
                n_ctx=settings.n_ctx,
                n_threads=n_threads,
                n_threads_batch=n_threads,
                n_batch=n_batch,
                seed=0,
                verbose=False,
            )
            tokens = llm.tokenize(text.encode())[: settings.n_ctx - GENERATED_TOKENS - 8]

            def prefill(llm: Llama = llm, tokens: list[int] = tokens) -> None:
                llm.reset()
                llm.eval(tokens)

            def generate(llm: Llama = llm) -> None:
                llm.create_completion(
                    "Write about the summit.", max_tokens=GENERATED_TOKENS, temperature=0, seed=0
                )

            prefill_ms = _median_ms(prefill, repeats)
            generate_ms = _median_ms(generate, repeats)
            prefill_tps = len(tokens) / prefill_ms * 1000
            base = base or prefill_tps
            rows.append(
                f"| {n_threads} | {n_batch} | {prefill_tps:.0f} | {prefill_tps / base:.2f} "
                f"| {GENERATED_TOKENS / generate_ms * 1000:.1f} |"
            )
            del llm
    head = [
        f"model {settings.model}, prefill of {len(tokens)} tokens, median of {repeats}",
        "",
        "| threads | batch | prefill tok/s | ratio | generate tok/s |",
        "|---|---|---|---|---|",
    ]
    return "\n".join(head + rows)


def bench_answer(settings: Settings, corpus: Path, repeats: int) -> str:
    from rag.answer import Answerer
    from rag.store import Store

    store = Store(settings)
    store.sync(load_all([corpus])[0])
    answerer = Answerer(settings, store)
    first = "Who accompanied Kim Jong Un when he arrived in Beijing?"
    follow = [
        {"role": "user", "content": first},
        {"role": "assistant", "content": "His daughter Kim Ju Ae [1]."},
    ]
    answerer.ask("What did Xi say?")  # load the models; not timed
    rows = []
    for _ in range(repeats):
        answerer.model.forget()  # a cold cache: another question ran before
        a = answerer.ask(first)
        b = answerer.ask("On which day did she arrive?", follow)
        rows.append((a.timings_ms, b.timings_ms))

    def med(i: int, key: str) -> float:
        return statistics.median(r[i].get(key, 0.0) for r in rows)

    lines = [
        f"model {settings.model}, median of {repeats}",
        "",
        "| question | first token ms | total ms |",
        "|---|---|---|",
        f"| first question | {med(0, 'ttft'):.0f} | {med(0, 'total'):.0f} |",
        f"| follow-up, rewritten | {med(1, 'ttft'):.0f} | {med(1, 'total'):.0f} |",
    ]
    return "\n".join(lines)
