"""The local model (rag.llm.LocalModel) on a real GGUF: reading the instructions ahead."""

from __future__ import annotations

import pytest

from rag import prompts
from rag.chunk import Chunk
from rag.config import Settings
from rag.llm import LocalModel

pytestmark = pytest.mark.slow

TEXT = "The Velmora glass bridge opened on Wednesday. It is 180 metres long."
SOURCE = Chunk("v:0", "v", "Velmora opens a glass bridge", "2025-10-01", 0, 0, len(TEXT), TEXT)


def common_prefix(a: list[int], b: list[int]) -> int:
    return next(
        (i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b))
    )


def test_warmed_instructions_are_the_start_of_every_answer_prompt() -> None:
    """After `warm`, the model's context holds the instructions (rules and worked examples);
    an answer prompt begins with the same tokens, so it resumes from them rather than reading
    them again (llama.cpp reuses the longest common prefix of its context)."""
    model = LocalModel(Settings(model="qwen2.5-0.5b", n_ctx=2048, n_threads=1, kv_cache_mb=0))
    instructions = prompts.instructions(examples=True)
    model.warm(instructions)
    warmed = list(model._llama._input_ids)
    assert len(warmed) > 300  # the worked examples were read, not only the rules
    for question in ("How long is the bridge?", "When did it open?"):
        "".join(model.generate(prompts.answer_messages(question, [SOURCE], True), 4))
        answered = list(model._llama._input_ids)
        # all but the few tokens that open the next turn are shared
        assert common_prefix(warmed, answered) >= len(warmed) - 4
        assert model.count_tokens(prompts.answer_messages(question, [SOURCE], True)) > len(warmed)
