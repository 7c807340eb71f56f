"""Follow-up questions made standalone (rag.condense)."""

from __future__ import annotations

import pytest

from rag.condense import (
    MAX_HISTORY_TURNS,
    MAX_TURN_CHARS,
    clean_rewrite,
    condense_messages,
    needs_rewrite,
    with_context,
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
        ("Who is Xi Jinping?", False),
        ("How much did China's exports to North Korea grow in 2025?", False),
        ("Who attended the military parade in Beijing?", False),
        ("When did Kim Jong Un's train leave Beijing Railway Station?", False),
    ],
)
def test_needs_rewrite_with_history(question: str, expected: bool) -> None:
    assert needs_rewrite(question, HISTORY) is expected


@pytest.mark.parametrize("question", ["When did she arrive?", "And Putin?", "Who is Xi Jinping?"])
def test_no_history_never_needs_a_rewrite(question: str) -> None:
    assert needs_rewrite(question, []) is False


def test_pronouns_are_whole_words() -> None:
    # "the", "Thursday", "hesitate" and "item" contain pronouns but are none
    assert not needs_rewrite("Did the Thursday talks hesitate on any trade item?", HISTORY)
    assert needs_rewrite("Did THEY talk on Thursday about trade items?", HISTORY)


def test_condense_messages_hold_the_history_and_the_question() -> None:
    messages = condense_messages("When did he arrive?", HISTORY)
    assert [m["role"] for m in messages] == ["system", "user"]
    assert "Rewrite" in messages[0]["content"]
    user = messages[1]["content"]
    assert user == (
        "Conversation:\n"
        "User: Who visited Beijing this week?\n"
        "Assistant: Kim Jong Un visited Beijing, where Xi Jinping hosted him [1].\n"
        "\n"
        "Last question: When did he arrive?\n"
        "\n"
        "Rewritten question:"
    )


def test_condense_messages_keep_recent_short_turns() -> None:
    history = [
        {"role": "user" if i % 2 == 0 else "assistant", "content": f"turn {i} " + "word " * 200}
        for i in range(MAX_HISTORY_TURNS + 2)
    ]
    history[-1]["content"] = "Kim   left\n\nBeijing   " + "x" * 1000
    user = condense_messages("Where did he go next?", history)[1]["content"]
    assert "turn 0 " not in user and "turn 1 " not in user
    for i in range(2, MAX_HISTORY_TURNS + 1):
        assert f"turn {i} " in user
    lines = user.split("\n")
    turns = [ln for ln in lines if ln.startswith(("User: ", "Assistant: "))]
    assert len(turns) == MAX_HISTORY_TURNS
    for line in turns:
        assert len(line.split(": ", 1)[1]) <= MAX_TURN_CHARS
    assert "Assistant: Kim left Beijing xxx" in user
    assert user.endswith("Last question: Where did he go next?\n\nRewritten question:")


def test_condense_messages_keep_dollar_signs() -> None:
    history = [{"role": "assistant", "content": "Exports grew 33% to $1.05 billion [1]."}]
    user = condense_messages("What about $imports?", history)[1]["content"]
    assert "Assistant: Exports grew 33% to $1.05 billion [1]." in user
    assert "Last question: What about $imports?" in user


QUESTION = "When did she arrive?"


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        ("When did Kim Ju Ae arrive in Beijing?", "When did Kim Ju Ae arrive in Beijing?"),
        ('Rewritten question: "When did Kim Ju Ae arrive?"', "When did Kim Ju Ae arrive?"),
        ("rewritten QUESTION:When did Kim Ju Ae arrive?", "When did Kim Ju Ae arrive?"),
        ("Question: When did Kim Ju Ae arrive?", "When did Kim Ju Ae arrive?"),
        ("“When did Kim Ju Ae arrive?”", "When did Kim Ju Ae arrive?"),
        ("'When did Kim Ju Ae arrive?'", "When did Kim Ju Ae arrive?"),
        (
            "\n\n  When did Kim Ju Ae arrive?  \nThis rewrite names her.",
            "When did Kim Ju Ae arrive?",
        ),
        ("", QUESTION),
        ("   \n\t\n", QUESTION),
        ('""', QUESTION),
        ("Rewritten question:", QUESTION),
        ("x" * (4 * len(QUESTION) + 201), QUESTION),
    ],
)
def test_clean_rewrite(reply: str, expected: str) -> None:
    assert clean_rewrite(reply, QUESTION) == expected


def test_clean_rewrite_keeps_a_long_but_reasonable_line() -> None:
    line = "y" * (4 * len(QUESTION) + 200)
    assert clean_rewrite(line, QUESTION) == line


def test_with_context_puts_the_last_user_turn_before_the_question() -> None:
    assert with_context("Who reported that?", HISTORY).endswith(" Who reported that?")
    assert with_context("Who reported that?", HISTORY).startswith(HISTORY[-2]["content"][:20])
    assert with_context("Why?", []) == "Why?"
