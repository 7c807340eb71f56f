"""The one JSON shape of an answer: `rag ask --json`, the eval's predictions and the HTTP API
all write it from here.

Contract: `answer_json(answer)` is the documented object (README, "rag ask --json");
`trace_json(answer)` adds what the evaluation keeps for inspection (the searched query, the
sources the model read, its raw draft and the verified candidate before the confidence
decided); `failure_json` is the same shape for a question that raised, with its error and
every field empty.
Knows nothing about how answers are made: it reads an `Answer`'s fields.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rag.answer import Answer

Json = dict[str, Any]
TIMINGS = (
    "retrieve",
    "evidence",
    "ttft",
    "generate",
    "first_text",
    "check",
    "total",
)  # what every answer reports


def answer_json(answer: Answer) -> Json:
    """The documented `rag ask --json` object."""
    return {
        "answer": answer.text,
        "abstained": answer.abstained,
        "abstain_reason": answer.abstain_reason,
        "confidence": answer.confidence,
        "signals": answer.signals,
        "as_of": answer.as_of,
        "resolved_dates": [{"text": r.text, "date": r.value} for r in answer.resolved_dates],
        "conflicts": [
            {
                "claim": c.claim,
                "stated": c.stated,
                "marker": c.cited.marker,
                "other": {
                    "doc_id": c.other.doc_id,
                    "title": c.other.title,
                    "date": c.other.date,
                    "chunk_id": c.other.chunk_id,
                    "quote": c.other_quote,
                    "value": c.other_value,
                },
            }
            for c in answer.conflicts
        ],
        "citations": [
            {
                "marker": c.marker,
                "doc_id": c.chunk.doc_id,
                "title": c.chunk.title,
                "date": c.chunk.date,
                "chunk_id": c.chunk.chunk_id,
                "quote": c.quote,
                "url": c.chunk.url,  # the article's web address, None when unknown
                "source": c.chunk.source,  # the outlet, None when unknown
            }
            for c in answer.citations
        ],
        "retrieved": [
            {
                "rank": h.rank,
                "doc_id": h.chunk.doc_id,
                "chunk_id": h.chunk.chunk_id,
                "score": round(h.score, 6),
                "copies": [c.chunk_id for c in h.copies],
            }
            for h in answer.retrieved
        ],
        "timings_ms": {k: answer.timings_ms.get(k, 0.0) for k in TIMINGS},
        "usage": answer.usage,
        "model": {"file": answer.model_file, "sha256": answer.model_sha256},
    }


def trace_json(answer: Answer) -> Json:
    """The answer object with the query, what the model read, its draft and the candidate, and
    no error."""
    return {
        **answer_json(answer),
        "query": answer.query,
        "read": [
            {"marker": n, "doc_id": c.doc_id, "chunk_id": c.chunk_id, "text": c.text}
            for n, c in enumerate(answer.read, start=1)
        ],
        "draft": answer.draft,
        "candidate": answer.candidate,
        "error": None,
    }


def failure_json(exc: BaseException) -> Json:
    """The shape of `trace_json` for a question that raised: its error, nothing answered."""
    return {
        "answer": "",
        "abstained": False,
        "abstain_reason": "",
        "confidence": None,
        "signals": {},
        "as_of": None,
        "resolved_dates": [],
        "conflicts": [],
        "citations": [],
        "retrieved": [],
        "timings_ms": {},
        "usage": {},
        "model": {},
        "query": None,
        "read": [],
        "draft": "",
        "candidate": "",
        "error": f"{type(exc).__name__}: {exc}",
    }
