"""The `rag eval` runner (rag.eval.run) and the files of a run (rag.eval.outputs), and one slow
end-to-end run of `rag eval` on the smoke split that doubles as the quality gate."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from rag.answer import Answer
from rag.chunk import Chunk
from rag.cite import Citation
from rag.errors import RagError
from rag.eval import outputs, run
from rag.eval.questions import Question
from rag.eval.summary import summarize
from rag.retrieve import Hit

ROOT = Path(__file__).resolve().parents[1]
TEXT = "Talks were held at the Great Hall of the People."
SOURCE = Chunk("gold:1", "gold", "GOLD", "2025-09-04", 1, 0, len(TEXT), TEXT)


def an_answer(text: str) -> Answer:
    source = SOURCE
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
    outcome = run.evaluate(FakeAnswerer(), questions)  # type: ignore[arg-type]
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


def test_each_question_is_prepared_before_it_is_asked() -> None:
    asked: list[str] = []

    class Recording(FakeAnswerer):
        def ask(self, question: str, history: list[dict[str, str]]) -> Answer:
            asked.append(f"ask {question}")
            return super().ask(question, history)

    questions = [Question(id=i, question=i, answerable=False) for i in ("a", "b")]
    run.evaluate(Recording(), questions, lambda q: asked.append(f"prepare {q.id}"))  # type: ignore[arg-type]
    # then the determinism re-asks, prepared the same way
    assert asked == ["prepare a", "ask a", "prepare b", "ask b"] * 2


def test_command_line_and_default_output_folder() -> None:
    assert run.command_line(["eval", "--split", "smoke"]) == "rag eval --split smoke"
    assert run.command_line(["ask", "a b"]) == "rag ask 'a b'"
    now = datetime(2025, 9, 4, 8, 30, 5, tzinfo=UTC)
    assert run.default_out(now) == Path("eval/runs/20250904T083005Z")


def test_headline_prints_the_chosen_means() -> None:
    line = run.headline(summarize([{"id": "q", "all_slots": 1, "timings_ms": {"total": 1500.4}}]))
    assert line == (
        "all_slots 1.000, abstention_recall n/a, false_abstention n/a, cites_gold_doc n/a, "
        "supported n/a, hit@5 n/a, p50 total 1500 ms"
    )


def test_baseline_without_metrics_json_is_summarized_from_its_scores(tmp_path: Path) -> None:
    rows = [{"id": "q1", "category": "factoid", "correct": True, "timings_ms": {}}]
    outputs.write_jsonl(tmp_path / "scores.jsonl", rows)
    scores, summary = outputs.load_baseline(tmp_path)
    assert scores == rows
    assert summary["counts"]["questions"] == 1
    with pytest.raises(RagError, match="cannot read"):
        outputs.load_baseline(tmp_path / "nothing")


def test_a_split_compares_with_the_same_questions_of_the_baseline(tmp_path: Path) -> None:
    rows = [
        {"id": q, "category": "factoid", "all_slots": v, "timings_ms": {}}
        for q, v in (("q1", 1), ("q2", 0), ("q3", 0))
    ]
    outputs.write_jsonl(tmp_path / "scores.jsonl", rows)
    outputs.write_json(tmp_path / "metrics.json", {"summary": {"counts": {"questions": 3}}})
    scores, summary = outputs.load_baseline(tmp_path, ["q1", "q2"])
    assert [s["id"] for s in scores] == ["q1", "q2"]
    assert summary["counts"]["questions"] == 2
    assert summary["overall"]["all_slots"]["mean"] == 0.5


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
