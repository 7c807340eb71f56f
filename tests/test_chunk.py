"""Sentence splitting and chunking (rag.chunk)."""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path

import pytest

from rag.articles import Article, load_file
from rag.chunk import Chunk, pieces, split_article
from rag.text import sentence_spans

SEEDS = Path(__file__).parents[1] / "seeds"
SEED_FILES = sorted(SEEDS.glob("*.txt"))

SHORT = (
    "Xi met Kim in Beijing. Trade grew 33% in 2025. Exports hit $1.05 billion. "
    "Kim's train left Beijing."
)


def seed(path: Path) -> Article:
    (article,) = load_file(path)
    assert isinstance(article, Article)
    return article


def sentences(text: str) -> list[str]:
    return [text[start:end] for start, end in sentence_spans(text)]


def article(text: str, doc_id: str = "doc") -> Article:
    return Article(
        doc_id=doc_id,
        title="Xi meets Kim",
        date="2025-09-04",
        text=text,
        source="Example News",
        url="https://example.com/a",
    )


# --------------------------------------------------------------------------- sentence_spans


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "The summit was held on Sept. 4, 2025. It lasted a day.",
            ["The summit was held on Sept. 4, 2025.", "It lasted a day."],
        ),
        (
            "The U.S. Navy sailed on Tuesday. Then it stopped.",
            ["The U.S. Navy sailed on Tuesday.", "Then it stopped."],
        ),
        (
            "J. R. Smith spoke first. Others followed.",
            ["J. R. Smith spoke first.", "Others followed."],
        ),
        (
            "Mr. Kim arrived. Dr. Lee left at 5 p.m. Tuesday.",
            ["Mr. Kim arrived.", "Dr. Lee left at 5 p.m. Tuesday."],
        ),
        (
            'He said "we will win." Then he left.',
            ['He said "we will win."', "Then he left."],
        ),
        (
            "He said “we will win.” Then he left.",
            ["He said “we will win.”", "Then he left."],
        ),
        (
            "Xi said (in Beijing.) Kim agreed.",
            ["Xi said (in Beijing.)", "Kim agreed."],
        ),
        (
            "Is it over? Yes! Fine… Done.",
            ["Is it over?", "Yes!", "Fine…", "Done."],
        ),
        (
            "Exports grew 33%. 2025 was a good year.",
            ["Exports grew 33%.", "2025 was a good year."],
        ),
        (
            "Prices rose 3.5 percent, to $1.05 billion. Output fell.",
            ["Prices rose 3.5 percent, to $1.05 billion.", "Output fell."],
        ),
        (
            "a sentence ends here. but lower case does not start one",
            ["a sentence ends here. but lower case does not start one"],
        ),
        (
            "A caption without a full stop\nThe next paragraph.\n\n  • A bullet",
            ["A caption without a full stop", "The next paragraph.", "• A bullet"],
        ),
        ("  One sentence with spaces around.  ", ["One sentence with spaces around."]),
        ("", []),
        ("   \n \t\n  ", []),
    ],
)
def test_sentence_spans(text: str, expected: list[str]) -> None:
    assert sentences(text) == expected


def test_sentence_spans_are_trimmed_ordered_and_disjoint() -> None:
    for path in SEED_FILES:
        text = seed(path).text
        spans = sentence_spans(text)
        assert spans
        for start, end in spans:
            piece = text[start:end]
            assert piece == piece.strip() and piece
            assert "\n" not in piece
        for (_, end), (start, _) in pairwise(spans):
            assert end <= start


def test_sentence_spans_on_a_seed() -> None:
    found = sentences(seed(SEEDS / "000_07bf7d2429704205.txt").text)
    assert (
        "In this photo released by Xinhua News Agency, Chinese President Xi Jinping, right, poses "
        "for photos with North Korean leader Kim Jong Un at the Great Hall of the People in "
        "Beijing, China, Thursday, Sept. 4, 2025." in found
    )
    assert not any("AP Photo" in s for s in found)  # the credit is left out at load
    assert sentences(f"{found[0]} (AP Photo)") == [found[0], "(AP Photo)"]
    assert "Thursday's Beijing summit marks their sixth such bilateral meeting since 2018." in found


