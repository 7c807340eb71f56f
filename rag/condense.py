"""Turns a follow-up question into a standalone one, using the conversation, only when needed.

`needs_rewrite` is a cheap test (pronouns, "there", "then", questions with one content word
at most, such as "What was the date?"); when it
says no, the question is searched as written. The rewrite itself is done by the chat model
from the `condense_*` prompts; this module builds those messages and cleans the reply. When
the model returns the question unchanged, the previous user turn is searched with it.
Knows nothing about retrieval or Chroma.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from rag.prompts import render
from rag.quarantine import defuse_markup
from rag.text import tokenize

if TYPE_CHECKING:
    from rag.chat import ChatModel, Message

_REFERRING = re.compile(
    r"\b(he|she|it|they|him|her|them|his|hers|its|their|theirs|this|that|these|those|"
    r"there|then|the same|the other|former|latter)\b",
    re.IGNORECASE,
)
MAX_HISTORY_TURNS = 4  # most recent turns shown to the rewriter
MAX_TURN_CHARS = 400  # each turn is cut to this many characters
REWRITE_TOKENS = 64  # most tokens a rewritten question may take


def needs_rewrite(question: str, history: Sequence[Message]) -> bool:
    if not history:
        return False
    return bool(_REFERRING.search(question)) or len(tokenize(question)) <= 1


def condense_messages(question: str, history: Sequence[Message]) -> list[dict[str, str]]:
    lines = [
        f"{turn['role'].capitalize()}: {' '.join(turn['content'].split())[:MAX_TURN_CHARS]}"
        for turn in history[-MAX_HISTORY_TURNS:]
    ]
    return [
        {"role": "system", "content": render("condense_system")},
        {
            "role": "user",
            "content": render(
                "condense_user",
                history=defuse_markup("\n".join(lines)),
                question=defuse_markup(question),
            ),
        },
    ]


def with_context(question: str, history: Sequence[Message]) -> str:
    """The search query when the rewrite failed: the last user turn, then the question."""
    last = next((t["content"] for t in reversed(history) if t.get("role") == "user"), "")
    return f"{' '.join(last.split())[:MAX_TURN_CHARS]} {question}".strip()


def clean_rewrite(reply: str, question: str) -> str:
    """The first non-empty line of the reply without quotes or a label; the original
    question when the reply is empty or runs away."""
    line = next((ln.strip() for ln in reply.splitlines() if ln.strip()), "")
    line = re.sub(r"^(rewritten question|question)\s*:\s*", "", line, flags=re.IGNORECASE)
    line = line.strip("\"'“” ")
    return line if 0 < len(line) <= 4 * len(question) + 200 else question


def rewrite(model: ChatModel, question: str, history: Sequence[Message]) -> str:
    """The query to search for a follow-up: the model's standalone rewrite, or, when it hands
    the question back unchanged, the previous user question with it."""
    reply = "".join(model.generate(condense_messages(question, history), REWRITE_TOKENS))
    query = clean_rewrite(reply, question)
    return query if query != question else with_context(question, history)
