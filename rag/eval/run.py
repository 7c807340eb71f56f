"""Offline evaluation: runs the real answering pipeline over a question file and writes a report.

Contract: `run(settings, questions=..., ...)` loads the questions (one JSON object a line: id,
split, question, category, answerable, answers, gold_doc_ids, gold_evidence, history; unknown
fields are ignored, missing optional ones default, a malformed line is a RagError naming it),
keeps the chosen split and the first `limit`, makes sure the store holds the corpus (seeds/ by
default; syncing is idempotent), answers every question with `Answerer.ask` (a question that
raises gets its error recorded and the run goes on), re-asks the first few questions to measure
determinism, and optionally measures reader robustness on fixed contexts. It writes into the
output folder (default eval/runs/<UTC time>):

    predictions.jsonl  the `rag ask --json` object of each question, plus id, query and error
    scores.jsonl       rag.scoring's per-question scores
    metrics.json       summary, robustness, comparison, gates, model, settings and the command
    report.md          the markdown report, headed by the exact command line

With a baseline folder, the report adds the baseline's numbers, the deltas and the paired
comparison. With a gates file (see eval/gates.toml), every metric outside its threshold is
printed on one line and the exit code is 1; otherwise it is 0.

Reader robustness follows the RGB protocol on our corpus: for answerable single-document
questions without history, the model reads FIXED contexts, no retrieval, of CONTEXT_PASSAGES
chunks: the chunks of the gold document holding a gold evidence quote, mixed with distractor
chunks (no gold evidence and no answer alias; other articles first) at each noise ratio, in a
seeded order. Distractors number round(ratio × CONTEXT_PASSAGES); gold chunks fill the other
places as far as the question has them, so a context can be shorter. The draft is checked with
rag.cite and judged by slot matching. Rejection: the same questions with distractors only,
where abstaining is right.

Knows nothing about how answers are made (rag.answer's API only), how a question is scored
(rag.scoring) or how scores are aggregated and rendered (rag.report).
"""

from __future__ import annotations

import dataclasses
import json
import random
import shlex
import sys
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from tqdm import tqdm

from rag import cite, prompts
from rag.articles import Article, load_all
from rag.chunk import Chunk, split_article
from rag.config import Settings
from rag.draft import Drafter
from rag.errors import RagError
from rag.eval import metrics, report, scoring
from rag.schema import failure_json, trace_json
from rag.text import normalize_text, strip_citation_markers

if TYPE_CHECKING:
    from rag.answer import Answerer
    from rag.llm import ChatModel
    from rag.store import Store

DEFAULT_CORPUS = Path("seeds")
RUNS_DIR = Path("eval/runs")
DETERMINISM_QUESTIONS = 5  # the first N questions are asked twice
ROBUSTNESS_QUESTIONS = 12  # most questions in the robustness runs (each costs 4 generations)
NOISE_RATIOS = (0.0, 0.4, 0.8)
CONTEXT_PASSAGES = 5
SHUFFLE_SEED = 0
ALL_TABLE = "all"  # gates table used by a run without --split

Prediction = dict[str, Any]
Passages = dict[str, str]
T = TypeVar("T")

# ------------------------------------------------------------------------------ questions


@dataclass(frozen=True)
class Question:
    id: str
    question: str
    split: str | None = None
    category: str = "uncategorised"
    answerable: bool = False  # as read from a file without the field: whether there are answers
    answers: list[list[str]] = field(default_factory=list)
    gold_doc_ids: list[str] = field(default_factory=list)
    gold_evidence: list[str] = field(default_factory=list)
    history: list[dict[str, str]] = field(default_factory=list)


_LISTS = ("answers", "gold_doc_ids", "gold_evidence", "history")


def parse_question(line: str, number: int) -> Question:
    """One question from one line; the id defaults to `line<number>` and `answerable` to
    whether the question has answers. Raises ValueError with the reason."""
    try:
        record = json.loads(line)
    except json.JSONDecodeError as exc:
        raise ValueError(f"invalid JSON ({exc.msg})") from None
    if not isinstance(record, dict):
        raise ValueError("not a JSON object")
    text = record.get("question")
    if not isinstance(text, str) or not text.strip():
        raise ValueError("no question text")
    for name in _LISTS:
        if record.get(name) is not None and not isinstance(record[name], list):
            raise ValueError(f"{name!r} is not a list")
    answers = [_slot(value) for value in record.get("answers") or []]
    return Question(
        id=str(record.get("id") or f"line{number}"),
        question=text,
        split=None if record.get("split") is None else str(record["split"]),
        category=str(record.get("category") or "uncategorised"),
        answerable=bool(record.get("answerable", bool(answers))),
        answers=answers,
        gold_doc_ids=[str(d) for d in record.get("gold_doc_ids") or []],
        gold_evidence=[str(e) for e in record.get("gold_evidence") or []],
        history=list(record.get("history") or []),
    )


