"""Reader robustness (rag.eval.robustness): which questions qualify, gold and distractor
chunks, seeded contexts per noise ratio, and the check and judgement of a fixed-context draft."""

from __future__ import annotations

import dataclasses

import pytest

from rag.chat import Generation
from rag.chunk import Chunk
from rag.config import Settings
from rag.eval import robustness
from rag.eval.questions import Question
from rag.eval.robustness import Case


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
    case = robustness.robustness_case(question, chunks)
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
        (dataclasses.replace(QUESTION, answerable=False), CHUNKS),
        (dataclasses.replace(QUESTION, gold_doc_ids=["gold", "other"]), CHUNKS),
        (dataclasses.replace(QUESTION, history=[{"role": "user", "content": "x"}]), CHUNKS),
        (dataclasses.replace(QUESTION, gold_evidence=["not there"]), CHUNKS),
        (QUESTION, GOLD_DOC + OTHER_DOC[:2]),  # too few distractors
    ],
    ids=["unanswerable", "two gold docs", "history", "no gold chunk", "few distractors"],
)
def test_questions_that_do_not_qualify(question: Question, chunks: list[Chunk]) -> None:
    assert robustness.robustness_case(question, chunks) is None


@pytest.mark.parametrize(("noise", "gold", "distractors"), [(0.0, 5, 0), (0.4, 3, 2), (0.8, 1, 4)])
def test_noise_ratio_sets_the_mix(noise: float, gold: int, distractors: int) -> None:
    rich = Case(QUESTION, GOLD_DOC, OTHER_DOC[:5])  # enough gold chunks to fill the 5 places
    context = robustness.noisy_context(rich, noise)
    assert sum(c in rich.gold for c in context) == gold
    assert sum(c in rich.distractors for c in context) == distractors
    assert len(set(context)) == len(context) == robustness.CONTEXT_PASSAGES


def test_short_of_gold_the_context_is_shorter() -> None:
    case = make_case()
    assert [len(robustness.noisy_context(case, r)) for r in robustness.NOISE_RATIOS] == [2, 4, 5]


def test_contexts_are_deterministic_and_nested() -> None:
    first, second = make_case(), make_case()
    assert first == second
    for noise in robustness.NOISE_RATIOS:
        assert robustness.noisy_context(first, noise) == robustness.noisy_context(second, noise)
    low, high = (set(robustness.noisy_context(first, r)) - set(first.gold) for r in (0.4, 0.8))
    assert low < high


def test_the_seed_changes_the_order() -> None:
    case = make_case()
    orders = {
        tuple(c.chunk_id for c in robustness.noisy_context(case, 0.8, seed=s)) for s in range(10)
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
    row = robustness.read_fixed(model, Settings(), QUESTION, sources)  # type: ignore[arg-type]
    assert (row["abstained"], row["correct"]) == (abstained, correct)
    assert sources[0].text in model.prompts[0][-1]["content"]
