"""Benchmarks: model thread/batch settings, and first-answer vs follow-up latency.

`rag bench llama` loads the model once per (threads, batch) setting and times a cold prefill
of the seed articles and a fixed-length generation, repeated and reported as medians with
the ratio to the first setting (machines are noisy; compare within one run).
`rag bench answer` times the full pipeline on first questions and on a follow-up to each, asked
after the answer given; before each first question the prompt cache is cleared and the
instructions read again (as `rag serve` does at start), and each follow-up's time to first
token is also given as a share of its first question's.
`rag bench retrieval` scores retrieval alone (no model) on the standalone answerable questions
of a question set: share of gold evidence quotes inside the top-k passages, distinct passages
among them, and time, for each MMR weight with near-duplicate grouping on and off; with
`--copies` every article is also ingested as a syndicated copy, the case grouping is for;
with `--scale` it times retrieval on synthetic corpora of up to 10^5 (or 10^6) chunks instead
(rag.eval.scale).
`rag bench injection` measures hostile articles (rag.eval.injection); `rag bench peer` answers
the question set with a LlamaIndex pipeline and with the app side by side (rag.eval.peer);
`rag bench hnsw` measures Chroma's HNSW settings (rag.eval.hnsw); `rag bench embed --batch
N...` the embedder's chunks a second at each encode batch size.
`report` runs one;
`rag bench` with no target runs the suite of rag.eval.suite.
Knows nothing about the UI; prints a markdown table. Part of the evaluation side: the product
never imports it.
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from rag.articles import load_all
from rag.config import Settings
from rag.eval.bench_args import with_distractors

GENERATED_TOKENS = 48


def _median_ms(run: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def bench_embed(settings: Settings, corpus: list[Path], batches: list[int], repeats: int) -> str:
    """Chunks a second of the embedder's `encode` at each batch size, on the chunk texts the
    store embeds for `corpus`, with the ratio to the first batch size."""
    from rag.chunk import split_article
    from rag.embed import get_embedder
    from rag.store import embedding_text

    texts = [
        embedding_text(chunk)
        for article in load_all(corpus)[0]
        for chunk in split_article(article, settings.chunk_chars, settings.chunk_overlap)
    ]
    model = get_embedder(settings.embedder)._load()
    model.encode(texts[:64], normalize_embeddings=True)  # warm
    rows, base = [], None
    for size in batches:
        ms = _median_ms(
            lambda size=size: model.encode(texts, batch_size=size, normalize_embeddings=True),
            repeats,
        )
        rate = len(texts) / ms * 1000
        base = base or rate
        rows.append(f"| {size} | {rate:.1f} | {rate / base:.2f} |")
    head = [f"{len(texts)} chunk texts, median of {repeats}", "", "| batch | chunks/s | ratio |"]
    return "\n".join([*head, "|---|---|---|", *rows])


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


def bench_evidence(settings: Settings, corpus: Path, questions: Path, sizes: list[int]) -> str:
    """Evidence recall of the evidence stage: for each number of sentences (0: whole
    passages), the share of gold evidence quotes inside what the model is given, and how many
    characters it is given (prompt reading is most of the time to the first token)."""
    import tempfile

    from rag import evidence
    from rag.answer import MIN_SIMILARITY
    from rag.eval.questions import load_questions
    from rag.eval.scoring import quotes_found
    from rag.retrieve import Retriever
    from rag.store import Store

    cases = [
        q for q in load_questions(questions) if q.answerable and q.gold_evidence and not q.history
    ]
    rows = []
    with tempfile.TemporaryDirectory() as data_dir:
        store = Store(settings.replace(data_dir=data_dir))
        store.sync(load_all([corpus])[0])
        retriever = Retriever(store)
        found = {case.id: retriever.retrieve(case.question) for case in cases}
        for size in sizes:
            recall, chars = 0.0, 0
            for case in cases:
                hits = [h for h in found[case.id] if h.similarity >= MIN_SIMILARITY]
                given = evidence.select(case.question, hits, store.embedder, size)
                recall += quotes_found(case.gold_evidence, [h.chunk.text for h in given])
                chars += sum(len(h.chunk.text) for h in given)
            label = "whole passages" if size <= 0 else f"{size} sentences"
            rows.append(f"| {label} | {recall / len(cases):.3f} | {chars / len(cases):.0f} |")
    head = [
        f"{len(cases)} standalone answerable questions of {questions}, top {settings.top_k} "
        "passages",
        "",
        "| the model reads | evidence recall | characters given (mean) |",
        "|---|---|---|",
    ]
    return "\n".join(head + rows)


def bench_retrieval(
    settings: Settings, corpus: Path, questions: Path, weights: list[float], copies: bool
) -> str:
    import tempfile

    from rag.eval.questions import load_questions
    from rag.eval.scoring import quotes_found
    from rag.retrieve import Retriever
    from rag.store import Store
    from rag.text import normalize_text

    cases = [
        q for q in load_questions(questions) if q.answerable and q.gold_evidence and not q.history
    ]
    articles = load_all([corpus])[0]
    if copies:
        articles += [
            dataclasses.replace(a, doc_id=f"{a.doc_id}-wire", text=f"(Wire) — {a.text}")
            for a in articles
        ]
    rows = []
    with tempfile.TemporaryDirectory() as data_dir:
        store = Store(settings.replace(data_dir=data_dir))
        store.sync(articles)
        for grouping in (True, False):
            for weight in weights:
                knobs = {"mmr_weight": weight, "near_duplicate": 0.6 if grouping else 2.0}
                retriever = Retriever(store, store.settings.replace(**knobs))
                found, distinct, times = 0.0, 0.0, []
                for case in cases:
                    start = time.perf_counter()
                    hits = retriever.retrieve(case.question)
                    times.append((time.perf_counter() - start) * 1000)
                    found += quotes_found(case.gold_evidence, [h.chunk.text for h in hits])
                    distinct += len({normalize_text(h.chunk.text) for h in hits}) / len(hits)
                rows.append(
                    f"| {'on' if grouping else 'off'} | {weight:.2f} | {found / len(cases):.3f} "
                    f"| {distinct / len(cases):.3f} | {statistics.median(times):.0f} |"
                )
    head = [
        f"{len(cases)} standalone answerable questions of {questions}, top {settings.top_k}, "
        f"{len(articles)} articles" + (" (each also as a syndicated copy)" if copies else ""),
        "",
        "| grouping | MMR weight | evidence in top k | distinct passages | median ms |",
        "|---|---|---|---|---|",
    ]
    return "\n".join(head + rows)


CONVERSATIONS = (  # a first question and a follow-up that leans on it, over the seeds
    ("Who accompanied Kim Jong Un when he arrived in Beijing?", "On which day did she arrive?"),
    (
        "How much did China's exports to North Korea grow in the first half of 2025?",
        "And what about imports over the same period?",
    ),
    (
        "Which agency reported that Kim's train had left Beijing?",
        "Which station did it leave from?",
    ),
)


Runs = list[tuple[dict[str, float], dict[str, float]]]  # (first question's, follow-up's) timings


def bench_answer(settings: Settings, corpus: Path, repeats: int) -> str:
    from rag.answer import Answerer
    from rag.store import Store

    store = Store(settings)
    store.sync(load_all([corpus])[0])
    answerer = Answerer(settings, store)
    answerer.ask("What did Xi say?")  # load the models; not timed
    rows: dict[str, Runs] = {}
    for _ in range(repeats):
        for first, follow_up in CONVERSATIONS:
            answerer.model.forget()  # no cached state of an earlier question...
            answerer.warm()  # ...but the instructions read, as a server has them
            a = answerer.ask(first)
            history = [{"role": "user", "content": first}, {"role": "assistant", "content": a.text}]
            b = answerer.ask(follow_up, history)  # after the answer shown, as a chat sends it
            rows.setdefault(follow_up, []).append((a.timings_ms, b.timings_ms))

    def med(runs: Runs, i: int, key: str) -> float:
        return statistics.median(r[i].get(key, 0.0) for r in runs)

    def share(runs: Runs) -> float:
        return statistics.median(b["ttft"] / a["ttft"] for a, b in runs if a.get("ttft"))

    lines = [
        f"model {settings.model}, median of {repeats}",
        "",
        "| follow-up | first question: first token / total ms | follow-up: first token / total ms "
        "| follow-up first token / first's |",
        "|---|---|---|---|",
        *(
            f"| {q} | {med(r, 0, 'ttft'):.0f} / {med(r, 0, 'total'):.0f} "
            f"| {med(r, 1, 'ttft'):.0f} / {med(r, 1, 'total'):.0f} | {share(r):.2f} |"
            for q, r in rows.items()
        ),
        "",
        "follow-up first token / first question's, median over the conversations: "
        f"{statistics.median(share(r) for r in rows.values()):.2f}",
    ]
    return "\n".join(lines)


def main(settings: Settings, args: argparse.Namespace) -> int:
    """`rag bench [WHAT]`: one benchmark's table, or with none the suite (rag.eval.suite)."""
    if args.what is None:
        from rag.eval import suite

        return suite.main(settings, args)
    if args.json or args.quick:
        from rag.errors import InputError

        raise InputError("--quick and --json are the suite's: run `rag bench` without a target")
    print(report(args.what, settings, args))
    return 0