def _slot(value: Any) -> list[str]:
    """An answer slot: a list of aliases, or one alias as a bare string."""
    aliases = [value] if isinstance(value, str) else value
    if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
        raise ValueError(f"answer slot {value!r} is neither a string nor a list of strings")
    return aliases


def parse_questions(lines: Iterable[str], source: str = "questions") -> list[Question]:
    """Every question of the lines (blank lines skipped); a bad line or a repeated id is a
    RagError naming the line."""
    questions: list[Question] = []
    seen: set[str] = set()
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            question = parse_question(line, number)
        except ValueError as exc:
            raise RagError(f"{source} line {number}: {exc}") from None
        if question.id in seen:
            raise RagError(f"{source} line {number}: duplicate id {question.id!r}")
        seen.add(question.id)
        questions.append(question)
    return questions


def select(questions: Sequence[Question], split: str | None, limit: int | None) -> list[Question]:
    """The questions of `split` (all when None), then the first `limit` of them."""
    if limit is not None and limit < 1:
        raise RagError(f"--limit must be at least 1, not {limit}")
    chosen = [q for q in questions if split is None or q.split == split]
    return chosen[:limit]


def load_questions(
    path: Path, split: str | None = None, limit: int | None = None
) -> list[Question]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise RagError(f"cannot read the questions file {path}: {exc}") from None
    chosen = select(parse_questions(lines, str(path)), split, limit)
    if not chosen:
        raise RagError(f"{path} has no questions" + (f" in split {split!r}" if split else ""))
    return chosen


def as_dict(question: Question) -> dict[str, Any]:
    return dataclasses.asdict(question)


# ------------------------------------------------------------------------------ gates


@dataclass(frozen=True)
class Gate:
    metric: str
    bound: str  # "min" or "max"
    threshold: float

    def failure(self, value: float | None) -> str | None:
        """One line describing how `value` misses the gate, or None when it passes."""
        minimum = self.bound == "min"
        limit = f"{'minimum' if minimum else 'maximum'} {self.threshold:g}"
        if value is None:
            return f"{self.metric} = n/a (no question measures it), the {limit}"
        if (value < self.threshold) if minimum else (value > self.threshold):
            return f"{self.metric} = {value:.3f}, {'below' if minimum else 'above'} the {limit}"
        return None


def parse_gates(table: Mapping[str, Any], source: str) -> list[Gate]:
    """Gates from one table {"min": {metric: value}, "max": {metric: value}}."""
    known = {m.key for m in report.METRICS}
    gates = []
    for bound, limits in table.items():
        if bound not in ("min", "max") or not isinstance(limits, dict):
            raise RagError(f"{source}: expected only `min` and `max` tables, found {bound!r}")
        for metric, threshold in limits.items():
            if metric not in known:
                raise RagError(f"{source}: unknown metric {metric!r} (known: {sorted(known)})")
            if isinstance(threshold, bool) or not isinstance(threshold, int | float):
                raise RagError(f"{source}: {bound}.{metric} must be a number")
            gates.append(Gate(metric, bound, float(threshold)))
    return gates


def load_gates(path: Path, split: str | None) -> list[Gate]:
    """The gates of the run's split (table [all] for a run without a split)."""
    name = split or ALL_TABLE
    try:
        tables = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise RagError(f"cannot read the gates file {path}: {exc}") from None
    if not isinstance(tables.get(name), dict):
        raise RagError(f"{path} has no [{name}] table of gates")
    return parse_gates(tables[name], f"{path} [{name}]")


def check_gates(summary: Mapping[str, Any], gates: Sequence[Gate]) -> list[str]:
    """One line per gate the summary's overall means miss."""
    overall = summary["overall"]
    failures = (gate.failure(overall[gate.metric]["mean"]) for gate in gates)
    return [failure for failure in failures if failure]


# ------------------------------------------------------------------------- answering


def ensure_corpus(store: Store, corpus: Path) -> list[Article]:
    """Sync the corpus into the store (unchanged articles are not rewritten); its articles."""
    articles, failures = load_all([corpus])
    for failure in failures:
        print(f"skipped {failure}", file=sys.stderr)
    if not articles:
        raise RagError(f"no articles found in {corpus}")
    print(f"corpus {corpus}: {store.sync(articles)}", file=sys.stderr)
    return articles


def predict(answerer: Answerer, question: Question) -> tuple[Prediction, Passages | None]:
    """The prediction for one question and the text of the passages it retrieved; an exception
    becomes the prediction's error."""
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
    answerer: Answerer, questions: Sequence[Question], desc: str
) -> list[tuple[Prediction, Passages | None]]:
    return [predict(answerer, q) for q in progress(questions, desc)]


