"""`rag bench [--quick] [--json FILE]`: the app against the libraries it wraps, in one run.

Contract: the JSON written (and the table printed) is
    {"retrieval": [{"chunks", "p50_ms", "p95_ms", "rss_mb", ...}, ...],
     "ratios": {"generation", "prefill", "ingest", "gradio"},
     "machine": {...}, "model": ..., "quick": ..., "details": {...}}
Every ratio is the median over the repeats of one repeat's ratio, the app and its baseline
timed back to back in that repeat: speeds are app ÷ raw (tokens or chunks a second; higher is
better, 1 means no overhead), "gradio" is the seconds of one answer through `rag serve` over
HTTP ÷ the seconds of the same answer in this process (lower is better). Retrieval comes first,
each size in a fresh process of its own (rag.eval.scale: synthetic chunks with random unit
vectors as embeddings), before this process loads any model. `--quick` uses the small model
(unless --model names one) and 10^3-10^5 chunks; the full run adds 10^6 chunks and the cold
start of `rag ask`. Part of the evaluation side.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from rag.config import Settings
from rag.eval.bench_args import with_distractors

QUICK_MODEL = "qwen2.5-0.5b"
QUESTION = "Who accompanied Kim Jong Un when he arrived in Beijing?"
TARGETS = {"generation": 0.9, "prefill": 0.9, "ingest": 0.8, "gradio": 1.15}  # ≥, ≥, ≥, ≤
RETRIEVAL_P95_MS = 50.0  # the target at 10^5 chunks
EMBEDDINGS = "random unit vectors (384 dimensions), not a model's embeddings"
PACKAGES = ("llama-cpp-python", "chromadb", "torch", "sentence-transformers", "gradio")


@dataclass(frozen=True)
class Plan:
    quick: bool
    model: str
    sizes: list[int]
    repeats: int
    tokens: int  # generated a repeat
    corpus: Path  # the articles the question is asked over
    ingest: list[Path]  # the articles ingest is timed on
    cold_start: bool


def plan(settings: Settings, args: argparse.Namespace) -> Plan:
    quick = bool(args.quick)
    sizes = args.sizes or ([10**3, 10**4, 10**5] if quick else [10**3, 10**4, 10**5, 10**6])
    ingest = args.ingest or with_distractors(args.corpus)
    return Plan(
        quick=quick,
        model=(args.model or QUICK_MODEL) if quick else settings.model,
        sizes=sizes,
        repeats=max(1, args.repeats),
        tokens=args.tokens or (64 if quick else 160),
        corpus=args.corpus,
        ingest=ingest,
        cold_start=not quick,
    )


def ratio(app: list[float], raw: list[float]) -> float:
    """The median of the repeats' app ÷ raw."""
    if not app or len(app) != len(raw) or min(raw) <= 0:
        raise ValueError("one positive baseline figure for each app figure")
    return round(statistics.median(a / r for a, r in zip(app, raw, strict=True)), 3)


def median(values: list[float], digits: int = 2) -> float:
    return round(statistics.median(values), digits)


def summarize(
    generated: dict[str, Any], ingested: dict[str, Any], served: dict[str, Any]
) -> tuple[dict[str, float], dict[str, Any]]:
    """(ratios, details) from the measurements' raw lists (see rag.eval.speed, served)."""
    ratios = {
        "generation": ratio(generated["generation"]["app"], generated["generation"]["raw"]),
        "prefill": ratio(generated["prefill"]["app"], generated["prefill"]["raw"]),
        "ingest": ratio(ingested["app"], ingested["raw"]),
        "gradio": ratio(served["http_s"], served["in_process_s"]),
    }
    details: dict[str, Any] = {
        "prompt_tokens": generated["prompt_tokens"],
        "completion_tokens": generated["completion_tokens"],
        **{
            f"{kind}_tok_s": {side: median(generated[kind][side], 1) for side in ("app", "raw")}
            for kind in ("prefill", "generation")
        },
        "after_last_token_ms": {
            side: median(generated["after_last_token_ms"][side], 1) for side in ("app", "raw")
        },
        "ingest": {
            "chunks": ingested["chunks"],
            "articles": ingested["articles"],
            "app_chunks_s": median(ingested["app"], 1),
            "raw_encode_chunks_s": median(ingested["raw"], 1),
            **{k: median(ingested[k], 3) for k in ("split_s", "embed_s", "rest_s", "keyword_s")},
            "total_s": median(ingested["total_s"], 3),
        },
        "answer": {
            "http_s": median(served["http_s"]),
            "in_process_s": median(served["in_process_s"]),
            "server_ready_s": round(served["server_ready_s"], 1),
            "same_answer": served["same_answer"],
        },
    }
    return ratios, details


def machine(settings: Settings) -> dict[str, Any]:
    info = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    cpu = next((x.split(":", 1)[1].strip() for x in info.splitlines() if "model name" in x), "")
    ram = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    found: dict[str, Any] = {
        "cpu": cpu or platform.machine(),
        "cores": os.cpu_count(),
        "ram_gib": round(ram, 1),
        "python": platform.python_version(),
    }
    for name in PACKAGES:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = None
    found["threads"] = settings.threads
    return found


