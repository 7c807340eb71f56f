"""Re-scores a finished eval run from its predictions, without the model: for a change of the
scorer (rag.eval.scoring, rag.eval.matcher) measured on the committed runs.

Contract: `corpus_passages(corpus, chunk_chars, chunk_overlap)` gives the text of every chunk
of the corpus by chunk id, split as the store splits it (the ids are deterministic);
`rescore(questions, predictions, passages)` scores each prediction as the run did, with the
retrieved passages' text looked up by chunk id (a prediction that raised gets no passages);
`rescore_run(folder, questions_file, corpus)` does both for a run folder, with the chunking
settings and the determinism share of its metrics.json, and returns the scores and summary.
Nothing is written. Knows nothing about models or the store.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from rag.articles import load_all
from rag.chunk import split_article
from rag.config import Settings
from rag.eval.outputs import read_jsonl
from rag.eval.questions import Question, load_questions
from rag.eval.scoring import Score, score_question
from rag.eval.summary import Summary, summarize


def corpus_passages(
    corpus: Path,
    chunk_chars: int = Settings.chunk_chars,
    chunk_overlap: int = Settings.chunk_overlap,
) -> dict[str, str]:
    """chunk id -> text, for every chunk of the articles in `corpus`."""
    articles, _ = load_all([corpus])
    chunks = (c for a in articles for c in split_article(a, chunk_chars, chunk_overlap))
    return {chunk.chunk_id: chunk.text for chunk in chunks}


def rescore(
    questions: Sequence[Question],
    predictions: Sequence[Mapping[str, Any]],
    passages: Mapping[str, str],
) -> list[Score]:
    """The scores of the predictions (matched to questions by id, in prediction order)."""
    by_id = {q.id: dataclasses.asdict(q) for q in questions}
    scores = []
    for prediction in predictions:
        retrieved = [hit["chunk_id"] for hit in prediction.get("retrieved") or []]
        texts = {cid: passages[cid] for cid in retrieved if cid in passages}
        given = None if prediction.get("error") else texts
        scores.append(score_question(by_id[prediction["id"]], prediction, given))
    return scores


def rescore_run(folder: Path, questions: Path, corpus: Path) -> tuple[list[Score], Summary]:
    """A run folder's predictions scored anew, and their summary."""
    try:
        meta = json.loads((folder / "metrics.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        meta = {}
    settings = meta.get("settings") or {}
    passages = corpus_passages(
        corpus,
        settings.get("chunk_chars", Settings.chunk_chars),
        settings.get("chunk_overlap", Settings.chunk_overlap),
    )
    predictions = read_jsonl(folder / "predictions.jsonl")
    scores = rescore(load_questions(questions), predictions, passages)
    determinism = (meta.get("summary") or {}).get("determinism")
    return scores, summarize(scores, determinism=determinism)
