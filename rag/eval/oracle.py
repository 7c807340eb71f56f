"""`rag eval --gold-evidence`: the reader's ceiling with a perfect choice of sentences.

Contract: `GoldEvidence` is an evidence chooser (`Answerer(chooser=...)`): it keeps the
sentences `rag.evidence.select` chooses and adds, for each gold evidence quote of the question
asked next (`use(quotes)`) that they do not hold, the sentences of a retrieved passage that
cover it, before them, so the model reads all of its evidence that retrieval found (a
follow-up keeps only its first few new sentences; the earlier questions a follow-up plans
again are given the same quotes, which it then reads either way). A quote no retrieved
passage holds (whitespace and case aside, as the evidence recall metric compares) is not
added: a retrieval miss stays a miss. A diagnostic: such a run measures what the model makes
of its evidence, not what the system answers.
Knows nothing about models, prompts or scoring.
"""

from __future__ import annotations

from collections.abc import Sequence

from rag import evidence
from rag.embed import Embedder
from rag.retrieve import Hit
from rag.text import normalize_text, sentence_spans


class GoldEvidence:
    def __init__(self) -> None:
        self.quotes: tuple[str, ...] = ()

    def use(self, quotes: Sequence[str]) -> None:
        """The gold quotes of the question asked next."""
        self.quotes = tuple(quotes)

    def __call__(self, query: str, hits: Sequence[Hit], embedder: Embedder, n: int) -> list[Hit]:
        chosen = evidence.select(query, hits, embedder, n)
        added: list[Hit] = []
        for quote in self.quotes:
            wanted = normalize_text(quote)
            read = normalize_text(" ".join(hit.chunk.text for hit in [*added, *chosen]))
            if wanted and wanted not in read and (cover := covering(wanted, hits)):
                added.append(cover)
        return [*added, *chosen]  # first: a follow-up keeps only its first few new sentences


def covering(wanted: str, hits: Sequence[Hit]) -> Hit | None:
    """The fewest consecutive sentences of the first passage holding `wanted` (normalized)
    that hold it, as one hit; None when no passage holds it."""
    for hit in hits:
        text = hit.chunk.text
        if wanted not in normalize_text(text):
            continue
        spans = sentence_spans(text)
        runs = [
            (j - i, i, j)
            for i in range(len(spans))
            for j in range(i, len(spans))
            if wanted in normalize_text(text[spans[i][0] : spans[j][1]])
        ]
        if runs:
            _, i, j = min(runs)
            first, last = evidence.Sentence(hit, *spans[i]), evidence.Sentence(hit, *spans[j])
            return evidence.sub_hit(first, last, hit.similarity, len(hits) + 1)
    return None
