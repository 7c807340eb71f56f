"""Settings: one frozen object, loaded in one place.

Precedence: defaults < rag.toml < RAG_* environment variables < command-line overrides.
The config file is the first of $RAG_CONFIG, ./rag.toml, ~/.config/rag-news/rag.toml that exists.
This is the only module that reads the environment. Knows nothing about what the settings drive.
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from rag.errors import ConfigError

ENV_PREFIX = "RAG_"


def _xdg(var: str, fallback: str) -> Path:
    return Path(os.environ.get(var) or Path.home() / fallback) / "rag-news"


@dataclass(frozen=True)
class Settings:
    # where the Chroma store and uploaded articles live
    data_dir: Path = field(default_factory=lambda: _xdg("XDG_DATA_HOME", ".local/share"))
    # where assembled model files are cached
    cache_dir: Path = field(default_factory=lambda: _xdg("XDG_CACHE_HOME", ".cache"))
    # Chroma collection name (3-512 chars of [a-zA-Z0-9._-])
    collection: str = "news"
    # a Chroma server such as http://127.0.0.1:8000; empty means the embedded store in data_dir
    chroma_url: str = ""
    # sentence-transformers model: a known name or a model folder path
    embedder: str = "all-MiniLM-L6-v2"
    # GGUF model: a known name (see `rag models`) or a .gguf file path
    model: str = "qwen2.5-1.5b"
    # an OpenAI-compatible server (e.g. llama.cpp's llama-server) instead of the local model
    llm_url: str = ""
    # target characters per chunk; chunks end on sentence boundaries
    chunk_chars: int = 600
    # sentences repeated at the start of the next chunk
    chunk_overlap: int = 1
    # ingest embeds and writes articles together until they hold this many chunks
    write_batch: int = 256
    # passages retrieved: the model reads the evidence sentences chosen from them (all of
    # them when evidence_sentences is 0)
    top_k: int = 6
    # the model reads only this many sentences of those passages, the closest to the question
    # (0: whole passages)
    evidence_sentences: int = 4
    # the answer prompt shows the model worked examples first (rag.prompts.worked_examples)
    worked_examples: bool = True
    # candidates each retriever (dense, keyword) contributes before fusion
    candidates: int = 20
    # reciprocal-rank-fusion constant
    rrf_k: int = 60
    # word 5-gram Jaccard overlap at which two passages count as copies of one story (>1: off)
    near_duplicate: float = 0.6
    # maximal marginal relevance: 1 keeps the fused ranking, lower favours unlike passages
    mmr_weight: float = 0.85
    # model context window in tokens
    n_ctx: int = 4096
    # tokens reserved for the answer
    max_answer_tokens: int = 320
    # CPU threads for the model (0 = all cores)
    n_threads: int = 0
    # prompt tokens processed per batch
    n_batch: int = 512
    # RAM for cached prompt states (KV cache reuse across questions), in MiB; 0 turns it off
    kv_cache_mb: int = 2048
    # sampling temperature (0 = greedy, reproducible)
    temperature: float = 0.0
    # random seed for the model
    seed: int = 0
    # answers whose confidence (estimated P(right)) is below this abstain instead
    min_confidence: float = 0.6
    # confidence weights fit by `rag calibrate`; empty means the ones that ship
    calibration: str = ""
    # longest accepted question, in characters
    max_question_chars: int = 2000
    # largest accepted upload, in bytes
    max_upload_bytes: int = 2_000_000
    # fetch web pages from loopback, private and link-local addresses too (off: refused)
    allow_private_urls: bool = False
    # largest web page, feed or sitemap read, in bytes (reading stops beyond it)
    max_fetch_bytes: int = 5_000_000
    # seconds one web request may take, whole response included
    fetch_timeout: float = 20.0
    # address the browser chat binds to
    host: str = "127.0.0.1"
    # port the browser chat listens on
    port: int = 7860
    # key /v1 clients send as `Authorization: Bearer KEY` (empty: none); required off loopback
    api_key: str = ""

    @property
    def store_dir(self) -> Path:
        return self.data_dir / "chroma"

    @property
    def uploads_dir(self) -> Path:
        return self.data_dir / "articles"

    @property
    def threads(self) -> int:
        return self.n_threads or os.cpu_count() or 1

    def replace(self, **changes: Any) -> Settings:
        return dataclasses.replace(self, **{k: _coerce(k, v) for k, v in changes.items()})


_TYPES = {f.name: f.type for f in fields(Settings)}


def _coerce(name: str, value: Any) -> Any:
    if name not in _TYPES:
        raise ConfigError(f"unknown setting {name!r}")
    kind = _TYPES[name]
    try:
        if kind == "Path":
            return Path(value).expanduser()
        if kind == "bool":
            return _flag(value)
        if isinstance(value, bool | list | dict):
            raise TypeError(f"expected {kind}")
        if kind == "int":
            if isinstance(value, float) and not value.is_integer():
                raise ValueError("expected a whole number")
            return int(value)
        if kind == "float":
            return float(value)
        return str(value)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"setting {name!r}: cannot use {value!r} ({exc})") from None


def _flag(value: Any) -> bool:
    """A bool from TOML's true/false or a variable's 1/0, true/false, yes/no, on/off."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower() if isinstance(value, str | int) else None
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off", ""):
        return False
    raise ValueError("expected true or false")


def config_file() -> Path | None:
    candidates = [
        os.environ.get("RAG_CONFIG"),
        "rag.toml",
        Path.home() / ".config/rag-news/rag.toml",
    ]
    return next((Path(c) for c in candidates if c and Path(c).is_file()), None)


def _from_file(path: Path | None) -> dict[str, Any]:
    if path is None:
        return {}
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: {exc}") from None


def _from_env() -> dict[str, str]:
    return {
        key[len(ENV_PREFIX) :].lower(): value
        for key, value in os.environ.items()
        if key.startswith(ENV_PREFIX) and key[len(ENV_PREFIX) :].lower() in _TYPES
    }


def load(overrides: dict[str, Any] | None = None) -> Settings:
    """Build the settings from defaults, the config file, RAG_* variables and overrides."""
    layers = [_from_file(config_file()), _from_env(), overrides or {}]
    merged = {k: v for layer in layers for k, v in layer.items() if v is not None}
    return Settings().replace(**merged)
