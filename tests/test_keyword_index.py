"""Keyword ranking (rag.keyword_index) and reciprocal rank fusion (rag.retrieve.fuse)."""

from __future__ import annotations

from pathlib import Path

import pytest

from rag.articles import Article, load_file
from rag.chunk import Chunk, split_article
from rag.keyword_index import KeywordIndex
from rag.retrieve import fuse
from rag.text import STOP_WORDS, tokenize

SEEDS = Path(__file__).parents[1] / "seeds"


def seed_chunks() -> list[Chunk]:
    chunks: list[Chunk] = []
    for path in sorted(SEEDS.glob("*.txt")):
        (article,) = load_file(path)
        assert isinstance(article, Article)
        chunks += split_article(article, max_chars=300, overlap=0)
    return chunks


CHUNKS = seed_chunks()


def build(chunks: list[Chunk], folder: Path, merged: bool = False) -> KeywordIndex:
    """An index holding these chunks (each article at version "v1"), merged or not."""
    index = KeywordIndex(folder)
    versions = {(c.doc_id, "v1") for c in chunks}
    index.follow("r1", lambda: versions, lambda wanted: [("v1", c) for c in chunks])
    if merged:
        index.merge()
    return index


@pytest.fixture(scope="module", params=[False, True], ids=["fresh", "merged"])
def index(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> KeywordIndex:
    return build(CHUNKS, tmp_path_factory.mktemp("keyword"), merged=request.param)


# --------------------------------------------------------------------------------- tokenize


@pytest.mark.parametrize(
    ("text", "tokens"),
    [
        (
            "Exports grew 33% to $1.05 billion in 2025.",
            ["exports", "grew", "33", "1.05", "billion", "2025"],
        ),
        (
            "About 2,200 troops, 1,050 million dollars.",
            ["about", "2,200", "troops", "1,050", "million", "dollars"],
        ),
        ("The 80th anniversary", ["80", "th", "anniversary"]),
        ("Xi Jinping MET Kim", ["xi", "jinping", "met", "kim"]),
        ("Kim's train", ["kim", "train"]),
        ("Zürich café ÉCOLE", ["zürich", "café", "école"]),
        ("the and of it was to be", []),
        ("", []),
        ("?!...", []),
    ],
)
def test_tokenize(text: str, tokens: list[str]) -> None:
    assert tokenize(text) == tokens


def test_tokenize_drops_every_stop_word() -> None:
    assert tokenize(" ".join(sorted(STOP_WORDS))) == []
    assert tokenize(" ".join(sorted(STOP_WORDS)).upper()) == []


def test_numbers_at_the_end_of_a_sentence_stay_whole() -> None:
    assert tokenize("It grew to 1.05. Then 2,200, then 2025.") == [
        "grew",
        "1.05",
        "then",
        "2,200",
        "then",
        "2025",
    ]


# ------------------------------------------------------------------------------------ search


@pytest.mark.parametrize(
    ("query", "phrase"),
    [
        ("Yonhap", "Yonhap"),
        ("Kim Ju Ae", "Kim Ju Ae"),
        ("1.05", "$1.05 billion"),
        ("$2.2 billion trade", "$2.2 billion"),
        ("Railway Station", "Beijing Railway Station"),
        ("Tiananmen", "Tiananmen"),
        ("26 foreign leaders", "26 foreign leaders"),
        ("mutual defence agreement", "mutual defence agreement"),
    ],
)
def test_exact_rare_term_comes_first(index: KeywordIndex, query: str, phrase: str) -> None:
    results = index.search(query, 5)
    assert results
    assert phrase in results[0][0].text
    scores = [score for _, score in results]
    assert scores == sorted(scores, reverse=True)
    assert all(score > 0 for score in scores)


def test_search_respects_n(index: KeywordIndex) -> None:
    assert len(index.search("Kim Beijing", 3)) == 3
    assert len(index.search("Kim Beijing", 100)) <= len(CHUNKS)
    assert index.search("Kim", 0) == []


def test_only_chunks_sharing_a_term_are_returned(index: KeywordIndex) -> None:
    results = index.search("Yonhap", 50)
    assert results
    assert all("yonhap" in tokenize(f"{c.title}\n{c.text}") for c, _ in results)


def test_the_title_is_searched_too(tmp_path: Path) -> None:
    chunks = [
        Chunk("a:0", "a", "Tiananmen parade", None, 0, 0, 10, "Soldiers marched."),
        Chunk("b:0", "b", "Weather", None, 0, 0, 10, "Rain fell in Seoul."),
        Chunk("c:0", "c", "Trade", None, 0, 0, 10, "Exports grew."),
    ]
    results = build(chunks, tmp_path).search("Tiananmen", 3)
    assert [c.chunk_id for c, _ in results] == ["a:0"]


@pytest.mark.parametrize("query", ["", "   ", "the and of", "?!"])
def test_query_without_terms_finds_nothing(index: KeywordIndex, query: str) -> None:
    assert index.search(query, 5) == []


def test_unknown_term_finds_nothing(index: KeywordIndex) -> None:
    assert index.search("zeppelin", 5) == []


def test_empty_index_finds_nothing(tmp_path: Path) -> None:
    assert build([], tmp_path).search("Kim", 5) == []


@pytest.mark.parametrize("merged", [False, True])
def test_equal_scores_keep_chunk_order(tmp_path: Path, merged: bool) -> None:
    chunks = [
        Chunk(f"d{i}:0", f"d{i}", "", None, 0, 0, 10, "Kim met Xi in Beijing.") for i in range(4)
    ]
    results = build(chunks, tmp_path, merged).search("Kim", 4)
    assert [c.chunk_id for c, _ in results] == ["d0:0", "d1:0", "d2:0", "d3:0"]


# -------------------------------------------------------------------------------------- fuse


def test_fuse_known_answer() -> None:
    fused = fuse([["a", "b", "c"], ["b", "c", "d"]], k=60)
    assert [item for item, _ in fused] == ["b", "c", "a", "d"]
    scores = dict(fused)
    assert scores["b"] == pytest.approx(1 / 62 + 1 / 61)
    assert scores["c"] == pytest.approx(1 / 63 + 1 / 62)
    assert scores["a"] == pytest.approx(1 / 61)
    assert scores["d"] == pytest.approx(1 / 63)


@pytest.mark.parametrize(
    ("rankings", "order"),
    [
        ([["x", "y"], ["z", "w"]], ["x", "z", "y", "w"]),  # ties: first appearance wins
        ([["a", "b"], ["b", "a"]], ["a", "b"]),
        ([["d", "c"], [], ["c"]], ["c", "d"]),
        ([["only"]], ["only"]),
        ([[], []], []),
        ([], []),
    ],
)
def test_fuse_order(rankings: list[list[str]], order: list[str]) -> None:
    assert [item for item, _ in fuse(rankings)] == order


def test_fuse_k_changes_scores_not_single_ranking_order() -> None:
    ranking = ["a", "b", "c"]
    assert [i for i, _ in fuse([ranking], k=1)] == ranking
    assert dict(fuse([ranking], k=1))["a"] == pytest.approx(1 / 2)
    assert dict(fuse([ranking], k=0))["c"] == pytest.approx(1 / 3)


@pytest.mark.parametrize(
    ("k", "order"),
    [
        (60, ["b", "a", "y", "x", "z"]),  # two third places beat one first place
        (0, ["a", "y", "b", "x", "z"]),  # one first place beats two third places
    ],
)
def test_fuse_k_trades_agreement_against_top_places(k: int, order: list[str]) -> None:
    assert [i for i, _ in fuse([["a", "x", "b"], ["y", "z", "b"]], k=k)] == order