def report(what: str, settings: Settings, args: argparse.Namespace) -> str:
    """The markdown table of `rag bench WHAT` with the command line's options."""
    if what == "llama":
        return bench_llama(settings, args.corpus, args.threads, args.batch, args.repeats)
    if what == "evidence":
        return bench_evidence(settings, args.corpus, args.questions, args.sentences)
    if what == "retrieval" and args.scale:
        from rag.eval import scale

        return scale.measure(full=args.scale == "full", keep=args.keep_stores)
    if what == "retrieval":
        return bench_retrieval(settings, args.corpus, args.questions, args.mmr, args.copies)
    if what == "injection":
        from rag.eval import injection
        from rag.eval.questions import load_questions

        questions = load_questions(args.questions, args.split, args.limit)
        return injection.table(injection.measure(settings, questions, [args.corpus], args.hostile))
    if what == "embed":
        return bench_embed(settings, with_distractors(args.corpus), args.batch, args.repeats)
    if what == "hnsw":
        from rag.eval import hnsw

        corpus = with_distractors(args.corpus)
        return hnsw.measure(settings, args.vectors, corpus, args.questions)
    if what == "peer":
        from rag.eval import peer
        from rag.eval.run import default_out

        runs = default_out()
        out = args.out or runs.with_name(f"peer-{runs.name}")
        return peer.measure(settings, args.questions, args.split, args.limit, out)
    return bench_answer(settings, args.corpus, args.repeats)
