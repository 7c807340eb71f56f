"""Integration: `rag ask --json` over the real stack (Chroma, MiniLM, the default GGUF model at
temperature 0) on the seed articles. Asserts properties, not prose."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

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
pytestmark = pytest.mark.slow


Ask = Callable[..., dict[str, Any]]


@pytest.fixture(scope="module")
def ask(tmp_path_factory: pytest.TempPathFactory, run_rag: RunRag) -> Ask:
    """`rag ask --json QUESTION [EXTRA...]` over a store holding the seed articles."""
    data_dir = tmp_path_factory.mktemp("data")
    assert run_rag(data_dir, "ingest", "--quiet").returncode == 0

    def ask(question: str, *extra: str) -> dict[str, Any]:
        result = run_rag(data_dir, "ask", "--json", question, *extra)
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


def test_json_contract(ask: Ask) -> None:
    answer = ask("Who accompanied Kim Jong Un when he arrived in Beijing?")
    assert set(answer) == CONTRACT | EXTENSIONS
    assert 0 <= answer["confidence"] <= 1 and answer["as_of"] == "2025-09-04"
    assert set(answer["timings_ms"]) == {"retrieve", "ttft", "generate", "total"}
    assert set(answer["usage"]) == {"prompt_tokens", "completion_tokens"}
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


def test_numeric_answer_cites_the_trade_article(ask: Ask) -> None:
    answer = ask("By how much did China's exports to North Korea grow in the first half of 2025?")
    assert "33%" in answer["answer"] or "33 percent" in answer["answer"]
    assert TRADE in {c["doc_id"] for c in answer["citations"]}
    assert_grounded(answer)


@pytest.mark.parametrize(
    "question", ["What is the population of Pyongyang?", "How old is Kim Ju Ae?"]
)
def test_unanswerable_questions_abstain(ask: Ask, question: str) -> None:
    answer = ask(question)
    assert answer["abstained"] and answer["abstain_reason"]
    assert answer["confidence"] is None or answer["confidence"] < 0.5
    assert answer["retrieved"]
    # the abstention quotes the closest sentence found, verbatim, as its one citation
    (closest,) = answer["citations"]
    assert closest["marker"] == 1 and "[1]" in answer["answer"]
    assert closest["quote"] in answer["answer"] or len(closest["quote"]) > 300


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
