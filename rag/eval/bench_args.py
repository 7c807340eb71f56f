"""The options of `rag bench`, added to the command line's parser (rag.cli). Imports nothing
heavy: the parser is built on every command."""

from __future__ import annotations

import argparse
from pathlib import Path

DISTRACTORS = Path("eval/corpus")


def with_distractors(corpus: Path) -> list[Path]:
    """`corpus` and the evaluation's distractor articles, those of them that exist: what the
    suite's ingest, `rag bench embed` and `rag bench hnsw` read by default."""
    return [p for p in (corpus, DISTRACTORS) if p.exists()]


TARGETS = ["llama", "answer", "retrieval", "evidence", "injection", "peer", "hnsw", "embed"]


def add_arguments(bench: argparse.ArgumentParser) -> None:
    bench.add_argument(
        "what",
        nargs="?",
        choices=TARGETS,
        help="one benchmark; none: the app against raw llama-cpp-python, sentence-transformers "
        "and in-process answers, and retrieval at scale (see --quick, --json)",
    )
    bench.add_argument("--quick", action="store_true", help="the suite: small model, to 10^5")
    bench.add_argument("--json", type=Path, metavar="FILE", help="the suite: write its JSON")
    bench.add_argument(
        "--sizes", type=int, nargs="+", help="the suite: retrieval corpus sizes in chunks"
    )
    bench.add_argument(
        "--ingest", type=Path, nargs="+", help="the suite: articles to time ingest on"
    )
    bench.add_argument("--tokens", type=int, help="the suite: tokens generated a repeat")
    bench.add_argument(
        "--keep-stores",
        type=Path,
        metavar="DIR",
        help="the suite and --scale: write each synthetic store once into DIR, reuse it later",
    )
    bench.add_argument("--scale", nargs="?", const="quick", choices=["quick", "full"])
    bench.add_argument("--corpus", type=Path, default=Path("seeds"))
    bench.add_argument(
        "--vectors", type=int, default=10**5, help="hnsw: vectors written for each setting"
    )
    bench.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    bench.add_argument(
        "--batch", type=int, nargs="+", default=[128, 512], help="llama: n_batch; embed: batch"
    )
    bench.add_argument("--repeats", type=int, default=3)
    bench.add_argument("--questions", type=Path, default=Path("eval/questions.jsonl"))
    bench.add_argument("--mmr", type=float, nargs="+", default=[1.0, 0.8, 0.6])
    bench.add_argument("--copies", action="store_true", help="add a syndicated copy of each")
    bench.add_argument(
        "--sentences", type=int, nargs="+", default=[0, 4, 6, 8], help="evidence sizes (0: off)"
    )
    bench.add_argument(
        "--hostile",
        type=Path,
        default=Path("eval/injection/hostile.jsonl"),
        help="injection: the hostile articles (.jsonl with a canary each)",
    )
    bench.add_argument("--split", help="injection, peer: only this split of --questions")
    bench.add_argument("--limit", type=int, help="injection, peer: only the first N questions")
    bench.add_argument(
        "--out", type=Path, help="peer: the folder for both runs (default eval/runs/peer-<time>)"
    )
