"""Questions with several parts, answered part by part.

Contract: `split` gives the parts of a question that joins questions with "and" before a
question word ("Who accompanied Kim to Beijing, and how many trips to China has he made?"),
each a question of its own; a later part with fewer than MIN_OWN_WORDS content words asks
about the earlier part's answer ("…, and when?", "…, and for which month?") and stays with it,
as does a first part too bare to stand alone ("On which day, and at what time of day, …?").
A question that is not split is its own single part. `join` makes one answer of the parts'
answers (rag.answer answers each part, a later one as a follow-up to the earlier ones): their
texts in order, a declined part said to be missing by naming it, the citations numbered on
across the parts (`renumber` does the same to the text streamed while a part is written).
Knows nothing about retrieval, models or how each part is answered.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Sequence

from rag import prompts
from rag.conflicts import Conflict
from rag.events import Answer
from rag.retrieve import Hit
from rag.text import tokenize

MIN_OWN_WORDS = 3  # content words a later part needs to be asked on its own
MIN_FIRST_WORDS = 2  # and the first part ("On which day, and at what time …" stays whole)
MAX_PARTS = 3
_PREPOSITIONS = "in|on|at|for|from|to|by|with|since|of|during|until|after|before"
_JOIN = re.compile(
    rf",?\s+and\s+(?=(?:(?:{_PREPOSITIONS})\s+)?(?:what|which|who|whom|whose|when|where|why|how)\b)",
    re.IGNORECASE,
)
_MARKER = re.compile(r"\[(\d+)\]")


def split(question: str, limit: int = MAX_PARTS) -> list[str]:
    """The question's parts, each ending in "?" ([question] when it has one)."""
    question = " ".join(question.split())
    found = _JOIN.search(question) if limit > 1 else None
    if found is None:
        return [question]
    first, rest = question[: found.start()].strip(), question[found.end() :].strip()
    if len(tokenize(rest)) < MIN_OWN_WORDS or len(tokenize(first)) < MIN_FIRST_WORDS:
        return [question]
    first = first.rstrip("?,;: ") + "?"
    rest = rest[0].upper() + rest[1:]
    return [first, *split(rest if rest.endswith("?") else rest.rstrip(".") + "?", limit - 1)]


def renumber(text: str, offset: int) -> tuple[str, Callable[[int], int]]:
    """The text with each citation marker [n] as [n + offset], and where a position of the
    text moved to."""
    moves: list[tuple[int, int]] = []  # (end of a marker in `text`, change in length so far)
    change = 0

    def shifted(match: re.Match[str]) -> str:
        nonlocal change
        new = f"[{int(match[1]) + offset}]"
        change += len(new) - len(match[0])
        moves.append((match.end(), change))
        return new

    renumbered = _MARKER.sub(shifted, text)

    def moved(position: int) -> int:
        return position + next((c for end, c in reversed(moves) if end <= position), 0)

    return renumbered, moved


def join(question: str, answers: Sequence[Answer], parts: Sequence[str], total_ms: float) -> Answer:
    """One answer of the parts' answers (in the order of `parts`). A declined part is said to
    be missing ("As for “…?”, the articles don't say."), without the closest sentence its own
    abstention quotes; when every part is declined, the answer is the first part's abstention.
    Its confidence is its least sure part's, a declined part counting as 0."""
    given = [a for a in answers if not a.abstained]
    texts: list[str] = []
    citations, resolved, differ = [], [], []
    position = 0
    for part, answer in zip(parts, answers, strict=True):
        if answer.abstained:
            if given:
                texts.append(prompts.render("part_missing", part=part))
                position += len(texts[-1]) + 1
            continue
        offset = len(citations)
        text, moved = renumber(answer.text, offset)
        citations += [dataclasses.replace(c, marker=c.marker + offset) for c in answer.citations]
        resolved += [
            dataclasses.replace(r, start=position + moved(r.start), end=position + moved(r.end))
            for r in answer.resolved_dates
        ]
        differ += [_renumbered(d, offset) for d in answer.conflicts]
        texts.append(text)
        position += len(text) + 1
    first = answers[0]
    return Answer(
        question=question,
        query=" | ".join(a.query for a in answers),
        text=" ".join(texts) if given else first.text,
        abstained=not given,
        abstain_reason="" if given else "; ".join(a.abstain_reason for a in answers),
        confidence=min(0.0 if a.abstained else a.confidence or 0.0 for a in answers)
        if given
        else None,
        signals={},
        candidate=" ".join(a.candidate for a in answers),
        as_of=max((a.as_of for a in given if a.as_of), default=None),
        resolved_dates=resolved,
        conflicts=differ,
        citations=citations if given else first.citations,
        retrieved=_unique_hits(answers),
        dropped=[h for a in answers for h in a.dropped],
        removed=[r for a in answers for r in a.removed],
        draft="\n".join(a.draft for a in answers),
        timings_ms=_timings(answers, total_ms),
        usage={k: sum(a.usage.get(k, 0) for a in answers) for k in first.usage},
        model_file=first.model_file,
        model_sha256=first.model_sha256,
        read=[c for a in answers for c in a.read],
    )


def _renumbered(conflict: Conflict, offset: int) -> Conflict:
    cited = dataclasses.replace(conflict.cited, marker=conflict.cited.marker + offset)
    return dataclasses.replace(conflict, cited=cited)


def _unique_hits(answers: Sequence[Answer]) -> list[Hit]:
    seen: dict[str, Hit] = {}
    for answer in answers:
        for hit in answer.retrieved:
            seen.setdefault(hit.chunk.chunk_id, hit)
    return list(seen.values())


def _timings(answers: Sequence[Answer], total_ms: float) -> dict[str, float]:
    """Each stage's time summed over the parts; the first token and first text are the first
    part's (what the reader waited for), the total the whole question's."""
    summed = {
        stage: round(sum(a.timings_ms.get(stage, 0.0) for a in answers), 1)
        for stage in answers[0].timings_ms
    }
    for stage in ("ttft", "first_text"):
        if stage in answers[0].timings_ms:
            summed[stage] = answers[0].timings_ms[stage]
    return {**summed, "total": total_ms}
