"""`rag bench` with no target (rag.eval.suite): the JSON contract, the ratio arithmetic and the
plan of a quick and a full run, with every measurement replaced by a fake (logic only)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from rag import cli
from rag.config import Settings
from rag.errors import InputError
from rag.eval import bench, scale, served, speed, suite


def test_a_ratio_is_the_median_of_the_repeats_ratios() -> None:
    assert suite.ratio([2.0, 4.0, 9.0], [1.0, 2.0, 3.0]) == 2.0
    assert suite.ratio([1.0], [4.0]) == 0.25
    assert suite.ratio([10.0, 30.0], [10.0, 10.0]) == 2.0  # the mean of two
    for app, raw in (([], []), ([1.0], [1.0, 2.0]), ([1.0], [0.0])):
        with pytest.raises(ValueError):
            suite.ratio(app, raw)


def test_the_stream_timer_splits_prefill_from_generation() -> None:
    prefill, generation = speed.speeds(1000, (500.0, 1500.0, 1700.0, 11))
    assert prefill == pytest.approx(2000.0)  # 1000 tokens before the first, in 0.5 s
    assert generation == pytest.approx(10.0)  # 10 more in the second after it
    first, last, end, count = speed.timed(iter(["a", "b", "c"]))
    assert count == 3 and 0 <= first <= last <= end


GENERATED = {
    "prompt_tokens": 900,
    "completion_tokens": 32,
    "prefill": {"app": [90.0, 95.0, 100.0], "raw": [100.0, 100.0, 100.0]},
    "generation": {"app": [18.0, 20.0, 19.0], "raw": [20.0, 20.0, 20.0]},
    "after_last_token_ms": {"app": [300.0, 310.0, 320.0], "raw": [1.0, 2.0, 3.0]},
}
INGESTED = {
    "chunks": 250,
    "articles": 35,
    "app": [40.0, 45.0, 50.0],
    "raw": [50.0, 50.0, 50.0],
    **{k: [0.1, 0.2, 0.3] for k in ("split_s", "embed_s", "keyword_s", "rest_s")},
    "total_s": [5.0, 5.5, 6.0],
}
SERVED = {
    "http_s": [3.3, 3.0, 3.6],
    "in_process_s": [3.0, 3.0, 3.0],
    "server_ready_s": 12.34,
    "same_answer": True,
    "cold_start_s": None,
}


def test_summary_ratios_are_app_over_raw_and_http_over_in_process() -> None:
    ratios, details = suite.summarize(GENERATED, INGESTED, SERVED)
    assert ratios == {"generation": 0.95, "prefill": 0.95, "ingest": 0.9, "gradio": 1.1}
    assert details["prefill_tok_s"] == {"app": 95.0, "raw": 100.0}
    assert details["ingest"]["chunks"] == 250 and details["ingest"]["total_s"] == 5.5
    assert details["answer"]["http_s"] == 3.3 and details["answer"]["same_answer"]


def _args(*argv: str) -> Any:
    return cli.parser().parse_args(["bench", *argv])


def test_the_target_is_optional_and_the_old_ones_still_parse() -> None:
    assert _args().what is None and not _args().quick
    assert _args("--quick", "--json", "out.json").json == Path("out.json")
    old = _args("retrieval", "--scale", "full")
    assert (old.what, old.scale) == ("retrieval", "full")
    with pytest.raises(InputError):
        bench.main(Settings(), _args("llama", "--json", "out.json"))


def test_quick_takes_the_small_model_and_three_sizes_full_adds_a_million() -> None:
    quick = suite.plan(Settings(), _args("--quick"))
    assert (quick.model, quick.sizes, quick.cold_start) == (
        suite.QUICK_MODEL,
        [10**3, 10**4, 10**5],
        False,
    )
    chosen = suite.plan(Settings(), cli.parser().parse_args(["--model", "m", "bench", "--quick"]))
    assert chosen.model == "m"
    full = suite.plan(Settings(model="qwen2.5-1.5b"), _args("--sizes", "100", "--repeats", "0"))
    assert (full.model, full.sizes, full.repeats, full.cold_start) == (
        "qwen2.5-1.5b",
        [100],
        1,
        True,
    )


def test_the_json_written_keeps_its_contract(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    calls: dict[str, Any] = {}

    def point(n: int, keep: Path | None = None) -> dict[str, Any]:
        return {"chunks": n, "p50_ms": 10.0, "p95_ms": 20.0, "rss_mb": 100, "write_s": 1.0}

    def generation(settings: Settings, *args: Any) -> dict[str, Any]:
        calls["model"] = settings.model
        return GENERATED

    def measure(settings: Settings, corpus: Path, question: str, repeats: int, cold: bool) -> Any:
        calls["cold"] = cold
        return {**SERVED, "cold_start_s": 9.87 if cold else None}

    monkeypatch.setattr(scale, "point", point)
    monkeypatch.setattr(speed, "generation", generation)
    monkeypatch.setattr(speed, "ingest", lambda *args: INGESTED)
    monkeypatch.setattr(served, "measure", measure)
    out = tmp_path / "bench.json"
    code = bench.main(Settings(), _args("--quick", "--sizes", "1000", "10000", "--json", str(out)))
    assert code == 0 and calls == {"model": suite.QUICK_MODEL, "cold": False}
    written = json.loads(out.read_text())
    assert {"retrieval", "ratios", "machine"} <= set(written)
    assert [p["chunks"] for p in written["retrieval"]] == [1000, 10000]
    for point_ in written["retrieval"]:
        assert {"chunks", "p50_ms", "p95_ms", "rss_mb"} <= set(point_)
    assert set(written["ratios"]) == {"generation", "prefill", "ingest", "gradio"}
    assert written["ratios"]["gradio"] == 1.1
    assert {"cpu", "cores", "ram_gib", "python", "threads"} <= set(written["machine"])
    assert {"llama-cpp-python", "chromadb", "torch"} <= set(written["machine"])
    assert written["model"] == suite.QUICK_MODEL and written["quick"] is True
    table = capsys.readouterr().out
    assert "| 10,000 |" in table and "0.95 (met)" in table and "1.10 (met)" in table

    full = tmp_path / "full.json"
    bench.main(Settings(), _args("--sizes", "1000", "--json", str(full)))
    assert json.loads(full.read_text())["details"]["cold_start_s"] == 9.9
    assert "cold start" in capsys.readouterr().out
