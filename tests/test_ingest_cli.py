"""Integration: `rag ingest` through the command line, on a folder with good and bad files."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from conftest import RunRag

ROOT = Path(__file__).parents[1]
pytestmark = pytest.mark.slow


def test_bad_files_are_reported_and_skipped_while_the_rest_ingests(
    tmp_path: Path, run_rag: RunRag
) -> None:
    folder = tmp_path / "articles"
    shutil.copytree(ROOT / "seeds", folder)
    (folder / "empty.txt").write_text("")
    (folder / "binary.txt").write_bytes(b"\xff\xfe\x00broken")
    result = run_rag(tmp_path / "data", "ingest", "--quiet", str(folder))
    assert result.returncode == 0, result.stderr
    skipped = [line for line in result.stderr.splitlines() if line.startswith("skipped")]
    assert len(skipped) == 2 and "empty.txt" in skipped[0] + skipped[1]
    assert "2 added" in result.stdout
    again = run_rag(tmp_path / "data", "ingest", "--quiet", str(folder))
    assert "0 added, 0 updated, 2 unchanged" in again.stdout


def test_user_errors_are_one_line_without_traceback(tmp_path: Path, run_rag: RunRag) -> None:
    result = run_rag(tmp_path, "--model", "no-such-model", "ask", "What happened?")
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("error: ")
    assert "Traceback" not in result.stderr
