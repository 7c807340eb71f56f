"""Measures what `rag.boilerplate` removes from a corpus at load, and that no gold evidence goes
with it: `python -m rag.eval.boilerplate [--corpus PATH ...] [--questions FILE]` (default
seeds/ and eval/corpus/, eval/questions.jsonl).

Contract: every article is loaded twice, as ingest loads it and as written (the loader with the
boilerplate step left out), and must come out of `strip_boilerplate` as ingest loaded it. The
report lists every line or credit removed, by article, with the lines and characters removed;
then, of the gold evidence quotes of every question (every split; whitespace and case
normalised, as the scorer compares them) found in one of their gold articles as written, how
many are still there once loaded, and each one that is not, with its question. Nothing is
written. Part of the evaluation side: the product never imports it.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from unittest import mock

from rag import articles
from rag.articles import Article, load_all
from rag.boilerplate import Stripped, strip_boilerplate
from rag.eval.questions import parse_questions
from rag.text import normalize_text

CORPUS = (Path("seeds"), Path("eval/corpus"))
QUESTIONS = Path("eval/questions.jsonl")


@dataclass(frozen=True)
class Cleaned:
    doc_id: str
    written: str  # the text as the loader reads it without the boilerplate step
    loaded: str  # as ingest loads it
    removed: tuple[str, ...]


@dataclass(frozen=True)
class Measured:
    articles: list[Cleaned]
    quotes: int  # gold evidence quotes in one of their gold articles as written
    kept: int  # of those, still in one once loaded
    lost: list[tuple[str, str, str]]  # (question id, question, quote) of those that are not
    absent: list[tuple[str, str]]  # quotes in none of their gold articles even as written


def as_written(paths: Sequence[Path]) -> list[Article]:
    """The articles as the loader reads them, with the boilerplate step left out."""
    with mock.patch.object(articles, "strip_boilerplate", lambda text: Stripped(text, ())):
        return load_all(list(paths))[0]


def clean(paths: Sequence[Path]) -> list[Cleaned]:
    """Every article of `paths` as written and as loaded, and what went; a loaded text that is
    not the written one stripped is an error (the loader would then do something else)."""
    loaded = {a.doc_id: a.text for a in load_all(list(paths))[0]}
    found = []
    for article in as_written(paths):
        stripped = strip_boilerplate(article.text)
        if stripped.text.strip() != loaded[article.doc_id]:
            raise AssertionError(f"{article.doc_id}: the loader does not strip as measured")
        found.append(
            Cleaned(article.doc_id, article.text, loaded[article.doc_id], stripped.removed)
        )
    return found


def measure(paths: Sequence[Path] = CORPUS, questions: Path = QUESTIONS) -> Measured:
    cleaned = clean(paths)
    written = {c.doc_id: normalize_text(c.written) for c in cleaned}
    loaded = {c.doc_id: normalize_text(c.loaded) for c in cleaned}
    quotes = kept = 0
    lost, absent = [], []
    every = parse_questions(questions.read_text(encoding="utf-8").splitlines(), str(questions))
    for question in every:  # every split, the held-out one too: only the texts are read
        for quote in question.gold_evidence:
            wanted = normalize_text(quote)
            if not any(wanted in written.get(d, "") for d in question.gold_doc_ids):
                absent.append((question.id, quote))
                continue
            quotes += 1
            if any(wanted in loaded.get(d, "") for d in question.gold_doc_ids):
                kept += 1
            else:
                lost.append((question.id, question.question, quote))
    return Measured(cleaned, quotes, kept, lost, absent)


def report(measured: Measured) -> str:
    """Markdown: the removals by article, the totals, and the evidence kept."""
    lines = [
        "| article | lines removed | characters removed | removed |",
        "| --- | --- | --- | --- |",
    ]
    for item in measured.articles:
        if item.removed:
            what = "<br>".join(f"`{r}`" for r in item.removed)
            gone = len(item.written) - len(item.loaded)
            lines.append(f"| {item.doc_id} | {len(item.removed)} | {gone} | {what} |")
    touched = sum(1 for item in measured.articles if item.removed)
    removed = sum(len(item.removed) for item in measured.articles)
    chars = sum(len(item.written) - len(item.loaded) for item in measured.articles)
    total = sum(len(item.written) for item in measured.articles)
    lines += [
        "",
        f"{len(measured.articles)} articles, {touched} with debris: {removed} lines or credits, "
        f"{chars} of {total} characters removed.",
        f"Gold evidence quotes kept: {measured.kept}/{measured.quotes}.",
    ]
    lines += [f'- lost: {qid} "{asked}" `{quote}`' for qid, asked, quote in measured.lost]
    if measured.absent:
        lines.append(f"{len(measured.absent)} quote(s) not in their gold articles even as written")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m rag.eval.boilerplate", description=__doc__)
    parser.add_argument("--corpus", type=Path, nargs="+", default=list(CORPUS))
    parser.add_argument("--questions", type=Path, default=QUESTIONS)
    args = parser.parse_args(argv)
    measured = measure(args.corpus, args.questions)
    print(report(measured))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
