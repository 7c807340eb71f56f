"""Sample answers, passages and a fake answerer for the browser chat's tests (test_ui_*.py):
no browser, no store, no model."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Sequence
from typing import Any

from rag.answer import Answer, Status, Token
from rag.chunk import Chunk
from rag.cite import Citation
from rag.config import Settings
from rag.errors import InputError
from rag.retrieve import Hit
from rag.stored import ArticleInfo, SyncReport

EVIL = '<script>window.__pwned=1</script> and <img src=x onerror="window.__pwned=2">'
TEXT = f"Kim arrived on Tuesday with Kim Ju Ae. {EVIL} Xi hosted him."


def chunk(chunk_id: str, text: str = TEXT, **extra: Any) -> Chunk:
    doc_id = chunk_id.split(":")[0]
    fields = {"title": f"Title of {doc_id}", "date": "2025-09-04", "source": None, "url": None}
    fields |= {"start": 0, "end": len(text)} | extra
    return Chunk(chunk_id, doc_id, position=0, text=text, **fields)


def citation(marker: int, c: Chunk, quote: str) -> Citation:
    start = c.text.index(quote)
    return Citation(marker, c, quote, start, start + len(quote))


def hit(c: Chunk, rank: int, **extra: Any) -> Hit:
    return Hit(c, rank, 1 / (60 + rank), 0.5, **extra)


def answer(**fields: Any) -> Answer:
    base: dict[str, Any] = {
        "question": "Who came?",
        "query": "Who came?",
        "text": "",
        "abstained": False,
        "abstain_reason": "",
        "confidence": 1.0,
        "signals": {},
        "candidate": "",
        "as_of": None,
        "resolved_dates": [],
        "conflicts": [],
        "citations": [],
        "retrieved": [],
        "dropped": [],
        "removed": [],
        "draft": "",
        "timings_ms": {"retrieve": 120.0, "ttft": 900.0, "generate": 2000.0, "total": 3100.0},
        "usage": {"prompt_tokens": 1000, "completion_tokens": 40},
        "model_file": "model.gguf",
        "model_sha256": "0" * 64,
    }
    return Answer(**(base | fields))


class FakeStore:
    """The part of `Store` the library uses, in memory."""

    def __init__(self) -> None:
        self.docs: dict[str, ArticleInfo] = {}
        self.texts: dict[str, Chunk] = {}  # each article as one passage

    def articles(self) -> list[ArticleInfo]:
        return list(self.docs.values())

    def sync(self, articles: Sequence[Any]) -> SyncReport:
        added = [a.doc_id for a in articles if a.doc_id not in self.docs]
        for a in articles:
            self.docs[a.doc_id] = ArticleInfo(a.doc_id, a.title, a.date, a.source, 1)
            self.texts[f"{a.doc_id}:0"] = chunk(
                f"{a.doc_id}:0", a.text, title=a.title, date=a.date, source=a.source, url=a.url
            )
        return SyncReport(added, [a.doc_id for a in articles if a.doc_id not in added], [], [])

    def remove(self, doc_id: str) -> bool:
        return self.docs.pop(doc_id, None) is not None

    def chunks(self, ids: list[str]) -> list[Chunk]:
        return [self.texts[i] for i in ids if i in self.texts]


class FakeAnswerer:
    """The part of `Answerer` the chat uses: events as rag.answer yields them."""

    def __init__(self, settings: Settings, pause: float = 0.0) -> None:
        self.settings = settings
        self.store = FakeStore()
        self.pause = pause  # seconds the search takes
        self.closed = threading.Event()  # set when an answer's events were closed unfinished

    def validate(self, question: str) -> str:
        if len(question) > self.settings.max_question_chars:
            raise InputError("too long")
        return question

    def stream(self, question: str, history: Sequence[Any] = ()) -> Iterator[Any]:
        try:
            yield Status("searching", query=question)
            time.sleep(self.pause)
            yield from self.rest()
        except GeneratorExit:
            self.closed.set()
            raise

    def rest(self) -> Iterator[Any]:
        yield Status("reading", sources=2)
        yield Status("writing")
        for word in ["Kim ", "came ", "[1]."]:
            yield Token(word)
        yield Status("checking")
        c = chunk("d1:0")
        yield answer(text="Kim came [1].", citations=[citation(1, c, "Xi hosted him.")])
