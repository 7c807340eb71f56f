"""`rag eval`: runs the real answering pipeline over a question file and writes a report.

Contract: `run(settings, questions=..., ...)` loads the questions (rag.eval.questions), keeps
the chosen split and the first `limit`, makes sure the store holds the corpus (seeds/ by
default; syncing is idempotent), answers every question with `Answerer.ask` (a question that
raises gets its error recorded and the run goes on), re-asks the first few questions to measure
determinism, and optionally measures reader robustness on fixed contexts
(rag.eval.robustness). With `gold_evidence`, the model also reads each question's gold
evidence found in the retrieved passages (rag.eval.oracle: the reader's ceiling). It writes
into the output folder (default eval/runs/<UTC time>):

    predictions.jsonl  per question: id and rag.schema.trace_json (or failure_json)
    scores.jsonl       rag.eval.scoring's per-question scores
    metrics.json       summary, robustness, comparison, gates, model, settings and the command
    report.md          the markdown report, headed by the exact command line

With a baseline folder, the report adds the baseline's numbers, the deltas and the paired
comparison. With a gates file (rag.eval.gates), every metric outside its threshold is printed
on one line and the exit code is 1; otherwise it is 0.
Knows nothing about how answers are made (rag.answer's API only), how a question is scored,
how scores are aggregated or how a report is rendered.
"""

from __future__ import annotations

import dataclasses
import shlex
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from tqdm import tqdm

from rag.articles import Article, load_all
from rag.config import Settings
from rag.errors import RagError
from rag.eval import report, scoring
from rag.eval.gates import Gate, check_gates, gates_section, load_gates
from rag.eval.oracle import GoldEvidence
from rag.eval.outputs import load_baseline, write_json, write_jsonl
from rag.eval.questions import HELD_OUT, Question, load_questions
from rag.eval.robustness import run_robustness
from rag.eval.summary import compare, summarize
from rag.schema import failure_json, trace_json

if TYPE_CHECKING:
    from rag.answer import Answerer
    from rag.store import Store

DEFAULT_CORPUS = Path("seeds")
DISTRACTORS = Path("eval/corpus")  # fictional articles on neighbouring stories
RUNS_DIR = Path("eval/runs")
DETERMINISM_QUESTIONS = 5  # the first N questions are asked twice
# the means printed on stdout at the end of a run
HEADLINE = (
    "all_slots",
    "abstention_recall",
    "false_abstention",
    "cites_gold_doc",
    "supported",
    "hit@5",
)

Prediction = dict[str, Any]
Passages = dict[str, str]
T = TypeVar("T")


def default_corpus(split: str | None) -> list[Path]:
    """The shipped articles; for the held-out split, with the distractor corpus beside them."""
    return [DEFAULT_CORPUS, DISTRACTORS] if split == HELD_OUT else [DEFAULT_CORPUS]


def ensure_corpus(store: Store, corpus: Sequence[Path]) -> list[Article]:
    """Sync the corpus into the store (unchanged articles are not rewritten); its articles.
    Other articles in the store (a user's own, or another split's corpus) are kept but named
    in a note: they take part in retrieval, so a run belongs in a data folder of its own."""
    articles, failures = load_all(list(corpus))
    for failure in failures:
        print(f"skipped {failure}", file=sys.stderr)
    names = " + ".join(str(path) for path in corpus)
    if not articles:
        raise RagError(f"no articles found in {names}")
    print(f"corpus {names}: {store.sync(articles)}", file=sys.stderr)
    others = {a.doc_id for a in store.articles()} - {a.doc_id for a in articles}
    if others:
        print(
            f"note: the store also holds {len(others)} article(s) outside the corpus; they take "
            "part in retrieval (use a separate --data-dir for comparable runs)",
            file=sys.stderr,
        )
    return articles


Prepare = Callable[[Question], None]  # called before each question is asked


def predict(
    answerer: Answerer, question: Question, prepare: Prepare | None = None
) -> tuple[Prediction, Passages | None]:
    """The prediction for one question and the text of the passages it retrieved; an exception
    becomes the prediction's error."""
    if prepare is not None:
        prepare(question)
    try:
        answer = answerer.ask(question.question, question.history)
    except Exception as exc:  # one failing question must not end the run
        return {"id": question.id, **failure_json(exc)}, None
    prediction = {"id": question.id, **trace_json(answer)}
    passages = {hit.chunk.chunk_id: hit.chunk.text for hit in answer.retrieved}
    return prediction, passages


def progress(items: Sequence[T], desc: str) -> Iterable[T]:
    return tqdm(items, desc=desc, unit="question", file=sys.stderr)


def answer_all(
    answerer: Answerer, questions: Sequence[Question], desc: str, prepare: Prepare | None = None
) -> list[tuple[Prediction, Passages | None]]:
    return [predict(answerer, q, prepare) for q in progress(questions, desc)]


