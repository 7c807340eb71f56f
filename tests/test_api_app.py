"""The /v1 app (rag.api.routes) and the combined server app (rag.server.build_app) in process,
over a scripted answerer and an in-memory store: routes, streaming, errors in the OpenAI
shape, limits, key and origin checks, the library routes (web pages fetched from a real HTTP
server on loopback; once on the real store, slow), the chat page mounted at /, and the
official `openai` client reading it all. No model."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openai
import pytest
from fastapi.testclient import TestClient
from fixtures.web.server import LocalSite
from ui_samples import FakeStore, answer, chunk, citation

from rag.answer import Status, Token
from rag.api.gate import Gate, GatedAnswerer
from rag.api.messages import ChatRequest
from rag.api.routes import Api
from rag.config import Settings
from rag.library import upload_name
from rag.server import build_app
from rag.stored import ArticleInfo

BASE = "http://127.0.0.1:7860"
ASK = {"model": "any", "messages": [{"role": "user", "content": "Who came?"}]}
DRAFT = "a draft the check rewrote"


class Store(FakeStore):
    def count(self) -> int:
        return len(self.docs)

    def chunks(self, ids: list[str]) -> list[Any]:
        return []


class Scripted(GatedAnswerer):
    """Answers every question with one cited sentence after streaming a different draft."""

    def __init__(self, settings: Settings, gate: Gate | None = None, store: Any = None) -> None:
        store = store if store is not None else Store()
        super().__init__(settings, gate, store=store, retriever=object(), model=object())
        self.asked: list[tuple[str, list[Any]]] = []
        self.fail = False

    def ungated(self, question: str, history: Any = ()) -> Iterator[Any]:
        self.asked.append((question, list(history)))
        yield Status("searching", query=question)
        yield Token(DRAFT)
        if self.fail:
            raise RuntimeError("/secret/server/path broke")
        c = chunk("d1:0")
        yield answer(text="Kim came [1].", citations=[citation(1, c, "Xi hosted him.")])


def client(tmp_path: Path, ui: bool = False, gate: Gate | None = None, **knobs: Any) -> TestClient:
    settings = Settings(data_dir=tmp_path, **knobs)
    answerer = Scripted(settings, gate)
    answerer.store.docs["seed"] = ArticleInfo("seed", "Seed", "2025-09-04", None, 1)  # type: ignore[attr-defined]
    test = TestClient(build_app(settings, answerer, ui=ui), base_url=BASE)
    test.answerer = answerer  # type: ignore[attr-defined]
    return test


def error_of(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"message", "type", "param", "code"}
    return body["error"]


def sse_data(text: str) -> list[Any]:
    return [
        line[len("data: ") :] if line == "data: [DONE]" else json.loads(line[len("data: ") :])
        for line in text.splitlines()
        if line.startswith("data: ")
    ]


def test_a_completion_carries_the_checked_text_and_citations(tmp_path: Path) -> None:
    test = client(tmp_path)
    messages = [
        {"role": "system", "content": "ignored"},
        {"role": "user", "content": "Who came?"},
        {"role": "assistant", "content": "Kim came [1]."},
        {"role": "user", "content": "When did he arrive?"},
    ]
    response = test.post("/v1/chat/completions", json={"model": "x", "messages": messages})
    assert response.status_code == 200 and response.headers["x-queue-wait-ms"].isdigit()
    body = response.json()
    assert body["choices"][0]["message"]["content"] == "Kim came [1]."
    assert body["model"] == Settings().model and body["citations"][0]["marker"] == 1
    assert DRAFT not in response.text
    question, history = test.answerer.asked[-1]  # type: ignore[attr-defined]
    assert question == "When did he arrive?"
    assert history == [
        {"role": "user", "content": "Who came?"},
        {"role": "assistant", "content": "Kim came."},
    ]


def test_a_stream_sends_the_final_text_then_the_extras(tmp_path: Path) -> None:
    response = client(tmp_path).post("/v1/chat/completions", json={**ASK, "stream": True})
    assert response.headers["content-type"].startswith("text/event-stream")
    first, *middle, last, done = sse_data(response.text)
    assert first["choices"][0]["delta"]["role"] == "assistant" and done == "[DONE]"
    assert "".join(c["choices"][0]["delta"]["content"] for c in middle) == "Kim came [1]."
    assert last["choices"][0]["finish_reason"] == "stop" and last["choices"][0]["delta"] == {}
    assert last["citations"][0]["doc_id"] == "d1" and last["abstained"] is False
    assert DRAFT not in response.text


def test_a_failure_after_the_stream_began_is_an_error_event(tmp_path: Path) -> None:
    test = client(tmp_path)
    test.answerer.fail = True  # type: ignore[attr-defined]
    events = sse_data(test.post("/v1/chat/completions", json={**ASK, "stream": True}).text)
    assert events[-1]["error"]["type"] == "server_error"
    assert "secret" not in json.dumps(events)


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        ({"model": "x", "messages": []}, 400, "messages: List should have at least 1 item"),
        ({"model": "x"}, 400, "messages: Field required"),
        ({"messages": [{"role": "user", "content": "x" * 51}]}, 400, "the limit is 50"),
        ({"messages": [{"role": "user", "content": "  "}]}, 400, "the question is empty"),
        ({"messages": [{"role": "assistant", "content": "hi"}]}, 400, "last message"),
        ({"messages": [{"role": "user", "content": "x" * (1 << 20)}]}, 413, "byte limit"),
    ],
)
def test_bad_chat_requests(tmp_path: Path, body: dict[str, Any], status: int, message: str) -> None:
    test = client(tmp_path, max_question_chars=50)
    assert message in error_of(test.post("/v1/chat/completions", json=body), status)["message"]


def test_malformed_json_is_a_400(tmp_path: Path) -> None:
    response = client(tmp_path).post(
        "/v1/chat/completions", content=b"{not json", headers={"content-type": "application/json"}
    )
    error_of(response, 400)


def test_an_empty_library_is_a_503(tmp_path: Path) -> None:
    test = client(tmp_path)
    test.answerer.store.docs.clear()  # type: ignore[attr-defined]
    assert "no articles" in error_of(test.post("/v1/chat/completions", json=ASK), 503)["message"]


def test_a_full_queue_is_a_429_with_retry_after(tmp_path: Path) -> None:
    gate = Gate(max_waiting=0)
    gate.reserve()  # an answer is being made and none may wait behind it
    response = client(tmp_path, gate=gate).post("/v1/chat/completions", json=ASK)
    assert error_of(response, 429)["code"] == "server_busy"
    assert response.headers["retry-after"].isdigit()


class Held(Scripted):
    """Begins its answer, then waits for `release` before making the rest; notes whether it
    got that far."""

    def __init__(self, settings: Settings) -> None:
        super().__init__(settings, Gate())
        self.store.docs["seed"] = ArticleInfo("seed", "Seed", "2025-09-04", None, 1)  # type: ignore[attr-defined]
        self.release = threading.Event()
        self.finished = False

    def ungated(self, question: str, history: Any = ()) -> Iterator[Any]:
        yield Status("searching", query=question)
        self.release.wait(60)
        yield Token(DRAFT)
        self.finished = True
        yield answer(text="Kim came [1].", citations=[citation(1, chunk("d1:0"), "Xi came.")])


def turn_freed(gate: Gate) -> bool:
    deadline = time.monotonic() + 30  # as long as a loaded machine needs
    while gate.queued and time.monotonic() < deadline:
        time.sleep(0.05)
    return gate.queued == 0


@pytest.mark.parametrize("cancelled", [False, True], ids=["left-alone", "cancelled"])
def test_a_stream_that_never_begins_still_frees_the_turn(tmp_path: Path, cancelled: bool) -> None:
    """A client gone before the first byte: the server never starts the reply's body (Starlette
    cancels it when the disconnect comes first), yet the answer's turn is given back; the
    reply's background task, run whether or not it was sent, cancels the answer."""
    answerer = Held(Settings(data_dir=tmp_path))
    api = Api(answerer.settings, answerer)
    request = ChatRequest(**ASK, stream=True)
    response = asyncio.run(api.chat_completions(request))  # its body is never iterated
    if cancelled:
        asyncio.run(response.background())
    answerer.release.set()
    assert turn_freed(answerer.gate), "the turn was never given back"
    assert answerer.finished is not cancelled


