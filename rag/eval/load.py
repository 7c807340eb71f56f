"""A bounded load test of the HTTP API: N concurrent `openai` clients for S seconds, each asking
about an article only it was given, against `rag serve`.

    python -m rag.eval.load [--clients 3] [--seconds 120] [--servers]
                            [--url URL --api-key KEY] [--json FILE]

Without --url it starts `rag serve --no-ui` on a free localhost port over a temporary data dir
(with a random API key); with --servers that server keeps its store on a `chroma run` and
reaches the model (the `model` setting's GGUF, its `n_ctx` and `kv_cache_mb`) on a
`python -m llama_cpp.server`, both started here on free localhost ports (`chroma_url` and
`llm_url`, as the README's "When one machine is not enough" deploys them); with --url it uses
that server. Either way it ingests one invented article a client through POST /v1/ingest (a
town, its bridge, a length no other article has) and removes them at the end. Each client asks
about its own town, again and again, until the time is up; requests running then are waited
for. Reported: answers a minute, latency p50/p95 (as the client saw it), queue wait and answer
time p50/p95 (the X-Queue-Wait-Ms and X-Answer-Ms headers), answers right (its own length,
citing only its own article), abstained, crossed (another client's length or article: must be
0), refusals by status (429: queue full), and the servers used. Not part of `make test`: it
keeps the model busy for the whole run.
Knows nothing about how answers are made: it is an HTTP client (which starts the servers).
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

TOWNS = (  # an invented town each, with a sentence of its own (copies would be folded together)
    ("Velmora", "Mayor Ilse Brandt said the crossing cost nine million euros."),
    ("Quillon", "Engineers from Porto spent two winters anchoring its cables to the cliffs."),
    ("Brannoch", "Local schoolchildren chose its name in a vote held last spring."),
    ("Tessaly", "Tickets for the first weekend sold out within an hour."),
    ("Ordwick", "The old ferry across the river will stop running at the end of the month."),
    ("Halvik", "Cyclists must dismount, the regional council said in a statement."),
    ("Pellingrad", "The design won a European architecture prize before it was built."),
    ("Zorne", "Storm damage delayed the opening by almost a year."),
)
START_TIMEOUT = 600.0  # seconds for a started server to load its model (or start at all)
REQUEST_TIMEOUT = 900.0


@dataclass(frozen=True)
class Town:
    client: int
    name: str
    fact: str
    metres: int

    @property
    def doc_id(self) -> str:
        return f"load-{self.client}-{self.name.lower()}"

    def article(self) -> dict[str, str]:
        return {
            "id": self.doc_id,
            "title": f"{self.name} opens a glass footbridge",
            "date": "2025-10-01",
            "source": "Load Test Gazette",
            "text": (
                f"The town of {self.name} opened a glass footbridge {self.metres} metres long "
                f"over its river on Wednesday. {self.fact} Officials in {self.name} expect "
                "thousands of visitors."
            ),
        }

    @property
    def question(self) -> str:  # not "how long": that asks for a duration (rag.expect)
        return f"How many metres long is the glass footbridge in {self.name}?"


@dataclass
class Result:
    client: int
    started: float  # seconds since the run began
    latency_ms: float
    status: int
    queue_ms: float | None = None
    answer_ms: float | None = None
    right: bool = False
    abstained: bool = False
    crossed: bool = False


def towns(clients: int) -> list[Town]:
    """One town a client; beyond the list, names repeat with the client's number."""
    made = []
    for i in range(clients):
        name, fact = TOWNS[i % len(TOWNS)]
        made.append(Town(i, f"{name}{'' if i < len(TOWNS) else i}", fact, 311 + 97 * i))
    return made


def judge(result: Result, body: dict[str, Any], own: Town, others: list[Town]) -> None:
    """Mark the answer right, abstained or crossed (another client's length or article)."""
    text = body["choices"][0]["message"]["content"] or ""
    cited = {c["doc_id"] for c in body.get("citations", [])}
    result.abstained = bool(body.get("abstained"))
    result.crossed = any(str(o.metres) in text or o.doc_id in cited for o in others)
    result.right = not result.abstained and str(own.metres) in text and cited == {own.doc_id}


