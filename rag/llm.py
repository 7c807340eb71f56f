"""Runs the chat model: a local GGUF file through llama-cpp-python, one model per process and
one generation at a time; `get_model` gives the one model of the settings, local or an
OpenAI-compatible server (rag.llm_remote).

Messages are role dicts; the GGUF's own chat template formats them (never hand-written
tags), and the same template counts prompt tokens exactly (rag.chat.ChatTokenizer), so callers
can budget context. Knows nothing about retrieval, sources or citations.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Iterator
from typing import Any

from rag.chat import ChatModel, ChatTokenizer, Generation, Message, Usage, yes_share
from rag.config import Settings
from rag.errors import ModelError
from rag.weights import locate


@functools.cache
def _lean_llama_class() -> type:
    """`llama_cpp.Llama` with lean saved states."""
    import ctypes

    import llama_cpp
    import numpy as np

    class LeanLlama(llama_cpp.Llama):
        """A Llama whose saved prompt states hold the context and the tokens, not the logits
        buffer: with `logits_all` off nothing reads the saved logits (a resumed state decodes
        its last token again before sampling), yet the library copies the whole n_batch x
        n_vocab buffer (about 300 MB for Qwen2.5) on every save and load: about half a second
        each way, before every answer's first token and after its last."""

        def save_state(self) -> llama_cpp.LlamaState:
            size = llama_cpp.llama_state_get_size(self._ctx.ctx)
            buffer = (ctypes.c_uint8 * size)()
            written = llama_cpp.llama_state_get_data(self._ctx.ctx, buffer, size)
            return llama_cpp.LlamaState(
                scores=np.empty((0, 0), dtype=np.single),
                input_ids=self.input_ids[: self.n_tokens].copy(),
                n_tokens=self.n_tokens,
                llama_state=bytes(memoryview(buffer)[:written]),
                llama_state_size=written,
                seed=self._seed,
            )

        def load_state(self, state: llama_cpp.LlamaState) -> None:
            data = (ctypes.c_uint8 * state.llama_state_size).from_buffer_copy(state.llama_state)
            if llama_cpp.llama_state_set_data(self._ctx.ctx, data, state.llama_state_size) != (
                state.llama_state_size
            ):
                raise RuntimeError("failed to restore a saved prompt state")
            self.input_ids[: state.n_tokens] = state.input_ids
            self.n_tokens = state.n_tokens
            self._requires_eval = True
            self._seed = state.seed

    return LeanLlama


def llama_options(settings: Settings) -> dict[str, Any]:
    """The `llama_cpp.Llama` options these settings give (all but the model path)."""
    return {
        "n_ctx": settings.n_ctx,
        "n_threads": settings.threads,
        "n_threads_batch": settings.threads,
        "n_batch": settings.n_batch,
        "seed": settings.seed,
        "verbose": False,
    }


class LocalModel:
    """A GGUF model in this process. Calls are serialized: a generation holds the lock until
    its iterator is exhausted or closed."""

    def __init__(self, settings: Settings) -> None:
        found = locate(settings.model, settings.cache_dir)
        self.name, self.file, self.sha256 = found.name, found.path.name, found.sha256
        self.n_ctx = settings.n_ctx
        self._settings = settings
        self._lock = threading.Lock()
        try:
            self._llama = _lean_llama_class()(model_path=str(found.path), **llama_options(settings))
        except (ValueError, RuntimeError) as exc:
            raise ModelError(f"cannot load model {found.path}: {exc}") from None
        if settings.kv_cache_mb > 0:
            # keep the states of recent prompts: after a check, the next question over the same
            # sources still resumes from its cached prefix (the cache counts each state's bytes,
            # all a lean state holds, so its capacity bounds the memory used)
            from llama_cpp import LlamaRAMCache

            self._llama.set_cache(LlamaRAMCache(capacity_bytes=settings.kv_cache_mb << 20))
        self._yes_no_ids = {  # first token of each way to begin a yes/no reply
            word: self._llama.tokenize(word.encode(), add_bos=False, special=False)[0]
            for word in ("yes", "Yes", " yes", " Yes", "no", "No", " no", " No")
        }
        self._tokenizer = ChatTokenizer(self._llama, found.path)

    def forget(self) -> None:
        """Drop every cached prompt state (for cold-start measurements)."""
        with self._lock:
            self._llama.reset()
            if self._llama.cache is not None:
                self._llama.set_cache(type(self._llama.cache)(self._llama.cache.capacity_bytes))

    def count_tokens(self, messages: list[Message]) -> int:
        return self._tokenizer.count(messages)

    def generate(self, messages: list[Message], max_tokens: int) -> Generation:
        usage = Usage(prompt_tokens=self.count_tokens(messages))
        return Generation(self._stream(messages, max_tokens, usage), usage)

    def warm(self, messages: list[Message]) -> None:
        """Read a prompt prefix now (the instructions every answer begins with), so the first
        question resumes from its cached state instead of reading it."""
        with self._lock:
            self._llama.create_chat_completion(messages=messages, max_tokens=1, temperature=0.0)

    def yes_probability(self, messages: list[Message]) -> float:
        """P(yes) of a yes/no reply, read from the logits of its first token."""
        import numpy as np

        seen: list[Any] = []

        def capture(_ids: Any, logits: Any) -> Any:
            seen.append(np.array(logits, dtype=np.float64))
            return logits

        with self._lock:
            self._llama.create_chat_completion(
                messages=messages, max_tokens=1, temperature=0.0, logits_processor=[capture]
            )
        logits = seen[0]
        probabilities = np.exp(logits - logits.max())
        probabilities /= probabilities.sum()
        return yes_share({w: float(probabilities[i]) for w, i in self._yes_no_ids.items()})

    def _stream(self, messages: list[Message], max_tokens: int, usage: Usage) -> Iterator[str]:
        with self._lock:
            chunks = self._llama.create_chat_completion(
                messages=messages,
                max_tokens=max_tokens,
                temperature=self._settings.temperature,
                seed=self._settings.seed,
                stream=True,
            )
            for chunk in chunks:
                delta = chunk["choices"][0]["delta"].get("content")  # type: ignore[index]
                if delta:
                    usage.completion_tokens += 1
                    yield delta


@functools.cache
def _load(settings: Settings) -> ChatModel:
    if settings.llm_url:
        from rag.llm_remote import RemoteModel

        return RemoteModel(settings)
    return LocalModel(settings)


def get_model(settings: Settings) -> ChatModel:
    """The one model for these model settings in this process, loaded on first use."""
    keys = (
        "model",
        "llm_url",
        "cache_dir",
        "n_ctx",
        "n_threads",
        "n_batch",
        "seed",
        "temperature",
        "kv_cache_mb",
    )
    return _load(Settings().replace(**{k: getattr(settings, k) for k in keys}))
