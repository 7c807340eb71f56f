"""The evaluation runner (rag.evaluate): question loading, gates, robustness contexts, and one
slow end-to-end run of `rag eval` on the smoke split that doubles as the quality gate."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from rag.answer import Answer
from rag.chunk import Chunk
from rag.cite import Citation
from rag.config import Settings
from rag.errors import RagError
from rag.eval import report
from rag.eval import run as evaluate
from rag.eval.run import Case, Gate, Question
from rag.llm import Generation
from rag.retrieve import Hit

ROOT = Path(__file__).resolve().parents[1]

# ------------------------------------------------------------------------------ questions


def lines(*records: Any) -> list[str]:
    return [r if isinstance(r, str) else json.dumps(r) for r in records]


def test_full_question_is_read_as_written() -> None:
    record = {
        "id": "q1",
        "split": "smoke",
        "question": "Who came?",
        "category": "factoid",
        "answerable": True,
        "answers": [["Kim Ju Ae", "daughter"]],
        "gold_doc_ids": ["d1"],
        "gold_evidence": ["accompanied by his daughter"],
        "history": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}],
    }
    [question] = evaluate.parse_questions(lines(record))
    assert evaluate.as_dict(question) == record


def test_missing_optional_fields_default_and_unknown_fields_are_ignored() -> None:
    [question] = evaluate.parse_questions(lines({"question": "What?", "note": "ignored"}))
    assert question == Question(id="line1", question="What?", answerable=False)
    assert question.split is None
    assert question.category == "uncategorised"
    assert question.answerable is False  # no answers
    assert question.answers == question.gold_doc_ids == question.history == []


def test_bare_string_answers_are_slots_and_answerable_follows_them() -> None:
    [question] = evaluate.parse_questions(lines({"id": 7, "question": "Q", "answers": ["33%"]}))
    assert question.id == "7"
    assert question.answers == [["33%"]]
    assert question.answerable is True


def test_blank_lines_are_skipped_but_counted() -> None:
    questions = evaluate.parse_questions(["", json.dumps({"question": "a"}), "  "])
    assert [q.id for q in questions] == ["line2"]


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("{not json", "invalid JSON"),
        ("[1, 2]", "not a JSON object"),
        (json.dumps({"id": "x"}), "no question text"),
        (json.dumps({"question": "  "}), "no question text"),
        (json.dumps({"question": "q", "answers": "33%"}), "'answers' is not a list"),
        (json.dumps({"question": "q", "history": {}}), "'history' is not a list"),
        (json.dumps({"question": "q", "answers": [[1]]}), "answer slot"),
        (json.dumps({"id": "q1", "question": "again"}), "duplicate id 'q1'"),
    ],
)
def test_a_malformed_line_is_one_error_naming_it(line: str, reason: str) -> None:
    good = json.dumps({"id": "q1", "question": "fine"})
    with pytest.raises(RagError) as error:
        evaluate.parse_questions([good, line], "questions.jsonl")
    message = str(error.value)
    assert message.startswith("questions.jsonl line 2: ")
    assert reason in message
    assert "\n" not in message


def test_select_filters_by_split_then_limits() -> None:
    questions = [Question(id=f"q{i}", question="q", split=s) for i, s in enumerate("aabab")]
    assert [q.id for q in evaluate.select(questions, "b", None)] == ["q2", "q4"]
    assert [q.id for q in evaluate.select(questions, "a", 2)] == ["q0", "q1"]
    assert len(evaluate.select(questions, None, 10)) == 5
    with pytest.raises(RagError, match="--limit"):
        evaluate.select(questions, None, 0)


def test_load_questions_from_a_file(tmp_path: Path) -> None:
    path = tmp_path / "q.jsonl"
    path.write_text("\n".join(lines({"question": "a", "split": "smoke"}, {"question": "b"})))
    assert [q.question for q in evaluate.load_questions(path, "smoke")] == ["a"]
    with pytest.raises(RagError, match="no questions in split 'dev'"):
        evaluate.load_questions(path, "dev")
    with pytest.raises(RagError, match="cannot read"):
        evaluate.load_questions(tmp_path / "missing.jsonl")


def test_the_committed_question_set_loads() -> None:
    questions = evaluate.load_questions(ROOT / "eval" / "questions.jsonl")
    assert len(questions) >= 80
    assert len(evaluate.load_questions(ROOT / "eval" / "questions.jsonl", "smoke")) >= 15


# ---------------------------------------------------------------------------------- gates


def summary_with(**means: float | None) -> dict[str, Any]:
    return {"overall": {m.key: {"mean": means.get(m.key), "n": 1} for m in report.METRICS}}


GATES_TOML = """
[smoke.min]
all_slots = 0.6
"hit@5" = 0.9