def ask_until(
    deadline: float,
    begun: float,
    url: str,
    key: str,
    own: Town,
    everyone: list[Town],
    results: list[Result],
    lock: threading.Lock,
) -> None:
    """One client: ask its question until the deadline."""
    import openai

    client = openai.OpenAI(
        base_url=f"{url}/v1", api_key=key, max_retries=0, timeout=REQUEST_TIMEOUT
    )
    others = [t for t in everyone if t.client != own.client]
    while time.monotonic() < deadline:
        started = time.monotonic()
        result = Result(own.client, started - begun, 0.0, 200)
        try:
            raw = client.chat.completions.with_raw_response.create(
                model="any", messages=[{"role": "user", "content": own.question}]
            )
            result.queue_ms = float(raw.headers.get("x-queue-wait-ms", "nan"))
            result.answer_ms = float(raw.headers.get("x-answer-ms", "nan"))
            judge(result, json.loads(raw.text), own, others)
        except openai.APIStatusError as exc:
            result.status = exc.status_code
            time.sleep(float(exc.response.headers.get("retry-after", "5")))
        except openai.APIConnectionError:
            result.status = 0
            time.sleep(5)
        result.latency_ms = (time.monotonic() - started) * 1000
        with lock:
            results.append(result)


def percentile(values: list[float], share: float) -> float | None:
    """Nearest-rank percentile; None for no values."""
    ordered = sorted(v for v in values if v == v)  # NaN (header missing) left out
    if not ordered:
        return None
    return ordered[max(0, min(len(ordered) - 1, round(share * len(ordered) + 0.5) - 1))]


def summary(results: list[Result], clients: int, seconds: float, wall: float) -> dict[str, Any]:
    done = [r for r in results if r.status == 200]
    refused: dict[str, int] = {}
    for r in results:
        if r.status != 200:
            refused[str(r.status)] = refused.get(str(r.status), 0) + 1

    def spread(values: list[float]) -> dict[str, float | None]:
        return {"p50": percentile(values, 0.5), "p95": percentile(values, 0.95)}

    return {
        "clients": clients,
        "seconds": seconds,
        "wall_seconds": round(wall, 1),
        "answers": len(done),
        "answers_per_minute": round(len(done) / wall * 60, 2) if wall else 0.0,
        "latency_ms": spread([r.latency_ms for r in done]),
        "queue_wait_ms": spread([r.queue_ms for r in done if r.queue_ms is not None]),
        "answer_ms": spread([r.answer_ms for r in done if r.answer_ms is not None]),
        "right": sum(r.right for r in done),
        "abstained": sum(r.abstained for r in done),
        "crossed": sum(r.crossed for r in done),
        "refused": refused,
        "per_client": {str(c): sum(r.client == c for r in done) for c in range(clients)},
    }


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def running(command: list[str], probe: str, log: Path, env: dict[str, str]) -> Iterator[None]:
    """Run `command` (output to `log`) until the block ends, once `probe` answers 200."""
    import httpx

    with log.open("w") as out:
        process = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if process.poll() is not None:
                raise SystemExit(f"{command[0]} exited:\n{log.read_text()[-2000:]}")
            try:
                if httpx.get(probe, timeout=5).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise SystemExit(f"{command[0]} did not start:\n{log.read_text()[-2000:]}")
            time.sleep(0.5)
        yield
    finally:
        process.terminate()
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=60)


