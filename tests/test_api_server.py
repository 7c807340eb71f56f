"""The OpenAI-compatible API end to end: the official `openai` client against a real
`rag serve --no-ui` (Chroma, MiniLM, the default GGUF model) started as a subprocess on a free
localhost port, with an API key, over a temporary data dir holding the seed articles; and
`rag serve` with the chat page (conftest's `rag_server`) answering at / and /v1 on one port.

Five questions reach the model in all (each takes 10-30 s on 2 cores). Asserts properties
(cites the right article, abstains), not prose.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import openai
import pytest

from rag.api.responses import pieces

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
KEY = "test-key-3f9a"
START_TIMEOUT = 600  # seconds: loading the embedder and the model on a busy machine
KIM = "001_48f8ab6487358096"
TRADE = "000_07bf7d2429704205"
FIRST = "Who accompanied Kim Jong Un when he arrived in Beijing?"
VELMORA = {
    "id": "velmora-bridge",
    "title": "Velmora opens a glass bridge over the Tarn gorge",
    "date": "2025-10-01",
    "source": "Tarn Courier",
    "url": "https://example.org/velmora-bridge",
    "text": (
        "The town of Velmora opened a glass bridge 412 metres long over the Tarn gorge on "
        "Wednesday. Mayor Ilse Brandt said the bridge cost 9 million euros and took three "
        "years to build."
    ),
}


@dataclass(frozen=True)
class Api:
    url: str  # the server's root, e.g. http://127.0.0.1:PORT
    data_dir: Path
    log: Path

    def client(self, key: str = KEY) -> openai.OpenAI:
        return openai.OpenAI(base_url=f"{self.url}/v1", api_key=key, max_retries=0, timeout=900)

    def tail(self) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-40:])


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def rag(data_dir: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "rag", "--data-dir", str(data_dir), *args]


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    data_dir = tmp_path_factory.mktemp("api-data")
    ingest = subprocess.run(
        rag(data_dir, "ingest", "seeds", "--quiet"), cwd=ROOT, capture_output=True, text=True
    )
    assert ingest.returncode == 0, ingest.stderr
    port = free_port()
    server = Api(f"http://127.0.0.1:{port}", data_dir, data_dir / "serve.log")
    env = {**os.environ, "RAG_API_KEY": KEY, "GRADIO_ANALYTICS_ENABLED": "False"}
    command = rag(data_dir, "serve", "--no-ui", "--port", str(port))
    with server.log.open("w") as log:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=log)
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while not answers(f"{server.url}/v1/openapi.json"):  # the schema needs no key
            if process.poll() is not None:
                pytest.fail(f"rag serve exited with {process.returncode}:\n{server.tail()}")
            if time.monotonic() > deadline:
                pytest.fail(f"rag serve did not start:\n{server.tail()}")
            time.sleep(0.5)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=30)


def extra(obj: Any, name: str) -> Any:
    """A field beyond OpenAI's (citations, abstained, ...) as the client keeps it."""
    return (obj.model_extra or {})[name]


