"""Known answers for per-question scoring (rag.eval.scoring)."""

from __future__ import annotations

from typing import Any

import pytest

from rag.eval.scoring import FAILURES, SCORE_KEYS, attribute_failure, determinism, score_question

PASSAGES = {
    "d1:0": "Exports to North Korea grew 33% to $1.05 billion, Yonhap reported.",
    "d1:1": "The talks were held at the Great Hall of the People in Beijing.",
    "d2:0": "Weather in Pyongyang was mild on Tuesday.",
}


def question(**fields: Any) -> dict[str, Any]:
    base = {
        "id": "q1",
        "question": "How much did exports grow?",
        "category": "numeric",
        "answerable": True,
        "answers": [["33%", "33 percent"]],
        "gold_doc_ids": ["d1"],
        "gold_evidence": ["grew 33%"],
        "history": [],
    }
    return base | fields


def retrieved(*chunk_ids: str) -> list[dict[str, Any]]:
    return [
        {"rank": rank, "doc_id": cid.split(":")[0], "chunk_id": cid, "score": 1.0 / rank}
        for rank, cid in enumerate(chunk_ids, start=1)
    ]


def citation(marker: int, chunk_id: str) -> dict[str, Any]:
    doc_id = chunk_id.split(":")[0]
    return {
        "marker": marker,
        "doc_id": doc_id,
        "title": f"Title {doc_id}",
        "date": None,
        "chunk_id": chunk_id,
        "quote": "",
    }


def prediction(**fields: Any) -> dict[str, Any]:
    base = {
        "id": "q1",
        "answer": "Exports grew 33 per cent [1].",
        "abstained": False,
        "confidence": 0.9,
        "citations": [citation(1, "d1:0")],
        "retrieved": retrieved("d2:0", "d1:0", "d1:1"),
        "timings_ms": {"retrieve": 12.0, "ttft": 80.0, "generate": 300.0, "total": 320.0},
        "usage": {"prompt_tokens": 500, "completion_tokens": 20},
        "error": None,
    }
    return base | fields


ABSTAIN = {"answer": "I could not find this in the articles.", "abstained": True, "citations": []}
UNANSWERABLE = {"category": "unanswerable", "answerable": False, "answers": [], "gold_doc_ids": []}


def test_score_has_exactly_the_documented_keys() -> None:
    score = score_question(question(), prediction(), PASSAGES)
    assert list(score) == list(SCORE_KEYS)


def test_correct_cited_answer() -> None:
    score = score_question(question(), prediction(), PASSAGES)
    assert score["id"] == "q1" and score["category"] == "numeric"
    assert (score["answer_recall"], score["all_slots"], score["numeric_match"]) == (1.0, 1, 1)
    assert score["truthfulness"] == 1 and score["correct"] is True
    assert (score["citation_valid"], score["cites_gold_doc"], score["supported"]) == (1, 1, 1)
    assert score["unsupported_tokens"] == [] and score["unsupported_count"] == 0
    assert score["false_abstention"] == 0 and score["abstention_recall"] is None
    assert score["failure"] is None
    assert score["timings_ms"] == {
        "retrieve": 12.0,
        "ttft": 80.0,
        "generate": 300.0,
        "total": 320.0,
    }


@pytest.mark.parametrize(
    ("chunks", "gold", "expected"),
    [
        # docs in rank order [d2, d1]: chunk d1:1 repeats d1 and is dropped
        (
            ("d2:0", "d1:0", "d1:1"),
            ["d1"],
            {"recall@1": 0.0, "hit@1": 0, "recall@3": 1.0, "hit@3": 1, "mrr": 0.5},
        ),
        (("d1:0", "d2:0"), ["d1", "d3"], {"recall@1": 0.5, "recall@5": 0.5, "ndcg@1": 1.0}),
        (("d1:0", "d2:0", "d3:0"), ["d1", "d3"], {"ndcg@3": 0.9197, "mrr": 1.0}),
        ((), ["d1"], {"recall@5": 0.0, "hit@5": 0, "mrr": 0.0, "gold_retrieved": False}),
        (("d1:0",), [], {"recall@5": None, "ndcg@5": None, "mrr": None, "gold_retrieved": None}),
    ],
)
def test_retrieval_metrics_are_document_level(
    chunks: tuple[str, ...], gold: list[str], expected: dict[str, Any]
) -> None:
    score = score_question(question(gold_doc_ids=gold), prediction(retrieved=retrieved(*chunks)))
    for key, value in expected.items():
        assert score[key] == (pytest.approx(value, abs=1e-4) if value else value), key