# ---------------------------------------------------------------------------- split_article


@pytest.mark.parametrize(
    ("max_chars", "overlap", "expected"),
    [
        (
            60,
            1,
            [
                "Xi met Kim in Beijing. Trade grew 33% in 2025.",
                "Trade grew 33% in 2025. Exports hit $1.05 billion.",
                "Exports hit $1.05 billion. Kim's train left Beijing.",
            ],
        ),
        (
            60,
            0,
            [
                "Xi met Kim in Beijing. Trade grew 33% in 2025.",
                "Exports hit $1.05 billion. Kim's train left Beijing.",
            ],
        ),
        (
            # the carried sentence and the next one do not fit together: no overlap then
            50,
            1,
            [
                "Xi met Kim in Beijing. Trade grew 33% in 2025.",
                "Trade grew 33% in 2025. Exports hit $1.05 billion.",
                "Kim's train left Beijing.",
            ],
        ),
        (
            26,  # the longest sentence
            1,
            [
                "Xi met Kim in Beijing.",
                "Trade grew 33% in 2025.",
                "Exports hit $1.05 billion.",
                "Kim's train left Beijing.",
            ],
        ),
        (1000, 1, [SHORT]),
        (1000, 0, [SHORT]),
    ],
)
def test_split_article_known_chunks(max_chars: int, overlap: int, expected: list[str]) -> None:
    chunks = split_article(article(SHORT), max_chars=max_chars, overlap=overlap)
    assert [c.text for c in chunks] == expected


def test_chunks_carry_the_article_fields_and_deterministic_ids() -> None:
    source = article(SHORT, doc_id="000_07bf")
    chunks = split_article(source, max_chars=60, overlap=1)
    assert [c.chunk_id for c in chunks] == ["000_07bf:0", "000_07bf:1", "000_07bf:2"]
    assert [c.position for c in chunks] == [0, 1, 2]
    for c in chunks:
        assert (c.doc_id, c.title, c.date, c.source, c.url) == (
            "000_07bf",
            "Xi meets Kim",
            "2025-09-04",
            "Example News",
            "https://example.com/a",
        )
    assert split_article(source, max_chars=60, overlap=1) == chunks


