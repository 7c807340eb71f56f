"""The OpenAI objects of an answer: `chat.completion`, and the `chat.completion.chunk`s of a
stream as server-sent events.

Contract: the reply text is the answer's final text (the checked answer, or the abstention)
with its [n] markers, never the model's draft. The answer's extras are top-level fields of the
object: EXTRAS, as rag.schema.answer_json has them (`citations` are its citation items). In a
stream, the first chunk gives the role, the text follows in a few deltas (one a sentence) once
the answer is decided, and the last chunk before `[DONE]` has an empty delta,
`finish_reason: "stop"`, the extras and the usage. `usage` counts the tokens of the answer's
prompt and of the draft the model wrote (the checking calls are not counted).
Knows nothing about HTTP or how answers are made: it reads an `Answer`.
"""

from __future__ import annotations

import json
import re
import time
import uuid
from typing import TYPE_CHECKING, Any

from rag.schema import answer_json

if TYPE_CHECKING:
    from rag.answer import Answer

Json = dict[str, Any]
EXTRAS = ("citations", "abstained", "confidence", "conflicts", "as_of")
DONE = "data: [DONE]\n\n"
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+")


def completion_id() -> str:
    return f"chatcmpl-{uuid.uuid4().hex}"


def now() -> int:
    return int(time.time())


def extras(answer: Answer) -> Json:
    """The answer's fields beside the OpenAI ones."""
    document = answer_json(answer)
    return {key: document[key] for key in EXTRAS}


def usage(answer: Answer) -> Json:
    prompt = int(answer.usage.get("prompt_tokens", 0))
    generated = int(answer.usage.get("completion_tokens", 0))
    return {
        "prompt_tokens": prompt,
        "completion_tokens": generated,
        "total_tokens": prompt + generated,
    }


def completion(answer: Answer, model: str, rid: str, created: int) -> Json:
    """The `chat.completion` object."""
    return {
        "id": rid,
        "object": "chat.completion",
        "created": created,
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": answer.text},
                "logprobs": None,
                "finish_reason": "stop",
            }
        ],
        "usage": usage(answer),
        **extras(answer),
    }


def chunk(
    rid: str, created: int, model: str, delta: Json, finish: str | None = None, **more: Any
) -> Json:
    """One `chat.completion.chunk`."""
    return {
        "id": rid,
        "object": "chat.completion.chunk",
        "created": created,
        "model": model,
        "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}],
        **more,
    }


def pieces(text: str) -> list[str]:
    """The text in sentence-sized pieces that join back to exactly the text."""
    parts: list[str] = []
    start = 0
    for gap in _SENTENCE_END.finditer(text):
        parts.append(text[start : gap.end()])
        start = gap.end()
    if start < len(text):
        parts.append(text[start:])
    return parts


def answer_chunks(answer: Answer, model: str, rid: str, created: int) -> list[Json]:
    """The chunks after the first: the text's pieces, then the last chunk with the extras."""
    deltas = [chunk(rid, created, model, {"content": piece}) for piece in pieces(answer.text)]
    last = chunk(rid, created, model, {}, "stop", usage=usage(answer), **extras(answer))
    return [*deltas, last]


def first_chunk(model: str, rid: str, created: int) -> Json:
    return chunk(rid, created, model, {"role": "assistant", "content": ""})


def event(data: Json) -> str:
    """A server-sent event carrying one JSON object."""
    return f"data: {json.dumps(data, ensure_ascii=False)}\n\n"


def comment(text: str) -> str:
    """A server-sent comment (clients ignore it; it keeps the connection alive)."""
    return f": {' '.join(text.split())}\n\n"
