"""Model files (rag.weights): the hash memo and assembling a known model from its parts, with
small fake part packages instead of the real ~1 GB weights."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from rag import weights
from rag.errors import ModelError
from rag.weights import KnownModel, assemble, sha256_of

PARTS = [b"GGUF" + bytes(range(256)) * 40, b"second part " * 500, b"tail"]
WHOLE = b"".join(PARTS)


def memos(cache: Path) -> list[Path]:
    return sorted((cache / "hashes").glob("*"))


def test_a_truncated_memo_is_treated_as_absent(tmp_path: Path) -> None:
    model = tmp_path / "model.gguf"
    model.write_bytes(WHOLE)
    cache = tmp_path / "cache"
    expected = hashlib.sha256(WHOLE).hexdigest()
    assert sha256_of(model, cache) == expected
    (memo,) = memos(cache)
    memo.write_text(memo.read_text()[:10])  # a crash while it was written
    assert sha256_of(model, cache) == expected
    assert sha256_of(model, cache) == expected


def test_a_file_rewritten_with_its_size_and_mtime_is_hashed_again(tmp_path: Path) -> None:
    model = tmp_path / "model.gguf"
    model.write_bytes(WHOLE)
    cache = tmp_path / "cache"
    sha256_of(model, cache)
    stat = model.stat()
    tampered = WHOLE[:-4] + b"evil"
    model.write_bytes(tampered)
    os.utime(model, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert model.stat().st_size == stat.st_size
    assert sha256_of(model, cache) == hashlib.sha256(tampered).hexdigest()


@pytest.fixture
def fake_model(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A known model 'fake' whose parts are files in three importable packages."""
    site = tmp_path / "site"
    for number, data in enumerate(PARTS, start=1):
        package = site / f"fake_model_part{number}"
        (package / "data").mkdir(parents=True)
        (package / "__init__.py").write_text("")
        (package / "data" / "part.bin").write_bytes(data)
    monkeypatch.syspath_prepend(str(site))
    spec = KnownModel(
        file="fake.gguf",
        parts=tuple((f"fake_model_part{n}", "data/part.bin") for n in range(1, len(PARTS) + 1)),
        size=len(WHOLE),
        sha256=hashlib.sha256(WHOLE).hexdigest(),
        description="test",
    )
    monkeypatch.setitem(weights.KNOWN_MODELS, "fake", spec)
    return "fake"


def test_assembles_and_verifies_a_known_model(fake_model: str, tmp_path: Path) -> None:
    found = assemble(fake_model, tmp_path / "cache")
    assert found.path == tmp_path / "cache" / "models" / "fake.gguf"
    assert found.path.read_bytes() == WHOLE
    assert found.sha256 == hashlib.sha256(WHOLE).hexdigest()
    assert sorted(p.name for p in found.path.parent.iterdir()) == ["fake.gguf"]


def test_stale_partial_files_are_removed_on_the_next_run(fake_model: str, tmp_path: Path) -> None:
    models = tmp_path / "cache" / "models"
    models.mkdir(parents=True)
    dead = 2**22 + 12345  # above any pid_max: no such process
    (models / f"fake.part{dead}").write_bytes(WHOLE[:1000])  # left by a crashed assembly
    assemble(fake_model, tmp_path / "cache")
    assert sorted(p.name for p in models.iterdir()) == ["fake.gguf"]


def test_a_crash_while_assembling_leaves_no_file_at_the_final_path(
    fake_model: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def crash(*_: object) -> None:
        raise KeyboardInterrupt  # the process dies before the file is complete

    monkeypatch.setattr(os, "fsync", crash)
    with pytest.raises(KeyboardInterrupt):
        assemble(fake_model, tmp_path / "cache")
    assert not (tmp_path / "cache" / "models" / "fake.gguf").exists()


def test_parts_that_do_not_match_the_hash_never_reach_the_final_path(
    fake_model: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec = weights.KNOWN_MODELS[fake_model]
    monkeypatch.setitem(
        weights.KNOWN_MODELS, fake_model, KnownModel(**{**vars(spec), "sha256": "0" * 64})
    )
    replaced: list[object] = []
    monkeypatch.setattr(os, "replace", lambda *args: replaced.append(args))
    with pytest.raises(ModelError, match="sha256"):
        assemble(fake_model, tmp_path / "cache")
    assert replaced == []
    models = tmp_path / "cache" / "models"
    assert list(models.iterdir()) == []
