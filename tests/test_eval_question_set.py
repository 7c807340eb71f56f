"""Sanity checks for the hand-written evaluation question set (eval/questions.jsonl)."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest

from rag.eval import summary

ROOT = Path(__file__).parents[1]
QUESTIONS_PATH = ROOT / "eval" / "questions.jsonl"
SEEDS_DIR = ROOT / "seeds"
CORPUS_DIR = ROOT / "eval" / "corpus"  # articles written for the held-out split

CATEGORIES = set(summary.CATEGORIES)  # the categories the report orders
SPLITS = {"smoke", "dev", "test", "heldout"}
NOT_ANSWERABLE = {"unanswerable", "false_premise"}
REQUIRED_FIELDS = {
    "id": str,
    "split": str,
    "question": str,
    "category": str,
    "answerable": bool,
    "answers": list,
    "gold_doc_ids": list,
    "gold_evidence": list,
}
ID_RE = re.compile(r"^[qh]\d{3}$")  # q: the first 90, h: the held-out split


def _load() -> list[dict]:
    rows = []
    with QUESTIONS_PATH.open(encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as exc:  # pragma: no cover - reported as failure
                raise AssertionError(f"line {lineno}: invalid JSON: {exc}") from exc
    return rows


QUESTIONS = _load()


def _doc_path(doc_id: str) -> Path | None:
    """The article file of a doc id: a seed, or an article of the evaluation corpus."""
    found = [SEEDS_DIR / f"{doc_id}.txt", *CORPUS_DIR.glob(f"{doc_id}.*")]
    return next((path for path in found if path.is_file()), None)


def _doc_text(doc_id: str) -> str:
    path = _doc_path(doc_id)
    assert path is not None, f"unknown doc {doc_id}"
    return path.read_text(encoding="utf-8")


def _qid(q: dict) -> str:
    return str(q.get("id", "?"))


per_question = pytest.mark.parametrize("q", QUESTIONS, ids=[_qid(q) for q in QUESTIONS])


# --------------------------------------------------------------- per question


@per_question
def test_required_fields_and_types(q):
    for field, typ in REQUIRED_FIELDS.items():
        assert field in q, f"missing field {field!r}"
        assert isinstance(q[field], typ), f"{field!r} should be {typ.__name__}"
    assert ID_RE.match(q["id"]), q["id"]
    assert q["question"].strip(), "empty question"
    assert isinstance(q.get("history", []), list)
    assert all(isinstance(d, str) and d for d in q["gold_doc_ids"])
    assert all(isinstance(e, str) and e.strip() for e in q["gold_evidence"])


@per_question
def test_category_and_split_allowed(q):
    assert q["category"] in CATEGORIES
    assert q["split"] in SPLITS


@per_question
def test_answerable_flag_matches_category(q):
    assert q["answerable"] is (q["category"] not in NOT_ANSWERABLE)


@per_question
def test_answer_slots(q):
    if q["answerable"]:
        assert q["answers"], "answerable question needs at least one answer slot"
        for slot in q["answers"]:
            assert isinstance(slot, list) and slot, "each slot needs at least one alias"
            for alias in slot:
                assert isinstance(alias, str) and alias.strip(), f"bad alias {alias!r}"
    else:
        assert q["answers"] == []


@per_question
def test_gold_docs_exist(q):
    if q["answerable"] or q["category"] == "false_premise":
        assert q["gold_doc_ids"], "needs gold_doc_ids"
        assert q["gold_evidence"], "needs gold_evidence"
    if q["category"] == "unanswerable":
        assert q["gold_doc_ids"] == []
        assert q["gold_evidence"] == []
    assert len(set(q["gold_doc_ids"])) == len(q["gold_doc_ids"]), "duplicate gold doc"
    for doc_id in q["gold_doc_ids"]:
        assert _doc_path(doc_id) is not None, f"unknown doc {doc_id}"


@per_question
def test_evidence_is_exact_substring(q):
    texts = {d: _doc_text(d) for d in q["gold_doc_ids"]}
    supported = set()
    for quote in q["gold_evidence"]:
        hits = [d for d, t in texts.items() if quote in t]
        assert hits, f"evidence not found verbatim in {q['gold_doc_ids']}: {quote!r}"
        supported.update(hits)
    # every listed gold document is backed by at least one quote
    assert supported == set(q["gold_doc_ids"])


@per_question
def test_multi_doc_uses_two_documents(q):
    if q["category"] == "multi_doc":
        assert len(q["gold_doc_ids"]) >= 2


@per_question
def test_history(q):
    history = q.get("history", [])
    if q["category"] != "follow_up":
        assert history == []
        return
    assert history, "follow_up question needs a history"
    assert len(history) % 2 == 0
    for i, turn in enumerate(history):
        assert isinstance(turn, dict)
        assert set(turn) == {"role", "content"}
        assert turn["role"] == ("user" if i % 2 == 0 else "assistant")
        assert isinstance(turn["content"], str) and turn["content"].strip()
    assert history[-1]["role"] == "assistant"


# ------------------------------------------------------------------ whole set


def test_minimum_size():
    assert len(QUESTIONS) >= 80


def test_ids_unique_and_sequential():
    ids = [q.get("id") for q in QUESTIONS]
    assert len(ids) == len(set(ids))
    for prefix in "qh":
        numbered = [i for i in ids if i.startswith(prefix)]
        assert numbered == [f"{prefix}{n:03d}" for n in range(1, len(numbered) + 1)]


def test_questions_unique():
    texts = Counter(
        (q["question"].strip().lower(), json.dumps(q.get("history", []))) for q in QUESTIONS
    )
    dupes = [t for t, n in texts.items() if n > 1]
    assert not dupes


def test_unanswerable_share():
    n = sum(q["category"] == "unanswerable" for q in QUESTIONS)
    assert n / len(QUESTIONS) >= 0.15


def test_every_category_in_every_split():
    for split in SPLITS:
        present = {q["category"] for q in QUESTIONS if q["split"] == split}
        assert present == CATEGORIES, f"{split} lacks {sorted(CATEGORIES - present)}"


def test_smoke_split():
    smoke = [q for q in QUESTIONS if q["split"] == "smoke"]
    assert 15 <= len(smoke) <= 25
    counts = Counter(q["category"] for q in smoke)
    assert counts["unanswerable"] >= 3
    assert counts["follow_up"] >= 2


def test_gold_documents_cover_the_corpus():
    used = {d for q in QUESTIONS for d in q["gold_doc_ids"]}
    assert len(used) >= 2
