"""Integration: answers over the real stack (Chroma, MiniLM, the default GGUF model at
temperature 0) on the seed articles, in each deployment the settings allow:

- `local`: the embedded Chroma store in the data dir, the model in process;
- `chroma`: the store on a real Chroma server (`chroma run`: conftest's `chroma_server`);
- `llm`: the default GGUF on a real `python -m llama_cpp.server` (conftest's `model_server`),
  reached through `llm_url`.

Every test runs in `local`; the servers run a representative subset: the JSON contract and an
abstention in both, and in `llm` the numeric answer too, its draft streamed in pieces and its
confidence read from the server's log-probabilities. Questions go through `rag ask --json` in
a subprocess; the numeric one through `Answerer.stream` in this process, which shows the
draft's pieces. Asserts properties, not prose.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from rag.answer import Answer, Answerer, Token
from rag.chat import yes_share
from rag.config import Settings, load
from rag.llm_remote import RemoteModel

if TYPE_CHECKING:
    from conftest import RunRag

KIM = "001_48f8ab6487358096"
TRADE = "000_07bf7d2429704205"
CONTRACT = {
    "answer",
    "abstained",
    "confidence",
    "citations",
    "retrieved",
    "timings_ms",
    "usage",
    "model",
}
EXTENSIONS = {"abstain_reason", "signals", "as_of", "resolved_dates", "conflicts"}
TRADE_QUESTION = "By how much did China's exports to North Korea grow in the first half of 2025?"
pytestmark = pytest.mark.slow

MODES = ("local", "chroma", "llm")


def modes(*names: str) -> pytest.MarkDecorator:
    """Run the test in these modes; each mode's stack is set up once for the module."""
    return pytest.mark.parametrize("stack", names, indirect=True, scope="module")


@dataclass(frozen=True)
class Stack:
    """One mode: a data dir holding the ingested seeds, and the RAG_* variables that point
    `rag` at the servers of the mode (empty ones in `local`: nothing from outside leaks in)."""

    mode: str
    data_dir: Path
    env: dict[str, str]

    def settings(self) -> Settings:
        chosen = {name.removeprefix("RAG_").lower(): v for name, v in self.env.items()}
        return load({**chosen, "data_dir": self.data_dir})


@pytest.fixture(scope="module")
def stack(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, run_rag: RunRag
) -> Stack:
    mode = request.param
    env = {"RAG_CHROMA_URL": "", "RAG_LLM_URL": ""}
    if mode == "chroma":
        env |= {"RAG_CHROMA_URL": request.getfixturevalue("chroma_server")}
        env |= {"RAG_COLLECTION": "ask-seeds"}
    elif mode == "llm":
        env |= {"RAG_LLM_URL": request.getfixturevalue("model_server")}
    data_dir = tmp_path_factory.mktemp(f"data-{mode}")
    ingest = run_rag(data_dir, "ingest", "--quiet", env=env)
    assert ingest.returncode == 0, ingest.stderr
    return Stack(mode, data_dir, env)


Ask = Callable[..., dict[str, Any]]


@pytest.fixture(scope="module")
def ask(stack: Stack, run_rag: RunRag) -> Ask:
    """`rag ask --json QUESTION [EXTRA...]` in the stack's mode."""

    def ask(question: str, *extra: str) -> dict[str, Any]:
        result = run_rag(stack.data_dir, "ask", "--json", question, *extra, env=stack.env)
        assert result.returncode == 0, result.stderr
        return json.loads(result.stdout)

    return ask


def assert_grounded(answer: dict[str, Any]) -> None:
    """Every marker in the text has a citation and back; every quote is in its chunk."""
    assert not answer["abstained"]
    markers = {c["marker"] for c in answer["citations"]}
    assert markers and all(f"[{m}]" in answer["answer"] for m in markers)
    retrieved = {r["chunk_id"] for r in answer["retrieved"]}
    assert all(c["chunk_id"] in retrieved and c["quote"] for c in answer["citations"])