def test_the_key_the_origin_and_the_host_are_checked(tmp_path: Path) -> None:
    test = client(tmp_path, api_key="s3cret")
    assert error_of(test.get("/v1/models"), 401)["code"] == "invalid_api_key"
    bad = {"Authorization": "Bearer wrong"}
    assert error_of(test.get("/v1/models", headers=bad), 401)["code"] == "invalid_api_key"
    good = {"Authorization": "Bearer s3cret"}
    assert test.get("/v1/models", headers=good).status_code == 200
    elsewhere = {**good, "Origin": "https://evil.example"}
    error_of(test.get("/v1/documents", headers=elsewhere), 403)
    keyless = client(tmp_path / "keyless")
    rebound = {"Host": "evil.example:7860"}
    assert "loopback" in error_of(keyless.get("/v1/models", headers=rebound), 403)["message"]


def test_unknown_routes_and_methods(tmp_path: Path) -> None:
    test = client(tmp_path)
    assert error_of(test.get("/v1/nothing"), 404)["code"] == "unknown_route"
    error_of(test.get("/v1/chat/completions"), 405)
    error_of(test.get("/v1/models/gpt-4"), 404)
    error_of(test.get("/"), 404)  # without the page, only /v1 answers
    models = test.get("/v1/models").json()
    assert models["object"] == "list" and models["data"][0]["id"] == Settings().model
    assert test.get(f"/v1/models/{Settings().model}").json()["object"] == "model"
    paths = test.get("/v1/openapi.json").json()["paths"]
    assert {"/v1/chat/completions", "/v1/ingest", "/v1/documents/{doc_id}"} <= set(paths)


