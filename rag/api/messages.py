"""The chat request of the OpenAI API, and what it asks: a question and its conversation.

Contract: `ChatRequest` validates the body of POST /v1/chat/completions. Fields OpenAI defines
that do not apply here (temperature, max_tokens, tools, ...) are accepted and ignored; `n` must
be 1; `messages` holds 1 to MAX_MESSAGES messages. `conversation(messages)` gives
(question, history): system and developer messages are ignored; the last remaining message
must be the user's, and is the question; the user and assistant turns before it, in order, are
the history as `Answerer.stream` takes it, with [n] markers removed from assistant turns (the
page keeps its turns the same way). Content is a string or a list of text parts; other parts
(images, audio) are refused with an InputError.
Knows nothing about HTTP, the model or how answers are made.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from rag.errors import InputError
from rag.text import MARKER

MAX_MESSAGES = 64  # messages in one request: the question and the turns before it
ROLES = ("user", "assistant")  # the roles that make the conversation; the others are ignored
_MARKERS = re.compile(rf"\s*{MARKER}")


class ContentPart(BaseModel):
    model_config = ConfigDict(extra="allow")
    type: str
    text: str | None = None


class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="allow")
    role: Literal["system", "developer", "user", "assistant"]
    content: str | list[ContentPart] | None = None


class StreamOptions(BaseModel):
    model_config = ConfigDict(extra="allow")
    include_usage: bool = False  # accepted; the last chunk always carries the usage


class ChatRequest(BaseModel):
    """POST /v1/chat/completions. Other OpenAI fields are accepted and ignored."""

    model_config = ConfigDict(extra="allow")
    model: str = Field("", description="ignored: the server answers with its one model")
    messages: list[ChatMessage] = Field(
        min_length=1,
        max_length=MAX_MESSAGES,
        description="the conversation; the last user message is the question",
    )
    stream: bool = Field(False, description="server-sent events of chat.completion.chunk")
    stream_options: StreamOptions | None = None
    n: int = Field(1, ge=1, le=1, description="one answer per request")


Turn = dict[str, str]  # a history turn as Answerer.stream takes it: role and plain text


def text_of(message: ChatMessage) -> str:
    """The message's text: its string, or its text parts joined; InputError for other parts."""
    content = message.content
    if content is None or isinstance(content, str):
        return content or ""
    kinds = sorted({part.type for part in content if part.type != "text"})
    if kinds:
        raise InputError(f"only text content is supported, not {', '.join(kinds)}")
    return "\n".join(part.text or "" for part in content)


def plain_text(text: str) -> str:
    """Answer text without its [n] markers or the space before them."""
    return " ".join(_MARKERS.sub("", text).split())


def conversation(messages: Sequence[ChatMessage]) -> tuple[str, list[Turn]]:
    """(question, history) of a chat request's messages."""
    turns = [m for m in messages if m.role in ROLES]
    if not turns or turns[-1].role != "user":
        raise InputError("the last message must be the user's question")
    history = [
        {
            "role": m.role,
            "content": plain_text(text_of(m)) if m.role == "assistant" else text_of(m),
        }
        for m in turns[:-1]
    ]
    return text_of(turns[-1]), history