[smoke.max]
false_abstention = 0.3

[all]
min = { all_slots = 0.5 }
"""


def test_gates_are_read_from_the_split_table(tmp_path: Path) -> None:
    path = tmp_path / "gates.toml"
    path.write_text(GATES_TOML)
    assert set(evaluate.load_gates(path, "smoke")) == {
        Gate("all_slots", "min", 0.6),
        Gate("hit@5", "min", 0.9),
        Gate("false_abstention", "max", 0.3),
    }
    assert evaluate.load_gates(path, None) == [Gate("all_slots", "min", 0.5)]
    with pytest.raises(RagError, match=r"no \[dev\] table"):
        evaluate.load_gates(path, "dev")


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ("[smoke.min]\nall_slot = 0.5", "unknown metric 'all_slot'"),
        ("[smoke.min]\nall_slots = 'high'", "must be a number"),
        ("[smoke.min]\nall_slots = true", "must be a number"),
        ("[smoke.least]\nall_slots = 0.5", "only `min` and `max`"),
        ("[smoke]\nmin = 0.5", "only `min` and `max`"),
        ("[smoke.min\n", "cannot read the gates file"),
    ],
)
def test_bad_gates_are_errors(tmp_path: Path, table: str, message: str) -> None:
    path = tmp_path / "gates.toml"
    path.write_text(table)
    with pytest.raises(RagError, match=message):
        evaluate.load_gates(path, "smoke")


def test_check_gates_reports_each_missed_threshold_in_one_line() -> None:
    gates = [
        Gate("all_slots", "min", 0.6),
        Gate("hit@5", "min", 0.9),
        Gate("false_abstention", "max", 0.3),
        Gate("abstention_recall", "min", 0.5),
    ]
    passing = summary_with(
        all_slots=0.6, **{"hit@5": 1.0}, false_abstention=0.3, abstention_recall=0.5
    )
    assert evaluate.check_gates(passing, gates) == []
    failing = summary_with(all_slots=0.55, **{"hit@5": 0.95}, false_abstention=0.35)
    assert evaluate.check_gates(failing, gates) == [
        "all_slots = 0.550, below the minimum 0.6",
        "false_abstention = 0.350, above the maximum 0.3",
        "abstention_recall = n/a (no question measures it), the minimum 0.5",
    ]


@pytest.mark.parametrize("split", ["smoke", None])
def test_the_committed_gates_file_is_valid(split: str | None) -> None:
    gates = evaluate.load_gates(ROOT / "eval" / "gates.toml", split)
    assert gates
    assert {g.bound for g in gates} == {"min", "max"}


# ----------------------------------------------------------------------------- robustness


def chunk(doc: str, position: int, text: str) -> Chunk:
    return Chunk(f"{doc}:{position}", doc, doc.upper(), "2025-09-04", position, 0, len(text), text)


GOLD_DOC = [
    chunk("gold", 0, "Kim arrived in Beijing on Tuesday."),
    chunk("gold", 1, "Talks were held at the Great Hall of the People."),
    chunk("gold", 2, "Xi and Kim met in the Great Hall of the People on Thursday."),
    chunk("gold", 3, "Trade grew 33% in the first half."),
    chunk("gold", 4, "The Great Hall of the People, once more."),
]
OTHER_DOC = [chunk("other", i, f"Unrelated passage number {i} about railways.") for i in range(5)]
OTHER_DOC.append(chunk("other", 5, "Leaders met in the great hall of the people."))
CHUNKS = GOLD_DOC + OTHER_DOC
QUESTION = Question(
    id="q1",
    question="Where were the talks held?",
    answerable=True,
    answers=[["Great Hall"]],
    gold_doc_ids=["gold"],
    gold_evidence=["Talks were held at the Great Hall", "met in the great hall of the people"],
)


def make_case(question: Question = QUESTION, chunks: list[Chunk] = CHUNKS) -> Case:
    case = evaluate.robustness_case(question, chunks)
    assert case is not None
    return case


def test_gold_chunks_hold_evidence_of_the_gold_document_only() -> None:
    case = make_case()
    # quotes match case- and quote-insensitively; the other article's match is not gold
    assert [c.chunk_id for c in case.gold] == ["gold:1", "gold:2"]


def test_distractors_hold_neither_evidence_nor_answer_and_other_documents_come_first() -> None:
    case = make_case()
    ids = [c.chunk_id for c in case.distractors]
    # other:5 holds evidence, gold:1, gold:2 and gold:4 hold the answer
    assert sorted(ids) == sorted([*(f"other:{i}" for i in range(5)), "gold:0", "gold:3"])
    assert {c.doc_id for c in case.distractors[:5]} == {"other"}


@pytest.mark.parametrize(
    ("question", "chunks"),
    [
        (Question(**{**evaluate.as_dict(QUESTION), "answerable": False}), CHUNKS),
        (Question(**{**evaluate.as_dict(QUESTION), "gold_doc_ids": ["gold", "other"]}), CHUNKS),
        (
            Question(
                **{**evaluate.as_dict(QUESTION), "history": [{"role": "user", "content": "x"}]}
            ),
            CHUNKS,
        ),
        (Question(**{**evaluate.as_dict(QUESTION), "gold_evidence": ["not there"]}), CHUNKS),
        (QUESTION, GOLD_DOC + OTHER_DOC[:2]),  # too few distractors
    ],
    ids=["unanswerable", "two gold docs", "history", "no gold chunk", "few distractors"],
)
def test_questions_that_do_not_qualify(question: Question, chunks: list[Chunk]) -> None:
    assert evaluate.robustness_case(question, chunks) is None


@pytest.mark.parametrize(("noise", "gold", "distractors"), [(0.0, 5, 0), (0.4, 3, 2), (0.8, 1, 4)])
def test_noise_ratio_sets_the_mix(noise: float, gold: int, distractors: int) -> None:
    rich = Case(QUESTION, GOLD_DOC, OTHER_DOC[:5])  # enough gold chunks to fill the 5 places
    context = evaluate.noisy_context(rich, noise)
    assert sum(c in rich.gold for c in context) == gold
    assert sum(c in rich.distractors for c in context) == distractors
    assert len(set(context)) == len(context) == evaluate.CONTEXT_PASSAGES


def test_short_of_gold_the_context_is_shorter() -> None:
    case = make_case()
    assert [len(evaluate.noisy_context(case, r)) for r in evaluate.NOISE_RATIOS] == [2, 4, 5]


def test_contexts_are_deterministic_and_nested() -> None:
    first, second = make_case(), make_case()
    assert first == second
    for noise in evaluate.NOISE_RATIOS:
        assert evaluate.noisy_context(first, noise) == evaluate.noisy_context(second, noise)
    low, high = (set(evaluate.noisy_context(first, r)) - set(first.gold) for r in (0.4, 0.8))
    assert low < high


def test_the_seed_changes_the_order() -> None:
    case = make_case()
    orders = {
        tuple(c.chunk_id for c in evaluate.noisy_context(case, 0.8, seed=s)) for s in range(10)
    }
    assert len(orders) > 1


class FakeModel:
    file, sha256, n_ctx = "fake.gguf", "0" * 64, 4096

    def __init__(self, reply: str) -> None:
        self.reply = reply
        self.prompts: list[list[dict[str, str]]] = []

    def generate(self, messages: list[dict[str, str]], max_tokens: int) -> Generation:
        self.prompts.append(messages)
        return Generation(iter([self.reply[:5], self.reply[5:]]))


@pytest.mark.parametrize(
    ("reply", "abstained", "correct"),
    [
        ("Talks were held at the Great Hall of the People [1].", False, True),
        ("NOT IN SOURCES", True, False),
        ("Kim arrived in Beijing on Tuesday [1].", False, False),
    ],
)
def test_read_fixed_checks_and_judges_the_draft(reply: str, abstained: bool, correct: bool) -> None:
    model = FakeModel(reply)
    sources = [GOLD_DOC[1]] if correct else [GOLD_DOC[0]]
    row = evaluate.read_fixed(model, Settings(), QUESTION, sources)  # type: ignore[arg-type]
    assert (row["abstained"], row["correct"]) == (abstained, correct)
    assert sources[0].text in model.prompts[0][-1]["content"]


# ------------------------------------------------------------------------------- answering


def an_answer(text: str) -> Answer:
    source = GOLD_DOC[1]
    quote = source.text
    citation = Citation(1, source, quote, 0, len(quote))
    hit = Hit(source, rank=1, score=0.5, similarity=0.7)
    return Answer(
        question="q", query="rewritten", text=text, abstained=False, abstain_reason="",
        confidence=1.0, signals={}, candidate=text, as_of=None, resolved_dates=[], conflicts=[],
        citations=[citation], retrieved=[hit], dropped=[], removed=[], draft=text,
        timings_ms={"total": 5.0}, usage={}, model_file="m.gguf", model_sha256="abc",
    )  # fmt: skip


class FakeAnswerer:
    def ask(self, question: str, history: list[dict[str, str]]) -> Answer:
        if question == "boom":
            raise RuntimeError("model fell over")
        return an_answer("The Great Hall [1].")


def test_an_exception_becomes_the_error_of_its_prediction_and_the_run_goes_on() -> None:
    questions = [
        Question(id="a", question="boom", answerable=True, answers=[["Great Hall"]]),
        Question(
            id="b",
            question="Where?",
            answerable=True,
            answers=[["Great Hall"]],
            gold_doc_ids=["gold"],
        ),
    ]
    outcome = evaluate.evaluate(FakeAnswerer(), questions)  # type: ignore[arg-type]
    failed, answered = outcome.predictions
    assert failed["error"] == "RuntimeError: model fell over"
    assert answered["error"] is None
    assert answered["query"] == "rewritten"
    assert answered["retrieved"][0]["chunk_id"] == "gold:1"
    assert [s["failure"] for s in outcome.scores] == ["error", None]
    assert outcome.scores[1]["all_slots"] == outcome.scores[1]["cites_gold_doc"] == 1
    assert outcome.scores[1]["supported"] == 1  # the passages come from the retrieved hits
    assert outcome.summary["determinism"] == 1.0
    assert set(failed) == set(answered)


def test_command_line_and_default_output_folder() -> None:
    assert evaluate.command_line(["eval", "--split", "smoke"]) == "rag eval --split smoke"
    assert evaluate.command_line(["ask", "a b"]) == "rag ask 'a b'"
    now = datetime(2025, 9, 4, 8, 30, 5, tzinfo=UTC)
    assert evaluate.default_out(now) == Path("eval/runs/20250904T083005Z")


def test_baseline_without_metrics_json_is_summarized_from_its_scores(tmp_path: Path) -> None:
    rows = [{"id": "q1", "category": "factoid", "correct": True, "timings_ms": {}}]
    evaluate.write_jsonl(tmp_path / "scores.jsonl", rows)
    scores, summary = evaluate.load_baseline(tmp_path)
    assert scores == rows
    assert summary["counts"]["questions"] == 1
    with pytest.raises(RagError, match="cannot read"):
        evaluate.load_baseline(tmp_path / "nothing")


def test_a_split_compares_with_the_same_questions_of_the_baseline(tmp_path: Path) -> None:
    rows = [
        {"id": q, "category": "factoid", "all_slots": v, "timings_ms": {}}
        for q, v in (("q1", 1), ("q2", 0), ("q3", 0))
    ]
    evaluate.write_jsonl(tmp_path / "scores.jsonl", rows)
    evaluate.write_json(tmp_path / "metrics.json", {"summary": {"counts": {"questions": 3}}})
    scores, summary = evaluate.load_baseline(tmp_path, ["q1", "q2"])
    assert [s["id"] for s in scores] == ["q1", "q2"]
    assert summary["counts"]["questions"] == 2
    assert summary["overall"]["all_slots"]["mean"] == 0.5


# ------------------------------------------------------------------------------------ slow


@pytest.mark.slow
@pytest.mark.timeout(3600)
def test_smoke_split_passes_the_gates(tmp_path: Path) -> None:
    """The quality gate: the real system on the smoke split must meet eval/gates.toml."""
    out = tmp_path / "run"
    command = [
        sys.executable, "-m", "rag", "--data-dir", str(tmp_path / "data"), "eval",
        "--split", "smoke", "--gates", "eval/gates.toml", "--no-robustness", "--out", str(out),
    ]  # fmt: skip
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr[-3000:]
    for name in ("predictions.jsonl", "scores.jsonl", "metrics.json", "report.md"):
        assert (out / name).is_file(), name
    metrics = json.loads((out / "metrics.json").read_text())
    assert {"summary", "robustness", "model", "settings", "command"} <= set(metrics)
    assert metrics["robustness"] is None
    assert metrics["summary"]["counts"]["questions"] == len(
        (out / "predictions.jsonl").read_text().splitlines()
    )
    assert metrics["command"] in (out / "report.md").read_text()
    assert metrics["summary"]["determinism"] is not None