FORM = "multipart/form-data; boundary=b"
FORM_WITHOUT_FILE = b'--b\r\nContent-Disposition: form-data; name="note"\r\n\r\nx\r\n--b--\r\n'
VELMORA = " date 2025-10-01 Velmora opens a bridge\n\nIt is 412 m long.\n"


def test_ingest_list_and_delete(tmp_path: Path) -> None:
    test = client(tmp_path, max_upload_bytes=1000)
    files = [
        ("files", ("velmora story.txt", VELMORA.encode(), "text/plain")),
        ("files", ("run.sh", b"echo", "text/plain")),
    ]
    got = test.post("/v1/ingest", files=files).json()
    velmora = Path(upload_name("velmora story.txt")).stem  # velmora_story_<tag>
    assert [(d["doc_id"], d["status"]) for d in got["data"]] == [(velmora, "added")]
    (refused,) = got["errors"]
    assert refused["name"] == "run.sh" and "unsupported type" in refused["message"]
    article = {"title": "Quillon festival", "text": "It drew 9,300 visitors.", "id": "quillon"}
    got = test.post("/v1/ingest", json={"articles": [article | {"date": "2025-10-02"}]}).json()
    assert got["data"][0] | {"status": "added"} == {
        "doc_id": "quillon",
        "title": "Quillon festival",
        "date": "2025-10-02",
        "source": None,
        "url": None,
        "status": "added",
    }
    listed = {d["doc_id"] for d in test.get("/v1/documents").json()["data"]}
    assert {velmora, "quillon"} <= listed
    assert (tmp_path / "articles" / "quillon.md").exists()
    deleted = test.delete("/v1/documents/quillon").json()
    assert deleted == {"id": "quillon", "object": "document", "deleted": True}
    assert not (tmp_path / "articles" / "quillon.md").exists()
    assert error_of(test.delete("/v1/documents/quillon"), 404)["code"] == "document_not_found"