# ---------------------------------------------------------------------- robustness


@dataclass(frozen=True)
class Case:
    """A question with its gold chunks and its distractors in order of use."""

    question: Question
    gold: list[Chunk]
    distractors: list[Chunk]


def _holds_any(text: str, quotes: Iterable[str]) -> bool:
    normalized = normalize_text(text)
    return any(normalize_text(quote) in normalized for quote in quotes)


def robustness_case(
    question: Question, chunks: Sequence[Chunk], seed: int = SHUFFLE_SEED
) -> Case | None:
    """The question's case, or None when it does not qualify: answerable, one gold document,
    no history, a chunk holding gold evidence and at least CONTEXT_PASSAGES distractors.
    Distractors hold no gold evidence and match no answer slot; other documents' chunks come
    first, each group in a seeded order."""
    if not question.answerable or len(question.gold_doc_ids) != 1 or question.history:
        return None
    doc = question.gold_doc_ids[0]
    gold = [c for c in chunks if c.doc_id == doc and _holds_any(c.text, question.gold_evidence)]
    clean = [
        c
        for c in chunks
        if not _holds_any(c.text, question.gold_evidence)
        and not any(metrics.slot_matched(slot, c.text) for slot in question.answers)
    ]
    rng = random.Random(f"{seed}:{question.id}")
    groups = ([c for c in clean if c.doc_id != doc], [c for c in clean if c.doc_id == doc])
    distractors = [c for group in groups for c in rng.sample(group, len(group))]
    if not gold or len(distractors) < CONTEXT_PASSAGES:
        return None
    return Case(question, gold, distractors)


def noisy_context(
    case: Case, noise: float, total: int = CONTEXT_PASSAGES, seed: int = SHUFFLE_SEED
) -> list[Chunk]:
    """round(noise × total) distractors and up to the rest gold chunks, in a seeded order."""
    n_noise = round(noise * total)
    passages = case.gold[: total - n_noise] + case.distractors[:n_noise]
    return random.Random(f"{seed}:{case.question.id}:{noise}").sample(passages, len(passages))


def read_fixed(
    model: ChatModel, settings: Settings, question: Question, sources: Sequence[Chunk]
) -> dict[str, Any]:
    """The checked answer of the model reading exactly these sources."""
    draft = Drafter(model, settings.max_answer_tokens).complete(question.question, sources)
    checked = cite.check(draft, sources, prompts.NOT_FOUND)
    answer = strip_citation_markers(checked.text)
    correct = not checked.abstained and metrics.all_slots(question.answers, answer) == 1
    return {
        "id": question.id,
        "abstained": checked.abstained,
        "correct": correct,
        "answer": checked.text,
    }


def run_robustness(
    model: ChatModel, settings: Settings, questions: Sequence[Question], articles: Sequence[Article]
) -> dict[str, Any]:
    """Noise and rejection rows for up to ROBUSTNESS_QUESTIONS qualifying questions, and their
    summary (report.summarize_robustness)."""
    chunks = [
        c for a in articles for c in split_article(a, settings.chunk_chars, settings.chunk_overlap)
    ]
    cases = [case for q in questions if (case := robustness_case(q, chunks))]
    cases = cases[:ROBUSTNESS_QUESTIONS]
    noise_rows, rejection_rows = [], []
    for case in progress(cases, "robustness"):
        for noise in NOISE_RATIOS:
            sources = noisy_context(case, noise)
            row = read_fixed(model, settings, case.question, sources)
            gold = sum(c in case.gold for c in sources)
            noise_rows.append({**row, "noise": noise, "gold": gold, "passages": len(sources)})
        sources = case.distractors[:CONTEXT_PASSAGES]
        rejection_rows.append(read_fixed(model, settings, case.question, sources))
    return {
        **report.summarize_robustness(noise_rows, rejection_rows),
        "protocol": {
            "passages": CONTEXT_PASSAGES,
            "ratios": list(NOISE_RATIOS),
            "seed": SHUFFLE_SEED,
        },
        "rows": {"noise": noise_rows, "rejection": rejection_rows},
    }


# -------------------------------------------------------------------------- output


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    try:
        return [
            json.loads(line)
            for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip()
        ]
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise RagError(f"cannot read {path}: {exc}") from None