@modes(*MODES)
def test_json_contract(ask: Ask) -> None:
    answer = ask("Who accompanied Kim Jong Un when he arrived in Beijing?")
    assert set(answer) == CONTRACT | EXTENSIONS
    assert 0 <= answer["confidence"] <= 1 and answer["as_of"] == "2025-09-04"
    assert set(answer["timings_ms"]) == {
        "retrieve",
        "evidence",
        "ttft",
        "generate",
        "first_text",
        "check",
        "total",
    }
    assert set(answer["usage"]) == {"prompt_tokens", "completion_tokens"}
    assert answer["usage"]["prompt_tokens"] > 0 and answer["usage"]["completion_tokens"] > 0
    assert len(answer["model"]["sha256"]) == 64
    assert [r["rank"] for r in answer["retrieved"]] == list(range(1, len(answer["retrieved"]) + 1))
    citation = answer["citations"][0]
    assert set(citation) == {
        "marker",
        "doc_id",
        "title",
        "date",
        "chunk_id",
        "quote",
        "url",
        "source",
    }
    assert "Ju Ae" in answer["answer"]
    assert citation["doc_id"] == KIM and citation["date"] == "2025-09-04"
    assert_grounded(answer)


def assert_abstains(answer: dict[str, Any]) -> None:
    assert answer["abstained"] and answer["abstain_reason"]
    assert answer["confidence"] is None or answer["confidence"] < 0.5
    assert answer["retrieved"]
    # the abstention quotes the closest sentence found, verbatim, as its one citation
    (closest,) = answer["citations"]
    assert closest["marker"] == 1 and "[1]" in answer["answer"]
    assert closest["quote"] in answer["answer"] or len(closest["quote"]) > 300


@modes(*MODES)
def test_an_unanswerable_question_abstains(ask: Ask) -> None:
    assert_abstains(ask("What is the population of Pyongyang?"))


@modes("local")
def test_another_unanswerable_question_abstains(ask: Ask) -> None:
    assert_abstains(ask("How old is Kim Ju Ae?"))


@modes("local")
def test_follow_up_uses_the_conversation(ask: Ask, tmp_path: Path) -> None:
    history = tmp_path / "history.json"
    history.write_text(
        json.dumps(
            [
                {
                    "role": "user",
                    "content": "Who accompanied Kim Jong Un when he arrived in Beijing?",
                },
                {"role": "assistant", "content": "His daughter Kim Ju Ae accompanied him [1]."},
            ]
        )
    )
    answer = ask("On which day did she arrive?", "--history", str(history))
    assert "Tuesday" in answer["answer"]
    assert answer["citations"][0]["doc_id"] == KIM
    assert_grounded(answer)


class Recorder(httpx.HTTPTransport):
    """A transport to the model server that keeps its replies to the requests that asked for
    log-probabilities (the confidence step's yes/no question)."""

    def __init__(self) -> None:
        super().__init__()
        self.judged: list[dict[str, Any]] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = super().handle_request(request)
        if json.loads(request.content or b"{}").get("logprobs"):
            response.read()
            self.judged.append(response.json())
        return response


def judge_from_logprobs(reply: dict[str, Any]) -> float:
    """P(yes) as the confidence step reads it from a server reply's first-token logprobs."""
    (first, *_) = reply["choices"][0]["logprobs"]["content"]
    assert first["top_logprobs"], "the server sent no top_logprobs"
    return yes_share({t["token"]: math.exp(t["logprob"]) for t in first["top_logprobs"]})


@modes("local", "llm")
def test_a_numeric_answer_streams_its_draft_and_cites_the_trade_article(stack: Stack) -> None:
    """Through `Answerer.stream`: the draft arrives in pieces (its first before its end), the
    verified sentences are shown as they come and make the checked answer, the answer cites the
    trade article, and its confidence is a number; in `llm`, the confidence step's P(yes) is the one
    the server's log-probabilities give."""
    settings = stack.settings()
    recorder = Recorder()
    model = None
    if stack.mode == "llm":
        model = RemoteModel(settings, http_client=httpx.Client(transport=recorder))
    *progress, answer = Answerer(settings, model=model).stream(TRADE_QUESTION)
    assert isinstance(answer, Answer)
    pieces = [e.text for e in progress if isinstance(e, Token)]
    assert pieces and "".join(pieces) == answer.candidate
    assert 0 < answer.timings_ms["ttft"] < answer.timings_ms["generate"]
    assert not answer.abstained
    assert "33%" in answer.text or "33 percent" in answer.text
    assert TRADE in {c.chunk.doc_id for c in answer.citations}
    assert all(f"[{c.marker}]" in answer.text and c.quote for c in answer.citations)
    assert isinstance(answer.confidence, float) and 0 <= answer.confidence <= 1
    if stack.mode == "llm":
        assert recorder.judged, "the confidence step asked the server nothing"
        expected = judge_from_logprobs(recorder.judged[-1])
        assert answer.signals["judge"] == pytest.approx(expected, abs=1e-4)
