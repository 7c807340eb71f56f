"""Question files (rag.eval.questions): parsing, defaults, errors naming the line, splits."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest

from rag.errors import RagError
from rag.eval import questions
from rag.eval.questions import Question

ROOT = Path(__file__).resolve().parents[1]


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
    [question] = questions.parse_questions(lines(record))
    assert dataclasses.asdict(question) == record


def test_missing_optional_fields_default_and_unknown_fields_are_ignored() -> None:
    [question] = questions.parse_questions(lines({"question": "What?", "note": "ignored"}))
    assert question == Question(id="line1", question="What?", answerable=False)
    assert question.split is None
    assert question.category == "uncategorised"
    assert question.answerable is False  # no answers
    assert question.answers == question.gold_doc_ids == question.history == []


def test_bare_string_answers_are_slots_and_answerable_follows_them() -> None:
    [question] = questions.parse_questions(lines({"id": 7, "question": "Q", "answers": ["33%"]}))
    assert question.id == "7"
    assert question.answers == [["33%"]]
    assert question.answerable is True


def test_blank_lines_are_skipped_but_counted() -> None:
    parsed = questions.parse_questions(["", json.dumps({"question": "a"}), "  "])
    assert [q.id for q in parsed] == ["line2"]


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
        questions.parse_questions([good, line], "questions.jsonl")
    message = str(error.value)
    assert message.startswith("questions.jsonl line 2: ")
    assert reason in message
    assert "\n" not in message


def test_select_filters_by_split_then_limits() -> None:
    chosen = [Question(id=f"q{i}", question="q", split=s) for i, s in enumerate("aabab")]
    assert [q.id for q in questions.select(chosen, "b", None)] == ["q2", "q4"]
    assert [q.id for q in questions.select(chosen, "a", 2)] == ["q0", "q1"]
    assert len(questions.select(chosen, None, 10)) == 5
    with pytest.raises(RagError, match="--limit"):
        questions.select(chosen, None, 0)


def test_load_questions_from_a_file(tmp_path: Path) -> None:
    path = tmp_path / "q.jsonl"
    path.write_text("\n".join(lines({"question": "a", "split": "smoke"}, {"question": "b"})))
    assert [q.question for q in questions.load_questions(path, "smoke")] == ["a"]
    with pytest.raises(RagError, match="no questions in split 'dev'"):
        questions.load_questions(path, "dev")
    with pytest.raises(RagError, match="cannot read"):
        questions.load_questions(tmp_path / "missing.jsonl")


def test_the_committed_question_set_loads() -> None:
    loaded = questions.load_questions(ROOT / "eval" / "questions.jsonl")
    assert len(loaded) >= 80
    assert len(questions.load_questions(ROOT / "eval" / "questions.jsonl", "smoke")) >= 15


def test_the_held_out_split_runs_only_when_named() -> None:
    chosen = [
        Question("q1", "?", split="dev"),
        Question("h1", "?", split=questions.HELD_OUT),
        Question("q2", "?", split=None),
    ]
    assert [q.id for q in questions.select(chosen, None, None)] == ["q1", "q2"]
    assert [q.id for q in questions.select(chosen, questions.HELD_OUT, None)] == ["h1"]
