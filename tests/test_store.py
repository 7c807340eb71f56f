"""Integration: a real Chroma store with the real MiniLM embedder, both ways the settings allow:
embedded in a temp dir, and a real Chroma server (`chroma run`, one for the module) holding each
test's own collection."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from uuid import uuid4

import pytest

from rag.articles import Article, load_all
from rag.chunk import Chunk, split_article
from rag.config import Settings, load
from rag.embed import resolve
from rag.errors import StoreError
from rag.store import Store, embedding_text

SEEDS = Path(__file__).parents[1] / "seeds"
pytestmark = pytest.mark.slow


@pytest.fixture(params=["embedded", "server"])
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    """Settings for a new, empty store of the kind named by the parameter."""
    if request.param == "embedded":
        return load({"data_dir": tmp_path})
    url = request.getfixturevalue("chroma_server")
    return load({"data_dir": tmp_path, "chroma_url": url, "collection": f"test-{uuid4().hex}"})


@pytest.fixture()
def store(settings: Settings) -> Store:
    return Store(settings)


def _ids(store: Store) -> list[str]:
    return sorted(c.chunk_id for c in store.all_chunks())


def test_ingest_twice_leaves_the_collection_unchanged(store: Store) -> None:
    articles, failures = load_all([SEEDS])
    assert failures == [] and len(articles) == 2
    first = store.sync(articles)
    ids, revision = _ids(store), store.revision
    second = store.sync(articles)
    assert sorted(first.added) == sorted(a.doc_id for a in articles)
    assert second.unchanged == first.added and not (second.added or second.updated)
    assert _ids(store) == ids and store.revision == revision
    assert len(ids) == len(set(ids)) == store.count()


def test_changed_article_replaces_its_chunks(store: Store) -> None:
    articles, _ = load_all([SEEDS])
    store.sync(articles)
    short = replace(articles[0], text="Only one sentence remains in this article.")
    report = store.sync([short, articles[1]])
    assert report.updated == [short.doc_id]
    chunks = [c for c in store.all_chunks() if c.doc_id == short.doc_id]
    assert [c.text for c in chunks] == [short.text]


def test_prune_removes_articles_no_longer_present(store: Store) -> None:
    articles, _ = load_all([SEEDS])
    store.sync(articles)
    report = store.sync(articles[:1], prune=True)
    assert report.removed == [articles[1].doc_id]
    assert {a.doc_id for a in store.articles()} == {articles[0].doc_id}


def test_search_finds_the_passage_and_reports_cosine_similarity(store: Store) -> None:
    store.sync(load_all([SEEDS])[0])
    vector = store.embedder.encode(["Who accompanied Kim when he arrived in Beijing?"])[0]
    hits = store.search(vector, 3)
    assert "Kim Ju Ae" in hits[0][0].text
    assert all(-1.0 <= score <= 1.0 for _, score in hits)
    assert [s for _, s in hits] == sorted((s for _, s in hits), reverse=True)


def test_another_embedder_is_refused(settings: Settings) -> None:
    Store(settings).sync(load_all([SEEDS])[0])
    other = settings.replace(embedder=resolve("all-MiniLM-L6-v2"))
    with pytest.raises(StoreError, match="built with embedder 'all-MiniLM-L6-v2'"):
        Store(other)


def test_the_revision_follows_writes_made_elsewhere(settings: Settings) -> None:
    reader = Store(settings)  # e.g. `rag serve`, while `rag ingest` writes in another process
    before = reader.revision
    Store(settings).sync(load_all([SEEDS])[0])
    assert reader.revision != before and reader.count() > 0


class Crash(Exception):
    """The process dies here."""


def _crash_after_first_batch(monkeypatch: pytest.MonkeyPatch, store: Store) -> None:
    """Writes of at most 2 chunks each, and a crash when the second one starts."""
    collection = type(store._collection)
    upsert = collection.upsert
    calls = []

    def dying(self: object, *args: object, **kwargs: object) -> object:
        calls.append(1)
        if len(calls) == 2:
            raise Crash
        return upsert(self, *args, **kwargs)

    monkeypatch.setattr(type(store._client), "get_max_batch_size", lambda self: 2)
    monkeypatch.setattr(collection, "upsert", dying)


def test_an_article_cut_short_by_a_crash_is_hidden_then_written_again(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    articles, _ = load_all([SEEDS])
    clean = Store(settings)
    clean.sync(articles[1:])
    chunks = len(clean.all_chunks())
    store = Store(settings)
    with monkeypatch.context() as patch:
        _crash_after_first_batch(patch, store)
        with pytest.raises(Crash):
            store.sync(articles[:1])
    after = Store(settings)  # as a new process opens it
    assert after.count() == chunks + 2  # the first write of the new article is there...
    assert [a.doc_id for a in after.articles()] == [articles[1].doc_id]  # ...but not shown
    assert {c.doc_id for c in after.all_chunks()} == {articles[1].doc_id}
    vector = after.embedder.encode([articles[0].title])[0]
    assert all(c.doc_id == articles[1].doc_id for c, _ in after.search(vector, 10))
    assert after.chunks([f"{articles[0].doc_id}:0"]) == []
    report = after.sync(articles)
    assert report.added == [articles[0].doc_id] and report.unchanged == [articles[1].doc_id]
    assert {a.doc_id for a in after.articles()} == {a.doc_id for a in articles}


def test_an_update_cut_short_by_a_crash_is_written_again(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    articles, _ = load_all([SEEDS])
    store = Store(settings)
    store.sync(articles)
    ids = _ids(store)
    changed = replace(articles[0], text=articles[0].text.replace("Beijing", "Peking"))
    with monkeypatch.context() as patch:
        _crash_after_first_batch(patch, store)
        with pytest.raises(Crash):
            store.sync([changed])
    assert changed.doc_id not in {a.doc_id for a in Store(settings).articles()}
    assert Store(settings).sync([changed]).unchanged == []  # written again
    assert _ids(store) == ids and all("Beijing" not in c.text for c in _of(store, changed))


def _of(store: Store, article: Article) -> list[Chunk]:
    return [c for c in store.all_chunks() if c.doc_id == article.doc_id]


def test_new_chunking_settings_chunk_every_article_again(settings: Settings) -> None:
    articles, _ = load_all([SEEDS])
    Store(settings).sync(articles)
    smaller = Store(settings.replace(chunk_chars=300))
    report = smaller.sync(articles)
    assert sorted(report.updated) == sorted(a.doc_id for a in articles)
    assert len(_of(smaller, articles[0])) == len(split_article(articles[0], 300, 1))
    overlap = Store(settings.replace(chunk_chars=300, chunk_overlap=0))
    assert sorted(overlap.sync(articles).updated) == sorted(a.doc_id for a in articles)


def test_articles_are_embedded_together_and_each_written_whole(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed = load_all([SEEDS])[0][0]
    articles = [
        replace(seed, doc_id=f"story-{i}", text=f"Harbour story {i}. " + seed.text[: 300 + 40 * i])
        for i in range(12)
    ]
    expected = sum(
        len(split_article(a, settings.chunk_chars, settings.chunk_overlap)) for a in articles
    )
    store = Store(settings.replace(write_batch=8))
    encode, calls = store.embedder.encode, []

    def counting(texts: list[str], progress: bool = False) -> list[list[float]]:
        calls.append(len(texts))
        return encode(texts, progress)

    monkeypatch.setattr(store.embedder, "encode", counting)
    report = store.sync(articles)
    assert sorted(report.added) == sorted(a.doc_id for a in articles)
    assert sum(calls) == expected and 1 < len(calls) < len(articles)
    assert all(n >= 8 for n in calls[:-1])  # batches fill up; the last holds what is left
    assert {a.doc_id: a.chunks for a in store.articles()} == {
        a.doc_id: len(split_article(a, settings.chunk_chars, settings.chunk_overlap))
        for a in articles
    }
    first = split_article(articles[5], settings.chunk_chars, settings.chunk_overlap)[0]
    [(hit, similarity)] = store.search(store.embedder.encode([embedding_text(first)])[0], 1)
    assert hit.chunk_id == first.chunk_id and similarity > 0.999  # each vector with its chunk


def test_chunks_stored_before_they_were_counted_are_replaced_whole(store: Store) -> None:
    articles, _ = load_all([SEEDS])
    store.sync(articles)
    doc_id = articles[0].doc_id
    got = store._collection.get(
        where={"doc_id": doc_id}, include=["documents", "metadatas", "embeddings"]
    )
    assert len(got["ids"]) > 1
    store._collection.delete(ids=got["ids"])  # written again as before chunks were counted
    store._collection.add(
        ids=got["ids"],
        documents=got["documents"],
        embeddings=got["embeddings"],
        metadatas=[{k: v for k, v in m.items() if k != "chunks"} for m in got["metadatas"]],
    )
    short = replace(articles[0], text="Only one sentence remains in this article.")
    assert store.sync([short]).updated == [doc_id]
    assert [c.text for c in _of(store, short)] == ["Only one sentence remains in this article."]
    assert store._collection.get(where={"doc_id": doc_id})["ids"] == [f"{doc_id}:0"]
