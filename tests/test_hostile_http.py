"""Hostile HTTP against the whole app `rag serve` serves (rag.server.build_app with the chat
page), in process over a scripted answerer and an in-memory store (test_api_app's): foreign
Host and Origin headers on every route, Gradio's file route asked for files outside its
uploads, uploads with hostile names and HTML/SVG payloads, the security headers, and a full
queue answered "busy" on the API and in the chat. No model."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from gradio.utils import get_upload_folder
from test_api_app import ASK, BASE, Scripted, client, error_of

from rag.api.gate import Gate
from rag.config import Settings
from rag.server import build_app, check_binding
from rag.ui.handlers import Handlers

EVIL = "https://evil.example"
SAME = {"Origin": BASE}
# every kind of route: the page, Gradio's config, API info, file, upload and queue, and /v1
ROUTES = [
    ("GET", "/"),
    ("GET", "/config"),
    ("GET", "/gradio_api/info"),
    ("GET", "/gradio_api/file=/etc/passwd"),
    ("POST", "/gradio_api/upload"),
    ("POST", "/gradio_api/queue/join"),
    ("GET", "/v1/models"),
    ("POST", "/v1/chat/completions"),
    ("DELETE", "/v1/documents/seed"),
]
SECURITY = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
}
HTML = b"<html><head><title>Hi</title></head><body><script>alert(1)</script><p>Text.</p></body>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> TestClient:
    """The chat page and the API on loopback without a key (one app: building one takes 1 s)."""
    return client(tmp_path_factory.mktemp("page"), ui=True)


def upload(test: TestClient, name: str, data: bytes, **headers: str) -> Any:
    return test.post("/gradio_api/upload", files={"files": (name, data)}, headers=headers)


@pytest.mark.parametrize("host", ["evil.example", "evil.example:7860", "127.0.0.1.nip.io:7860"])
def test_a_foreign_host_is_refused_on_every_route(page: TestClient, host: str) -> None:
    for method, path in ROUTES:
        response = page.request(method, path, headers={"Host": host})
        assert "loopback only" in error_of(response, 403)["message"], path


@pytest.mark.parametrize("origin", [EVIL, "null", "http://127.0.0.1:9999"])
def test_a_cross_site_origin_is_refused_on_every_route(page: TestClient, origin: str) -> None:
    for method, path in ROUTES:
        response = page.request(method, path, headers={"Origin": origin})
        assert "other sites" in error_of(response, 403)["message"], path


@pytest.mark.parametrize("headers", [{"Host": "[::1"}, {"Origin": "http://["}])
def test_a_malformed_host_or_origin_is_refused_not_an_error(
    page: TestClient, headers: dict[str, str]
) -> None:
    response = page.get("/config", headers=headers)
    assert "malformed" in error_of(response, 403)["message"]
    assert response.headers["x-content-type-options"] == "nosniff"


def test_the_page_own_requests_pass(page: TestClient) -> None:
    for host in ("127.0.0.1:7860", "localhost:7860", "[::1]:7860"):
        headers = {"Host": host, "Origin": f"http://{host}"}
        assert page.get("/config", headers=headers).status_code == 200
    assert upload(page, "story.txt", b"Some text.", **SAME).status_code == 200
    assert page.post("/v1/chat/completions", json=ASK, headers=SAME).status_code == 200


def test_binding_beyond_loopback_warns_of_clear_text(caplog: pytest.LogCaptureFixture) -> None:
    check_binding(Settings(host="127.0.0.1"))
    assert not caplog.records
    check_binding(Settings(host="0.0.0.0", api_key="k"))
    assert "clear text" in caplog.text and "0.0.0.0" in caplog.text


def test_with_a_key_any_host_may_ask_but_not_another_site(tmp_path: Path) -> None:
    test = client(tmp_path, ui=True, api_key="k")
    key = {"Authorization": "Bearer k", "Host": "rag.example.org"}
    assert test.get("/v1/models", headers=key).status_code == 200
    assert test.get("/config", headers={"Host": "rag.example.org"}).status_code == 401
    error_of(test.get("/v1/models", headers={**key, "Origin": EVIL}), 403)


def test_every_response_carries_the_security_headers(page: TestClient) -> None:
    for path in ["/", "/config", "/v1/models", "/v1/nothing", "/gradio_api/file=/etc/passwd"]:
        for response in (page.get(path), page.get(path, headers={"Host": "evil.example"})):
            assert SECURITY.items() <= response.headers.items(), path


def files_outside_the_uploads(settings: Settings) -> list[str]:
    """Paths of files that exist but were never uploaded: the system's, the store's, a model's."""
    store = settings.data_dir / "chroma" / "chroma.sqlite3"
    model = settings.cache_dir / "models" / "qwen.gguf"
    article = settings.uploads_dir / "story.txt"
    for made in (store, model, article):
        made.parent.mkdir(parents=True, exist_ok=True)
        made.write_bytes(b"SECRET")
    return ["/etc/passwd", str(store), str(model), str(article)]