def test_retrieved_hits_are_ordered_by_rank() -> None:
    hits = list(reversed(retrieved("d2:0", "d1:0")))
    score = score_question(question(), prediction(retrieved=hits))
    assert score["mrr"] == 0.5


@pytest.mark.parametrize(
    ("q", "p", "expected"),
    [
        # answered right
        ({}, {}, {"truthfulness": 1, "failure": None}),
        # abstained although gold was retrieved
        ({}, ABSTAIN, {"truthfulness": 0, "false_abstention": 1, "failure": "false abstention"}),
        # abstained and gold never retrieved: retrieval is to blame
        (
            {},
            {**ABSTAIN, "retrieved": retrieved("d2:0")},
            {"truthfulness": 0, "failure": "retrieval miss"},
        ),
        # gold retrieved, wrong number
        (
            {},
            {"answer": "Exports grew 35% [1]."},
            {"truthfulness": -1, "all_slots": 0, "failure": "reader miss"},
        ),
        # right answer, but a name no cited passage holds
        (
            {},
            {"answer": "Exports grew 33% [1], Reuters said."},
            {"truthfulness": 1, "supported": 0, "failure": "unsupported claim"},
        ),
        # right answer, marker [2] without a citation
        (
            {},
            {"answer": "Exports grew 33% [1][2]."},
            {"truthfulness": 1, "citation_valid": 0, "failure": "citation error"},
        ),
        # right answer without any citation: nothing backs it, no gold doc cited
        (
            {},
            {"answer": "Exports grew 33%.", "citations": []},
            {"citation_valid": 1, "cites_gold_doc": 0, "supported": 0},
        ),
        # unanswerable, abstained
        (
            UNANSWERABLE,
            ABSTAIN,
            {"truthfulness": 1, "abstention_recall": 1, "false_abstention": None, "failure": None},
        ),
        # unanswerable, answered
        (
            UNANSWERABLE,
            {},
            {"truthfulness": -1, "abstention_recall": 0, "failure": "answered unanswerable"},
        ),
        # the run failed
        (
            {},
            {"answer": "", "citations": [], "error": "timeout"},
            {"truthfulness": -1, "error": True, "citation_valid": None, "failure": "error"},
        ),
    ],
)
def test_truthfulness_and_failure_attribution(
    q: dict[str, Any], p: dict[str, Any], expected: dict[str, Any]
) -> None:
    score = score_question(question(**q), prediction(**p), PASSAGES)
    assert {key: score[key] for key in expected} == expected


@pytest.mark.parametrize(
    ("answers", "answer", "expected"),
    [
        ([["33%"]], "About 33 per cent [1].", {"all_slots": 1, "numeric_match": 1}),
        ([["1,050 million"]], "US$1.05bn [1].", {"all_slots": 1, "numeric_match": 1}),
        ([["sixth", "6th"]], "The 6th [1].", {"all_slots": 1, "numeric_match": 1}),
        (
            [["33%"], ["1.05 billion"]],
            "33% [1].",
            {"answer_recall": 0.5, "all_slots": 0, "numeric_match": 0},
        ),
        ([["Z\u00fcrich"]], "In Z\u00dcRICH [1].", {"all_slots": 1, "numeric_match": None}),
        # the marker [1] is not read as the number 1
        ([["1"]], "None of them [1].", {"all_slots": 0, "numeric_match": 0}),
        ([["Great Hall"]], "The Great Hall [1].", {"token_f1": 1.0}),
        (
            [["Great Hall"]],
            "At the Great Hall of the People [1].",
            {"token_f1": pytest.approx(4 / 7)},
        ),
    ],
)
def test_answer_matching(answers: list[list[str]], answer: str, expected: dict[str, Any]) -> None:
    score = score_question(question(answers=answers), prediction(answer=answer))
    assert {key: score[key] for key in expected} == expected


