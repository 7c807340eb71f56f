"""Shared fixtures.

`run_rag`: runs the `rag` command line in a subprocess against a given data dir.

`rag_server`: the browser chat on the real stack (Chroma, the embedder, the default GGUF model)
in a subprocess, over a temporary data dir holding the ingested seed articles. One server per
test session; started only by the tests that ask for it.

`serve_rag`: starts `rag serve --no-ui` on a free localhost port for a `with` block (tests
that need servers of their own, e.g. several processes over one store).

`chroma_server`: a real Chroma server (`chroma run`) over a temporary dir; its URL.
`llama_server`: a real OpenAI-compatible server (`python -m llama_cpp.server`) running the small
GGUF model (context 2048); its `/v1` URL.
`model_server`: the same server running the default GGUF with the context the settings budget
for (`n_ctx`, 4096) and a prompt cache; its `/v1` URL.
Each is started for the test module that asks for it and stopped after that module, also when
a test or the start fails. Every server writes its output to a log whose tail a failed start
shows.
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
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from fixtures.web.server import LocalSite

from rag.config import Settings
from rag.fetch import Fetcher
from rag.weights import locate

ROOT = Path(__file__).resolve().parents[1]
SERVER_START_TIMEOUT = 600  # seconds: loading the embedder and the model on a busy machine
SMALL_MODEL = "qwen2.5-0.5b"  # the GGUF the model-server tests run


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


def _run_rag(
    data_dir: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """`rag --data-dir DATA_DIR ARGS...` from the repository root, output captured; `env` adds
    variables (e.g. RAG_CHROMA_URL) to this process's environment."""
    return subprocess.run(
        _rag(data_dir, *args),
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
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
    command = _rag(data_dir, "serve", "--port", str(port))
    with _running(command, server.url, server, "rag serve", SERVER_START_TIMEOUT, env=env):
        yield server


@contextmanager
def _running(
    command: list[str],
    probe: str,
    server: Server,
    what: str,
    timeout: float,
    env: dict[str, str] | None = None,
) -> Iterator[None]:
    """Run `command` (output to `server.log`) until the block ends, once `probe` answers 200;
    the test fails with the log's tail when it exits or does not answer in `timeout` seconds."""
    with server.log.open("w") as log:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + timeout
        while not _answers(probe):
            if process.poll() is not None:
                pytest.fail(f"{what} exited with {process.returncode}:\n{server.log_tail()}")
            if time.monotonic() > deadline:
                pytest.fail(f"{what} did not answer on {probe}:\n{server.log_tail()}")
            time.sleep(0.5)
        yield
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=30)


ServeRag = Callable[..., AbstractContextManager[Server]]


@contextmanager
def _serve_rag(data_dir: Path, env: dict[str, str] | None = None) -> Iterator[Server]:
    """`rag serve --no-ui` over `data_dir` on a free localhost port until the block ends; `env`
    adds variables to this process's environment. Its `url` is the root (no trailing slash)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    port = _free_port()
    server = Server(f"http://127.0.0.1:{port}", data_dir, data_dir / "serve.log")
    command = _rag(data_dir, "serve", "--no-ui", "--port", str(port))
    probe = f"{server.url}/v1/openapi.json"
    everything = {**os.environ, **(env or {})}
    with _running(command, probe, server, "rag serve", SERVER_START_TIMEOUT, env=everything):
        yield server


@pytest.fixture(scope="session")
def serve_rag() -> ServeRag:
    return _serve_rag


@pytest.fixture(scope="module")
def chroma_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("chroma-server")
    port = _free_port()
    server = Server(f"http://127.0.0.1:{port}", folder / "data", folder / "chroma.log")
    chroma = str(Path(sys.executable).parent / "chroma")
    command = [chroma, "run", "--path", str(server.data_dir), "--host", "127.0.0.1"]
    probe = f"{server.url}/api/v2/heartbeat"
    with _running([*command, "--port", str(port)], probe, server, "chroma run", 120):
        yield server.url


@contextmanager
def _llama_cpp_server(folder: Path, model: str, *options: str) -> Iterator[str]:
    """`python -m llama_cpp.server` running the GGUF `model` (a known name, assembled in the
    cache) with these options on a free localhost port, until the block ends; its /v1 URL."""
    gguf = locate(model, Settings().cache_dir).path
    port = _free_port()
    server = Server(f"http://127.0.0.1:{port}/v1", folder, folder / "llama-server.log")
    command = [sys.executable, "-m", "llama_cpp.server", "--model", str(gguf), *options]
    command += ["--host", "127.0.0.1", "--port", str(port)]
    with _running(command, f"{server.url}/models", server, "llama_cpp.server", 300):
        yield server.url


@pytest.fixture(scope="module")
def llama_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with _llama_cpp_server(
        tmp_path_factory.mktemp("llama-server"), SMALL_MODEL, "--n_ctx", "2048"
    ) as url:
        yield url


# The model server as the README deploys it: the context the settings budget for, and prompt
# states kept in RAM (as `kv_cache_mb` does in process; without it the confidence step's prompt
# evicts the answer's, and every answer reads its sources anew). Its default threads (half the
# cores) are left alone: with every core, generation crawled at 3.6 s a token on a 2-core
# machine whose other core was busy.
MODEL_SERVER_OPTIONS = ("--n_ctx", str(Settings().n_ctx), "--cache", "true")


@pytest.fixture(scope="module")
def model_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("model-server")
    with _llama_cpp_server(folder, Settings().model, *MODEL_SERVER_OPTIONS) as url:
        yield url


@pytest.fixture()
def site() -> Iterator[LocalSite]:
    """A local web server on loopback serving the pages, feeds and sitemaps of fixtures/web."""
    with LocalSite() as running:
        yield running


@pytest.fixture()
def fetcher() -> Iterator[Fetcher]:
    """A fetcher that may reach the test server (loopback), as allow_private_urls allows."""
    with Fetcher(allow_private=True) as allowed:
        yield allowed
