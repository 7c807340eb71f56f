"""Prompt templates and strict rendering (rag.prompts)."""

from __future__ import annotations

import json

import pytest

from rag.chunk import Chunk
from rag.errors import ConfigError
from rag.prompts import (
    NOT_FOUND,
    PROMPTS_DIR,
    abstain_text,
    answer_messages,
    judge_messages,
    render,
    source_block,
)

TRADE = Chunk(
    chunk_id="000:8",
    doc_id="000",
    title="China willing to 'consolidate' ties with North Korea, Xi tells Kim in Beijing summit",
    date="2025-09-04",
    position=8,
    start=0,
    end=0,
    text=(
        "According to economic data from Beijing, China's exports to North Korea in the first "
        "half of 2025 grew 33% to $1.05 billion, while imports rose 20% to $210 million."
    ),
)
TRAIN = Chunk(
    chunk_id="001:9",
    doc_id="001",
    title="China’s Xi holds talks with North Korea’s Kim in Beijing",
    date=None,
    position=9,
    start=0,
    end=0,
    text=(
        "Kim’s armoured train was seen leaving Beijing shortly after the meeting ended, "
        "South Korean news agency Yonhap reported."
    ),
)


def test_prompt_files_exist() -> None:
    names = {p.stem for p in PROMPTS_DIR.glob("*.txt")}
    assert {"abstain", "answer_system", "answer_user", "source"} <= names
    assert {"judge_system", "judge_user", "source_article"} <= names


@pytest.mark.parametrize(
    ("name", "values", "message"),
    [
        ("source", {"marker": 1}, r"needs \['text'\]"),
        ("answer_user", {"sources": "S"}, r"needs \['question'\]"),
        ("answer_system", {}, r"needs \['not_found'\]"),
        (
            "source",
            {"marker": 1, "title": "T", "text": "x"},
            r"no placeholder for \['title'\]",
        ),
        ("abstain", {"question": "Q"}, r"no placeholder for \['question'\]"),
    ],
)
def test_render_is_strict(name: str, values: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        render(name, **values)


def test_unknown_template_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="no_such_prompt"):
        render("no_such_prompt")


def test_source_block() -> None:
    assert source_block(3, TRADE) == "[3] " + TRADE.text


TRADE_LATER = Chunk(
    "000:9", "000", TRADE.title, TRADE.date, 9, 0, 0, "Trade fell in 2020, when the border shut."
)


def test_answer_messages_golden() -> None:
    """Each article's title and date once, above its sources in reading order."""
    messages = answer_messages(
        "How much did China's exports to North Korea grow?", [TRADE, TRADE_LATER, TRAIN]
    )
    assert [m["role"] for m in messages] == ["system", "user"]
    assert messages[1]["content"] == (
        "Sources:\n"
        "\n"
        "China willing to 'consolidate' ties with North Korea, Xi tells Kim in Beijing summit "
        "(2025-09-04)\n"
        "[1] According to economic data from Beijing, China's exports to North Korea in the first "
        "half of 2025 grew 33% to $1.05 billion, while imports rose 20% to $210 million.\n"
        "[2] Trade fell in 2020, when the border shut.\n"
        "\n"
        "China’s Xi holds talks with North Korea’s Kim in Beijing (undated)\n"
        "[3] Kim’s armoured train was seen leaving Beijing shortly after the meeting ended, "
        "South Korean news agency Yonhap reported.\n"
        "\n"
        "Question: How much did China's exports to North Korea grow?"
    )


def test_system_message_holds_the_rules_and_the_sentinel() -> None:
    system = answer_messages("Q?", [TRADE])[0]["content"]
    assert NOT_FOUND in system
    assert "$" not in system
    assert "[1]" in system
    assert system == system.strip()


def test_question_comes_last_so_the_prefix_is_shared() -> None:
    first = answer_messages("When did Kim arrive?", [TRADE, TRAIN])
    second = answer_messages("Who reported the train leaving?", [TRADE, TRAIN])
    assert first[0] == second[0]
    prefix = first[1]["content"].rsplit("Question:", 1)[0]
    assert second[1]["content"].startswith(prefix)
    assert first[1]["content"].endswith("Question: When did Kim arrive?")