@pytest.mark.parametrize(
    ("p", "expected"),
    [
        ({"answer": "Grew 33% [1]."}, 1),
        ({"answer": "Grew 33%."}, 0),  # citation without marker
        ({"answer": "Grew 33% [1].", "citations": [citation(1, "d9:0")]}, 0),  # not retrieved
        (
            {"answer": "Grew 33% [1][2].", "citations": [citation(1, "d1:0"), citation(2, "d1:1")]},
            1,
        ),
        ({"answer": "Grew 33%.", "citations": []}, 1),
    ],
)
def test_citation_valid(p: dict[str, Any], expected: int) -> None:
    assert score_question(question(), prediction(**p))["citation_valid"] == expected


@pytest.mark.parametrize(
    ("answer", "cited", "supported", "invented"),
    [
        ("Exports grew 33% to $1.05bn, said Yonhap [1].", ["d1:0"], 1, []),
        # Great Hall is retrieved, but not in the cited passage
        ("Exports grew 33% at the Great Hall [1].", ["d1:0"], 0, []),
        ("Exports grew 33% at the Great Hall [1][2].", ["d1:0", "d1:1"], 1, []),
        ("Exports grew 40% [1], Reuters said.", ["d1:0"], 0, ["40", "Reuters"]),
        # a name opening a sentence counts when it has two words
        ("Xi Jinping said exports grew 33% [1].", ["d1:0"], 0, ["Xi Jinping"]),
        ("They grew, it seems [1].", ["d1:0"], 1, []),
    ],
)
def test_support(answer: str, cited: list[str], supported: int, invented: list[str]) -> None:
    citations = [citation(marker, cid) for marker, cid in enumerate(cited, start=1)]
    score = score_question(question(), prediction(answer=answer, citations=citations), PASSAGES)
    assert score["supported"] == supported
    assert score["unsupported_tokens"] == invented
    assert score["unsupported_count"] == len(invented)


def test_support_metrics_need_passages() -> None:
    score = score_question(question(), prediction())
    assert score["supported"] is None and score["unsupported_tokens"] is None
    assert score["unsupported_count"] is None and score["citation_valid"] == 1


def test_abstention_has_no_citation_metrics() -> None:
    score = score_question(question(), prediction(**ABSTAIN), PASSAGES)
    citation_keys = ("citation_valid", "cites_gold_doc", "supported", "unsupported_tokens")
    assert [score[key] for key in citation_keys] == [None] * len(citation_keys)


def test_unanswerable_has_no_answer_or_retrieval_metrics() -> None:
    score = score_question(question(**UNANSWERABLE), prediction(**ABSTAIN))
    keys = ("answer_recall", "all_slots", "token_f1", "numeric_match", "recall@5", "mrr")
    assert [score[key] for key in keys] == [None] * len(keys)


def test_missing_optional_fields_get_defaults() -> None:
    score = score_question({"id": "q9", "question": "Who?"}, {"id": "q9", "answer": "Nobody."})
    assert score["category"] == "uncategorised"
    assert score["answerable"] is False  # no answers given
    assert score["recall@5"] is None and score["timings_ms"] == {}
    assert score["truthfulness"] == -1 and score["failure"] == "answered unanswerable"


def test_answerable_defaults_from_answers_and_bare_string_slots() -> None:
    q = {"id": "q9", "question": "Where?", "answers": ["Great Hall"], "unknown": 1}
    score = score_question(q, {"id": "q9", "answer": "The Great Hall."})
    assert score["answerable"] is True and score["all_slots"] == 1 and score["correct"] is True


def test_answerable_without_slots_is_not_judged() -> None:
    score = score_question(question(answers=[]), prediction())
    assert score["truthfulness"] is None and score["correct"] is None
    assert score["failure"] is None


# one case per label, in priority order: each also meets the conditions of later labels
PRIORITY_CASES = [
    ({"error": True, "answerable": False, "abstained": False}, "error"),
    ({"answerable": False, "abstained": False, "gold_retrieved": None}, "answered unanswerable"),
    ({"gold_retrieved": False, "evidence_recall": 0, "abstained": True}, "retrieval miss"),
    ({"evidence_recall": 0, "abstained": True}, "evidence miss"),
    ({"abstained": True}, "false abstention"),
    ({"all_slots": 0, "supported": 0}, "reader miss"),
    ({"supported": 0, "citation_valid": 0}, "unsupported claim"),
    ({"cites_gold_doc": 0}, "citation error"),
    ({}, None),
]
RIGHT = {
    "error": False,
    "answerable": True,
    "abstained": False,
    "gold_retrieved": True,
    "evidence_recall": 1.0,
    "all_slots": 1,
    "supported": 1,
    "citation_valid": 1,
    "cites_gold_doc": 1,
}


