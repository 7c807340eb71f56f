"""What `rag ask` and `rag documents` print of stored text (rag.cli): never control
characters, terminal escapes or bidi controls, even when a store written by an older version
holds them. The store and the answerer are stand-ins: only the printing is under test."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace

import pytest

from rag import answer, library, store
from rag.cli import main
from rag.library import Document

HOSTILE = "Title\x1b[2J\x1b]0;owned\x07 \u202eevil\u202c\x00\x9b31m\r"
UNSAFE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def assert_printable(text: str) -> None:
    assert "Title" in text
    found = UNSAFE.findall(text)
    assert not found, found


@pytest.fixture
def listed(monkeypatch: pytest.MonkeyPatch) -> None:
    stored = Document(f"doc{HOSTILE}", HOSTILE, "2025-09-04", HOSTILE, HOSTILE, 2)
    monkeypatch.setattr(library, "documents", lambda _store: [stored])
    monkeypatch.setattr(store, "Store", lambda _settings: None)


@pytest.mark.parametrize("options", [[], ["--json"]])
def test_documents_prints_no_control_characters(
    listed: None, tmp_path: Path, capsys: pytest.CaptureFixture[str], options: list[str]
) -> None:
    assert main(["--data-dir", str(tmp_path), "documents", *options]) == 0
    out = capsys.readouterr()
    assert_printable(out.out)


@dataclass
class FakeAnswer:
    text: str = f"{HOSTILE} [1]"
    notes: list[str] = field(default_factory=lambda: [HOSTILE])
    resolved_dates: list[object] = field(default_factory=list)
    as_of: str = "2025-09-04"
    conflicts: list[object] = field(default_factory=list)
    citations: list[object] = field(
        default_factory=lambda: [
            SimpleNamespace(
                marker=1,
                chunk=SimpleNamespace(title=HOSTILE, date="2025-09-04", doc_id=HOSTILE),
                quote=HOSTILE,
            )
        ]
    )


@dataclass
class FakeToken:
    text: str


class FakeAnswerer:
    def __init__(self, _settings: object) -> None:
        pass

    def stream(self, _question: str, _history: object) -> list[object]:
        return [FakeToken(HOSTILE), FakeAnswer()]


def test_ask_prints_no_control_characters(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(answer, "Answerer", FakeAnswerer)
    monkeypatch.setattr(answer, "Answer", FakeAnswer)
    monkeypatch.setattr(answer, "Token", FakeToken)
    assert main(["--data-dir", str(tmp_path), "ask", "What?", "--verbose"]) == 0
    out = capsys.readouterr()
    assert_printable(out.out)
    assert_printable(out.err)
