"""Answers a question from the articles: condense → retrieve → budget → prompt → model →
cite & verify. Yields progress events while it works and ends with one `Answer`.

The model sees the best passages as numbered sources; its draft is checked sentence by
sentence against the sources it cites (rag.cite). The answer abstains when retrieval finds
nothing relevant, the model says the sources do not state the answer, no sentence survives
the check, the answer is not of the kind the question asks for, or its confidence (rag.calibrate)
is below `min_confidence`; an abstention says why (`abstain_reason`) and quotes the closest
sentence found as its only citation.
Knows nothing about the CLI or the UI.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Literal

from rag import budget, calibrate, cite, condense, conflicts, dates, expect, prompts
from rag.chunk import Chunk, sentence_spans
from rag.config import Settings
from rag.embed import similarity
from rag.errors import InputError, StoreError
from rag.llm import ChatModel, get_model
from rag.retrieve import Hit, Retriever
from rag.store import Store

MIN_SIMILARITY = 0.2  # below this cosine similarity to the question, no passage is relevant
MIN_ANSWER_RELEVANCE = 0.35  # an answer none of whose cited passages is this close to the
# question answers something else (a small model copying a nearby fact), so it abstains
EVIDENCE_PASSAGES = 3  # passages searched for the closest sentence when abstaining
CONDENSE_TOKENS = 64  # most tokens a rewritten question may take


@dataclass(frozen=True)
class Answer:
    question: str
    query: str  # what was searched: the question, or its standalone rewrite
    text: str
    abstained: bool
    abstain_reason: str  # why it abstained ("" when it answered)
    confidence: float | None  # estimated probability that the answer is right; None when
    # no answer reached the confidence step
    signals: dict[str, float]  # what the confidence was computed from (rag.calibrate)
    candidate: str  # the verified answer before the confidence decided (eval calibrates on it)
    as_of: str | None  # publication date of the newest cited article (facts change; news ages)
    resolved_dates: list[dates.Resolved]  # relative dates of a "when" answer, made absolute
    conflicts: list[conflicts.Conflict]  # other articles giving other numbers for its claims
    citations: list[cite.Citation]  # an abstention cites only its closest passage
    retrieved: list[Hit]
    dropped: list[Hit]  # retrieved but left out of the prompt to fit the context window
    removed: list[str]  # draft sentences removed because no source backs them
    draft: str  # the model's raw reply
    timings_ms: dict[str, float]
    usage: dict[str, int]
    model_file: str
    model_sha256: str

    @property
    def notes(self) -> list[str]:
        notes = []
        if self.dropped:
            notes.append(
                f"{len(self.dropped)} lower-ranked passage(s) left out to fit the "
                "model's context window"
            )
        if self.removed:
            notes.append(f"{len(self.removed)} sentence(s) removed: no source backs them")
        return notes


Stage = Literal["rewriting", "searching", "reading", "writing", "checking"]


@dataclass(frozen=True)
class Status:
    """Progress: the stage begun, with its numbers (how many sources are read, what is
    searched); front ends word it themselves."""

    stage: Stage
    sources: int = 0  # "reading": how many passages the model reads
    query: str = ""  # "searching": what is searched


@dataclass(frozen=True)
class Token:
    text: str


Event = Status | Token | Answer


class Answerer:
    """Answers questions over one store with one model; safe to share between threads
    (the model serializes generations)."""

    def __init__(
        self, settings: Settings, store: Store | None = None, model: ChatModel | None = None
    ) -> None:
        self.settings = settings
        self.store = store or Store(settings)
        self.retriever = Retriever(self.store)
        self.calibration = calibrate.load(settings.calibration, settings.model)
        self._model = model

    @property
    def model(self) -> ChatModel:
        if self._model is None:
            self._model = get_model(self.settings)
        return self._model

    def validate(self, question: str) -> str:
        question = " ".join(question.split())
        if not question:
            raise InputError("the question is empty")
        if len(question) > self.settings.max_question_chars:
            raise InputError(
                f"the question is {len(question)} characters; the limit is "
                f"{self.settings.max_question_chars}"
            )
        return question

    def closeness(self, query: str, quotes: list[str], claims: list[str]) -> dict[str, float]:
        """Embedder signals of a checked answer: `relevance`, the highest cosine similarity of a
        cited passage to the query (passages, not the answer's sentences: a terse "412 metres
        [1]." is far from any question), and `support`, the lowest over the answer's sentences
        of its highest similarity to a cited passage (meaning, beside cite's word check)."""
        query_vector, *vectors = self.store.embedder.encode([query, *quotes, *claims])
        quote_vectors, claim_vectors = vectors[: len(quotes)], vectors[len(quotes) :]
        relevance = max(similarity(query_vector, v) for v in quote_vectors)
        support = min(max(similarity(c, v) for v in quote_vectors) for c in claim_vectors)
        return {"relevance": round(relevance, 4), "support": round(support, 4)}

    def assess(
        self, query: str, sources: Sequence[Chunk], checked: cite.Checked
    ) -> tuple[str, dict[str, float]]:
        """Why the checked answer must abstain ("" when it may answer), and its signals.

        It abstains when it holds no answer of the kind the question asks for, or none of its
        cited passages is close to the question: it answers a neighbouring question. Otherwise
        the model, shown only the cited passages, gives its P(yes) that they answer this
        question (`judge`); the confidence made from the signals decides."""
        if not sources:
            return "no passage is close to the question", {}
        if checked.abstained:
            return checked.reason, {}
        passages = [c.quote for c in checked.citations]
        signals = self.closeness(query, passages, checked.claims)
        signals["kept"] = round(1 - len(checked.removed) / max(checked.sentences, 1), 4)
        kind = expect.expected_kind(query)
        if not expect.holds_kind(checked.text, kind):
            return f"the answer holds no {kind}", signals
        if signals["relevance"] < MIN_ANSWER_RELEVANCE:
            return "the cited passages are far from the question", signals
        messages = prompts.judge_messages(query, passages)
        signals["judge"] = round(self.model.yes_probability(messages), 4)
        return "", signals

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
        query_vector, *vectors = self.store.embedder.encode(
            [query, *(chunk.text[a:b] for chunk, (a, b) in spans)]
        )
        scores = [similarity(query_vector, v) for v in vectors]
        chunk, (start, end) = spans[scores.index(max(scores))]
        return cite.Citation(1, chunk, chunk.text[start:end], start, end)

    def ask(self, question: str, history: Sequence[condense.Turn] = ()) -> Answer:
        """The final answer, without progress events."""
        *_, answer = self.stream(question, history)
        assert isinstance(answer, Answer)
        return answer

    def stream(self, question: str, history: Sequence[condense.Turn] = ()) -> Iterator[Event]:
        question = self.validate(question)
        if self.store.count() == 0:
            raise StoreError("no articles are ingested yet: run `rag ingest [PATH ...]` first")
        started = time.perf_counter()
        timings: dict[str, float] = {}
        query = question
        if condense.needs_rewrite(question, history):
            yield Status("rewriting")
            reply = "".join(
                self.model.generate(condense.condense_messages(question, history), CONDENSE_TOKENS)
            )
            query = condense.clean_rewrite(reply, question)
            if query == question:  # no rewrite came back: search with the previous question
                query = condense.with_context(question, history)
            timings["rewrite"] = _ms(started)

        yield Status("searching", query=query)
        t = time.perf_counter()
        hits = self.retriever.retrieve(query)
        timings["retrieve"] = _ms(t)
        relevant = [h for h in hits if h.similarity >= MIN_SIMILARITY]

        fitted = budget.fit(
            relevant,
            lambda ranked: self.model.count_tokens(
                prompts.answer_messages(question, reading_order(ranked))
            ),
            self.model.n_ctx,
            self.settings.max_answer_tokens,
        )
        sources = reading_order(fitted.kept)
        draft, usage = "", {"prompt_tokens": 0, "completion_tokens": 0}
        timings["ttft"] = timings["generate"] = 0.0
        if sources:
            yield Status("reading", sources=len(sources))
            t = time.perf_counter()
            generation = self.model.generate(
                prompts.answer_messages(question, sources), self.settings.max_answer_tokens
            )
            for piece in generation:
                if not draft:
                    timings["ttft"] = _ms(t)
                    yield Status("writing")
                draft += piece
                yield Token(piece)
            timings["generate"] = _ms(t)
            usage = {
                "prompt_tokens": generation.usage.prompt_tokens,
                "completion_tokens": generation.usage.completion_tokens,
            }

        yield Status("checking")
        t = time.perf_counter()
        checked = cite.check(draft, sources, prompts.NOT_FOUND, query)
        reason, signals = self.assess(query, sources, checked)
        score = self.calibration.confidence(signals) if "judge" in signals else None
        if score is not None and score < self.settings.min_confidence:
            reason = f"confidence {score:.2f} is below {self.settings.min_confidence:.2f}"
        abstained = bool(reason)
        evidence = self.closest_evidence(query, relevant) if abstained else None
        timings["check"] = _ms(t)
        timings["total"] = _ms(started)
        yield Answer(
            question=question,
            query=query,
            text=(
                prompts.abstain_text(evidence.quote if evidence else "")
                if abstained
                else checked.text
            ),
            abstained=abstained,
            abstain_reason=reason,
            confidence=score,
            signals=signals,
            candidate=checked.text,
            as_of=None if abstained else newest_date(checked.citations),
            resolved_dates=[]
            if abstained or expect.expected_kind(query) != "time"
            else absolute_dates(checked.text, checked.citations),
            conflicts=[]
            if abstained
            else conflicts.find(checked.text, checked.citations, [h.chunk for h in relevant]),
            citations=([evidence] if evidence else []) if abstained else checked.citations,
            retrieved=hits,
            dropped=fitted.dropped,
            removed=checked.removed,
            draft=draft,
            timings_ms=timings,
            usage=usage,
            model_file=self.model.file,
            model_sha256=self.model.sha256,
        )


def reading_order(hits: Sequence[Hit]) -> list[Chunk]:
    """Sources in article order (date, doc, position): stable across questions that retrieve
    the same passages, so the model can reuse its cached prompt prefix."""
    return [
        h.chunk
        for h in sorted(hits, key=lambda h: (h.chunk.date or "", h.chunk.doc_id, h.chunk.position))
    ]


def newest_date(citations: Sequence[cite.Citation]) -> str | None:
    return max((c.chunk.date for c in citations if c.chunk.date), default=None)


def absolute_dates(text: str, citations: Sequence[cite.Citation]) -> list[dates.Resolved]:
    """The relative dates of each answer sentence ("on Tuesday"), resolved against the
    publication date of the first article the sentence cites; offsets are in `text`."""
    found = []
    for start, end, cited in cite.cited_sentences(text, citations):
        published = next((d for c in cited if (d := dates.parse_date(c.chunk.date))), None)
        if published is not None:
            found += [
                dataclasses.replace(r, start=start + r.start, end=start + r.end)
                for r in dates.resolve_relative(text[start:end], published)
            ]
    return found


def _ms(start: float) -> float:
    return round((time.perf_counter() - start) * 1000, 1)
