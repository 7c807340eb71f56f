"""Several processes, one store, end to end: real subprocesses, the real embedder and the
default GGUF model.

- `rag ingest` of a new article from another process while `rag serve --no-ui` runs over the
  embedded store: the running server answers from it through /v1, without a restart.
- Two `rag serve --no-ui` processes on one Chroma server (`chroma run`): an article ingested
  through the first's /v1/ingest is answered by the second.
- Beneath both, the store itself: a `Store` open in this process (as `rag serve` holds it) sees
  what another process's `rag ingest` wrote: the revision, the count, the chunks, and the
  nearest-neighbour search and the stored vectors (embedded Chroma keeps a process's vector
  index in memory: the store reopens its client when another process wrote), with the
  embedded store and with a Chroma server.

Two questions reach the model (10-40 s each on 2 cores); three `rag serve` and a `chroma run`
start.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any
from uuid import uuid4

import httpx
import pytest

from rag.config import load
from rag.store import Store

if TYPE_CHECKING:
    from conftest import RunRag, Server, ServeRag

pytestmark = pytest.mark.slow

TIMEOUT = 900  # seconds: an answer on a busy 2-core machine
BRIDGE = {
    "id": "korvanik-bridge",
    "title": "Korvanik opens a glass footbridge over the Iska gorge",
    "date": "2025-10-01",
    "source": "Iska Valley Post",
    "text": (
        "The town of Korvanik opened a glass footbridge 587 metres long over the Iska gorge on "
        "Wednesday. Mayor Dana Reljic said the crossing took four years to build. Officials in "
        "Korvanik expect thousands of visitors."
    ),
}
QUESTION = "How many metres long is the glass footbridge in Korvanik?"


def write_article(folder: Path, article: dict[str, str]) -> Path:
    """The article as a .txt file (its doc_id is the file's stem)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{article['id']}.txt"
    path.write_text(f" date {article['date']} {article['title']}\n\n{article['text']}\n")
    return path


def documents(server: Server) -> set[str]:
    reply = httpx.get(f"{server.url}/v1/documents", timeout=60)
    reply.raise_for_status()
    return {d["doc_id"] for d in reply.json()["data"]}


def ask(server: Server, question: str) -> dict[str, Any]:
    """The /v1 reply to one question (its log's tail when it fails)."""
    body = {"model": "any", "messages": [{"role": "user", "content": question}]}
    reply = httpx.post(f"{server.url}/v1/chat/completions", json=body, timeout=TIMEOUT)
    assert reply.status_code == 200, f"{reply.text}\n{server.log_tail()}"
    return reply.json()


def assert_answered_from(reply: dict[str, Any], doc_id: str, number: str) -> None:
    text = reply["choices"][0]["message"]["content"] or ""
    assert not reply["abstained"] and number in text, text
    assert {c["doc_id"] for c in reply["citations"]} == {doc_id}, reply["citations"]


def test_a_running_server_answers_from_an_article_another_process_ingests(
    tmp_path: Path, run_rag: RunRag, serve_rag: ServeRag
) -> None:
    data_dir = tmp_path / "data"
    seeds = run_rag(data_dir, "ingest", "--quiet")
    assert seeds.returncode == 0, seeds.stderr
    with serve_rag(data_dir) as server:
        assert BRIDGE["id"] not in documents(server)
        added = run_rag(data_dir, "ingest", "--quiet", str(write_article(tmp_path / "new", BRIDGE)))
        assert added.returncode == 0, added.stderr
        assert BRIDGE["id"] in documents(server)
        assert_answered_from(ask(server, QUESTION), BRIDGE["id"], "587")


def test_two_servers_on_one_chroma_server_share_what_either_ingests(
    tmp_path: Path, run_rag: RunRag, serve_rag: ServeRag, chroma_server: str
) -> None:
    env = {"RAG_CHROMA_URL": chroma_server, "RAG_COLLECTION": "shared-news"}
    seeds = run_rag(tmp_path / "cli", "ingest", "--quiet", env=env)
    assert seeds.returncode == 0, seeds.stderr
    with serve_rag(tmp_path / "a", env) as first, serve_rag(tmp_path / "b", env) as second:
        assert BRIDGE["id"] not in documents(second)
        added = httpx.post(f"{first.url}/v1/ingest", json={"articles": [BRIDGE]}, timeout=300)
        assert added.status_code == 200, added.text
        assert [d["doc_id"] for d in added.json()["data"]] == [BRIDGE["id"]]
        assert BRIDGE["id"] in documents(second)
        assert_answered_from(ask(second, QUESTION), BRIDGE["id"], "587")


@pytest.mark.parametrize("mode", ["embedded", "server"])
def test_a_store_open_here_finds_what_another_process_ingests(
    mode: str, tmp_path: Path, run_rag: RunRag, request: pytest.FixtureRequest
) -> None:
    env = {"RAG_CHROMA_URL": "", "RAG_COLLECTION": "news"}
    if mode == "server":
        env = {"RAG_CHROMA_URL": request.getfixturevalue("chroma_server")}
        env |= {"RAG_COLLECTION": f"found-{uuid4().hex}"}
    data_dir = tmp_path / "data"
    seeds = run_rag(data_dir, "ingest", "--quiet", env=env)
    assert seeds.returncode == 0, seeds.stderr
    chosen = {"chroma_url": env["RAG_CHROMA_URL"], "collection": env["RAG_COLLECTION"]}
    store = Store(load({**chosen, "data_dir": data_dir}))  # as `rag serve` holds it
    before, count = store.revision, store.count()
    vector = store.embedder.encode([QUESTION])[0]
    assert BRIDGE["id"] not in {c.doc_id for c, _ in store.search(vector, 20)}

    new = str(write_article(tmp_path / "new", BRIDGE))
    added = run_rag(data_dir, "ingest", "--quiet", new, env=env)
    assert added.returncode == 0, added.stderr
    assert store.revision != before and store.count() == count + 1
    assert BRIDGE["id"] in {c.doc_id for c in store.all_chunks()}
    nearest = [c for c, _ in store.search(vector, 20)]
    assert nearest[0].doc_id == BRIDGE["id"]
    assert store.vectors([nearest[0].chunk_id])  # as retrieval asks for every chunk it picks
