"""Runs a chat model on an OpenAI-compatible server (llama-cpp-python's `llama_cpp.server`,
llama.cpp's `llama-server`, ...) through the official `openai` SDK.

Contract: the server runs the same GGUF as `settings.model`, which must be found locally too:
its chat template and vocabulary (a vocabulary-only load, no weights) count prompt tokens for
budgeting exactly as the server will. Replies stream; token usage is the server's own report
(`stream_options.include_usage`), and only when a server sends none are the prompt and the
reply counted with that tokenizer. Every failure to talk to the server is a one-line
ModelError naming it. Knows nothing about retrieval, sources or citations.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import openai

from rag.chat import ChatTokenizer, Generation, Message, Usage, yes_share
from rag.config import Settings
from rag.errors import ModelError
from rag.weights import locate

if TYPE_CHECKING:
    import httpx
    from openai.types import CompletionUsage

# a slow CPU server may think for minutes before its first token; a dead one is seen at once
TIMEOUT = openai.Timeout(300.0, connect=10.0)


def _one_line(text: str, limit: int = 300) -> str:
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


class RemoteModel:
    """A chat server that runs `settings.model`; `http_client` replaces the SDK's own (tests
    pass one over a mock transport), `max_retries` counts the SDK's retries of a failed request
    (connection errors, 408, 409, 429, 5xx)."""

    def __init__(
        self, settings: Settings, http_client: httpx.Client | None = None, max_retries: int = 2
    ) -> None:
        self._url = settings.llm_url
        try:
            found = locate(settings.model, settings.cache_dir)
        except ModelError as exc:
            raise ModelError(
                f"{exc}; with a model server ({self._url}), set `model` to the GGUF it runs "
                "(a known name or a .gguf path): its tokenizer counts the prompts"
            ) from None
        self.name, self.file, self.sha256 = found.name, found.path.name, found.sha256
        self.n_ctx = settings.n_ctx
        self._settings = settings
        self._tokenizer = ChatTokenizer.vocab_only(found.path)
        self._client = openai.OpenAI(
            base_url=settings.llm_url,
            api_key="unused",  # local servers ask for none
            timeout=TIMEOUT,
            max_retries=max_retries,
            http_client=http_client,
        )

    def forget(self) -> None:
        """The server owns its cache."""

    def count_tokens(self, messages: list[Message]) -> int:
        return self._tokenizer.count(messages)

    def generate(self, messages: list[Message], max_tokens: int) -> Generation:
        usage = Usage()
        return Generation(self._stream(messages, max_tokens, usage), usage)

    def warm(self, messages: list[Message]) -> None:
        """Nothing to do here: a server keeps (or not) its own prompt cache."""

    def yes_probability(self, messages: list[Message]) -> float:
        """P(yes) of a yes/no reply, from the server's log-probabilities of its first token
        (1 or 0 from the reply's text when the server gives none)."""
        with self._errors():
            reply = self._client.chat.completions.create(
                model=self._settings.model,
                messages=messages,  # type: ignore[arg-type]
                max_tokens=1,
                temperature=0.0,
                logprobs=True,
                top_logprobs=20,
            )
        if not reply.choices:
            raise ModelError(f"model server {self._url} sent a reply without choices")
        choice = reply.choices[0]
        first = choice.logprobs.content if choice.logprobs and choice.logprobs.content else []
        weights = {t.token: math.exp(t.logprob) for t in first[0].top_logprobs} if first else {}
        return yes_share(weights or {choice.message.content or "": 1.0})

    def _stream(self, messages: list[Message], max_tokens: int, usage: Usage) -> Iterator[str]:
        reply: list[str] = []
        reported: CompletionUsage | None = None
        with self._errors():
            stream = self._client.chat.completions.create(
                model=self._settings.model,
                messages=messages,  # type: ignore[arg-type]
                max_tokens=max_tokens,
                temperature=self._settings.temperature,
                seed=self._settings.seed,
                stream=True,
                stream_options={"include_usage": True},
            )
            with stream:
                for chunk in stream:
                    reported = chunk.usage or reported
                    for choice in chunk.choices:
                        if text := choice.delta.content:
                            reply.append(text)
                            yield text
        if reported is not None:
            usage.prompt_tokens = reported.prompt_tokens
            usage.completion_tokens = reported.completion_tokens
        else:  # a server that reports no usage: count what was sent and received
            usage.prompt_tokens = self.count_tokens(messages)
            usage.completion_tokens = self._tokenizer.count_text("".join(reply))

    @contextmanager
    def _errors(self) -> Iterator[None]:
        """Turn the SDK's errors (transport errors come wrapped in them) into one-line
        ModelErrors."""
        try:
            yield
        except openai.APIStatusError as exc:
            raise ModelError(
                f"model server {self._url} answered HTTP {exc.status_code}: "
                f"{_one_line(str(exc.message))}"
            ) from None
        except openai.APIConnectionError as exc:  # timeouts and broken streams too
            cause = exc.__cause__ or exc
            detail = _one_line(str(cause) or type(cause).__name__)
            raise ModelError(f"cannot reach the model server at {self._url}: {detail}") from None
        except openai.APIError as exc:  # e.g. an error event in the stream
            raise ModelError(f"model server {self._url}: {_one_line(str(exc))}") from None
