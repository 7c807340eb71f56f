"""`rag bench peer`: the LlamaIndex pipeline beside the app. Its decline reading and prompt
format as logic; and for real (slow): two smoke questions answered by both on the small
model, each side's run folder written and scored, the peer's citations naming the articles of
the sources it was shown."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from rag.eval.peer import _chatml, declines, normalized

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(
    "answer",
    [
        "",
        "The sources do not mention how many troops marched.",
        "The context does not provide this information.",
        "There is no information about his statement in the sources.",
        "It is not stated in the provided sources.",
        "I don't know.",
        "The number cannot be determined from the sources [1].",
    ],
)
def test_an_answer_saying_the_sources_do_not_tell_is_a_decline(answer: str) -> None:
    assert declines(answer)


@pytest.mark.parametrize(
    "answer",
    [
        "Kim Ju Ae accompanied him [1].",
        "26 foreign leaders attended the parade [2].",
        "The talks were held at the Great Hall of the People [1].",
        "Not only Putin but also Kim attended [1].",
        "He noted the friendship between the two countries [1].",
    ],
)
def test_an_answer_is_not_a_decline(answer: str) -> None:
    assert not declines(answer)


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ("Kim Ju Ae [Source 2].", "Kim Ju Ae [2]."),
        ("According to Source 3, exports grew 33%.", "According to [3], exports grew 33%."),
        ("In Beijing (Source 1) and Dalian [2].", "In Beijing [1] and Dalian [2]."),
        ("  Twenty-six leaders [1][3]. ", "Twenty-six leaders [1][3]."),
        ("No source named.", "No source named."),
    ],
)
def test_each_way_the_peer_names_a_source_becomes_a_marker(answer: str, expected: str) -> None:
    assert normalized(answer) == expected


def test_messages_are_given_in_chatml_ending_with_the_assistants_turn() -> None:
    def message(role: str, content: str) -> SimpleNamespace:
        return SimpleNamespace(role=SimpleNamespace(value=role), content=content)

    prompt = _chatml([message("system", "Cite."), message("user", "Who?")])
    assert prompt == (
        "<|im_start|>system\nCite.<|im_end|>\n<|im_start|>user\nWho?<|im_end|>\n"
        "<|im_start|>assistant\n"
    )


@pytest.mark.slow
@pytest.mark.timeout(1800)
def test_the_peer_and_the_app_answer_the_same_questions_side_by_side(tmp_path: Path) -> None:
    pytest.importorskip("llama_index.core", reason="the bench extra is not installed")
    out = tmp_path / "runs"
    command = [sys.executable, "-m", "rag", "--data-dir", str(tmp_path / "data"), "bench", "peer"]
    command += ["--split", "smoke", "--limit", "2", "--out", str(out)]
    env = {**os.environ, "RAG_MODEL": "qwen2.5-0.5b", "HF_HUB_OFFLINE": "1"}
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=1700)
    assert done.returncode == 0, done.stderr[-3000:]
    seeds = {path.stem for path in (ROOT / "seeds").iterdir()}
    for side in ("peer", "app"):
        predictions = _predictions(out / side)
        assert [p["id"] for p in predictions] == ["q001", "q002"]
        for prediction in predictions:
            assert not prediction.get("error"), prediction
            assert prediction["timings_ms"]["total"] > 0
            assert {hit["doc_id"] for hit in prediction["retrieved"]} <= seeds
        metrics = json.loads((out / side / "metrics.json").read_text())
        assert metrics["summary"]["counts"]["questions"] == 2
    for prediction in _predictions(out / "peer"):
        shown = {hit["chunk_id"]: hit["doc_id"] for hit in prediction["retrieved"]}
        assert len(shown) <= 3
        for citation in prediction["citations"]:
            assert shown[citation["chunk_id"]] == citation["doc_id"]
    assert "Paired on 2 questions" in done.stdout


def _predictions(run: Path) -> list[dict]:
    return [json.loads(line) for line in (run / "predictions.jsonl").read_text().splitlines()]
