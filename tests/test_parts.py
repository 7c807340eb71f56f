"""rag.parts: splitting a question into parts, and joining the parts' answers into one."""

from __future__ import annotations

import pytest

from rag import parts
from rag.conflicts import Conflict
from rag.dates import Resolved
from tests.ui_samples import answer, chunk, citation, hit


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        (
            "Who opened the bridge, and how much did the harbour works cost?",
            ["Who opened the bridge?", "How much did the harbour works cost?"],
        ),
        (
            "What did the mayor promise the council and in which year will the tunnel open?",
            ["What did the mayor promise the council?", "In which year will the tunnel open?"],
        ),
        (
            "Who won the vote, and how many seats did the party lose, and when is the next "
            "election due?",
            [
                "Who won the vote?",
                "How many seats did the party lose?",
                "When is the next election due?",
            ],
        ),
    ],
)
def test_split_questions_joined_by_and_before_a_question_word(question, expected):
    assert parts.split(question) == expected


@pytest.mark.parametrize(
    "question",
    [
        "How much did the bridge cost, and when?",  # asks about the first part's answer
        "What was the deficit, and for which year?",
        "Which figure did the ministry give, and who said so?",
        "On which day, and at what time of day, did the talks begin?",  # a bare first part
        "Who met Xi and Putin in Beijing?",  # "and" between names
        "How did trade and investment change?",
        "What was the value of exports and imports?",
    ],
)
def test_a_question_of_one_part_stays_whole(question):
    assert parts.split(question) == [question]


def test_split_stops_at_the_limit():
    question = "Who came to town, and what did guests eat at dinner, and where did they sleep?"
    assert parts.split(question, limit=2) == [
        "Who came to town?",
        "What did guests eat at dinner, and where did they sleep?",
    ]


def test_renumber_shifts_markers_and_maps_positions():
    text, moved = parts.renumber("A [1]. B [9][2]. On Tuesday.", 1)
    assert text == "A [2]. B [10][3]. On Tuesday."
    assert text[moved(0)] == "A"
    tuesday = "A [1]. B [9][2]. On Tuesday.".index("Tuesday")
    assert text[moved(tuesday) :].startswith("Tuesday")


def test_join_numbers_citations_on_and_keeps_both_parts():
    first_chunk, second_chunk = chunk("a:0"), chunk("b:0")
    first = answer(
        text="Kim Ju Ae came [1].",
        citations=[citation(1, first_chunk, "Kim arrived on Tuesday with Kim Ju Ae.")],
        confidence=0.9,
        retrieved=[hit(first_chunk, 1), hit(second_chunk, 2)],
        as_of="2025-09-03",
    )
    second_text = "He arrived on Tuesday [1]."
    start = second_text.index("on Tuesday")
    resolved = Resolved(start, start + 10, "on Tuesday", "2 September 2025")
    quote = citation(1, second_chunk, "Xi hosted him.")
    second = answer(
        text=second_text,
        citations=[quote],
        confidence=0.7,
        resolved_dates=[resolved],
        conflicts=[Conflict("He arrived", "Tuesday", quote, first_chunk, "x", "y")],
        retrieved=[hit(second_chunk, 1)],
        as_of="2025-09-04",
    )
    joined = parts.join("Who came, and when?", [first, second], ["Who came?", "When?"], 5000.0)
    assert joined.text == "Kim Ju Ae came [1]. He arrived on Tuesday [2]."
    assert [c.marker for c in joined.citations] == [1, 2]
    assert joined.citations[1].chunk.chunk_id == "b:0"
    assert joined.conflicts[0].cited.marker == 2
    date = joined.resolved_dates[0]
    assert joined.text[date.start : date.end] == "on Tuesday"
    assert not joined.abstained and joined.confidence == 0.7 and joined.as_of == "2025-09-04"
    assert [h.chunk.chunk_id for h in joined.retrieved] == ["a:0", "b:0"]
    assert joined.timings_ms["ttft"] == first.timings_ms["ttft"]
    assert joined.timings_ms["generate"] == 4000.0 and joined.timings_ms["total"] == 5000.0
    assert joined.usage == {"prompt_tokens": 2000, "completion_tokens": 80}


def test_a_declined_part_is_named_and_the_others_are_given():
    c = chunk("a:0")
    given = answer(text="Kim Ju Ae came [1].", citations=[citation(1, c, "Xi hosted him.")])
    declined = answer(
        text="The articles don't say, so I won't guess. The closest they come is [1]: “Xi.”",
        abstained=True,
        abstain_reason="confidence 0.20 is below 0.60",
        confidence=0.2,
        citations=[citation(1, c, "Kim arrived on Tuesday with Kim Ju Ae.")],
    )
    joined = parts.join("q", [declined, given], ["How many trips has he made?", "Who came?"], 1.0)
    assert joined.text == (
        "As for “How many trips has he made?”, the articles don't say. Kim Ju Ae came [1]."
    )
    assert [c.quote for c in joined.citations] == ["Xi hosted him."]
    assert not joined.abstained and joined.confidence == 0.0


def test_when_every_part_is_declined_the_answer_is_the_first_parts_abstention():
    c = chunk("a:0")
    declined = [
        answer(
            text=f"The articles don't say, so I won't guess. The closest they come is [1]: “{q}”",
            abstained=True,
            abstain_reason=reason,
            confidence=None,
            citations=[citation(1, c, q)],
        )
        for q, reason in [("Xi hosted him.", "a"), ("Kim arrived on Tuesday with Kim Ju Ae.", "b")]
    ]
    both = parts.join("q", declined, ["A?", "B?"], 1.0)
    assert both.abstained and both.confidence is None and both.abstain_reason == "a; b"
    assert both.text == declined[0].text and both.citations == declined[0].citations