@pytest.mark.parametrize(
    "text",
    [
        "Exports grew 33% to $1.05 billion.",
        "Costs hit $question and $$2 and ${sources} and $ 5.",
        "A lone dollar sign at the end $",
    ],
)
def test_dollar_signs_in_sources_and_questions_pass_through(text: str) -> None:
    chunk = Chunk("d:0", "d", "Price $title", "2025-09-04", 0, 0, len(text), text)
    messages = answer_messages(f"Is it {text}?", [chunk])
    user = messages[1]["content"]
    assert f"Price $title (2025-09-04)\n[1] {text}\n\nQuestion: Is it {text}?" in user
    assert user.count(text) == 2


def test_no_sources_still_renders() -> None:
    user = answer_messages("Who met Kim?", [])[1]["content"]
    assert user.startswith("Sources:")
    assert user.endswith("Question: Who met Kim?")
    assert "[1]" not in user


def test_abstain_text_is_a_fixed_sentence() -> None:
    text = abstain_text()
    assert text
    assert text == (PROMPTS_DIR / "abstain.txt").read_text(encoding="utf-8").strip()
    assert "\n" not in text and "$" not in text
    assert text.endswith(".")
    assert text == abstain_text()
    assert NOT_FOUND not in text


@pytest.mark.parametrize(
    ("closest", "shown"),
    [
        ("Kim arrived on Tuesday.", "“Kim arrived on Tuesday.”"),
        ("x" * 400, "“" + "x" * 299 + "…”"),
    ],
)
def test_abstain_text_quotes_the_closest_sentence_as_marker_one(closest: str, shown: str) -> None:
    text = abstain_text(closest)
    assert text.startswith(abstain_text())
    assert text.endswith(f"The closest they come is [1]: {shown}")


def test_judge_sees_the_question_and_the_cited_passages_only() -> None:
    system, user = judge_messages("Where did they meet?", ["They met in Beijing.", "Kim came."])
    assert "yes or no" in system["content"]
    assert user["content"].startswith("Passages:\nThey met in Beijing.\n\nKim came.")
    assert "Question: Where did they meet?" in user["content"]
    assert "answer:" not in user["content"].lower()


@pytest.mark.parametrize(
    ("unknown", "lead"),
    [
        (["Emmanuel Macron"], "The articles don't mention Emmanuel Macron, so I won't guess."),
        (
            ["the Pope", "Macron"],
            "The articles don't mention the Pope or Macron, so I won't guess.",
        ),
        (["A", "B", "C"], "The articles don't mention A, B or C, so I won't guess."),
    ],
)
def test_abstain_text_names_what_no_article_mentions(unknown: list[str], lead: str) -> None:
    assert abstain_text(unknown=unknown) == lead
    assert abstain_text("Putin spoke.", unknown).startswith(lead + " The closest they come is [1]")


def test_worked_examples_alternate_and_end_with_the_real_question() -> None:
    with_examples = answer_messages("When did Kim arrive?", [TRADE], examples=True)
    roles = [m["role"] for m in with_examples]
    assert roles[0] == "system" and roles[-1] == "user"
    assert roles[1:-1] == ["user", "assistant"] * (len(roles[1:-1]) // 2)
    assert len(roles) > 2
    assert with_examples[-1] == answer_messages("When did Kim arrive?", [TRADE])[-1]
    assert all("$" not in m["content"] for m in with_examples[:-1])
    assert any(m["content"] == NOT_FOUND for m in with_examples if m["role"] == "assistant")


def test_worked_examples_are_the_same_prefix_for_every_question() -> None:
    first = answer_messages("When did Kim arrive?", [TRADE], examples=True)
    second = answer_messages("Who reported the train leaving?", [TRAIN], examples=True)
    assert first[:-1] == second[:-1]
    assert first[-1] != second[-1]


def test_each_worked_answer_passes_the_citation_check() -> None:
    """The examples teach only answers the checker would keep, cited where they should be."""
    from rag import cite
    from rag.prompts import example_source, worked_examples

    turns = worked_examples()
    examples = json.loads((PROMPTS_DIR / "answer_examples.json").read_text(encoding="utf-8"))
    assert len(turns) == 2 * len(examples)
    for example, reply in zip(examples, turns[1::2], strict=True):
        sources = [example_source(s) for s in example["sources"]]
        checked = cite.check(reply["content"], sources, NOT_FOUND, example["question"])
        if reply["content"] == NOT_FOUND:
            assert checked.abstained
        else:
            assert not checked.abstained and not checked.removed, reply["content"]
            assert checked.citations
