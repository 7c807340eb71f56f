"""Evaluation questions: the `Question` record, parsing a question file, choosing a split.

Contract: a question file holds one JSON object a line (id, split, question, category,
answerable, answers, gold_doc_ids, gold_evidence, history; see eval/README.md). Unknown fields
are ignored, missing optional ones default (`id` to `line<N>`, `answerable` to whether there
are answers), a bare string answer is a slot of one alias, blank lines are skipped. A malformed
line or a repeated id is a RagError naming the line. Without a chosen split, every split but
the held-out one is taken.
Knows nothing about answering, scoring or reports.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rag.errors import RagError

HELD_OUT = "heldout"  # the split kept out of every choice until the end: run only when named


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
    """The questions of `split` (when None: every split but the held-out one, which is run
    only when named), then the first `limit` of them."""
    if limit is not None and limit < 1:
        raise RagError(f"--limit must be at least 1, not {limit}")
    chosen = [q for q in questions if q.split == split or (split is None and q.split != HELD_OUT)]
    return chosen[:limit]


def load_questions(
    path: Path, split: str | None = None, limit: int | None = None
) -> list[Question]:
    """The chosen questions of a file; none is a RagError."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise RagError(f"cannot read the questions file {path}: {exc}") from None
    chosen = select(parse_questions(lines, str(path)), split, limit)
    if not chosen:
        raise RagError(f"{path} has no questions" + (f" in split {split!r}" if split else ""))
    return chosen
