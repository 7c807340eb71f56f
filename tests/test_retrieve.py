"""Integration: hybrid retrieval over a real Chroma store with the real embedder, including the
publication-date ranking a time frame adds (rag.retrieve)."""

from __future__ import annotations

from pathlib import Path

import pytest

from rag.articles import Article
from rag.config import load
from rag.retrieve import Retriever
from rag.store import Store

pytestmark = pytest.mark.slow

REPORTS = [
    Article(
        "flood-june",
        "River floods the valley",
        "2025-06-10",
        "Heavy rain made the river burst its banks. Farmers lost their crops in the valley.",
    ),
    Article(
        "flood-september",
        "River floods the valley again",
        "2025-09-12",
        "Heavy rain made the river burst its banks again. Farmers moved their cattle uphill.",
    ),
    Article(
        "budget",
        "City passes its budget",
        "2025-07-01",
        "The council approved a budget with more money for schools and buses.",
    ),
]


@pytest.fixture(scope="module")
def retriever(tmp_path_factory: pytest.TempPathFactory) -> Retriever:
    settings = load({"data_dir": tmp_path_factory.mktemp("data"), "top_k": 3})
    store = Store(settings)
    store.sync(REPORTS)
    return Retriever(store)


def _docs(retriever: Retriever, query: str) -> list[str]:
    return [hit.chunk.doc_id for hit in retriever.retrieve(query)]


def test_both_flood_reports_outrank_the_budget(retriever: Retriever) -> None:
    assert _docs(retriever, "What did the river flood do to farmers?")[2] == "budget"


@pytest.mark.parametrize(
    ("query", "first"),
    [
        ("What did the flood do to farmers in June 2025?", "flood-june"),
        ("What did the flood do to farmers in September 2025?", "flood-september"),
        ("What is the latest on the river flood?", "flood-september"),
    ],
)
def test_a_time_frame_ranks_its_period_first(retriever: Retriever, query: str, first: str) -> None:
    assert _docs(retriever, query)[0] == first


def test_a_syndicated_copy_is_folded_into_its_original(tmp_path: Path) -> None:
    original = REPORTS[1]
    wire = Article(
        "flood-september-wire",
        "Valley flooded again, farmers move cattle",
        original.date,
        "VALLEY (Wire) — " + original.text,
    )
    store = Store(load({"data_dir": tmp_path, "top_k": 3}))
    store.sync([*REPORTS, wire])
    hits = Retriever(store).retrieve("Where did the farmers move their cattle after the flood?")
    texts = [hit.chunk.text for hit in hits]
    assert len(hits) == 3 and len(set(texts)) == 3  # no story twice
    top = hits[0]
    assert {top.chunk.doc_id, *(c.doc_id for c in top.copies)} == {original.doc_id, wire.doc_id}
    assert {hit.chunk.doc_id for hit in hits} >= {"flood-june", "budget"}


def test_a_fact_inside_60_kb_without_sentence_ends_is_retrieved(tmp_path: Path) -> None:
    filler = (
        "the council met again and talked about parking and the old library roof and the "
        "summer fair and the minutes of the last meeting and who would bring the chairs "
    )
    fact = "the harbour bridge toll rises to nine dollars for every car from the first of march"
    half = filler * (30_000 // len(filler))
    text = f"{half}{fact} {half}".strip()  # about 60 KB, one lower-case run-on sentence
    store = Store(load({"data_dir": tmp_path, "top_k": 3}))
    store.sync([*REPORTS, Article("council-notes", "Council notes", "2025-08-01", text)])
    hits = Retriever(store).retrieve("How much is the toll on the harbour bridge?")
    assert all(len(hit.chunk.text) <= store.settings.chunk_chars for hit in hits)
    assert "nine dollars" in hits[0].chunk.text
