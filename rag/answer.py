"""Answers a question from the articles, as named stages:

    plan (a follow-up's query and its previous sources, rag.condense; retrieve; evidence) →
    draft (fit, order, stream the model's reply) → check (rag.cite) → decide (answer or
    abstain, with a confidence) → assemble

`Answerer.stream` yields progress events (`Status`, with numbers, and `Token`s: the draft's
sentences as the citation check keeps them, so none shown is later withdrawn by it) and ends
with one `Answer`. Each stage is an object or function with its inputs injected:
the store, model, retriever and calibration can be passed in (tests pass scripted ones).
An abstention says why (`abstain_reason`) and quotes the closest sentence found as its only
citation; a given answer carries its verified citations, its date (`as_of`), relative dates
made absolute for "when" questions, and other articles that state other numbers; both are
also said after the answer's sentences (`said_beside`), the other articles cited.
Knows nothing about the CLI, the UI, the HTTP API or the evaluation.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Literal

from rag import calibrate, cite, condense, conflicts, dates, evidence, expect, premise, prompts
from rag.chat import ChatModel, Message
from rag.chunk import Chunk
from rag.config import Settings
from rag.decide import Decider, Decision
from rag.draft import Draft, Drafter, elapsed_ms
from rag.errors import InputError, StoreError
from rag.facts import extract_quantities, is_year
from rag.llm import get_model
from rag.retrieve import Hit, Retriever
from rag.reveal import Reveal
from rag.store import Store
from rag.text import normalize_text, tokenize

MIN_SIMILARITY = 0.2  # below this cosine similarity to the question, no passage is relevant
MAX_CARRIED_TURNS = 4  # a follow-up's sources are found again this many questions back at most
FOLLOW_UP_SENTENCES = 2  # a follow-up's best evidence sentences, added where not read before


@dataclass(frozen=True)
class Plan:
    hits: list[Hit]  # retrieved for the question's query
    relevant: list[Hit]  # those close enough to the query to be read
    unknown: list[str]  # names and ranks of the question no relevant passage states
    draft: Draft  # the sources the model reads, not yet written
    retrieve_ms: float  # of the planning time, the search for this question's query


@dataclass(frozen=True)
class Answer:
    question: str
    query: str  # what was searched: the question, or for a follow-up the earlier one with it
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
    read: list[Chunk] = dataclasses.field(default_factory=list)  # what the model read, in
    # prompt order: marker n of the draft is read[n - 1]

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


Stage = Literal["searching", "reading", "writing", "checking"]


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
    (the model serializes generations). The model loads on first use."""

    def __init__(
        self,
        settings: Settings,
        store: Store | None = None,
        model: ChatModel | None = None,
        retriever: Retriever | None = None,
        calibration: calibrate.Calibration | None = None,
        chooser: evidence.Chooser | None = None,
    ) -> None:
        self.settings = settings
        # picks the evidence sentences the model reads from the passages
        self.choose = chooser or evidence.select
        self.store = store or Store(settings)
        self.retriever = retriever or Retriever(self.store)
        self.calibration = calibration or calibrate.load(settings.calibration, settings.model)
        self._model = model

    @property
    def model(self) -> ChatModel:
        if self._model is None:
            self._model = get_model(self.settings)
        return self._model

    def warm(self) -> None:
        """Load the model and have it read the instructions every answer begins with (rules
        and worked examples) now, so the first question does not wait for either."""
        self.model.warm(prompts.instructions(self.settings.worked_examples))

    def plan(
        self, question: str, history: Sequence[Message], turns: int = MAX_CARRIED_TURNS
    ) -> Plan:
        """What the answer to `question` is drafted from: the passages found for its query and
        the evidence sentences chosen from them. A follow-up (rag.condense) keeps the sources
        of the previous question's draft first, found again the same way (up to `turns`
        questions back), and adds those of its FOLLOW_UP_SENTENCES best evidence sentences
        that they lack (none when what was read ranks first, as it often does for a query that
        begins with the previous question): its prompt then begins with the previous prompt,
        whose state the model has cached, and ends with the question and the exchange it
        follows (prompts.follow_up)."""
        query = condense.standalone(question, history)
        started = time.perf_counter()
        hits = self.retriever.retrieve(query)
        retrieve_ms = elapsed_ms(started)
        relevant = [h for h in hits if h.similarity >= MIN_SIMILARITY]
        # a question about someone (or a "seventh meeting") no passage mentions is declined
        # without a draft
        unknown = premise.unknown(query, [h.chunk for h in relevant])
        carried: list[Chunk] = []
        asked = question  # as the model reads it: a follow-up with the exchange it follows
        earlier = (
            condense.previous_turn(history) if condense.refers_back(question, history) else None
        )
        if earlier is not None:
            before, before_history = earlier
            asked = prompts.follow_up(question, before, condense.reply_to(history, before_history))
            if turns > 0 and not unknown:
                earlier_plan = self.plan(" ".join(before.split()), before_history, turns - 1)
                carried = earlier_plan.draft.sources
        sentences = self.settings.evidence_sentences
        chosen = [] if unknown else self.choose(query, relevant, self.store.embedder, sentences)
        if carried:
            chosen = evidence.new_to(carried, chosen[:FOLLOW_UP_SENTENCES])
        draft = self.drafter().plan(asked, chosen, carried)
        return Plan(hits, relevant, unknown, draft, retrieve_ms)

    def drafter(self) -> Drafter:
        return Drafter(self.model, self.settings.max_answer_tokens, self.settings.worked_examples)

    def validate(self, question: str) -> str:
        """The question with its whitespace collapsed; InputError when empty or too long."""
        question = " ".join(question.split())
        limit = self.settings.max_question_chars
        if not question:
            raise InputError("the question is empty")
        if len(question) > limit:
            raise InputError(f"the question is {len(question)} characters; the limit is {limit}")
        return question

    def ask(self, question: str, history: Sequence[Message] = ()) -> Answer:
        """The final answer, without progress events."""
        *_, answer = self.stream(question, history)
        assert isinstance(answer, Answer)
        return answer

    def stream(self, question: str, history: Sequence[Message] = ()) -> Iterator[Event]:
        question = self.validate(question)
        if self.store.count() == 0:
            raise StoreError("no articles are ingested yet: run `rag ingest [PATH ...]` first")
        started = time.perf_counter()
        timings: dict[str, float] = {}
        query = condense.standalone(question, history)
        yield Status("searching", query=query)
        plan = self.plan(question, history)
        timings["retrieve"] = plan.retrieve_ms
        # choosing the evidence sentences, and for a follow-up finding the earlier sources
        timings["evidence"] = round(elapsed_ms(started) - plan.retrieve_ms, 1)
        hits, relevant, unknown, draft = plan.hits, plan.relevant, plan.unknown, plan.draft
        reveal = Reveal(draft.sources, prompts.NOT_FOUND, query)
        if draft.sources:
            yield Status("reading", sources=len(draft.sources))
            for n, piece in enumerate(self.drafter().write(draft)):
                if n == 0:
                    yield Status("writing")
                if verified := reveal.add(piece):
                    timings.setdefault("first_text", elapsed_ms(started))
                    yield Token(verified)
        timings["ttft"], timings["generate"] = draft.ttft_ms, draft.generate_ms

        yield Status("checking")
        t = time.perf_counter()
        rest, checked = reveal.finish()
        if rest:
            timings.setdefault("first_text", elapsed_ms(started))
            yield Token(rest)
        kind = expect.expected_kind(question)  # a follow-up's own, not an earlier question's
        decider = Decider(
            self.store.embedder, self.model, self.calibration, self.settings.min_confidence
        )
        decision = decider.decide(query, kind, draft.sources, checked, relevant, unknown, question)
        differ: list[conflicts.Conflict] = []
        resolved: list[dates.Resolved] = []
        if not decision.abstained:
            sources = [h.chunk for h in relevant]
            differ = conflicts.find(checked.text, checked.citations, sources, query)
            checked, added, resolved = said_beside(checked, differ, kind)
            if added:
                yield Token(added)
        timings["check"] = elapsed_ms(t)
        timings["total"] = elapsed_ms(started)
        yield assemble(
            question, query, hits, draft, checked, decision, differ, resolved, timings, self.model
        )


