"""`rag bench --quick --json` for real on a tiny configuration: 300 synthetic chunks, one
repeat, 8 generated tokens with the small model, ingest of the seed articles, and `rag serve`
started and stopped. Checks the JSON contract, never a timing (about 2 minutes on 2 cores)."""

from __future__ import annotations

import json
import numbers
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.timeout(1800)]  # a busy machine slows it tenfold

ROOT = Path(__file__).resolve().parents[1]


def test_the_quick_suite_writes_its_json_contract(tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    command = [sys.executable, "-m", "rag", "--data-dir", str(tmp_path / "data"), "bench"]
    command += ["--quick", "--sizes", "300", "--repeats", "1", "--tokens", "8"]
    command += ["--ingest", "seeds", "--json", str(out)]
    env = {**os.environ, "GRADIO_ANALYTICS_ENABLED": "False"}
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=1700)
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(out.read_text())
    assert {"retrieval", "ratios", "machine"} <= set(result)
    [point] = result["retrieval"]
    assert point["chunks"] == 300
    for key in ("p50_ms", "p95_ms", "rss_mb"):
        assert isinstance(point[key], numbers.Real) and point[key] > 0
    assert set(result["ratios"]) == {"generation", "prefill", "ingest", "gradio"}
    for name, value in result["ratios"].items():
        assert isinstance(value, numbers.Real) and value > 0, name
    machine = result["machine"]
    assert machine["cores"] >= 1 and machine["threads"] >= 1
    assert machine["llama-cpp-python"] and machine["chromadb"] and machine["torch"]
    assert result["model"] == "qwen2.5-0.5b"
    assert "| prefill tok/s" in done.stdout and "| 300 |" in done.stdout


def test_a_kept_synthetic_store_is_written_once_and_reused(tmp_path: Path) -> None:
    from rag.eval import scale

    (tmp_path / "300").mkdir()
    (tmp_path / "300" / "chroma.sqlite3").write_text("a store cut short")
    first = scale.point(300, tmp_path)
    assert (tmp_path / "300" / scale.WRITTEN).exists()
    second = scale.point(300, tmp_path)
    assert second["write_s"] == first["write_s"] > 0  # recorded, not written again
    assert second["keyword_build_s"] == first["keyword_build_s"]
    assert second["chunks"] == 300 and second["p50_ms"] > 0