@dataclass
class Outcome:
    """What one run measured."""

    predictions: list[Prediction]
    scores: list[dict[str, Any]]
    summary: dict[str, Any]
    robustness: dict[str, Any] | None = None
    comparison: dict[str, Any] | None = None
    gate_failures: list[str] = field(default_factory=list)


def score_all(
    questions: Sequence[Question],
    answered: Sequence[tuple[Prediction, Passages | None]],
    determinism: float | None = None,
) -> Outcome:
    """Every answer scored against its question, and the summary."""
    scores = [
        scoring.score_question(dataclasses.asdict(q), prediction, passages)
        for q, (prediction, passages) in zip(questions, answered, strict=True)
    ]
    predictions = [prediction for prediction, _ in answered]
    return Outcome(predictions, scores, summarize(scores, determinism=determinism))


def evaluate(
    answerer: Answerer, questions: Sequence[Question], prepare: Prepare | None = None
) -> Outcome:
    """Answer and score every question, then re-ask the first few for determinism."""
    answered = answer_all(answerer, questions, "eval", prepare)
    again = answer_all(answerer, questions[:DETERMINISM_QUESTIONS], "determinism", prepare)
    first = [prediction for prediction, _ in answered[:DETERMINISM_QUESTIONS]]
    same = scoring.determinism(first, [p for p, _ in again])
    return score_all(questions, answered, same)


def write_outputs(out: Path, outcome: Outcome, markdown: str, meta: Mapping[str, Any]) -> None:
    out.mkdir(parents=True, exist_ok=True)
    write_jsonl(out / "predictions.jsonl", outcome.predictions)
    write_jsonl(out / "scores.jsonl", outcome.scores)
    metrics_json = {
        **meta,
        "summary": outcome.summary,
        "robustness": outcome.robustness,
        "comparison": outcome.comparison,
        "gate_failures": outcome.gate_failures,
    }
    write_json(out / "metrics.json", metrics_json)
    (out / "report.md").write_text(markdown, encoding="utf-8")


def command_line(argv: Sequence[str] | None = None) -> str:
    """The command as typed: `rag` and its arguments."""
    return shlex.join(["rag", *(sys.argv[1:] if argv is None else argv)])


def default_out(now: datetime | None = None) -> Path:
    return RUNS_DIR / (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")


def headline(summary: Mapping[str, Any]) -> str:
    """The run's one-line summary on stdout."""
    overall, total = summary["overall"], summary["latency_ms"]["total"]["p50"]
    means = [f"{key} {report.number(overall[key]['mean'])}" for key in HEADLINE]
    return ", ".join([*means, f"p50 total {report.number(total, 0)} ms"])


def run(
    settings: Settings,
    questions: Path,
    out: Path | None = None,
    baseline: Path | None = None,
    split: str | None = None,
    limit: int | None = None,
    robustness: bool = True,
    gates: Path | None = None,
    corpus: Sequence[Path] | None = None,
    gold_evidence: bool = False,
) -> int:
    """Evaluate, write the four output files and return the exit code (1 when a gate fails)."""
    from rag.answer import Answerer
    from rag.store import Store

    chosen = load_questions(questions, split, limit)
    gate_list: list[Gate] = load_gates(gates, split) if gates else []
    before = load_baseline(baseline, [q.id for q in chosen]) if baseline else None
    out = out or default_out()
    store = Store(settings)
    corpus = list(corpus or default_corpus(split))
    articles = ensure_corpus(store, corpus)
    gold = GoldEvidence() if gold_evidence else None
    answerer = Answerer(settings, store=store, chooser=gold)
    model = answerer.model  # loads the model now: a missing model stops the run here

    outcome = evaluate(answerer, chosen, (lambda q: gold.use(q.gold_evidence)) if gold else None)
    if robustness:
        outcome.robustness = run_robustness(model, settings, chosen, articles)
    if before:
        outcome.comparison = compare(before[0], outcome.scores)
    outcome.gate_failures = check_gates(outcome.summary, gate_list)

    command = command_line()
    model_info = {"name": settings.model, "file": model.file, "sha256": model.sha256}
    markdown = report.render_markdown(
        outcome.summary,
        command=command,
        model=model_info,
        baseline=before[1] if before else None,
        comparison=outcome.comparison,
        robustness=outcome.robustness,
    )
    if gates:
        markdown += "\n" + gates_section(outcome.gate_failures, gate_list, gates)
    meta = {
        "command": command,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "questions": {"file": str(questions), "split": split, "limit": limit, "count": len(chosen)},
        "corpus": [str(path) for path in corpus],
        "baseline": str(baseline) if baseline else None,
        "gates": str(gates) if gates else None,
        "gold_evidence": gold_evidence,
        "model": model_info,
        "settings": dataclasses.asdict(settings),
    }
    write_outputs(out, outcome, markdown, meta)
    print(headline(outcome.summary))
    print(f"wrote {out}/ (predictions.jsonl, scores.jsonl, metrics.json, report.md)")
    for failure in outcome.gate_failures:
        print(f"gate failed: {failure}", file=sys.stderr)
    return 1 if outcome.gate_failures else 0
