"""Follow-up questions: which ones refer back, what is searched for them, and which turn they
follow.

`refers_back` is a cheap test (pronouns, "there", "then", questions with one content word at
most, such as "What was the date?", or two naming nothing, such as "Who was the guest of
honour?": in a conversation, "the guest" is the one of the story being discussed). A
question that refers back is searched together with the previous user question
(`standalone`), and its answer is drafted over the previous answer's sources first
(rag.answer): no model call rewrites it, and the model resumes from the previous prompt's
cached state instead of reading its sources again.
Knows nothing about retrieval, models or Chroma.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from rag.facts import capitalised_names
from rag.text import strip_citation_markers, tidy, tokenize

if TYPE_CHECKING:
    from rag.chat import Message

_REFERRING = re.compile(
    r"\b(he|she|it|they|him|her|them|his|hers|its|their|theirs|this|that|these|those|"
    r"there|then|the same|the other|former|latter)\b",
    re.IGNORECASE,
)
MAX_TURN_CHARS = 400  # the previous question is cut to this many characters in a query
MAX_ANSWER_CHARS = 300  # the previous answer is cut to this many characters in a prompt
MAX_ELLIPTIC_WORDS = 2  # content words of a name-less question that still refers back


def refers_back(question: str, history: Sequence[Message]) -> bool:
    """Whether the question leans on the conversation before it."""
    if not history:
        return False
    if _REFERRING.search(question) or len(tokenize(question)) <= 1:
        return True
    # a short question that names nothing ("Who was the guest of honour?") leans on the story
    # being discussed; a longer one ("How many leaders attended the parade?") may open another
    short = len(tokenize(question)) <= MAX_ELLIPTIC_WORDS
    return short and not capitalised_names(question) and not any(ch.isdigit() for ch in question)


def previous_turn(history: Sequence[Message]) -> tuple[str, list[Message]] | None:
    """The last user question of the history and the history before it; None without one."""
    for n in range(len(history) - 1, -1, -1):
        if history[n].get("role") == "user":
            return history[n]["content"], list(history[:n])
    return None


def standalone(question: str, history: Sequence[Message]) -> str:
    """What to search for the question: itself, or, when it refers back, what was searched
    for the previous user question followed by it ("Who came with Kim? When did she arrive?")."""
    earlier = previous_turn(history) if refers_back(question, history) else None
    if earlier is None:
        return question
    before = " ".join(standalone(*earlier).split())
    return f"{before[-MAX_TURN_CHARS:]} {question}".strip()


def reply_to(history: Sequence[Message], before: Sequence[Message]) -> str:
    """The reply in `history` to the user question that follows `before` (as `previous_turn`
    gives them), citation markers removed and cut to MAX_ANSWER_CHARS; "" when none."""
    after = history[len(before) + 1 :]
    reply = next((m["content"] for m in after if m.get("role") == "assistant"), "")
    return tidy(strip_citation_markers(reply))[:MAX_ANSWER_CHARS]
