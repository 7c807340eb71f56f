"""Integration: `rag ask --json` over the real stack (Chroma, MiniLM, the default GGUF model at
temperature 0) on the seed articles. Asserts properties, not prose."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).parents[1]
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
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("data")
    run(path, "ingest", "--quiet")
    return path


def run(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [sys.executable, "-m", "rag", "--data-dir", str(data_dir), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result


def ask(data_dir: Path, question: str, *extra: str) -> dict[str, Any]:
    return json.loads(run(data_dir, "ask", "--json", question, *extra).stdout)


def assert_grounded(answer: dict[str, Any]) -> None:
    """Every marker in the text has a citation and back; every quote is in its chunk."""
    assert not answer["abstained"]
    markers = {c["marker"] for c in answer["citations"]}
    assert markers and all(f"[{m}]" in answer["answer"] for m in markers)
    retrieved = {r["chunk_id"] for r in answer["retrieved"]}
    assert all(c["chunk_id"] in retrieved and c["quote"] for c in answer["citations"])


def test_json_contract(data_dir: Path) -> None:
    answer = ask(data_dir, "Who accompanied Kim Jong Un when he arrived in Beijing?")
    assert set(answer) == CONTRACT
    assert set(answer["timings_ms"]) == {"retrieve", "ttft", "generate", "total"}
    assert set(answer["usage"]) == {"prompt_tokens", "completion_tokens"}
    assert len(answer["model"]["sha256"]) == 64
    assert [r["rank"] for r in answer["retrieved"]] == list(range(1, len(answer["retrieved"]) + 1))
    citation = answer["citations"][0]
    assert set(citation) == {"marker", "doc_id", "title", "date", "chunk_id", "quote"}
    assert "Ju Ae" in answer["answer"]
    assert citation["doc_id"] == KIM and citation["date"] == "2025-09-04"
    assert_grounded(answer)


def test_numeric_answer_cites_the_trade_article(data_dir: Path) -> None:
    answer = ask(
        data_dir, "By how much did China's exports to North Korea grow in the first half of 2025?"
    )
    assert "33%" in answer["answer"] or "33 percent" in answer["answer"]
    assert TRADE in {c["doc_id"] for c in answer["citations"]}
    assert_grounded(answer)


@pytest.mark.parametrize(
    "question", ["What is the population of Pyongyang?", "How old is Kim Ju Ae?"]
)
def test_unanswerable_questions_abstain(data_dir: Path, question: str) -> None:
    answer = ask(data_dir, question)
    assert answer["abstained"] and answer["citations"] == [] and answer["confidence"] is None
    assert answer["answer"] and answer["retrieved"]


def test_follow_up_uses_the_conversation(data_dir: Path, tmp_path: Path) -> None:
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
    answer = ask(data_dir, "On which day did she arrive?", "--history", str(history))
    assert "Tuesday" in answer["answer"]
    assert answer["citations"][0]["doc_id"] == KIM
    assert_grounded(answer)
