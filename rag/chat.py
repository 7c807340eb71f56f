"""The chat-model interface every model implements, and what they share: role messages, a
streamed `Generation` with its token `Usage`, P(yes) of a yes/no reply, and `ChatTokenizer`,
which counts tokens exactly as a GGUF model sees them (its own chat template, its vocabulary).

Implementations: rag.llm (llama-cpp-python in this process) and rag.llm_remote (an
OpenAI-compatible server running the same GGUF). Knows nothing about retrieval or citations.
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from rag.errors import ModelError

if TYPE_CHECKING:
    from llama_cpp import Llama

Message = dict[str, str]


@dataclass
class Usage:
    prompt_tokens: int = 0
    completion_tokens: int = 0


@dataclass
class Generation:
    """A streamed reply: iterate for text pieces; `usage` is complete once iteration ends."""

    pieces: Iterator[str]
    usage: Usage = field(default_factory=Usage)

    def __iter__(self) -> Iterator[str]:
        return self.pieces


class ChatModel(Protocol):
    name: str
    file: str
    sha256: str
    n_ctx: int

    def count_tokens(self, messages: list[Message]) -> int: ...

    def forget(self) -> None: ...

    def generate(self, messages: list[Message], max_tokens: int) -> Generation: ...
    def warm(self, messages: list[Message]) -> None: ...

    def yes_probability(self, messages: list[Message]) -> float: ...


def yes_share(weights: dict[str, float]) -> float:
    """P(yes) among the yes/no first tokens: `weights` maps candidate reply tokens to their
    probabilities; case and surrounding spaces are ignored; 0.5 when neither is there."""
    yes = sum(p for token, p in weights.items() if token.strip().lower() == "yes")
    no = sum(p for token, p in weights.items() if token.strip().lower() == "no")
    return yes / (yes + no) if yes + no > 0 else 0.5


class ChatTokenizer:
    """Counts tokens as a GGUF model sees them: messages rendered by the model's own chat
    template, then tokenized by its vocabulary. Works on a loaded model or on a vocabulary-only
    load of the file (no weights, for a model that runs elsewhere)."""

    def __init__(self, llama: Llama, path: Path) -> None:
        from llama_cpp.llama_chat_format import Jinja2ChatFormatter

        template = llama.metadata.get("tokenizer.chat_template")
        if not template:
            raise ModelError(f"model {path} has no chat template")
        self._llama = llama
        self._formatter = Jinja2ChatFormatter(
            template=template,
            eos_token=llama._model.token_get_text(llama.token_eos()),
            bos_token=llama._model.token_get_text(llama.token_bos()),
        )

    @classmethod
    def vocab_only(cls, path: Path) -> ChatTokenizer:
        from llama_cpp import Llama

        try:
            # llama.cpp warns that a vocabulary has no training context: nothing to act on
            with contextlib.redirect_stderr(io.StringIO()):
                llama = Llama(model_path=str(path), vocab_only=True, verbose=False)
            return cls(llama, path)
        except (ValueError, RuntimeError) as exc:
            raise ModelError(f"cannot read the vocabulary of {path}: {exc}") from None

    def count(self, messages: list[Message]) -> int:
        """Tokens of the prompt these messages make, generation prompt included."""
        prompt = self._formatter(messages=messages).prompt
        return len(self._llama.tokenize(prompt.encode("utf-8"), add_bos=False, special=True))

    def count_text(self, text: str) -> int:
        """Tokens of plain text (a reply), special-token markup taken as text."""
        return len(self._llama.tokenize(text.encode("utf-8"), add_bos=False, special=False))