def assemble(
    question: str,
    query: str,
    hits: list[Hit],
    draft: Draft,
    checked: cite.Checked,
    decision: Decision,
    differ: list[conflicts.Conflict],
    resolved: list[dates.Resolved],
    timings: dict[str, float],
    model: ChatModel,
) -> Answer:
    """The answer of the stages' results: the checked text (with the sources that differ,
    `differ`, and the relative dates `resolved` already said in it) and its citations, dated,
    or the abstention with its closest sentence."""
    evidence = decision.evidence
    given = not decision.abstained
    return Answer(
        question=question,
        query=query,
        text=checked.text
        if given
        else prompts.abstain_text(evidence.quote if evidence else "", decision.unknown),
        abstained=decision.abstained,
        abstain_reason=decision.reason,
        confidence=decision.confidence,
        signals=decision.signals,
        candidate=checked.text,
        as_of=newest_date(checked.citations) if given else None,
        resolved_dates=resolved,
        conflicts=differ,
        citations=checked.citations if given else [evidence] if evidence else [],
        retrieved=hits,
        dropped=draft.dropped,
        removed=checked.removed,
        draft=draft.text,
        timings_ms=timings,
        usage=draft.usage,
        model_file=model.file,
        model_sha256=model.sha256,
        read=draft.sources,
    )


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


def said_beside(
    checked: cite.Checked, differ: Sequence[conflicts.Conflict], kind: str | None
) -> tuple[cite.Checked, str, list[dates.Resolved]]:
    """The checked answer with what it says after its sentences, that added text, and the
    relative dates it resolved: the sources that differ (`differ`, each figure with its marker
    and date, the other articles cited) and, for a "when" answer, its relative dates made
    absolute (none otherwise)."""
    text, citations = conflicts.cite_others(checked.text, checked.citations, differ)
    resolved = absolute_dates(text, citations) if kind == "time" else []
    text += spelled_out(text, resolved)
    added = text[len(checked.text) :]
    return dataclasses.replace(checked, text=text, citations=citations), added, resolved


def spelled_out(text: str, resolved: Sequence[dates.Resolved]) -> str:
    """What follows a "when" answer: each relative date with its absolute date, once, unless
    the answer already gives that day (" (Tuesday: 2 September 2025.)"); "" when none."""
    said = set(tokenize(normalize_text(text)))
    notes = []
    for r in resolved:
        words = tokenize(normalize_text(r.value))
        day = {w for w in words if not any(map(is_year, extract_quantities(w)))} or set(words)
        if not day <= said:  # "On Thursday, September 4" gives it already
            notes.append(prompts.render("resolved_date", text=r.text, value=r.value))
    return "".join(f" {note}" for note in dict.fromkeys(notes))