@contextmanager
def started_backends(folder: Path) -> Iterator[dict[str, str]]:
    """A `chroma run` and a `python -m llama_cpp.server` running the configured model, on free
    localhost ports, until the block ends: the RAG_* variables that point `rag serve` at them."""
    from rag.config import load
    from rag.weights import locate

    settings = load()
    gguf = locate(settings.model, settings.cache_dir).path
    chroma_port, llm_port = free_port(), free_port()
    chroma = [str(Path(sys.executable).parent / "chroma"), "run", "--path", str(folder / "chroma")]
    chroma += ["--host", "127.0.0.1", "--port", str(chroma_port)]
    llm = [sys.executable, "-m", "llama_cpp.server", "--model", str(gguf), "--host", "127.0.0.1"]
    llm += ["--port", str(llm_port), "--n_ctx", str(settings.n_ctx)]
    if settings.kv_cache_mb:  # prompt states kept in RAM, as by the model in process
        llm += ["--cache", "true", "--cache_size", str(settings.kv_cache_mb << 20)]
    chroma_url, llm_url = f"http://127.0.0.1:{chroma_port}", f"http://127.0.0.1:{llm_port}/v1"
    env = dict(os.environ)
    with (
        running(chroma, f"{chroma_url}/api/v2/heartbeat", folder / "chroma.log", env),
        running(llm, f"{llm_url}/models", folder / "llama-server.log", env),
    ):
        yield {"RAG_CHROMA_URL": chroma_url, "RAG_LLM_URL": llm_url}


@contextmanager
def started_server(key: str, servers: bool = False) -> Iterator[tuple[str, dict[str, str]]]:
    """`rag serve --no-ui` over a temporary data dir on a free port, until the block ends (on a
    `chroma run` and a `llama_cpp.server` started here with `servers`): its URL and the RAG_*
    variables that chose its servers."""
    with tempfile.TemporaryDirectory(prefix="rag-load-") as folder, ExitStack() as stack:
        chosen = {"RAG_CHROMA_URL": "", "RAG_LLM_URL": ""}
        if servers:
            chosen = stack.enter_context(started_backends(Path(folder)))
        port = free_port()
        command = [sys.executable, "-m", "rag", "--data-dir", folder, "serve", "--no-ui"]
        env = {**os.environ, **chosen, "RAG_API_KEY": key}
        url = f"http://127.0.0.1:{port}"
        serve = running(
            [*command, "--port", str(port)],
            f"{url}/v1/openapi.json",
            Path(folder) / "serve.log",
            env,
        )
        with serve:
            yield url, chosen


def run(url: str, key: str, clients: int, seconds: float) -> dict[str, Any]:
    """Ingest the clients' articles, run the clients, remove the articles; the summary."""
    import httpx

    everyone = towns(clients)
    headers = {"Authorization": f"Bearer {key}"}
    with httpx.Client(base_url=url, headers=headers, timeout=REQUEST_TIMEOUT) as http:
        added = http.post("/v1/ingest", json={"articles": [t.article() for t in everyone]})
        added.raise_for_status()
        results: list[Result] = []
        lock = threading.Lock()
        begun = time.monotonic()
        deadline = begun + seconds
        threads = [
            threading.Thread(
                target=ask_until, args=(deadline, begun, url, key, town, everyone, results, lock)
            )
            for town in everyone
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        wall = time.monotonic() - begun
        for town in everyone:
            http.delete(f"/v1/documents/{town.doc_id}")
    report = summary(results, clients, seconds, wall)
    report["requests"] = [asdict(r) for r in sorted(results, key=lambda r: r.started)]
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m rag.eval.load", description=__doc__)
    parser.add_argument("--clients", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=120.0)
    parser.add_argument(
        "--servers",
        action="store_true",
        help="start a `chroma run` and a `llama_cpp.server` for the started `rag serve`",
    )
    parser.add_argument("--url", help="a running server's root URL (default: start one)")
    parser.add_argument("--api-key", default="", help="its API key")
    parser.add_argument("--json", type=Path, help="also write the report here")
    args = parser.parse_args(argv)
    if args.url and args.servers:
        parser.error("--servers starts its own `rag serve`: not with --url")
    if args.url:
        report = run(args.url.rstrip("/"), args.api_key, args.clients, args.seconds)
        report["server"] = args.url
    else:
        key = secrets.token_hex(12)
        with started_server(key, args.servers) as (url, chosen):
            report = run(url, key, args.clients, args.seconds)
        where = {"chroma_url": chosen["RAG_CHROMA_URL"], "llm_url": chosen["RAG_LLM_URL"]}
        report["server"] = {k: v or "(in process)" for k, v in where.items()}
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n")
    shown = {k: v for k, v in report.items() if k != "requests"}
    print(json.dumps(shown, indent=2))
    return 1 if report["crossed"] else 0


if __name__ == "__main__":
    sys.exit(main())
