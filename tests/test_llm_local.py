"""The local model (rag.llm.LocalModel) on a real GGUF: reading the instructions ahead, and
resuming saved prompt states."""

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


def test_a_resumed_prompt_state_gives_the_same_reply_as_reading_it_afresh() -> None:
    """A prompt state saved after one answer and restored after another prompt (the judge's)
    replaced the context gives the same reply and the same P(yes) as a model that reads
    everything afresh; the saved state holds no logits buffer (hundreds of MB a copy)."""
    settings = Settings(model="qwen2.5-0.5b", n_ctx=2048, n_threads=1)
    cached = LocalModel(settings.replace(kv_cache_mb=256))
    fresh = LocalModel(settings.replace(kv_cache_mb=0))
    answer = prompts.answer_messages("How long is the bridge?", [SOURCE], True)
    judge = prompts.judge_messages("How long is the bridge?", [TEXT])
    first = "".join(cached.generate(answer, 12))
    cached.yes_probability(judge)  # the context now holds another prompt
    restores = []
    load = cached._llama.load_state
    cached._llama.load_state = lambda state: restores.append(state) or load(state)
    again = "".join(cached.generate(answer, 12))
    assert restores, "the answer prompt was not resumed from its saved state"
    assert all(state.scores.nbytes == 0 for state in restores)
    assert again == first == "".join(fresh.generate(answer, 12))
    # the resumed judge decodes its last token alone, not within a batch: the float sums differ
    # in their last bits (as with any reuse of a cached prefix), not in what the reply says
    assert cached.yes_probability(judge) == pytest.approx(fresh.yes_probability(judge), abs=0.02)
