"""Decides whether a checked draft is given as the answer or declined, and how sure it is.

Contract: `Decider.decide` takes the searched query, the draft's sources, the checked draft
(rag.cite) and the passages found relevant, and returns a `Decision`: why it must abstain
("" when it may answer), the confidence (the estimated probability that the answer is right,
rag.calibrate) and the signals it came from, and, when it abstains, the sentence of the best
passages closest in meaning to the query, quoted as citation [1] ("the closest they come is").
It abstains when the question names someone or something no retrieved passage mentions
(rag.premise; then no draft is written), nothing relevant was found, the check declined the
draft, the articles the answer cites never mention a name of the question (it answers from
an article about something else), the answer holds no answer of the kind the question asks
for, none of its cited passages is close to the question (it answers a neighbouring
question), or the confidence is below `min_confidence`.
Knows nothing about retrieval, prompting the draft, the CLI or the UI.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rag import cite, expect, premise, prompts
from rag.calibrate import Calibration
from rag.chat import ChatModel
from rag.chunk import Chunk
from rag.embed import Embedder, similarity
from rag.retrieve import Hit
from rag.text import sentence_spans

MIN_ANSWER_RELEVANCE = 0.35  # an answer none of whose cited passages is this close to the
# question answers something else (a small model copying a nearby fact), so it abstains
EVIDENCE_PASSAGES = 3  # passages searched for the closest sentence when abstaining


@dataclass(frozen=True)
class Decision:
    reason: str  # why the answer abstains; "" when it is given
    confidence: float | None  # None when no answer reached the confidence step
    signals: dict[str, float]  # what the confidence was computed from
    evidence: cite.Citation | None  # an abstention's closest sentence, as citation [1]
    unknown: tuple[str, ...] = ()  # names of the question no retrieved passage mentions

    @property
    def abstained(self) -> bool:
        return bool(self.reason)


class Decider:
    def __init__(
        self,
        embedder: Embedder,
        model: ChatModel,
        calibration: Calibration,
        min_confidence: float,
    ) -> None:
        self.embedder = embedder
        self.model = model
        self.calibration = calibration
        self.min_confidence = min_confidence

    def decide(
        self,
        query: str,
        kind: str | None,
        sources: Sequence[Chunk],
        checked: cite.Checked,
        relevant: Sequence[Hit],
        unknown: Sequence[str] = (),
        question: str = "",
    ) -> Decision:
        """Answer or abstain; `kind` is what the question asks for (rag.expect), `unknown` the
        names and ranks of the question that no retrieved passage states (rag.premise),
        `question` the question as asked when the query adds earlier ones to it (a follow-up):
        the judge is asked about it alone, since passages answering an earlier question are
        not an answer to this one (with the earlier exchange beside it, measured on dev, the
        judge doubted a right follow-up: P(yes) 0.88 alone, 0.62 with it)."""
        if unknown:
            reason = f"no article found mentions {', '.join(unknown)}"
            evidence = self.closest_evidence(query, relevant)
            return Decision(reason, None, {}, evidence, tuple(unknown))
        if absent := premise.unknown_names(question or query, cited_articles(checked, relevant)):
            # it answers from an article about something else: "Three times [1]." for a
            # question about Dalian, citing an article that never mentions Dalian
            reason = f"no cited article mentions {', '.join(absent)}"
            return Decision(reason, None, {}, self.closest_evidence(query, relevant))
        reason, signals = self.assess(query, kind, sources, checked, question or query)
        confidence = self.calibration.confidence(signals) if "judge" in signals else None
        if confidence is not None and confidence < self.min_confidence:
            reason = f"confidence {confidence:.2f} is below {self.min_confidence:.2f}"
        evidence = self.closest_evidence(query, relevant) if reason else None
        return Decision(reason, confidence, signals, evidence)

    def assess(
        self,
        query: str,
        kind: str | None,
        sources: Sequence[Chunk],
        checked: cite.Checked,
        question: str = "",
    ) -> tuple[str, dict[str, float]]:
        """Why the checked answer must abstain ("" when it may answer), and its signals.

        It abstains when it holds no answer of the kind the question asks for, or none of its
        cited passages is close to the question: it answers a neighbouring question. Otherwise
        the model, shown only the cited passages (each under its article's title and date),
        gives its P(yes) that they answer this question (`judge`); the confidence made from
        the signals decides."""
        if not sources:
            return "no passage is close to the question", {}
        if checked.abstained:
            return checked.reason, {}
        passages = [c.quote for c in checked.citations]
        signals = self.closeness(query, passages, checked.claims)
        signals["kept"] = round(1 - len(checked.removed) / max(checked.sentences, 1), 4)
        if not expect.holds_kind(checked.text, kind):
            return f"the answer holds no {kind}", signals
        if signals["relevance"] < MIN_ANSWER_RELEVANCE:
            return "the cited passages are far from the question", signals
        # each quote under its article's title and date: "the two countries" of a sentence
        # are named there
        dated = [
            f"{prompts.article_heading(c.chunk.title, c.chunk.date)}: {c.quote}"
            for c in checked.citations
        ]
        messages = prompts.judge_messages(question or query, dated)
        signals["judge"] = round(self.model.yes_probability(messages), 4)
        return "", signals

    def closeness(self, query: str, quotes: list[str], claims: list[str]) -> dict[str, float]:
        """Embedder signals of a checked answer: `relevance`, the highest cosine similarity of a
        cited passage to the query (passages, not the answer's sentences: a terse "412 metres
        [1]." is far from any question), and `support`, the lowest over the answer's sentences
        of its highest similarity to a cited passage (meaning, beside cite's word check)."""
        query_vector, *vectors = self.embedder.encode([query, *quotes, *claims])
        quote_vectors, claim_vectors = vectors[: len(quotes)], vectors[len(quotes) :]
        relevance = max(similarity(query_vector, v) for v in quote_vectors)
        support = min(max(similarity(c, v) for v in quote_vectors) for c in claim_vectors)
        return {"relevance": round(relevance, 4), "support": round(support, 4)}

    def closest_evidence(self, query: str, hits: Sequence[Hit]) -> cite.Citation | None:
        """The sentence of the best few passages closest in meaning to the query, as citation
        [1] of an abstention ("the closest they come is [1]"); None without passages."""
        spans = [
            (h.chunk, span)
            for h in hits[:EVIDENCE_PASSAGES]
            for span in sentence_spans(h.chunk.text)
        ]
        if not spans:
            return None
        query_vector, *vectors = self.embedder.encode(
            [query, *(chunk.text[a:b] for chunk, (a, b) in spans)]
        )
        scores = [similarity(query_vector, v) for v in vectors]
        chunk, (start, end) = spans[scores.index(max(scores))]
        return cite.Citation(1, chunk, chunk.text[start:end], start, end)


def cited_articles(checked: cite.Checked, relevant: Sequence[Hit]) -> list[Chunk]:
    """What the answer's cited articles say among the passages found: the cited passages and
    every relevant passage of the same articles, whole (with their titles)."""
    docs = {c.chunk.doc_id for c in checked.citations}
    return [c.chunk for c in checked.citations] + [
        h.chunk for h in relevant if h.chunk.doc_id in docs
    ]
