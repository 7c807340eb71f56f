"""The same question answered in this process and through `rag serve` over HTTP, and the cold
start of `rag ask`: `rag bench` (rag.eval.suite) uses it.

Contract: `over_http` starts `rag serve` (the chat page and /v1, as `make run` serves them) as a
child process bound to 127.0.0.1 on a free port over `data_dir`, waits until /v1/models answers,
then in each repeat times one non-streamed answer through /v1/chat/completions with the official
`openai` client and one `Answerer.ask` in this process, back to back, the same question and the
same settings; the in-process model reads the instructions first, as the server does at start
(a prompt read in other pieces can draft another reply at temperature 0), and one untimed answer
each comes first, so both are timed warm. "same_answer" is true when every answer on both sides
had the same text from a draft of the same length. The server is stopped
(terminated, killed if it lingers) whatever happens. `cold_start` times `rag ask` in a fresh
process, from its start to its answer; `measure` runs them over a fresh data dir. Part of the
evaluation side.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from rag.config import Settings
from rag.eval.load import free_port, running


def _rag(settings: Settings, data_dir: Path, *args: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "rag",
        "--data-dir",
        str(data_dir),
        "--model",
        settings.model,
        *args,
    ]


def over_http(settings: Settings, data_dir: Path, question: str, repeats: int) -> dict[str, Any]:
    import openai

    from rag.answer import Answerer

    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {**os.environ, "GRADIO_ANALYTICS_ENABLED": "False"}
    command = _rag(settings, data_dir, "serve", "--host", "127.0.0.1", "--port", str(port))
    started = time.perf_counter()
    with running(command, f"{url}/v1/models", data_dir / "serve.log", env):
        ready_s = time.perf_counter() - started
        client = openai.OpenAI(
            base_url=f"{url}/v1", api_key=settings.api_key or "none", max_retries=0, timeout=900
        )
        answerer = Answerer(settings.replace(data_dir=data_dir))
        answerer.warm()  # as `rag serve` does before its first question

        def remote() -> tuple[str, int]:
            reply = client.chat.completions.create(
                model=settings.model, messages=[{"role": "user", "content": question}]
            )
            drafted = reply.usage.completion_tokens if reply.usage else -1
            return reply.choices[0].message.content or "", drafted

        def local() -> tuple[str, int]:
            answer = answerer.ask(question)
            return answer.text, answer.usage.get("completion_tokens", -1)

        remote(), local()  # warm: both have read this question once
        found: dict[str, list[float]] = {"http_s": [], "in_process_s": []}
        replies = set()  # (answer, tokens drafted): the same work on both sides, or not
        for _ in range(repeats):
            t = time.perf_counter()
            replies.add(remote())
            found["http_s"].append(time.perf_counter() - t)
            t = time.perf_counter()
            replies.add(local())
            found["in_process_s"].append(time.perf_counter() - t)
    return {**found, "server_ready_s": ready_s, "same_answer": len(replies) == 1}


def measure(
    settings: Settings, corpus: Path, question: str, repeats: int, cold: bool
) -> dict[str, Any]:
    """`over_http` (and with `cold`, `cold_start` as "cold_start_s") over a fresh data dir
    holding `corpus`, removed afterwards."""
    from rag.ingest import ingest
    from rag.store import Store

    with tempfile.TemporaryDirectory(prefix="rag-bench-serve-") as folder:
        data_dir = Path(folder)
        ingest(Store(settings.replace(data_dir=data_dir)), [corpus], [], prune=False, quiet=True)
        found = over_http(settings, data_dir, question, repeats)
        found["cold_start_s"] = cold_start(settings, data_dir, question) if cold else None
    return found


def cold_start(settings: Settings, data_dir: Path, question: str) -> float:
    """Seconds from starting `rag ask` in a fresh process to its answer."""
    started = time.perf_counter()
    subprocess.run(
        _rag(settings, data_dir, "ask", question), check=True, capture_output=True, timeout=900
    )
    return time.perf_counter() - started