def run(settings: Settings, args: argparse.Namespace) -> dict[str, Any]:
    from rag.eval import scale, served, speed

    chosen = plan(settings, args)
    settings = settings.replace(model=chosen.model)
    retrieval = []
    for n in chosen.sizes:  # each point in a fresh interpreter
        _say(f"retrieval at {n:,} chunks")
        retrieval.append(scale.point(n, args.keep_stores))
    _say(f"prefill and generation, {chosen.model}")
    generated = speed.generation(settings, chosen.corpus, QUESTION, chosen.repeats, chosen.tokens)
    _say("ingest")
    ingested = speed.ingest(settings, chosen.ingest, chosen.repeats)
    _say("one answer over HTTP and in process" + (", cold start" if chosen.cold_start else ""))
    answered = served.measure(settings, chosen.corpus, QUESTION, chosen.repeats, chosen.cold_start)
    ratios, details = summarize(generated, ingested, answered)
    cold = answered["cold_start_s"]
    details["cold_start_s"] = None if cold is None else round(cold, 1)
    details["question"] = QUESTION
    return {
        "retrieval": retrieval,
        "ratios": ratios,
        "machine": machine(settings),
        "model": chosen.model,
        "quick": chosen.quick,
        "repeats": chosen.repeats,
        "generated_tokens": chosen.tokens,
        "retrieval_embeddings": EMBEDDINGS,
        "targets": {**TARGETS, "retrieval_p95_ms_at_100000": RETRIEVAL_P95_MS},
        "details": details,
    }


def _say(stage: str) -> None:
    print(f"{time.strftime('%H:%M:%S')} {stage}", file=sys.stderr, flush=True)


def _mark(name: str, value: float) -> str:
    met = value <= TARGETS[name] if name == "gradio" else value >= TARGETS[name]
    return f"{value:.2f} {'(met)' if met else '(missed)'}"


def table(result: dict[str, Any]) -> str:
    r, d, m = result["ratios"], result["details"], result["machine"]
    ing, ans = d["ingest"], d["answer"]
    lines = [
        f"model {result['model']}, {m['threads']} threads, median of {result['repeats']} "
        f"repeats; {m['cpu']}, {m['cores']} cores, {m['ram_gib']:.0f} GiB; python "
        f"{m['python']}, llama-cpp-python {m['llama-cpp-python']}, chromadb {m['chromadb']}, "
        f"torch {m['torch']}",
        "",
        "| measure | app | baseline | ratio | target |",
        "|---|---|---|---|---|",
        f"| prefill tok/s ({d['prompt_tokens']}-token answer prompt) | "
        f"{d['prefill_tok_s']['app']} | {d['prefill_tok_s']['raw']} (llama_cpp.Llama) | "
        f"{_mark('prefill', r['prefill'])} | ≥ {TARGETS['prefill']} |",
        f"| generation tok/s ({d['completion_tokens']} tokens) | "
        f"{d['generation_tok_s']['app']} | {d['generation_tok_s']['raw']} (llama_cpp.Llama) | "
        f"{_mark('generation', r['generation'])} | ≥ {TARGETS['generation']} |",
        f"| ms from the last token to the stream's end | {d['after_last_token_ms']['app']} | "
        f"{d['after_last_token_ms']['raw']} | | |",
        f"| ingest chunks/s ({ing['chunks']} chunks, {ing['articles']} articles) | "
        f"{ing['app_chunks_s']} | {ing['raw_encode_chunks_s']} (encode alone) | "
        f"{_mark('ingest', r['ingest'])} | ≥ {TARGETS['ingest']} |",
        f"| one answer, s: rag serve over HTTP vs in process | {ans['http_s']} | "
        f"{ans['in_process_s']} (Answerer) | {_mark('gradio', r['gradio'])} | "
        f"≤ {TARGETS['gradio']} |",
        "",
        "| ingest stage | split | embed | keyword index | Chroma writes and the rest | total |",
        "|---|---|---|---|---|---|",
        f"| seconds | {ing['split_s']} | {ing['embed_s']} | {ing['keyword_s']} | "
        f"{ing['rest_s']} | {ing['total_s']} |",
        "",
        f"retrieval on synthetic chunks, {result['retrieval_embeddings']}; "
        f"target p95 < {RETRIEVAL_P95_MS:.0f} ms at 10^5",
        "",
        "| chunks | p50 ms | p95 ms | RSS MB | keyword index build s | store write s |",
        "|---|---|---|---|---|---|",
    ]
    lines += [
        f"| {p['chunks']:,} | {p['p50_ms']} | {p['p95_ms']} | {p['rss_mb']} | "
        f"{p.get('keyword_build_s', '')} | {p.get('write_s', '')} |"
        for p in result["retrieval"]
    ]
    lines += ["", f"rag serve ready in {ans['server_ready_s']} s"]
    if d.get("cold_start_s") is not None:
        lines[-1] += f"; cold start of `rag ask` (process start to answer) {d['cold_start_s']} s"
    return "\n".join(lines)


def main(settings: Settings, args: argparse.Namespace) -> int:
    result = run(settings, args)
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2) + "\n")
    print(table(result))
    return 0
