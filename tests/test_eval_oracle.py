"""The gold-evidence chooser of `rag eval --gold-evidence` (rag.eval.oracle): the usual
evidence sentences, plus the sentences of a retrieved passage that cover each gold quote they
lack."""

from __future__ import annotations

import pytest
from test_answer import RecordingModel, asked_who_came, visit_answerer

from rag.chunk import Chunk
from rag.eval.oracle import GoldEvidence
from rag.retrieve import Hit

TEXT = (
    "Kim arrived in Beijing on Tuesday. He travelled by armoured train. "
    "The parade drew 26 foreign leaders. Weather was mild."
)
OFFSET = 50
PASSAGE = Chunk("a:2", "a", "Kim in Beijing", "2025-09-04", 2, OFFSET, OFFSET + len(TEXT), TEXT)
HITS = [Hit(PASSAGE, 1, 0.03, 0.6)]


class ParadeVectors:
    """Every text scores by whether it mentions the parade (a stand-in embedder)."""

    def encode(self, texts: list[str]) -> list[list[float]]:
        return [[float("parade" in t.lower()) + 0.01, 0.01] for t in texts]


def read(quotes: list[str], n: int = 1) -> list[str]:
    chooser = GoldEvidence()
    chooser.use(quotes)
    return [h.chunk.text for h in chooser("parade", HITS, ParadeVectors(), n)]  # type: ignore[arg-type]


def test_a_gold_quote_not_chosen_is_added_as_the_exact_sentence_that_holds_it() -> None:
    chooser = GoldEvidence()
    chooser.use(["kim  ARRIVED in Beijing"])  # compared as the evidence recall metric compares
    added, chosen = chooser("parade", HITS, ParadeVectors(), 1)  # type: ignore[arg-type]
    assert chosen.chunk.text == "The parade drew 26 foreign leaders."
    assert added.chunk.text == "Kim arrived in Beijing on Tuesday."  # first: a follow-up keeps it
    assert (added.chunk.start, added.chunk.end) == (OFFSET, OFFSET + 34)
    assert added.chunk.chunk_id == "a:2" and added.rank == 2  # after every retrieved hit


def test_a_quote_across_sentences_adds_every_sentence_it_spans() -> None:
    assert read(["Tuesday. He travelled by armoured train"]) == [
        "Kim arrived in Beijing on Tuesday. He travelled by armoured train.",
        "The parade drew 26 foreign leaders.",
    ]


@pytest.mark.parametrize(
    "quotes",
    [
        [],  # a question without gold evidence: the usual choice
        ["drew 26 foreign leaders"],  # already read
        ["Kim flew to Moscow"],  # in no retrieved passage: a retrieval miss stays a miss
    ],
)
def test_nothing_is_added_when_the_quotes_are_read_or_absent(quotes: list[str]) -> None:
    assert read(quotes) == ["The parade drew 26 foreign leaders."]


def test_the_next_question_reads_only_its_own_quotes() -> None:
    chooser = GoldEvidence()
    chooser.use(["Weather was mild"])
    chooser.use([])
    assert len(chooser("parade", HITS, ParadeVectors(), 1)) == 1  # type: ignore[arg-type]


def test_a_follow_up_reads_its_gold_quote_though_it_keeps_few_new_sentences() -> None:
    model = RecordingModel("Kim Ju Ae arrived on day 1 of the visit [1].", 0.9)
    chooser = GoldEvidence()
    answerer = visit_answerer(model, chooser)
    history = asked_who_came(answerer)
    chooser.use(["arrived on day 8 of the visit"])  # the eighth of nine: no usual pick
    answerer.ask("What did she do?", history)
    assert "arrived on day 8 " in model.prompts[-1][-1]["content"]
