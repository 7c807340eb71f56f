"""Reader robustness, after the RGB protocol on our corpus: the model reads FIXED contexts.

Contract: for answerable single-document questions without history, the model reads contexts
of CONTEXT_PASSAGES chunks, no retrieval: the chunks of the gold document holding a gold
evidence quote, mixed with distractor chunks (no gold evidence and no answer alias; chunks of
other articles first) at each noise ratio, in a seeded order. Distractors number
round(ratio × CONTEXT_PASSAGES); gold chunks fill the other places as far as the question has
them, so a context can be shorter. The draft goes through the product's own stages
(rag.draft.Drafter, then rag.cite.check: this measures the product's reader) and is judged by
slot matching (rag.eval.metrics). Rejection: the same questions with distractors only, where
abstaining is right. `run_robustness` returns the rows and their summary.
Knows nothing about retrieval, the store or how answers get their confidence.
"""

from __future__ import annotations

import random
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from tqdm import tqdm

from rag import cite, prompts
from rag.articles import Article
from rag.chunk import Chunk, split_article
from rag.config import Settings
from rag.draft import Drafter
from rag.eval import metrics
from rag.eval.questions import Question
from rag.eval.summary import summarize_robustness
from rag.text import normalize_text, strip_citation_markers

if TYPE_CHECKING:
    from rag.chat import ChatModel

ROBUSTNESS_QUESTIONS = 12  # most questions in the robustness runs (each costs 4 generations)
NOISE_RATIOS = (0.0, 0.4, 0.8)
CONTEXT_PASSAGES = 5
SHUFFLE_SEED = 0


@dataclass(frozen=True)
class Case:
    """A question with its gold chunks and its distractors in order of use."""

    question: Question
    gold: list[Chunk]
    distractors: list[Chunk]


def _holds_any(text: str, quotes: Iterable[str]) -> bool:
    normalized = normalize_text(text)
    return any(normalize_text(quote) in normalized for quote in quotes)


def robustness_case(
    question: Question, chunks: Sequence[Chunk], seed: int = SHUFFLE_SEED
) -> Case | None:
    """The question's case, or None when it does not qualify: answerable, one gold document,
    no history, a chunk holding gold evidence and at least CONTEXT_PASSAGES distractors.
    Distractors hold no gold evidence and match no answer slot; other documents' chunks come
    first, each group in a seeded order."""
    if not question.answerable or len(question.gold_doc_ids) != 1 or question.history:
        return None
    doc = question.gold_doc_ids[0]
    gold = [c for c in chunks if c.doc_id == doc and _holds_any(c.text, question.gold_evidence)]
    clean = [
        c
        for c in chunks
        if not _holds_any(c.text, question.gold_evidence)
        and not any(metrics.slot_matched(slot, c.text) for slot in question.answers)
    ]
    rng = random.Random(f"{seed}:{question.id}")
    groups = ([c for c in clean if c.doc_id != doc], [c for c in clean if c.doc_id == doc])
    distractors = [c for group in groups for c in rng.sample(group, len(group))]
    if not gold or len(distractors) < CONTEXT_PASSAGES:
        return None
    return Case(question, gold, distractors)


def noisy_context(
    case: Case, noise: float, total: int = CONTEXT_PASSAGES, seed: int = SHUFFLE_SEED
) -> list[Chunk]:
    """round(noise × total) distractors and up to the rest gold chunks, in a seeded order."""
    n_noise = round(noise * total)
    passages = case.gold[: total - n_noise] + case.distractors[:n_noise]
    return random.Random(f"{seed}:{case.question.id}:{noise}").sample(passages, len(passages))


def read_fixed(
    model: ChatModel, settings: Settings, question: Question, sources: Sequence[Chunk]
) -> dict[str, Any]:
    """The checked answer of the model reading exactly these sources."""
    drafter = Drafter(model, settings.max_answer_tokens, settings.worked_examples)
    draft = drafter.complete(question.question, sources)
    checked = cite.check(draft, sources, prompts.NOT_FOUND)
    answer = strip_citation_markers(checked.text)
    correct = not checked.abstained and metrics.all_slots(question.answers, answer) == 1
    return {
        "id": question.id,
        "abstained": checked.abstained,
        "correct": correct,
        "answer": checked.text,
    }


def run_robustness(
    model: ChatModel, settings: Settings, questions: Sequence[Question], articles: Sequence[Article]
) -> dict[str, Any]:
    """Noise and rejection rows for up to ROBUSTNESS_QUESTIONS qualifying questions, and their
    summary (rag.eval.summary.summarize_robustness)."""
    chunks = [
        c for a in articles for c in split_article(a, settings.chunk_chars, settings.chunk_overlap)
    ]
    cases = [case for q in questions if (case := robustness_case(q, chunks))]
    cases = cases[:ROBUSTNESS_QUESTIONS]
    noise_rows, rejection_rows = [], []
    for case in tqdm(cases, desc="robustness", unit="question", file=sys.stderr):
        for noise in NOISE_RATIOS:
            sources = noisy_context(case, noise)
            row = read_fixed(model, settings, case.question, sources)
            gold = sum(c in case.gold for c in sources)
            noise_rows.append({**row, "noise": noise, "gold": gold, "passages": len(sources)})
        sources = case.distractors[:CONTEXT_PASSAGES]
        rejection_rows.append(read_fixed(model, settings, case.question, sources))
    return {
        **summarize_robustness(noise_rows, rejection_rows),
        "protocol": {
            "passages": CONTEXT_PASSAGES,
            "ratios": list(NOISE_RATIOS),
            "seed": SHUFFLE_SEED,
        },
        "rows": {"noise": noise_rows, "rejection": rejection_rows},
    }
