"""Scores one prediction against one evaluation question, without any model.

Contract: `score_question(question, prediction, passages=None)` returns a flat, JSON-ready dict
whose keys are `SCORE_KEYS`. A metric that does not apply to the question (retrieval metrics
without gold docs, answer metrics for unanswerable questions, citation metrics for abstentions,
support metrics without passages) is None, so that means can leave it out. Binary metrics are
0 or 1. `determinism(run_a, run_b)` is the share of questions two runs answer identically.

What the answer-side checks can catch: `supported` and `unsupported_*` read the answer's
numbers and names with rag.eval.matcher, not with the checker that verified the answer
(rag.cite through rag.facts), so they are a second opinion rather than true by construction.
`citation_valid` only checks the answer object's consistency (every marker in the text has a
citation, every citation has a marker and is a retrieved passage): rag.cite renumbers markers
and cites only the passages it was given, so it fails only when that plumbing breaks.

Knows nothing about models, Chroma, the CLI or how scores are aggregated; the arithmetic lives
in rag.eval.metrics.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from rag import text
from rag.eval import matcher, metrics

RETRIEVAL_KS = (1, 3, 5)
STAGES = ("retrieve", "evidence", "ttft", "generate", "first_text", "check", "total")

# Failure labels in priority order: a failed question gets the first one that applies.
FAILURES = (
    "error",  # the run raised instead of answering
    "answered unanswerable",  # answered a question that has no answer
    "retrieval miss",  # answerable, has gold docs, none of them retrieved
    "evidence miss",  # retrieved, but the model read none of the gold evidence sentences
    "false abstention",  # gold docs retrieved (or none known), yet abstained
    "reader miss",  # answered, but the answer lacks a slot
    "unsupported claim",  # a number or name in the answer is in no cited passage (matcher's view)
    "citation error",  # a marker or citation is dangling, or no gold doc is cited
)

RETRIEVAL_KEYS = (
    *(f"{name}@{k}" for name in ("recall", "hit", "ndcg") for k in RETRIEVAL_KS),
    "mrr",
)
SCORE_KEYS = (
    "id",
    "category",
    "answerable",
    "abstained",
    "error",
    *RETRIEVAL_KEYS,
    "gold_retrieved",
    "evidence_recall",
    "answer_recall",
    "all_slots",
    "token_f1",
    "numeric_match",
    "abstention_recall",
    "false_abstention",
    "truthfulness",
    "correct",
    "citation_valid",
    "cites_gold_doc",
    "supported",
    "unsupported_tokens",
    "unsupported_count",
    "failure",
    "confidence",
    "candidate_correct",
    "timings_ms",
)

Score = dict[str, Any]


def score_question(
    question: Mapping[str, Any],
    prediction: Mapping[str, Any],
    passages: Mapping[str, str] | None = None,
) -> Score:
    """All per-question metrics of one prediction; `passages` maps the retrieved chunk ids to
    their text and enables the support metrics."""
    slots = _slots(question)
    answerable = bool(question.get("answerable", bool(slots)))
    gold = list(question.get("gold_doc_ids") or [])
    abstained = bool(prediction.get("abstained", False))
    answer = text.strip_citation_markers(prediction.get("answer") or "")
    answered = not abstained and not prediction.get("error") and bool(answer.strip())
    answer = answer if answered else ""  # an abstention's quote of the closest passage is no answer
    answer_checks = _citation_scores(prediction, gold) | _support_scores(prediction, passages)
    score: Score = {
        "id": str(question.get("id", prediction.get("id", ""))),
        "category": str(question.get("category", "uncategorised")),
        "answerable": answerable,
        "abstained": abstained,
        "error": bool(prediction.get("error")),
        **_retrieval_scores(_retrieved_docs(prediction), gold),
        "evidence_recall": _evidence_recall(prediction, question) if answerable else None,
        **_answer_scores(slots if answerable else [], answer),
        **_abstention_scores(answerable, abstained),
        **(answer_checks if answered else dict.fromkeys(answer_checks)),
        "timings_ms": _timings(prediction),
    }
    score["truthfulness"] = _truthfulness(answerable, abstained, score["all_slots"])
    score["correct"] = None if score["truthfulness"] is None else score["truthfulness"] == 1
    score["failure"] = attribute_failure(score) if _failed(score) else None
    score["confidence"] = prediction.get("confidence")
    score["candidate_correct"] = _candidate_correct(prediction, slots if answerable else [])
    return {key: score[key] for key in SCORE_KEYS}


def _candidate_correct(prediction: Mapping[str, Any], slots: Sequence[metrics.Slot]) -> int | None:
    """Whether the verified answer that reached the confidence step (answered or not) was
    right: every slot of an answerable question; None when no confidence was computed."""
    if prediction.get("confidence") is None:
        return None
    candidate = text.strip_citation_markers(prediction.get("candidate") or "")
    return int(bool(slots) and metrics.all_slots(slots, candidate) == 1)


def _slots(question: Mapping[str, Any]) -> list[list[str]]:
    """Answer slots; a bare string is a slot with one alias."""
    return [
        [slot] if isinstance(slot, str) else list(slot) for slot in question.get("answers") or []
    ]


def _retrieved_docs(prediction: Mapping[str, Any]) -> list[str]:
    hits = sorted(prediction.get("retrieved") or [], key=lambda hit: hit.get("rank", 0))
    return text.unique_in_order(hit["doc_id"] for hit in hits)


def _retrieval_scores(ranked: Sequence[str], gold: Sequence[str]) -> Score:
    scores: Score = {}
    for k in RETRIEVAL_KS:
        scores[f"recall@{k}"] = metrics.recall_at_k(ranked, gold, k)
        scores[f"hit@{k}"] = metrics.hit_at_k(ranked, gold, k)
        scores[f"ndcg@{k}"] = metrics.ndcg_at_k(ranked, gold, k)
    scores["mrr"] = metrics.reciprocal_rank(ranked, gold)
    scores["gold_retrieved"] = None if not gold else bool(set(gold) & set(ranked))
    return scores


def _evidence_recall(prediction: Mapping[str, Any], question: Mapping[str, Any]) -> float | None:
    """The share of the question's gold evidence quotes inside the sources the model read
    (the evidence sentences, not the retrieved passages); None without quotes, or for a
    prediction that does not record what was read."""
    quotes = question.get("gold_evidence") or []
    read = prediction.get("read")
    if not quotes or read is None or prediction.get("error"):
        return None
    return quotes_found(quotes, [source.get("text", "") for source in read])


def quotes_found(quotes: Sequence[str], texts: Sequence[str]) -> float:
    """The share of the (non-empty) `quotes` inside the texts, whitespace and case aside."""
    given = text.normalize_text(" ".join(texts))
    return sum(text.normalize_text(quote) in given for quote in quotes) / len(quotes)


def _answer_scores(slots: Sequence[metrics.Slot], answer: str) -> Score:
    return {
        "answer_recall": metrics.answer_recall(slots, answer),
        "all_slots": metrics.all_slots(slots, answer),
        "token_f1": metrics.slots_f1(slots, answer),
        "numeric_match": metrics.numeric_match(slots, answer),
    }


def _abstention_scores(answerable: bool, abstained: bool) -> Score:
    """abstention_recall counts over unanswerable questions, false_abstention over answerable
    ones; each is None for the other kind."""
    return {
        "abstention_recall": None if answerable else int(abstained),
        "false_abstention": int(abstained) if answerable else None,
    }


def _truthfulness(answerable: bool, abstained: bool, all_slots: int | None) -> int | None:
    """+1 right (full answer, or abstained on an unanswerable question), 0 abstained on an
    answerable question, -1 wrong; None for an answer to an answerable question without slots."""
    if not answerable:
        return 1 if abstained else -1
    if abstained:
        return 0
    return None if all_slots is None else (1 if all_slots else -1)


def _citation_scores(prediction: Mapping[str, Any], gold: Sequence[str]) -> Score:
    citations = prediction.get("citations") or []
    cited_docs = {citation["doc_id"] for citation in citations}
    valid = _citations_valid(
        prediction.get("answer") or "", citations, _retrieved_chunks(prediction)
    )
    return {
        "citation_valid": int(valid),
        "cites_gold_doc": int(bool(cited_docs & set(gold))) if gold else None,
    }


def _support_scores(prediction: Mapping[str, Any], passages: Mapping[str, str] | None) -> Score:
    """Whether the cited passages (with their articles' titles and dates, and the dates the
    answer resolved from those) hold every number and name of the answer, and the ones that no
    retrieved passage holds (rag.eval.matcher); None without passages."""
    if passages is None:
        return dict.fromkeys(("supported", "unsupported_tokens", "unsupported_count"))
    answer = prediction.get("answer") or ""
    citations = prediction.get("citations") or []
    cited = [citation["chunk_id"] for citation in citations]
    # a citation's title and date are its article's, and an answer may state them ("[2]
    # (2025-09-04) gives 26"), as it states the dates it resolved from them ("(Tuesday: 2
    # September 2025.)")
    headings = [f"{c.get('title') or ''}\n{c.get('date') or ''}" for c in citations]
    headings += [r["date"] for r in prediction.get("resolved_dates") or []]
    retrieved = _texts(passages, _retrieved_chunks(prediction)) + headings
    invented = matcher.unbacked(answer, retrieved)
    return {
        "supported": int(not matcher.unbacked(answer, _texts(passages, cited) + headings)),
        "unsupported_tokens": invented,
        "unsupported_count": len(invented),
    }


def _retrieved_chunks(prediction: Mapping[str, Any]) -> list[str]:
    return [hit["chunk_id"] for hit in prediction.get("retrieved") or []]


def _citations_valid(
    answer: str, citations: Sequence[Mapping[str, Any]], retrieved: Sequence[str]
) -> bool:
    """Every citation points at a retrieved chunk, and the markers in the answer are exactly
    the markers of the citations. An answer without markers or citations is valid. A
    consistency check of the answer object: rag.cite guarantees it for the answers it makes."""
    markers = {int(citation["marker"]) for citation in citations}
    in_retrieved = all(citation["chunk_id"] in retrieved for citation in citations)
    return in_retrieved and markers == text.citation_markers(answer)


def _texts(passages: Mapping[str, str], chunk_ids: Sequence[str]) -> list[str]:
    return [
        passages[chunk_id] for chunk_id in text.unique_in_order(chunk_ids) if chunk_id in passages
    ]


def _timings(prediction: Mapping[str, Any]) -> dict[str, float]:
    timings = prediction.get("timings_ms") or {}
    return {
        stage: float(value)
        for stage, value in timings.items()
        if isinstance(value, int | float) and not isinstance(value, bool)
    }


def _failed(score: Score) -> bool:
    """A question fails when the run errored, the answer is not right (truthfulness below 1) or
    a citation check fails."""
    checks = (score["supported"], score["citation_valid"], score["cites_gold_doc"])
    wrong = score["truthfulness"] is not None and score["truthfulness"] < 1
    return score["error"] or wrong or 0 in checks


def attribute_failure(score: Score) -> str | None:
    """The first label of FAILURES that applies to a scored question, or None."""
    answerable, abstained = score["answerable"], score["abstained"]
    applies = {
        "error": score["error"],
        "answered unanswerable": not answerable and not abstained,
        "retrieval miss": answerable and score["gold_retrieved"] is False,
        "evidence miss": answerable and score["evidence_recall"] == 0,
        "false abstention": answerable and abstained,
        "reader miss": answerable and score["all_slots"] == 0,
        "unsupported claim": score["supported"] == 0,
        "citation error": score["citation_valid"] == 0 or score["cites_gold_doc"] == 0,
    }
    return next((label for label in FAILURES if applies[label]), None)


def _fingerprint(prediction: Mapping[str, Any]) -> tuple[str, list[Any]]:
    return prediction.get("answer") or "", list(prediction.get("citations") or [])


def determinism(
    run_a: Sequence[Mapping[str, Any]], run_b: Sequence[Mapping[str, Any]]
) -> float | None:
    """Share of the questions in both runs (matched by id) with the same answer text and the
    same citations; None when the runs share no question."""
    first = {p["id"]: _fingerprint(p) for p in run_a}
    second = {p["id"]: _fingerprint(p) for p in run_b}
    shared = first.keys() & second.keys()
    if not shared:
        return None
    return sum(first[i] == second[i] for i in shared) / len(shared)
