"""Drafts an answer: fits the retrieved passages into the model's context window, lists them
in reading order, and streams the model's reply to the answer prompt, timing it.

Contract: `Drafter.plan` keeps the best-ranked passages whose prompt fits (the rest are
reported as dropped) and orders them by (date, article, position), so questions that retrieve
the same passages share a prompt prefix the model can reuse from its cache; `Drafter.write`
streams the reply's pieces and fills in the draft's text, token usage and timings.
Knows nothing about retrieval, checking, confidence or the UI.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace

from rag import budget, prompts
from rag.chat import ChatModel
from rag.chunk import Chunk, head
from rag.retrieve import Hit


@dataclass
class Draft:
    """The model's reply to one question over its sources; `write` fills in the reply."""

    question: str
    sources: list[Chunk]  # in reading order
    dropped: list[Hit]  # retrieved but left out to fit the context window
    text: str = ""
    usage: dict[str, int] = field(
        default_factory=lambda: {"prompt_tokens": 0, "completion_tokens": 0}
    )
    ttft_ms: float = 0.0  # from the request to the first piece of the reply
    generate_ms: float = 0.0  # from the request to the end of the reply


class Drafter:
    def __init__(self, model: ChatModel, max_tokens: int, examples: bool = False) -> None:
        self.model = model
        self.max_tokens = max_tokens
        self.examples = examples  # show the worked examples first (rag.prompts)

    def plan(self, question: str, hits: Sequence[Hit], carried: Sequence[Chunk] = ()) -> Draft:
        """The sources of the draft: `carried` (a follow-up's previous sources, first and in
        their order, so the previous prompt's cached state covers them), then the longest
        rank-order prefix of `hits` that fits (the start of the top hit when not even it fits
        whole)."""
        fitted = budget.fit(
            hits,
            lambda ranked: self.model.count_tokens(
                prompts.answer_messages(question, [*carried, *reading_order(ranked)], self.examples)
            ),
            self.model.n_ctx,
            self.max_tokens,
            shorten=lambda hit, share: replace(hit, chunk=head(hit.chunk, share)),
        )
        return Draft(question, [*carried, *reading_order(fitted.kept)], fitted.dropped)

    def write(self, draft: Draft) -> Iterator[str]:
        """The reply's pieces as they come; `draft` holds the whole reply afterwards."""
        if not draft.sources:
            return
        started = time.perf_counter()
        generation = self.model.generate(
            prompts.answer_messages(draft.question, draft.sources, self.examples),
            self.max_tokens,
        )
        for piece in generation:
            if not draft.text:
                draft.ttft_ms = elapsed_ms(started)
            draft.text += piece
            yield piece
        draft.generate_ms = elapsed_ms(started)
        draft.usage = {
            "prompt_tokens": generation.usage.prompt_tokens,
            "completion_tokens": generation.usage.completion_tokens,
        }

    def complete(self, question: str, sources: Sequence[Chunk]) -> str:
        """The whole reply over exactly these sources, in this order (fixed contexts)."""
        draft = Draft(question, list(sources), [])
        for _ in self.write(draft):
            pass
        return draft.text


def reading_order(hits: Sequence[Hit]) -> list[Chunk]:
    """Sources in article order (date, doc, place in the article): stable across questions
    that retrieve the same passages, so the model can reuse its cached prompt prefix."""
    return [
        h.chunk
        for h in sorted(hits, key=lambda h: (h.chunk.date or "", h.chunk.doc_id, h.chunk.start))
    ]


def elapsed_ms(start: float) -> float:
    """Milliseconds since `start` (a `time.perf_counter()` reading), to 0.1 ms."""
    return round((time.perf_counter() - start) * 1000, 1)
