"""Evidence sentences (rag.evidence): the sentences closest to the question, as exact
sub-passages of their passages."""

from __future__ import annotations

from rag.chunk import Chunk
from rag.evidence import select
from rag.retrieve import Hit

TEXT = (
    "Kim arrived in Beijing on Tuesday. He travelled by armoured train. "
    "The parade drew 26 foreign leaders. Weather was mild."
)
OFFSET = 100  # the passage's place in its article
PASSAGE = Chunk("a:3", "a", "Kim in Beijing", "2025-09-04", 3, OFFSET, OFFSET + len(TEXT), TEXT)


class WordVectors:
    """A vector per text: does it mention Kim, the parade, the weather (a stand-in embedder)."""

    def encode(self, texts: list[str]) -> list[list[float]]:
        return [
            [float(w in t.lower()) + 0.01 for w in ("kim", "parade", "weather", "train")]
            for t in texts
        ]


def pick(query: str, n: int) -> list[Hit]:
    hit = Hit(PASSAGE, 1, 0.03, 0.6)
    return select(query, [hit], WordVectors(), n)  # type: ignore[arg-type]


def test_keeps_the_closest_sentences_as_exact_sub_passages() -> None:
    (best,) = pick("How many leaders came to the parade?", 1)
    assert best.chunk.text == "The parade drew 26 foreign leaders."
    assert best.chunk.chunk_id == "a:3" and best.chunk.doc_id == "a"  # its passage's identity
    start = TEXT.index("The parade")
    assert (best.chunk.start, best.chunk.end) == (OFFSET + start, OFFSET + start + 35)
    assert best.rank == 1


def test_adjacent_kept_sentences_are_joined_in_article_order() -> None:
    hits = pick("Kim train", 2)
    assert [h.chunk.text for h in hits] == [
        "Kim arrived in Beijing on Tuesday. He travelled by armoured train."
    ]


def test_off_or_too_few_sentences_keeps_the_passages() -> None:
    assert pick("parade", 0)[0].chunk is PASSAGE
    assert pick("parade", 4)[0].chunk is PASSAGE  # four sentences: nothing to leave out
    assert select("parade", [], WordVectors(), 3) == []  # type: ignore[arg-type]


def test_a_sentence_shared_by_overlapping_passages_is_kept_once() -> None:
    second_text = "Weather was mild. Crowds lined the avenue."
    start = OFFSET + TEXT.index("Weather")
    second = Chunk("a:4", "a", "Kim in Beijing", "2025-09-04", 4, start, start + 42, second_text)
    hits = [Hit(PASSAGE, 1, 0.03, 0.6), Hit(second, 2, 0.02, 0.5)]
    picked = select("weather", hits, WordVectors(), 2)  # type: ignore[arg-type]
    texts = [h.chunk.text for h in picked]
    assert texts.count("Weather was mild.") == 1  # not both copies as the two best
    assert all(h.chunk.text in TEXT + " " + second_text for h in picked)