def load_baseline(
    folder: Path, ids: Iterable[str] | None = None
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """A baseline run's scores and summary (recomputed when metrics.json lacks one); with
    `ids`, only those questions, so a split compares with the same split of the baseline."""
    scores = read_jsonl(folder / "scores.jsonl")
    if ids is not None:
        wanted = set(ids)
        kept = [s for s in scores if s.get("id") in wanted]
        return kept, report.summarize(kept)
    try:
        summary = json.loads((folder / "metrics.json").read_text(encoding="utf-8"))["summary"]
    except (OSError, ValueError, KeyError, TypeError):
        summary = report.summarize(scores)
    return scores, summary


def calibration_rows(folder: Path) -> list[tuple[dict[str, float], bool]]:
    """(signals, whether the verified answer was right) for each answer of an eval run that
    reached the confidence step."""
    signals = {p["id"]: p.get("signals") or {} for p in read_jsonl(folder / "predictions.jsonl")}
    return [
        (signals[s["id"]], bool(s["candidate_correct"]))
        for s in read_jsonl(folder / "scores.jsonl")
        if s.get("candidate_correct") is not None and "judge" in signals.get(s["id"], {})
    ]


def write_jsonl(path: Path, rows: Iterable[Mapping[str, Any]]) -> None:
    path.write_text(
        "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows), encoding="utf-8"
    )


def write_json(path: Path, data: Any) -> None:
    path.write_text(
        json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n", encoding="utf-8"
    )


def command_line(argv: Sequence[str] | None = None) -> str:
    """The command as typed: `rag` and its arguments."""
    return shlex.join(["rag", *(sys.argv[1:] if argv is None else argv)])


def default_out(now: datetime | None = None) -> Path:
    return RUNS_DIR / (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")


def gates_section(failures: Sequence[str], gates: Sequence[Gate], source: Path) -> str:
    lines = [f"- FAILED: {failure}" for failure in failures] or [f"- all {len(gates)} passed"]
    return f"## Gates ({source})\n\n" + "\n".join(lines) + "\n"


def headline(summary: Mapping[str, Any]) -> str:
    keys = (
        "all_slots",
        "abstention_recall",
        "false_abstention",
        "cites_gold_doc",
        "supported",
        "hit@5",
    )
    means = [f"{key} {_fmt(summary['overall'][key]['mean'])}" for key in keys]
    return ", ".join([*means, f"p50 total {_fmt(summary['latency_ms']['total']['p50'], 0)} ms"])


def _fmt(value: float | None, digits: int = 3) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


# ---------------------------------------------------------------------------------- run


@dataclass
class Outcome:
    """What one run measured."""

    predictions: list[Prediction]
    scores: list[dict[str, Any]]
    summary: dict[str, Any]
    robustness: dict[str, Any] | None = None
    comparison: dict[str, Any] | None = None
    gate_failures: list[str] = field(default_factory=list)


def evaluate(answerer: Answerer, questions: Sequence[Question]) -> Outcome:
    """Answer and score every question, then re-ask the first few for determinism."""
    answered = answer_all(answerer, questions, "eval")
    predictions = [prediction for prediction, _ in answered]
    scores = [
        scoring.score_question(as_dict(q), prediction, passages)
        for q, (prediction, passages) in zip(questions, answered, strict=True)
    ]
    again = answer_all(answerer, questions[:DETERMINISM_QUESTIONS], "determinism")
    same = scoring.determinism(predictions[:DETERMINISM_QUESTIONS], [p for p, _ in again])
    return Outcome(predictions, scores, report.summarize(scores, determinism=same))


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


def run(
    settings: Settings,
    questions: Path,
    out: Path | None = None,
    baseline: Path | None = None,
    split: str | None = None,
    limit: int | None = None,
    robustness: bool = True,
    gates: Path | None = None,
    corpus: Path = DEFAULT_CORPUS,
) -> int:
    """Evaluate, write the four output files and return the exit code (1 when a gate fails)."""
    from rag.answer import Answerer
    from rag.store import Store

    chosen = load_questions(questions, split, limit)
    gate_list = load_gates(gates, split) if gates else []
    before = load_baseline(baseline, [q.id for q in chosen]) if baseline else None
    out = out or default_out()
    store = Store(settings)
    articles = ensure_corpus(store, corpus)
    answerer = Answerer(settings, store=store)
    model = answerer.model  # loads the model now: a missing model stops the run here

    outcome = evaluate(answerer, chosen)
    if robustness:
        outcome.robustness = run_robustness(model, settings, chosen, articles)
    if before:
        outcome.comparison = report.compare(before[0], outcome.scores)
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
        "corpus": str(corpus),
        "baseline": str(baseline) if baseline else None,
        "gates": str(gates) if gates else None,
        "model": model_info,
        "settings": dataclasses.asdict(settings),
    }
    write_outputs(out, outcome, markdown, meta)
    print(headline(outcome.summary))
    print(f"wrote {out}/ (predictions.jsonl, scores.jsonl, metrics.json, report.md)")
    for failure in outcome.gate_failures:
        print(f"gate failed: {failure}", file=sys.stderr)
    return 1 if outcome.gate_failures else 0