@pytest.mark.parametrize(("overrides", "label"), PRIORITY_CASES)
def test_attribute_failure_priority(overrides: dict[str, Any], label: str | None) -> None:
    assert attribute_failure(RIGHT | overrides) == label


def test_every_failure_label_has_a_priority_case() -> None:
    assert [label for _, label in PRIORITY_CASES if label] == list(FAILURES)


RUN = [
    {"id": "a", "answer": "X [1].", "citations": [citation(1, "d1:0")]},
    {"id": "b", "answer": "Y.", "citations": []},
]


@pytest.mark.parametrize(
    ("other", "share"),
    [
        (RUN, 1.0),
        ([RUN[1], RUN[0]], 1.0),
        ([RUN[0], {"id": "b", "answer": "Z.", "citations": []}], 0.5),
        ([{**RUN[0], "citations": [citation(1, "d1:1")]}, RUN[1]], 0.5),
        ([RUN[0], {"id": "c", "answer": "Y.", "citations": []}], 1.0),
        ([{"id": "c", "answer": "Y."}], None),
        ([], None),
    ],
)
def test_determinism(other: list[dict[str, Any]], share: float | None) -> None:
    assert determinism(RUN, other) == share


def test_a_cited_articles_date_and_title_back_the_answer_that_states_them() -> None:
    dated = citation(2, "d1:1") | {"date": "2025-09-04", "title": "Wire Daily"}
    answer = "Exports grew 33% [1]. The sources differ: [2] (2025-09-04, Wire Daily) gives 33%."
    cited = prediction(answer=answer, citations=[citation(1, "d1:0"), dated])
    score = score_question(question(), cited, PASSAGES)
    assert score["supported"] == 1 and score["unsupported_tokens"] == []
    undated = prediction(answer=answer, citations=[citation(1, "d1:0"), citation(2, "d1:1")])
    assert score_question(question(), undated, PASSAGES)["supported"] == 0


def test_a_date_the_answer_resolved_from_its_citation_backs_it() -> None:
    passages = {"d1:0": "Exports to North Korea grew 33% on Tuesday, Yonhap reported."}
    answer = "Exports grew 33% on Tuesday [1]. (Tuesday: 2 September 2025.)"
    resolved = [{"text": "Tuesday", "date": "2 September 2025"}]
    dated = prediction(answer=answer, resolved_dates=resolved)
    assert score_question(question(), dated, passages)["supported"] == 1
    assert score_question(question(), prediction(answer=answer), passages)["supported"] == 0


def read(*texts: str) -> list[dict[str, Any]]:
    return [
        {"marker": n, "doc_id": "d1", "chunk_id": "d1:0", "text": t} for n, t in enumerate(texts, 1)
    ]


def test_evidence_recall_is_the_share_of_gold_quotes_the_model_read() -> None:
    two = question(gold_evidence=["grew 33%", "imports rose 20%"])
    assert (
        score_question(two, prediction(read=read("Exports grew  33% in June.")))["evidence_recall"]
        == 0.5
    )  # whitespace and case do not matter
    both = prediction(read=read("Exports grew 33%.", "Imports rose 20%."))
    assert score_question(two, both)["evidence_recall"] == 1.0
    # no quotes, no record of what was read, or no answer to find: not measured
    assert score_question(question(gold_evidence=[]), both)["evidence_recall"] is None
    assert score_question(two, prediction())["evidence_recall"] is None
    assert score_question(question(**UNANSWERABLE), both)["evidence_recall"] is None


def test_a_decline_without_the_gold_evidence_read_is_an_evidence_miss() -> None:
    missed = prediction(**ABSTAIN, read=read("Kim arrived on Tuesday."))
    assert score_question(question(), missed)["failure"] == "evidence miss"
    had_it = prediction(**ABSTAIN, read=read("Exports grew 33%."))
    assert score_question(question(), had_it)["failure"] == "false abstention"
