"""RemoteModel, the OpenAI-compatible server client: unit tests with the openai SDK over a mock
transport (scripted server replies), and integration tests against a real `llama_cpp.server`
running the small GGUF. Both count prompts with the GGUF's own tokenizer (a vocab-only load)."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import openai
import pytest

from rag.chat import Usage
from rag.config import Settings
from rag.errors import ModelError
from rag.llm import LocalModel, get_model
from rag.llm_remote import RemoteModel

SMALL_MODEL = "qwen2.5-0.5b"  # the GGUF the llama_server fixture runs
URL = "http://model.test/v1"
QUESTION = [{"role": "user", "content": "Is Paris the capital of France? Answer yes or no."}]
Handler = Callable[[httpx.Request], httpx.Response]


def settings(**changes: Any) -> Settings:
    return Settings().replace(**{"model": SMALL_MODEL, "llm_url": URL, **changes})


class Script:
    """The mock server: answers each request with `reply(request)`; keeps the request bodies."""

    def __init__(self) -> None:
        self.reply: Handler = lambda _: httpx.Response(404)
        self.bodies: list[dict[str, Any]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.bodies.append(json.loads(request.content))
        return self.reply(request)


@pytest.fixture(scope="module")
def scripted() -> tuple[RemoteModel, Script]:
    script = Script()
    client = httpx.Client(transport=httpx.MockTransport(script))
    return RemoteModel(settings(), http_client=client, max_retries=0), script


@pytest.fixture()
def model(scripted: tuple[RemoteModel, Script]) -> RemoteModel:
    return scripted[0]


@pytest.fixture()
def script(scripted: tuple[RemoteModel, Script]) -> Script:
    """The server of `model`, with no request seen yet."""
    scripted[1].bodies.clear()
    return scripted[1]


def events(*chunks: dict[str, Any]) -> httpx.Response:
    body = "".join(f"data: {json.dumps(c)}\n\n" for c in chunks) + "data: [DONE]\n\n"
    return httpx.Response(200, headers={"content-type": "text/event-stream"}, text=body)


def chunk(text: str | None = None, usage: dict[str, int] | None = None) -> dict[str, Any]:
    choices = [] if usage else [{"index": 0, "delta": {"content": text}, "finish_reason": None}]
    return {
        "id": "chatcmpl-1",
        "object": "chat.completion.chunk",
        "created": 0,
        "model": SMALL_MODEL,
        "choices": choices,
        "usage": usage,
    }


def completion(text: str, top: dict[str, float] | None = None) -> httpx.Response:
    logprobs = None
    if top is not None:
        tops = [{"token": t, "logprob": math.log(p), "bytes": None} for t, p in top.items()]
        first = {"token": text, "logprob": tops[0]["logprob"], "bytes": None, "top_logprobs": tops}
        logprobs = {"content": [first]}
    choice = {
        "index": 0,
        "message": {"role": "assistant", "content": text},
        "logprobs": logprobs,
        "finish_reason": "length",
    }
    body = {
        "id": "chatcmpl-2",
        "object": "chat.completion",
        "created": 0,
        "model": SMALL_MODEL,
        "choices": [choice],
        "usage": {"prompt_tokens": 20, "completion_tokens": 1, "total_tokens": 21},
    }
    return httpx.Response(200, json=body)


def test_streamed_text_and_the_usage_the_server_reports(model: RemoteModel, script: Script) -> None:
    usage = {"prompt_tokens": 123, "completion_tokens": 7, "total_tokens": 130}
    reply = events(chunk("Yes"), chunk(", Paris"), chunk(None), chunk(" is."), chunk(usage=usage))
    script.reply = lambda _: reply
    generation = model.generate(QUESTION, 32)
    assert list(generation) == ["Yes", ", Paris", " is."]
    assert generation.usage == Usage(prompt_tokens=123, completion_tokens=7)
    (body,) = script.bodies
    assert body["messages"] == QUESTION and body["max_tokens"] == 32
    assert body["stream"] is True and body["stream_options"] == {"include_usage": True}


def test_without_a_usage_report_the_tokenizer_counts(model: RemoteModel, script: Script) -> None:
    script.reply = lambda _: events(chunk("Yes"), chunk(", Paris is."))
    generation = model.generate(QUESTION, 32)
    assert "".join(generation) == "Yes, Paris is."
    assert generation.usage == Usage(prompt_tokens=41, completion_tokens=5)


def test_prompt_tokens_follow_the_chat_template(model: RemoteModel) -> None:
    # 12 tokens of question; the template adds a default system prompt and role markers
    assert model.count_tokens(QUESTION) == 41
    system = [{"role": "system", "content": "Be brief."}, *QUESTION]
    assert model.count_tokens(system) == 28


@pytest.mark.parametrize(
    ("top", "expected"),
    [
        ({"Yes": 0.6, "No": 0.2, " yes": 0.1, "Maybe": 0.05}, 0.7 / 0.9),
        ({"no": 0.5, "NO": 0.3, "Yes": 0.2}, 0.2),
        ({"Perhaps": 0.9}, 0.5),
    ],
)
def test_yes_probability_from_the_top_logprobs(
    model: RemoteModel, script: Script, top: dict[str, float], expected: float
) -> None:
    script.reply = lambda _: completion(next(iter(top)), top)
    assert model.yes_probability(QUESTION) == pytest.approx(expected)
    (body,) = script.bodies
    assert (body["max_tokens"], body["logprobs"], body["top_logprobs"]) == (1, True, 20)
    assert body.get("stream") in (None, False)


@pytest.mark.parametrize(("reply", "expected"), [("Yes", 1.0), ("no", 0.0), ("Hmm", 0.5)])
def test_yes_probability_from_the_reply_when_no_logprobs(
    model: RemoteModel, script: Script, reply: str, expected: float
) -> None:
    script.reply = lambda _: completion(reply)
    assert model.yes_probability(QUESTION) == expected


def assert_one_line(error: pytest.ExceptionInfo[ModelError], *words: str) -> None:
    message = str(error.value)
    assert "\n" not in message and URL in message, message
    assert all(w in message for w in words), message


def test_a_server_error_is_a_model_error(model: RemoteModel, script: Script) -> None:
    script.reply = lambda _: httpx.Response(500, json={"error": {"message": "out of\nmemory"}})
    with pytest.raises(ModelError) as error:
        list(model.generate(QUESTION, 8))
    assert_one_line(error, "HTTP 500", "out of memory")
    with pytest.raises(ModelError) as error:
        model.yes_probability(QUESTION)
    assert_one_line(error, "HTTP 500")


def test_an_unreachable_server_is_a_model_error(model: RemoteModel, script: Script) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("[Errno 111] Connection refused", request=request)

    script.reply = refuse
    with pytest.raises(ModelError) as error:
        list(model.generate(QUESTION, 8))
    assert_one_line(error, "cannot reach", "Connection refused")
    with pytest.raises(ModelError) as error:
        model.yes_probability(QUESTION)
    assert_one_line(error, "cannot reach")


def test_an_error_event_in_the_stream_is_a_model_error(model: RemoteModel, script: Script) -> None:
    script.reply = lambda _: events(chunk("Yes"), {"error": {"message": "the context is full"}})
    pieces: list[str] = []
    with pytest.raises(ModelError) as error:
        pieces.extend(model.generate(QUESTION, 8))
    assert pieces == ["Yes"]
    assert_one_line(error, "the context is full")


def test_the_model_file_must_be_found(tmp_path: Path) -> None:
    missing = str(tmp_path / "served.gguf")
    with pytest.raises(ModelError) as error:
        RemoteModel(settings(model=missing))
    assert_one_line(error, "served.gguf", "set `model` to the GGUF")


def test_a_model_url_selects_the_remote_model() -> None:
    assert isinstance(get_model(settings()), RemoteModel)


# ------------------------------------------------------- against a real llama_cpp.server


@pytest.fixture(scope="module")
def served(llama_server: str) -> RemoteModel:
    return RemoteModel(settings(llm_url=llama_server, n_ctx=2048))


@pytest.fixture(scope="module")
def local() -> LocalModel:
    """The same GGUF in this process, for what the server's answers should equal; one thread,
    like the server (two threads that spin-wait crawl when a 2-core machine is busy)."""
    return LocalModel(settings(llm_url="", n_ctx=2048, n_threads=1, kv_cache_mb=0))


COUNT = [{"role": "user", "content": "Count from one to five in words."}]


@pytest.mark.slow
def test_a_real_server_streams_what_the_local_model_writes(
    served: RemoteModel, local: LocalModel, llama_server: str
) -> None:
    generation = served.generate(COUNT, 24)
    pieces = list(generation)
    assert len(pieces) > 5 and "".join(pieces) == "".join(local.generate(COUNT, 24))
    # llama_cpp.server reports usage only when not streaming: the same request, not streamed
    client = openai.OpenAI(base_url=llama_server, api_key="unused")
    reply = client.chat.completions.create(
        model=SMALL_MODEL,
        messages=COUNT,  # type: ignore[arg-type]
        max_tokens=24,
        temperature=0.0,
        seed=0,
    )
    assert reply.choices[0].message.content == "".join(pieces) and reply.usage is not None
    assert generation.usage.prompt_tokens == reply.usage.prompt_tokens
    assert generation.usage.completion_tokens == reply.usage.completion_tokens
    assert served.count_tokens(COUNT) == local.count_tokens(COUNT) == reply.usage.prompt_tokens


@pytest.mark.slow
@pytest.mark.parametrize("question", ["Is Paris in France?", "Is the sun cold?"])
def test_a_real_server_gives_the_local_yes_probability(
    served: RemoteModel, local: LocalModel, question: str
) -> None:
    messages = [{"role": "user", "content": f"{question} Answer yes or no."}]
    expected = local.yes_probability(messages)
    assert served.yes_probability(messages) == pytest.approx(expected, abs=0.01)
