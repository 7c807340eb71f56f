"""The one JSON shape of an answer (rag.schema): documented keys, and failures in that shape."""

from __future__ import annotations

import json

from rag.answer import Answer
from rag.chunk import Chunk
from rag.cite import Citation
from rag.retrieve import Hit
from rag.schema import answer_json, failure_json, trace_json

PASSAGE = "Kim Jong Un arrived in Beijing on Tuesday."
SOURCE = Chunk(
    "a:0",
    "a",
    "Kim in Beijing",
    "2025-09-04",
    0,
    0,
    len(PASSAGE),
    PASSAGE,
    source="Harbour Gazette",
    url="https://news.example/kim-beijing",
)
COPY = Chunk("b:0", "b", "Kim in Beijing (wire)", "2025-09-04", 0, 0, len(PASSAGE), PASSAGE)
DOCUMENTED = {  # README, "rag ask --json"
    "answer",
    "abstained",
    "abstain_reason",
    "confidence",
    "signals",
    "as_of",
    "resolved_dates",
    "conflicts",
    "citations",
    "retrieved",
    "timings_ms",
    "usage",
    "model",
}


def answer(**changes: object) -> Answer:
    fields: dict[str, object] = {
        "question": "When did Kim arrive?",
        "query": "When did Kim arrive?",
        "text": "Kim arrived on Tuesday [1].",
        "abstained": False,
        "abstain_reason": "",
        "confidence": 0.8,
        "signals": {"judge": 0.9},
        "candidate": "Kim arrived on Tuesday [1].",
        "as_of": "2025-09-04",
        "resolved_dates": [],
        "conflicts": [],
        "citations": [Citation(1, SOURCE, PASSAGE, 0, len(PASSAGE))],
        "retrieved": [Hit(SOURCE, 1, 0.0327868852, 0.7, copies=(COPY,))],
        "dropped": [],
        "removed": [],
        "draft": "Kim arrived on Tuesday [1].",
        "timings_ms": {"retrieve": 12.0, "unknown": 5.0, "ttft": 100.0},
        "usage": {"prompt_tokens": 10, "completion_tokens": 5},
        "model_file": "m.gguf",
        "model_sha256": "ab" * 32,
    }
    return Answer(**{**fields, **changes})  # type: ignore[arg-type]


def test_the_answer_object_has_exactly_the_documented_keys() -> None:
    data = answer_json(answer())
    assert set(data) == DOCUMENTED
    assert data["citations"] == [
        {
            "marker": 1,
            "doc_id": "a",
            "title": "Kim in Beijing",
            "date": "2025-09-04",
            "chunk_id": "a:0",
            "quote": PASSAGE,
            "url": "https://news.example/kim-beijing",
            "source": "Harbour Gazette",
        }
    ]
    assert data["retrieved"] == [
        {"rank": 1, "doc_id": "a", "chunk_id": "a:0", "score": 0.032787, "copies": ["b:0"]}
    ]
    # every documented stage is reported (0 when it did not run), other stages are not
    assert data["timings_ms"] == {
        "retrieve": 12.0,
        "evidence": 0.0,
        "ttft": 100.0,
        "generate": 0.0,
        "first_text": 0.0,
        "check": 0.0,
        "total": 0.0,
    }
    assert data["model"] == {"file": "m.gguf", "sha256": "ab" * 32}
    json.dumps(data)  # serialisable as is


def test_a_citation_without_url_or_outlet_says_none() -> None:
    citation = Citation(1, COPY, PASSAGE, 0, len(PASSAGE))
    cited = answer_json(answer(citations=[citation]))["citations"][0]
    assert cited["url"] is None and cited["source"] is None


def test_a_trace_adds_what_the_evaluation_inspects() -> None:
    data = trace_json(answer(query="When did Kim Jong Un arrive?", read=[COPY]))
    assert set(data) == DOCUMENTED | {"query", "read", "draft", "candidate", "error"}
    assert data["query"] == "When did Kim Jong Un arrive?" and data["error"] is None
    assert data["read"] == [  # what the model read, each under its marker in the prompt
        {"marker": 1, "doc_id": COPY.doc_id, "chunk_id": COPY.chunk_id, "text": COPY.text}
    ]


def test_a_failure_has_the_shape_of_a_trace_with_its_error() -> None:
    failed = failure_json(ValueError("the model server went away"))
    assert set(failed) == set(trace_json(answer()))
    assert failed["error"] == "ValueError: the model server went away"
    assert failed["answer"] == "" and failed["citations"] == [] and failed["confidence"] is None