@pytest.mark.parametrize(
    ("kwargs", "status", "message"),
    [
        ({"files": [("files", ("big.txt", b"x" * 1001, "text/plain"))]}, 413, "over the 1,000"),
        ({"files": [("files", ("run.sh", b"echo", "text/plain"))]}, 400, "unsupported type"),
        ({"content": FORM_WITHOUT_FILE, "headers": {"content-type": FORM}}, 400, "no file"),
        ({"json": {"articles": []}}, 400, "articles: List should have at least 1"),
        ({"json": {"articles": [{"title": "T", "text": "x", "date": "soon"}]}}, 400, "date"),
        ({"content": b"x", "headers": {"content-type": "text/plain"}}, 400, "content type"),
        ({"json": {}}, 400, "give articles, urls, feeds or sitemaps"),
        ({"json": {"urls": []}}, 400, "urls: List should have at least 1 item"),
        ({"json": {"urls": ["ftp://a.example/x"]}}, 400, "urls.0: Value error, not an absolute"),
        ({"json": {"feeds": ["/rss.xml"]}}, 400, "not an absolute http:// or https:// URL"),
        ({"json": {"urls": [f"https://a.example/{i}" for i in range(21)]}}, 400, "at most 20"),
        ({"json": {"sitemaps": ["https://a.example/s"], "since": "soon"}}, 400, "'soon'"),
    ],
)
def test_bad_ingests(tmp_path: Path, kwargs: dict[str, Any], status: int, message: str) -> None:
    test = client(tmp_path, max_upload_bytes=1000)
    assert message in error_of(test.post("/v1/ingest", **kwargs), status)["message"]


def test_ingest_web_pages_feeds_and_sitemaps(site: LocalSite, tmp_path: Path) -> None:
    test = client(tmp_path, allow_private_urls=True)
    body = {
        "urls": [site.url("/go/harbour")],
        "feeds": [site.url("/feed.atom")],
        "sitemaps": [site.url("/sitemap.xml"), site.url("/nothing.xml")],
        "since": "2025-03-01",
        "articles": [{"title": "Quillon festival", "text": "It drew 9,300 visitors."}],
    }
    got = test.post("/v1/ingest", json=body).json()
    assert got["data"][0]["title"] == "Quillon festival"
    harbour = got["data"][1]
    assert harbour["url"] == site.url("/news/harbour-bridge-reopens")
    assert harbour["source"] == "The Harbour Gazette" and harbour["date"] == "2025-03-14"
    assert [d["url"].removeprefix(site.base) for d in got["data"][1:]] == [
        "/news/harbour-bridge-reopens",
        "/world/council-vote",
        "/culture/cafe-elan",
        "/news/ferry-timetable",
    ]
    assert {d["status"] for d in got["data"]} == {"added"}
    assert got["errors"] == [
        {"name": site.url("/nothing.xml"), "message": "HTTP 404", "code": "unreadable_url"}
    ]
    listed = test.get("/v1/documents").json()["data"]
    assert len(listed) == 6  # the seed, the article and four pages
    again = test.post("/v1/ingest", json={"urls": [site.url("/news/ferry-timetable")]}).json()
    assert [d["status"] for d in again["data"]] == ["updated"]  # as the in-memory store says
    saved = [path.name for path in (tmp_path / "articles").iterdir() if path.is_file()]
    assert len(saved) == 1 and saved[0].startswith("Quillon")  # pages are not kept as files


def test_ingest_web_refuses_private_addresses_without_the_setting(
    site: LocalSite, tmp_path: Path
) -> None:
    response = client(tmp_path).post("/v1/ingest", json={"urls": [site.url("/news/x")]})
    error = error_of(response, 400)
    assert error["code"] == "unreadable_url" and site.requests == []
    assert error["message"] == (
        f"{site.url('/news/x')}: refused address: 127.0.0.1 is a loopback address "
        "(set allow_private_urls to fetch it)"
    )


