"""Eight users at once on the real stack: eight official `openai` clients, one thread each,
against one `rag serve --no-ui` (Chroma, MiniLM, the default GGUF model) on a free localhost
port. Each asks about an invented town only its own article names (rag.eval.load's towns: a
footbridge length no other article has); every answer must give its own length and cite only
its own article, never another's, though all eight questions wait in the one queue together.

Eight answers, made one at a time: about 1-2 minutes on 2 cores, plus the server's start.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import httpx
import openai
import pytest

from rag.api.gate import MAX_WAITING
from rag.eval.load import REQUEST_TIMEOUT, Result, Town, judge, towns

pytestmark = pytest.mark.slow

USERS = 8


def ask(url: str, town: Town, start: threading.Barrier) -> tuple[dict[str, Any], float]:
    """One user's question, asked when every user is ready: the reply and its queue wait."""
    client = openai.OpenAI(
        base_url=f"{url}/v1", api_key="unused", max_retries=0, timeout=REQUEST_TIMEOUT
    )
    start.wait()
    raw = client.chat.completions.with_raw_response.create(
        model="any", messages=[{"role": "user", "content": town.question}]
    )
    return raw.http_response.json(), float(raw.headers["x-queue-wait-ms"])


def test_eight_users_at_once_each_get_their_own_answer(serve_rag: Any, tmp_path: Path) -> None:
    assert USERS <= MAX_WAITING + 1  # one answered, the others waiting: none refused
    everyone = towns(USERS)
    with serve_rag(tmp_path / "data") as server:
        added = httpx.post(
            f"{server.url}/v1/ingest",
            json={"articles": [t.article() for t in everyone]},
            timeout=300,
        )
        assert added.status_code == 200, added.text
        start = threading.Barrier(USERS)
        replies: dict[int, tuple[dict[str, Any], float]] = {}
        failures: list[BaseException] = []

        def user(town: Town) -> None:
            try:
                replies[town.client] = ask(server.url, town, start)
            except BaseException as exc:  # reported below, with the server's log
                failures.append(exc)

        threads = [threading.Thread(target=user, args=(town,)) for town in everyone]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(REQUEST_TIMEOUT)
        assert not failures, f"{failures}\n{server.log_tail()}"
    results = []
    for town in everyone:
        body, _ = replies[town.client]
        result = Result(town.client, 0.0, 0.0, 200)
        judge(result, body, town, [t for t in everyone if t is not town])
        results.append((town.name, result.right, result.crossed, body["choices"][0]))
    assert [r for r in results if not r[1] or r[2]] == []
    waits = sorted(wait for _, wait in replies.values())
    assert waits[-1] > 0  # they did wait for one another: the queue held them together
