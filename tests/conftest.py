"""Shared fixtures.

`run_rag`: runs the `rag` command line in a subprocess against a given data dir.

`rag_server`: the browser chat on the real stack (Chroma, the embedder, the default GGUF model)
in a subprocess, over a temporary data dir holding the ingested seed articles. One server per
test session; started only by the tests that ask for it.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SERVER_START_TIMEOUT = 600  # seconds: loading the embedder and the model on a busy machine


@dataclass(frozen=True)
class Server:
    url: str
    data_dir: Path
    log: Path

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def _rag(data_dir: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "rag", "--data-dir", str(data_dir), *args]


RunRag = Callable[..., subprocess.CompletedProcess[str]]


def _run_rag(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`rag --data-dir DATA_DIR ARGS...` from the repository root, output captured."""
    return subprocess.run(
        _rag(data_dir, *args), cwd=ROOT, capture_output=True, text=True, timeout=900, check=False
    )


@pytest.fixture(scope="session")
def run_rag() -> RunRag:
    return _run_rag


@pytest.fixture(scope="session")
def rag_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    data_dir = tmp_path_factory.mktemp("rag-data")
    env = {**os.environ, "GRADIO_ANALYTICS_ENABLED": "False"}
    ingest = subprocess.run(
        _rag(data_dir, "ingest", "seeds", "--quiet"),
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert ingest.returncode == 0, f"rag ingest failed:\n{ingest.stdout}\n{ingest.stderr}"

    port = _free_port()
    server = Server(f"http://127.0.0.1:{port}/", data_dir, data_dir / "serve.log")
    with server.log.open("w") as log:
        process = subprocess.Popen(
            _rag(data_dir, "serve", "--port", str(port)),
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while not _answers(server.url):
            if process.poll() is not None:
                pytest.fail(f"rag serve exited with {process.returncode}:\n{server.log_tail()}")
            if time.monotonic() > deadline:
                pytest.fail(f"rag serve did not answer on {server.url}:\n{server.log_tail()}")
            time.sleep(0.5)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=30)
