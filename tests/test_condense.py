"""Follow-up questions (rag.condense): which refer back, what is searched, which turn they
follow."""

from __future__ import annotations

import pytest

from rag.condense import (
    MAX_ANSWER_CHARS,
    MAX_TURN_CHARS,
    previous_turn,
    refers_back,
    reply_to,
    standalone,
)

HISTORY = [
    {"role": "user", "content": "Who visited Beijing this week?"},
    {
        "role": "assistant",
        "content": "Kim Jong Un visited Beijing, where Xi Jinping hosted him [1].",
    },
]


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("When did she arrive?", True),
        ("When did he arrive in Beijing?", True),
        ("What did they agree on?", True),
        ("Who else was there on Wednesday?", True),
        ("What happened to their trade after that?", True),
        ("Is this the sixth summit between the two leaders?", True),
        ("And Putin?", True),
        ("Why?", True),
        ("What was the date?", True),
        ("Who was the guest of honour?", True),  # names nothing: the story's guest
        ("At what time of day?", True),
        ("Who is Xi Jinping?", False),
        ("How many foreign leaders attended in 2025?", False),  # a year sets its own scene
        ("How many leaders attended the parade?", False),  # long enough to open a topic
        ("How much did China's exports to North Korea grow in 2025?", False),
        ("Who attended the military parade in Beijing?", False),
        ("When did Kim Jong Un's train leave Beijing Railway Station?", False),
    ],
)
def test_refers_back_with_history(question: str, expected: bool) -> None:
    assert refers_back(question, HISTORY) is expected


@pytest.mark.parametrize("question", ["When did she arrive?", "And Putin?", "Who is Xi Jinping?"])
def test_without_history_nothing_refers_back(question: str) -> None:
    assert refers_back(question, []) is False


def test_pronouns_are_whole_words() -> None:
    # "the", "Thursday", "hesitate" and "item" contain pronouns but are none
    assert not refers_back("Did the Thursday talks hesitate on any trade item?", HISTORY)
    assert refers_back("Did THEY talk on Thursday about trade items?", HISTORY)


def test_previous_turn_is_the_last_user_question_and_what_came_before() -> None:
    history = [
        *HISTORY,
        {"role": "user", "content": "When?"},
        {"role": "assistant", "content": "Monday."},
    ]
    assert previous_turn(history) == ("When?", HISTORY)
    assert previous_turn(HISTORY) == ("Who visited Beijing this week?", [])
    assert previous_turn([]) is None
    assert previous_turn([{"role": "assistant", "content": "Hello."}]) is None


def test_a_question_that_refers_back_is_searched_after_the_previous_one() -> None:
    assert standalone("Who reported that?", HISTORY) == (
        "Who visited Beijing this week? Who reported that?"
    )
    assert standalone("Who is Xi Jinping?", HISTORY) == "Who is Xi Jinping?"
    assert standalone("Why?", []) == "Why?"


def test_a_chain_of_follow_ups_keeps_the_first_subject() -> None:
    history = [
        *HISTORY,
        {"role": "user", "content": "When did he arrive?"},
        {"role": "assistant", "content": "On Tuesday."},
    ]
    assert standalone("Where did he stay then?", history) == (
        "Who visited Beijing this week? When did he arrive? Where did he stay then?"
    )


def test_the_earlier_questions_are_cut_from_their_start() -> None:
    long = [{"role": "user", "content": "word " * 200}, {"role": "assistant", "content": "x"}]
    query = standalone("And then?", long)
    assert query.endswith(" And then?")
    assert len(query) <= MAX_TURN_CHARS + len(" And then?")


def test_the_reply_to_the_previous_question_is_given_without_markers() -> None:
    assert reply_to(HISTORY, []) == "Kim Jong Un visited Beijing, where Xi Jinping hosted him."
    unanswered = [*HISTORY, {"role": "user", "content": "When?"}]
    assert reply_to(unanswered, HISTORY) == ""
    long = [{"role": "user", "content": "Q?"}, {"role": "assistant", "content": "x" * 1000}]
    assert reply_to(long, []) == "x" * MAX_ANSWER_CHARS