def chunk_sentences(chunk: Chunk, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    return [s for s in spans if chunk.start <= s[0] and s[1] <= chunk.end]


@pytest.mark.parametrize("path", SEED_FILES, ids=lambda p: p.name[:3])
@pytest.mark.parametrize("max_chars", [1, 120, 250, 400, 600, 5000])
@pytest.mark.parametrize("overlap", [0, 1, 2])
def test_split_article_invariants_on_seeds(path: Path, max_chars: int, overlap: int) -> None:
    source = seed(path)
    spans = pieces(source.text, max_chars)
    starts = {s for s, _ in spans}
    ends = {e for _, e in spans}
    chunks = split_article(source, max_chars=max_chars, overlap=overlap)
    assert chunks

    assert [c.position for c in chunks] == list(range(len(chunks)))
    assert [c.chunk_id for c in chunks] == [f"{source.doc_id}:{i}" for i in range(len(chunks))]
    for c in chunks:
        assert c.text == source.text[c.start : c.end]
        assert c.start in starts and c.end in ends  # whole sentences or pieces only
        assert len(c.text) <= max_chars
    # every sentence or piece is in some chunk
    for start, end in spans:
        assert any(c.start <= start and end <= c.end for c in chunks), (start, end)
    # chunks move forward
    for before, after in pairwise(chunks):
        assert before.start < after.start and before.end < after.end


@pytest.mark.parametrize("path", SEED_FILES, ids=lambda p: p.name[:3])
@pytest.mark.parametrize("max_chars", [250, 400, 600])
def test_overlap_one_repeats_the_last_sentence(path: Path, max_chars: int) -> None:
    source = seed(path)
    spans = pieces(source.text, max_chars)
    chunks = split_article(source, max_chars=max_chars, overlap=1)
    assert len(chunks) > 1
    repeated = 0
    for before, after in pairwise(chunks):
        last = chunk_sentences(before, spans)[-1]
        following = spans[spans.index(last) + 1]
        if following[1] - last[0] <= max_chars:
            assert after.start == last[0]
            repeated += 1
        else:  # the pair does not fit: the next chunk starts after this one
            assert after.start == following[0]
    # seed 000 at 250 characters: no chunk ends where the next sentence fits beside it
    assert repeated > 0 or (max_chars, path.name[:3]) == (250, "000")


@pytest.mark.parametrize("path", SEED_FILES, ids=lambda p: p.name[:3])
def test_no_overlap_means_disjoint_chunks(path: Path) -> None:
    source = seed(path)
    spans = pieces(source.text, 300)
    chunks = split_article(source, max_chars=300, overlap=0)
    for before, after in pairwise(chunks):
        assert before.end < after.start
        last = chunk_sentences(before, spans)[-1]
        assert after.start == spans[spans.index(last) + 1][0]


def test_a_sentence_longer_than_max_chars_is_cut_at_whitespace() -> None:
    long_sentence = (
        "Kim is in Beijing, his fifth trip to China, where he attended on Wednesday a military "
        "parade marking the 80th anniversary of World War II, alongside Xi, Russian President "
        "Vladimir Putin, and 26 foreign leaders."
    )
    text = f"Xi met Kim. {long_sentence} Kim's train left."
    chunks = split_article(article(text), max_chars=40, overlap=1)
    assert chunks[0].text.startswith("Xi met Kim.") and chunks[-1].text.endswith("train left.")
    assert all(len(c.text) <= 40 for c in chunks)
    for c in chunks:  # cut between words
        assert c.start == 0 or text[c.start - 1].isspace()
        assert c.end == len(text) or text[c.end].isspace()
    assert {w for c in chunks for w in c.text.split()} == set(text.split())


def run_on(size: int, kind: str) -> str:
    """`size` characters without a sentence end: lower-case words, or CJK without spaces."""
    if kind == "cjk":
        return ("北京市政府今天宣布新的交通规划方案将在明年春天开始实施" * size)[:size]
    words = "the council said the new bus routes would start in spring and cost more than planned"
    return (f"{words} " * size)[:size].strip()


@pytest.mark.parametrize("kind", ["lower-case", "cjk"])
@pytest.mark.parametrize(("max_chars", "overlap"), [(600, 1), (600, 0), (250, 2)])
def test_text_without_sentence_ends_gives_bounded_chunks(
    kind: str, max_chars: int, overlap: int
) -> None:
    text = run_on(60_000, kind)
    chunks = split_article(article(text), max_chars=max_chars, overlap=overlap)
    assert len(chunks) >= 60_000 // max_chars
    assert all(0 < len(c.text) <= max_chars for c in chunks)
    assert all(c.text == text[c.start : c.end] for c in chunks)
    assert chunks[0].start == 0 and chunks[-1].end == len(text)
    assert all(a.start < b.start and b.start <= a.end + 1 for a, b in pairwise(chunks))


def test_cjk_full_stops_end_sentences() -> None:
    text = "北京今天下雨。明天会晴！真的吗？是的「好」。最后"
    assert sentences(text) == ["北京今天下雨。", "明天会晴！", "真的吗？", "是的「好」。", "最后"]


@pytest.mark.parametrize(("max_chars", "overlap"), [(0, 1), (-5, 0), (600, -1)])
def test_invalid_arguments_raise(max_chars: int, overlap: int) -> None:
    with pytest.raises(ValueError):
        split_article(article(SHORT), max_chars=max_chars, overlap=overlap)


@pytest.mark.parametrize("text", ["", "  \n\n "])
def test_empty_article_has_no_chunks(text: str) -> None:
    assert split_article(article(text)) == []
