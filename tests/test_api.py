"""The API's pure parts (rag.api): a chat request mapped to a question and its history, ingest
bodies validated, the OpenAI objects built from an answer, the turns of the gate, the error
shapes and statuses, the host and binding checks. No server, no store, no model."""

from __future__ import annotations

import json
import threading
import time
from typing import Any

import pytest
from pydantic import ValidationError
from ui_samples import answer, chunk, citation

from rag.answer import Status
from rag.api import errors, responses
from rag.api.gate import Busy, Gate, GatedAnswerer
from rag.api.guard import is_loopback
from rag.api.messages import MAX_MESSAGES, ChatRequest, conversation, plain_text
from rag.api.schemas import IngestBody
from rag.config import Settings
from rag.errors import ConfigError, InputError, ModelError, StoreError
from rag.library import NotInLibrary, TooLarge
from rag.schema import answer_json
from rag.server import check_binding


def request(*messages: tuple[str, Any], **fields: Any) -> ChatRequest:
    body = {"model": "any", "messages": [{"role": r, "content": c} for r, c in messages]}
    return ChatRequest.model_validate(body | fields)


@pytest.mark.parametrize(
    ("messages", "question", "history"),
    [
        ([("user", "Who came?")], "Who came?", []),
        ([("system", "Be brief."), ("user", "Who came?")], "Who came?", []),
        (
            [
                ("user", "Who came?"),
                ("assistant", "Kim came [1]. Xi hosted him [1, 2]."),
                ("developer", "ignored"),
                ("user", "When did he arrive?"),
            ],
            "When did he arrive?",
            [
                {"role": "user", "content": "Who came?"},
                {"role": "assistant", "content": "Kim came. Xi hosted him."},
            ],
        ),
        (
            [("user", [{"type": "text", "text": "Who"}, {"type": "text", "text": "came?"}])],
            "Who\ncame?",
            [],
        ),
        ([("user", "Who came?"), ("system", "late instructions")], "Who came?", []),
        (
            [("assistant", None), ("user", "Ünïcode — fine?")],
            "Ünïcode — fine?",
            [{"role": "assistant", "content": ""}],
        ),
    ],
)
def test_conversation_maps_messages(
    messages: list[tuple[str, Any]], question: str, history: list[dict[str, str]]
) -> None:
    asked, turns = conversation(request(*messages).messages)
    assert asked == question
    assert turns == history


@pytest.mark.parametrize(
    ("messages", "error"),
    [
        ([("user", "Who?"), ("assistant", "Kim.")], "last message must be the user's"),
        ([("system", "Be brief.")], "last message must be the user's"),
        ([("user", [{"type": "image_url", "image_url": {"url": "x"}}])], "only text content"),
    ],
)
def test_conversation_refuses(messages: list[tuple[str, Any]], error: str) -> None:
    with pytest.raises(InputError, match=error):
        conversation(request(*messages).messages)


