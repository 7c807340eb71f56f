"""What answering a question yields: progress events (`Status`, `Token`) and, last, the
`Answer` with its citations, confidence, timings and what the model read.

Contract: plain frozen data; rag.answer makes them, front ends (CLI, chat, API) and the
evaluation read them. Knows nothing about how answers are made.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Literal

from rag import cite, conflicts, dates
from rag.chunk import Chunk
from rag.retrieve import Hit


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