def test_gradio_serves_no_file_but_its_uploads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the data, the models and Gradio's uploads in one folder, as an operator might keep them
    monkeypatch.setenv("GRADIO_TEMP_DIR", str(tmp_path))
    settings = Settings(data_dir=tmp_path / "data", cache_dir=tmp_path / "cache")
    test = TestClient(build_app(settings, Scripted(settings), ui=True), base_url=BASE)
    uploaded = upload(test, "note.txt", b"hello").json()[0]
    assert test.get(f"/gradio_api/file={uploaded}").content == b"hello"
    folder = Path(uploaded).parent
    for path in files_outside_the_uploads(settings):
        up = "../" * len(folder.parts) + path.lstrip("/")
        for asked in (path, f"{folder}/{up}", f"{folder}/{up}".replace("/", "%2f")):
            for route in ("/gradio_api/file=", "/gradio_api/file/", "/file="):
                response = test.get(route + asked)
                assert response.status_code in (403, 404), (route, asked)
                assert b"SECRET" not in response.content and b"root:" not in response.content


@pytest.mark.parametrize(
    ("name", "kept"),
    [
        ("../../evil.html", "evil.html"),
        ("/etc/cron.d/x.svg", "x.svg"),
        ("..%2f..%2fevil.html", None),  # kept as one odd name, which Gradio then never serves
        ("a\x00b.html", None),  # the client sends the NUL as %00: the same
    ],
)
@pytest.mark.parametrize("data", [HTML, SVG], ids=["html", "svg"])
def test_hostile_uploads_are_stored_safely_and_never_served_as_html(
    page: TestClient, name: str, kept: str | None, data: bytes
) -> None:
    stored = Path(upload(page, name, data).json()[0])
    assert Path(get_upload_folder()) in stored.parents and ".." not in stored.parts
    assert "\x00" not in stored.name and stored.name == (kept or stored.name)
    served = page.get(f"/gradio_api/file={quote(str(stored))}")
    assert served.headers["x-content-type-options"] == "nosniff"
    if kept is None:
        assert served.status_code == 403 and served.content != data
    else:
        assert served.status_code == 200 and served.content == data
        assert served.headers["content-type"] == "application/octet-stream"
        assert served.headers["content-disposition"].startswith("attachment")
    ingested = page.post("/v1/ingest", files={"files": (name, data)})
    assert ingested.status_code in (200, 400), ingested.text
    data_dir = page.answerer.settings.data_dir  # type: ignore[attr-defined]
    articles = data_dir / "articles"
    saved = list(articles.iterdir()) if articles.exists() else []
    assert all(path.parent == articles and "\x00" not in path.name for path in saved)
    assert not list(data_dir.parent.glob("evil*"))


class Slow(Scripted):
    """Answers only once `release` is set."""

    def __init__(self, settings: Settings, gate: Gate) -> None:
        super().__init__(settings, gate)
        self.release = threading.Event()

    def ungated(self, question: str, history: Any = ()) -> Iterator[Any]:
        self.release.wait(120)
        yield from super().ungated(question, history)


def test_a_full_queue_is_busy_on_the_api_and_in_the_chat(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    answerer = Slow(settings, Gate(max_waiting=2))
    answerer.store.docs["seed"] = object()  # type: ignore[attr-defined]
    test = TestClient(build_app(settings, answerer, ui=False), base_url=BASE)
    statuses: list[int] = []

    def ask() -> None:
        statuses.append(test.post("/v1/chat/completions", json=ASK).status_code)

    asking = [threading.Thread(target=ask) for _ in range(3)]
    for thread in asking:
        thread.start()
    deadline = time.monotonic() + 60  # as long as a loaded machine needs, no longer
    while answerer.gate.waiting < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert answerer.gate.waiting == 2, f"the three questions did not fill the gate: {statuses}"
    busy = test.post("/v1/chat/completions", json=ASK)
    error = error_of(busy, 429)
    assert error["type"] == "rate_limit_error" and error["code"] == "server_busy"
    assert "busy" in error["message"] and int(busy.headers["retry-after"]) > 0
    chat = Handlers(settings, answerer)
    display = chat.start_turn("Who came?", [])[1]
    said = [shown for shown, *_ in chat.answer_turn("Who came?", display, [])][-1][-1]["content"]
    assert "server is busy" in said and "<script" not in said
    answerer.release.set()
    for thread in asking:
        thread.join(30)
    assert statuses == [200, 200, 200]


def test_the_page_queue_is_bounded_like_the_gate(page: TestClient) -> None:
    """With no worker running, Gradio's queue fills: joins past the gate's bound are refused."""
    config = page.get("/config").json()
    (answer,) = [d for d in config["dependencies"] if d.get("api_name") == "answer_turn"]
    limit = page.answerer.gate.max_waiting  # type: ignore[attr-defined]
    for i in range(limit + 1):
        body = {"data": [None, [], []], "fn_index": answer["id"], "session_hash": f"s{i}"}
        joined = page.post("/gradio_api/queue/join", json=body, headers=SAME)
        assert joined.status_code == (200 if i < limit else 503), joined.text