@pytest.mark.parametrize(
    "body",
    [
        {"messages": []},
        {"messages": [{"role": "user", "content": "x"}] * (MAX_MESSAGES + 1)},
        {"messages": [{"role": "tool", "content": "x"}]},
        {"messages": [{"role": "user", "content": "x"}], "n": 2},
        {},
    ],
)
def test_chat_requests_are_validated(body: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        ChatRequest.model_validate(body)


def test_unknown_openai_fields_are_accepted() -> None:
    parsed = request(("user", "x"), temperature=0.2, max_tokens=9, tools=[], user="u1")
    assert parsed.stream is False and parsed.n == 1


@pytest.mark.parametrize(
    ("body", "urls", "since"),
    [
        ({"urls": [" https://a.example/x "]}, 1, None),
        ({"feeds": ["http://a.example/rss"], "since": "14 March 2025"}, 1, "2025-03-14"),
        (
            {"sitemaps": ["https://a.example/s"] * 10, "urls": ["https://a.example/x"] * 10},
            20,
            None,
        ),
        ({"articles": [{"title": "T", "text": "x"}]}, 0, None),
    ],
)
def test_ingest_bodies_name_articles_or_web_urls(
    body: dict[str, Any], urls: int, since: str | None
) -> None:
    parsed = IngestBody.model_validate(body)
    assert parsed.given() == urls and parsed.since == since
    assert all(u == u.strip() for u in [*(parsed.urls or []), *(parsed.feeds or [])])


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"urls": None, "articles": None},
        {"urls": ["javascript:alert(1)"]},
        {"urls": ["https://"]},
        {"feeds": ["https://a.example/" + "x" * 2048]},
        {"urls": ["https://a.example/x"] * 21},
        {"urls": ["https://a.example/x"], "since": "soon"},
    ],
)
def test_ingest_bodies_are_validated(body: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        IngestBody.model_validate(body)


@pytest.mark.parametrize(
    ("text", "plain"),
    [("came [1].", "came."), ("A [1], B [2, 3]; C", "A, B; C"), ("no markers", "no markers")],
)
def test_plain_text_drops_markers(text: str, plain: str) -> None:
    assert plain_text(text) == plain


def sample_answer(**fields: Any) -> Any:
    c = chunk("d1:0")
    text = "Kim came [1]. Xi hosted him [1]!"
    return answer(text=text, citations=[citation(1, c, "Xi hosted him.")], **fields)


def test_completion_object() -> None:
    given = sample_answer(draft="a draft that differs", as_of="2025-09-04")
    made = responses.completion(given, "qwen2.5-1.5b", "chatcmpl-1", 123)
    assert made["object"] == "chat.completion" and made["model"] == "qwen2.5-1.5b"
    (choice,) = made["choices"]
    assert choice["message"] == {"role": "assistant", "content": given.text}
    assert choice["finish_reason"] == "stop"
    assert made["usage"] == {"prompt_tokens": 1000, "completion_tokens": 40, "total_tokens": 1040}
    document = answer_json(given)
    for key in ("citations", "abstained", "confidence", "conflicts", "as_of"):
        assert made[key] == document[key]
    assert made["citations"][0]["doc_id"] == "d1" and made["as_of"] == "2025-09-04"
    json.dumps(made)  # plain JSON


def test_usage_of_an_answer_without_a_draft() -> None:
    assert responses.usage(answer(usage={})) == {
        "prompt_tokens": 0,
        "completion_tokens": 0,
        "total_tokens": 0,
    }


@pytest.mark.parametrize(
    "text",
    ["", "One.", "Kim came [1]. Xi hosted him [1]!  Why? …then…  end", "no end", "Ünï… ok. "],
)
def test_pieces_join_back_to_the_text(text: str) -> None:
    parts = responses.pieces(text)
    assert "".join(parts) == text and all(parts)


def test_stream_chunks_send_the_final_text_then_the_extras() -> None:
    given = sample_answer(draft="DRAFT")
    first = responses.first_chunk("m", "id1", 5)
    assert first["choices"][0]["delta"] == {"role": "assistant", "content": ""}
    *deltas, last = responses.answer_chunks(given, "m", "id1", 5)
    assert [d["choices"][0]["delta"]["content"] for d in deltas] == [
        "Kim came [1]. ",
        "Xi hosted him [1]!",
    ]
    assert all(d["object"] == "chat.completion.chunk" and d["id"] == "id1" for d in deltas)
    assert last["choices"][0] == {
        "index": 0,
        "delta": {},
        "logprobs": None,
        "finish_reason": "stop",
    }
    assert last["citations"] == answer_json(given)["citations"] and last["abstained"] is False
    assert last["usage"]["total_tokens"] == 1040
    assert "DRAFT" not in json.dumps([first, *deltas, last])


def test_server_sent_event_framing() -> None:
    assert responses.event({"a": "é"}) == 'data: {"a": "é"}\n\n'
    assert responses.comment("writing\nnow") == ": writing now\n\n"
    assert responses.DONE == "data: [DONE]\n\n"


@pytest.mark.parametrize(
    ("max_waiting", "said"),
    [
        (0, "the server is busy: an answer is being made; try again"),
        (1, "the server is busy: an answer is being made and 1 more question is waiting; try"),
    ],
)
def test_a_full_gate_says_what_it_is_busy_with(max_waiting: int, said: str) -> None:
    gate = Gate(max_waiting=max_waiting)
    held = [gate.reserve() for _ in range(max_waiting + 1)]
    with pytest.raises(Busy) as refused:
        gate.reserve()
    assert str(refused.value).startswith(said)
    for ticket in held:
        ticket.close()


def test_a_ticket_closed_from_another_thread_stops_waiting() -> None:
    gate = Gate(max_waiting=1)
    first, second = gate.reserve(), gate.reserve()

    class Watched:  # never cancelled; tells when the waiter has begun to wait
        began = threading.Event()

        def is_set(self) -> bool:
            self.began.set()
            return False

    waited: list[bool] = []
    watched = Watched()
    waiter = threading.Thread(target=lambda: waited.append(second.wait(watched)), daemon=True)  # type: ignore[arg-type]
    waiter.start()
    assert watched.began.wait(timeout=10)
    second.close()  # e.g. the client went away while its question waited
    waiter.join(timeout=10)
    assert not waiter.is_alive() and waited == [False]
    assert gate.waiting == 0 and gate.queued == 1
    first.close()
    assert gate.queued == 0  # the turn was not handed to the closed ticket


def test_the_gate_hands_a_free_turn_at_once_and_bounds_the_queue_behind_it() -> None:
    gate = Gate(max_waiting=2)
    first = gate.reserve()  # the turn is free: first holds it before it ever waits
    assert gate.waiting == 0 and gate.queued == 1 and first.ahead == 0
    second, third = gate.reserve(), gate.reserve()
    assert gate.waiting == 2 and (second.ahead, third.ahead) == (1, 2)
    with pytest.raises(Busy, match="an answer is being made and 2 more questions are waiting"):
        gate.reserve()
    assert first.wait() and gate.waiting == 2
    second.close()  # never used: its place is given back
    cancelled = threading.Event()
    cancelled.set()
    assert not third.wait(cancelled) and gate.waiting == 0  # the turn is still first's
    fourth, fifth = gate.reserve(), gate.reserve()
    first.close()
    first.close()  # idempotent
    assert gate.waiting == 1 and fourth.ahead == 0  # handed to fourth, the next in line
    assert fourth.wait() and fourth.waited_ms >= 0
    fourth.close()
    fourth.close()  # idempotent: the turn is not handed on twice
    sixth = gate.reserve()
    fifth.close()  # handed the turn but never used: it goes on to the next in line
    assert not sixth.wait(cancelled) and gate.queued == 0  # a cancelled one gives it back
    assert gate.reserve().wait()


class Scripted(GatedAnswerer):
    """A GatedAnswerer whose answers are scripted: no store, no model."""

    def __init__(self, gate: Gate) -> None:
        super().__init__(Settings(), gate, store=object(), retriever=object(), model=object())
        self.started: list[float] = []

    def ungated(self, question: str, history: Any = ()) -> Any:
        self.started.append(time.monotonic())
        yield Status("searching", query=question)
        time.sleep(0.2)
        yield answer(question=question, text=question)


def test_gated_answers_take_turns() -> None:
    answerer = Scripted(Gate())
    runs = [threading.Thread(target=answerer.ask, args=(q,)) for q in ("a", "b")]
    for run in runs:
        run.start()
    for run in runs:
        run.join()
    first, second = sorted(answerer.started)
    assert second - first >= 0.2 and answerer.gate.waiting == 0


@pytest.mark.parametrize(
    ("exc", "status", "code"),
    [
        (InputError("the question is empty"), 400, "invalid_request"),
        (TooLarge("x.txt: too big"), 413, "request_too_large"),
        (NotInLibrary("x is not in the library"), 404, "document_not_found"),
        (Busy("busy"), 429, "server_busy"),
        (StoreError("no articles"), 503, "store_unavailable"),
        (ModelError("cannot load"), 500, "server_error"),
    ],
)
def test_errors_map_to_statuses(exc: Exception, status: int, code: str) -> None:
    error = errors.from_exception(exc)
    assert (error.status, error.code) == (status, code)
    assert error.body() == {
        "error": {"message": str(exc), "type": error.kind, "param": None, "code": code}
    }


def test_unexpected_errors_hide_their_details() -> None:
    error = errors.from_exception(KeyError("/secret/path"))
    assert error.status == 500 and "secret" not in error.message
    assert errors.from_exception(Busy("x")).headers["Retry-After"].isdigit()


@pytest.mark.parametrize(
    ("host", "local"),
    [
        ("127.0.0.1", True),
        ("127.8.0.1", True),
        ("localhost", True),
        ("::1", True),
        ("[::1]", True),
        ("0.0.0.0", False),
        ("::", False),
        ("192.168.1.5", False),
        ("example.org", False),
    ],
)
def test_loopback_hosts(host: str, local: bool) -> None:
    assert is_loopback(host) is local


def test_serving_beyond_loopback_needs_a_key() -> None:
    with pytest.raises(ConfigError, match=r"refusing to serve on 0\.0\.0\.0 without an api_key"):
        check_binding(Settings(host="0.0.0.0"))
    check_binding(Settings(host="0.0.0.0", api_key="k"))
    check_binding(Settings(host="localhost"))