def test_ingest_web_fetches_while_an_answer_holds_the_turn(site: LocalSite, tmp_path: Path) -> None:
    test = client(tmp_path, allow_private_urls=True)
    turn = test.answerer.gate.reserve()  # type: ignore[attr-defined]
    assert turn.wait()
    try:  # the model is busy: a web ingest does not wait for it
        got = test.post("/v1/ingest", json={"urls": [site.url("/news/ferry-timetable")]})
        assert got.status_code == 200 and got.json()["data"][0]["status"] == "added"
    finally:
        turn.close()


def test_the_ingest_schema_documents_the_web_fields(tmp_path: Path) -> None:
    schema = client(tmp_path).get("/v1/openapi.json").json()
    body = schema["paths"]["/v1/ingest"]["post"]["requestBody"]["content"]
    fields = body["application/json"]["schema"]["properties"]
    assert {"articles", "urls", "feeds", "sitemaps", "since"} <= set(fields)
    assert fields["urls"]["anyOf"][0]["maxItems"] == 20


@pytest.mark.slow
def test_ingest_web_on_the_real_store(site: LocalSite, tmp_path: Path) -> None:
    from rag.store import Store as RealStore

    settings = Settings(data_dir=tmp_path, allow_private_urls=True)
    answerer = Scripted(settings, store=RealStore(settings))
    test = TestClient(build_app(settings, answerer, ui=False), base_url=BASE)
    got = test.post("/v1/ingest", json={"feeds": [site.url("/feed.rss")]}).json()
    assert [d["status"] for d in got["data"]] == ["added", "added"] and got["errors"] == []
    listed = {d["url"]: d for d in test.get("/v1/documents").json()["data"]}
    ferry = listed[site.url("/news/ferry-timetable")]
    assert ferry["title"] == "New ferry timetable announced" and ferry["chunks"] >= 1
    again = test.post("/v1/ingest", json={"urls": [site.url("/news/ferry-timetable")]}).json()
    assert [d["status"] for d in again["data"]] == ["unchanged"]
    assert test.delete(f"/v1/documents/{ferry['doc_id']}").json()["deleted"] is True


def test_the_openai_client_reads_answers_streams_and_errors(tmp_path: Path) -> None:
    test = client(tmp_path, api_key="k")
    ai = openai.OpenAI(base_url=f"{BASE}/v1", api_key="k", http_client=test, max_retries=0)
    made = ai.chat.completions.create(model="any", messages=ASK["messages"])
    assert made.choices[0].message.content == "Kim came [1]."
    assert (made.model_extra or {})["citations"][0]["doc_id"] == "d1"
    assert made.usage is not None and made.usage.total_tokens == 1040
    chunks = list(ai.chat.completions.create(model="any", messages=ASK["messages"], stream=True))
    assert "".join(c.choices[0].delta.content or "" for c in chunks) == "Kim came [1]."
    assert (chunks[-1].model_extra or {})["citations"][0]["marker"] == 1
    assert [m.id for m in ai.models.list()] == [Settings().model]
    with pytest.raises(openai.BadRequestError, match="List should have at least 1 item"):
        ai.chat.completions.create(model="any", messages=[])
    wrong = openai.OpenAI(base_url=f"{BASE}/v1", api_key="bad", http_client=test, max_retries=0)
    with pytest.raises(openai.AuthenticationError):
        wrong.models.list()


def test_the_chat_page_is_mounted_at_the_root_with_its_options(tmp_path: Path) -> None:
    with client(tmp_path, ui=True) as test:
        page = test.get("/")
        assert page.status_code == 200 and "text/html" in page.headers["content-type"]
        config = test.get("/config").json()
        assert ".rag-cite:hover" in config["css"] and config["footer_links"] == []
        assert test.get("/v1/models").json()["object"] == "list"
        error_of(test.get("/v1/nothing"), 404)


def test_with_a_key_the_page_asks_for_it(tmp_path: Path) -> None:
    with client(tmp_path, ui=True, api_key="k") as test:
        assert test.get("/config").status_code == 401
        assert test.post("/login", data={"username": "me", "password": "bad"}).status_code == 400
        assert test.post("/login", data={"username": "me", "password": "k"}).status_code == 200
        assert test.get("/config").status_code == 200