def assert_error(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert set(error) == {"message", "type", "param", "code"} and error["message"]
    return error


def test_models_and_errors_in_the_openai_shape(api: Api) -> None:
    assert [m.id for m in api.client().models.list()] == ["qwen2.5-1.5b"]
    with pytest.raises(openai.AuthenticationError) as refused:
        api.client("wrong-key").models.list()
    assert refused.value.status_code == 401 and refused.value.code == "invalid_api_key"
    with pytest.raises(openai.BadRequestError) as empty:
        api.client().chat.completions.create(model="any", messages=[])
    assert empty.value.status_code == 400 and "messages" in str(empty.value.message)
    with httpx.Client(base_url=api.url, headers={"Authorization": f"Bearer {KEY}"}) as http:
        assert_error(http.get("/v1/nothing"), 404)
        assert_error(http.delete("/v1/documents/no-such-article"), 404)
        huge = {"messages": [{"role": "user", "content": "x" * (2 << 20)}]}
        assert "limit" in assert_error(http.post("/v1/chat/completions", json=huge), 413)["message"]
        assert assert_error(http.get("/"), 404)["type"]  # no chat page with --no-ui


def test_an_answer_cites_a_seed_article(api: Api) -> None:
    made = api.client().chat.completions.create(
        model="any", messages=[{"role": "user", "content": FIRST}]
    )
    text = made.choices[0].message.content or ""
    assert made.model == "qwen2.5-1.5b" and made.choices[0].finish_reason == "stop"
    assert "Ju Ae" in text and "[1]" in text and extra(made, "abstained") is False
    citations = extra(made, "citations")
    assert citations[0]["doc_id"] == KIM and citations[0]["quote"]
    assert extra(made, "as_of") == "2025-09-04" and 0 <= extra(made, "confidence") <= 1
    assert made.usage is not None and made.usage.prompt_tokens > 0


def test_a_streamed_answer_sends_the_checked_text_then_its_citations(api: Api) -> None:
    question = "By how much did China's exports to North Korea grow in the first half of 2025?"
    stream = api.client().chat.completions.create(
        model="any", messages=[{"role": "user", "content": question}], stream=True
    )
    chunks = list(stream)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert "33" in text and "[1]" in text
    last = chunks[-1]
    assert last.choices[0].finish_reason == "stop" and not last.choices[0].delta.content
    assert TRADE in {c["doc_id"] for c in extra(last, "citations")}
    deltas = [c for c in chunks if c.choices and c.choices[0].delta.content]
    assert len(deltas) == len(pieces(text))  # the final text a sentence a delta, not draft tokens


def test_a_follow_up_is_answered_from_the_conversation(api: Api) -> None:
    messages = [
        {"role": "system", "content": "You are a helpful assistant."},
        {"role": "user", "content": FIRST},
        {"role": "assistant", "content": "His daughter Kim Ju Ae accompanied him [1]."},
        {"role": "user", "content": "On which day did she arrive?"},
    ]
    made = api.client().chat.completions.create(model="any", messages=messages)  # type: ignore
    assert "Tuesday" in (made.choices[0].message.content or "")
    assert extra(made, "citations")[0]["doc_id"] == KIM


def test_an_unanswerable_question_abstains(api: Api) -> None:
    made = api.client().chat.completions.create(
        model="any", messages=[{"role": "user", "content": "What is the population of Pyongyang?"}]
    )
    assert extra(made, "abstained") is True
    assert extra(made, "confidence") is None or extra(made, "confidence") < 0.5


def test_ingest_ask_list_and_delete(api: Api) -> None:
    with httpx.Client(base_url=api.url, headers={"Authorization": f"Bearer {KEY}"}) as http:
        added = http.post("/v1/ingest", json={"articles": [VELMORA]}, timeout=300).json()
        assert [(d["doc_id"], d["status"]) for d in added["data"]] == [("velmora-bridge", "added")]
        note = ("quillon.txt", b" date 2025-10-02 Quillon fair\n\nIt drew 9,300 visitors.\n")
        uploaded = http.post("/v1/ingest", files={"files": note}, timeout=300).json()
        assert uploaded["data"][0]["doc_id"] == "quillon"

        question = "How many metres long is the glass bridge in Velmora?"
        made = api.client().chat.completions.create(
            model="any", messages=[{"role": "user", "content": question}]
        )
        assert "412" in (made.choices[0].message.content or "") and not extra(made, "abstained")
        assert {c["doc_id"] for c in extra(made, "citations")} == {"velmora-bridge"}

        listed = {d["doc_id"]: d for d in http.get("/v1/documents").json()["data"]}
        assert {KIM, TRADE, "velmora-bridge", "quillon"} <= set(listed)
        velmora = listed["velmora-bridge"]
        assert velmora["source"] == "Tarn Courier" and velmora["url"] == VELMORA["url"]
        assert velmora["chunks"] >= 1 and velmora["date"] == "2025-10-01"
        for doc_id in ("velmora-bridge", "quillon"):
            assert http.delete(f"/v1/documents/{doc_id}").json()["deleted"] is True
        assert_error(http.delete("/v1/documents/quillon"), 404)
        left = {d["doc_id"] for d in http.get("/v1/documents").json()["data"]}
        assert left == {KIM, TRADE}
    assert not list((api.data_dir / "articles").glob("*"))  # the saved files went too
    cli = subprocess.run(
        rag(api.data_dir, "documents", "--json"), cwd=ROOT, capture_output=True, text=True
    )
    assert cli.returncode == 0, cli.stderr
    assert {d["doc_id"] for d in json.loads(cli.stdout)} == {KIM, TRADE}


def test_the_chat_page_and_the_api_share_one_port(rag_server: Any) -> None:
    root = rag_server.url.rstrip("/")
    page = httpx.get(root + "/", timeout=30)
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert ".rag-cite" in httpx.get(root + "/config", timeout=30).json()["css"]
    models = httpx.get(root + "/v1/models", timeout=30).json()
    assert models["object"] == "list" and models["data"][0]["object"] == "model"
    assert_error(httpx.get(root + "/v1/nothing", timeout=30), 404)
