"""Checking drafted answers against their sources (rag.cite)."""

from __future__ import annotations

import dataclasses
from itertools import pairwise
from pathlib import Path

import pytest

from rag.articles import Article, load_file
from rag.chunk import Chunk, split_article
from rag.cite import Checked, check, support, word_support
from rag.prompts import NOT_FOUND
from rag.text import citation_markers, sentence_spans

SEEDS = Path(__file__).parents[1] / "seeds"


def seed_chunks(name: str) -> list[Chunk]:
    (article,) = load_file(SEEDS / name)
    assert isinstance(article, Article)
    return split_article(article, max_chars=600, overlap=1)


CHUNKS_000 = seed_chunks("000_07bf7d2429704205.txt")
CHUNKS_001 = seed_chunks("001_48f8ab6487358096.txt")


def containing(*phrases: str) -> Chunk:
    """The first seed chunk holding every phrase."""
    for chunk in CHUNKS_000 + CHUNKS_001:
        if all(p in chunk.text for p in phrases):
            return chunk
    raise AssertionError(f"no seed chunk holds {phrases}")


TRADE = containing("grew 33% to $1.05 billion")
TRAIN = containing("Kim's train left Beijing Railway Station")
PARADE = containing("26 foreign leaders", "fourth bilateral summit")
DAUGHTER = containing("accompanied by his daughter Kim Ju Ae")

TRADE_SENTENCE = (
    "According to economic data from Beijing, China's exports to North Korea in the first half "
    "of 2025 grew 33% to $1.05 billion, while imports rose 20% to $210 million."
)
TRAIN_SENTENCE = (
    "Meanwhile, Kim's train left Beijing Railway Station on Thursday night, local time, "
    "said Seoul-based Yonhap News."
)


def made(doc: str, text: str) -> Chunk:
    return Chunk(f"{doc}:0", doc, f"About {doc}", "2025-09-04", 0, 0, len(text), text)


def run(draft: str, sources: list[Chunk]) -> Checked:
    checked = check(draft, sources, NOT_FOUND)
    assert_consistent(checked, sources)
    return checked


def assert_consistent(checked: Checked, sources: list[Chunk]) -> None:
    """What must hold for every result."""
    markers = [c.marker for c in checked.citations]
    assert markers == list(range(1, len(markers) + 1))
    assert citation_markers(checked.text) == set(markers)
    for c in checked.citations:
        assert c.chunk in sources
        assert c.quote == c.chunk.text[c.quote_start : c.quote_end]
        assert c.quote
    assert len({c.chunk.chunk_id for c in checked.citations}) == len(checked.citations)
    assert checked.abstained == (checked.text == "")
    if checked.abstained:
        assert checked.citations == [] and checked.claims == []


def test_seed_chunks_used_here_are_distinct() -> None:
    assert len({TRADE.chunk_id, TRAIN.chunk_id, PARADE.chunk_id, DAUGHTER.chunk_id}) == 4
    assert TRADE_SENTENCE in TRADE.text
    assert TRAIN_SENTENCE in TRAIN.text


# ---------------------------------------------------------------------------- kept, quoted


def test_supported_sentence_keeps_its_citation_and_exact_quote() -> None:
    draft = (
        "China's exports to North Korea grew 33% to $1.05 billion in the first half of 2025 [1]."
    )
    checked = run(draft, [TRADE, TRAIN])
    assert not checked.abstained
    assert checked.text == draft
    assert checked.claims == [
        "China's exports to North Korea grew 33% to $1.05 billion in the first half of 2025."
    ]
    assert checked.removed == []
    assert checked.sentences == 1
    (citation,) = checked.citations
    assert citation.marker == 1
    assert citation.chunk is TRADE
    assert citation.quote == TRADE_SENTENCE
    assert citation.quote_start == TRADE.text.index(TRADE_SENTENCE)
    assert citation.quote_end == citation.quote_start + len(TRADE_SENTENCE)


def test_quote_is_one_sentence_or_two_adjacent_ones() -> None:
    draft = (
        "Kim held his fourth bilateral summit with Putin in Beijing on Wednesday [1]. "
        "Kim's train left Beijing Railway Station on Thursday night [2]."
    )
    checked = run(draft, [PARADE, TRAIN])
    for citation in checked.citations:
        spans = sentence_spans(citation.chunk.text)
        singles = {(s, e) for s, e in spans}
        pairs = {(a[0], b[1]) for a, b in pairwise(spans)}
        assert (citation.quote_start, citation.quote_end) in singles | pairs


def test_markers_are_renumbered_by_first_use() -> None:
    draft = (
        "Kim's train left Beijing Railway Station on Thursday night [3]. "
        "Exports to North Korea grew 33% to $1.05 billion [1]. "
        "The train left on Thursday night, Yonhap News said [3]."
    )
    checked = run(draft, [TRADE, PARADE, TRAIN])
    assert checked.text == (
        "Kim's train left Beijing Railway Station on Thursday night [1]. "
        "Exports to North Korea grew 33% to $1.05 billion [2]. "
        "The train left on Thursday night, Yonhap News said [1]."
    )
    assert [(c.marker, c.chunk) for c in checked.citations] == [(1, TRAIN), (2, TRADE)]
    # a source cited twice keeps the quote of the first claim citing it
    assert checked.citations[0].quote == TRAIN_SENTENCE


@pytest.mark.parametrize("marks", ["[1][2]", "[1, 2]", "[2][1]"])
def test_every_cited_source_that_backs_a_sentence_is_kept(marks: str) -> None:
    # PARADE and the chunk after it both hold the summit sentence (chunks overlap)
    following = CHUNKS_000[CHUNKS_000.index(PARADE) + 1]
    sentence = "Kim held his fourth bilateral summit with Putin in Beijing on Wednesday"
    assert sentence in following.text
    checked = run(f"{sentence} {marks}.", [PARADE, following])
    assert checked.text == f"{sentence} [1][2]."
    assert {c.chunk.chunk_id for c in checked.citations} == {PARADE.chunk_id, following.chunk_id}


@pytest.mark.parametrize("wrong", ["[1]", "[3]", "[9]", ""])
def test_sentence_citing_the_wrong_source_is_repointed(wrong: str) -> None:
    draft = (
        f"Exports to North Korea grew 33% to $1.05 billion, imports 20% to $210 million {wrong}."
    )
    checked = run(draft, [TRAIN, TRADE, DAUGHTER])
    assert not checked.abstained
    assert checked.removed == []
    (citation,) = checked.citations
    assert citation.chunk is TRADE
    assert citation.quote == TRADE_SENTENCE
    assert checked.text.endswith("$210 million [1].")


def test_sentence_from_the_other_article_is_repointed_across_articles() -> None:
    draft = "Kim arrived in Beijing on Tuesday accompanied by his daughter Kim Ju Ae [1]."
    checked = run(draft, [TRADE, DAUGHTER])
    assert [c.chunk for c in checked.citations] == [DAUGHTER]
    assert checked.text == draft


# ------------------------------------------------------------------------------ removed


def test_invented_number_is_removed_and_reported() -> None:
    draft = (
        "Pyongyang has 3 million people [1]. "
        "Kim's train left Beijing Railway Station on Thursday night [2]."
    )
    checked = run(draft, [TRADE, TRAIN])
    assert checked.removed == ["Pyongyang has 3 million people."]
    assert checked.claims == ["Kim's train left Beijing Railway Station on Thursday night."]
    assert checked.text == "Kim's train left Beijing Railway Station on Thursday night [1]."
    assert [c.chunk for c in checked.citations] == [TRAIN]
    assert checked.sentences == 2


def test_four_leaders_is_not_backed_by_26_leaders_and_a_fourth_summit() -> None:
    assert support("Kim attended the parade alongside 4 foreign leaders.", PARADE) is None
    checked = run("Kim attended the parade alongside 4 foreign leaders [1].", [PARADE])
    assert checked.abstained
    assert checked.removed == ["Kim attended the parade alongside 4 foreign leaders."]
    kept = run("Kim attended the parade alongside 26 foreign leaders [1].", [PARADE])
    assert not kept.abstained
    assert "26 foreign leaders" in kept.citations[0].quote


def test_four_leaders_is_not_backed_by_adjacent_sentences() -> None:
    chunk = made(
        "parade",
        "Kim held his fourth bilateral summit with Putin in Beijing on Wednesday. "
        "Earlier, Kim attended a military parade alongside Putin and 26 foreign leaders.",
    )
    checked = run("Kim attended a military parade alongside 4 foreign leaders [1].", [chunk])
    assert checked.abstained
    assert checked.removed == ["Kim attended a military parade alongside 4 foreign leaders."]


@pytest.mark.parametrize(
    ("claim", "backed"),
    [
        ("Kim held his 4th bilateral summit with Putin in Beijing.", True),
        pytest.param(
            "Kim held his 5th bilateral summit with Putin in Beijing.",
            False,
        ),
        ("Kim attended the parade alongside 26 foreign leaders.", True),
        ("Kim attended the parade alongside 27 foreign leaders.", False),
        ("The parade marked the 80th anniversary of World War II.", True),
        ("The parade marked the 70th anniversary of World War II.", False),
        ("Kim attended the parade alongside Emmanuel Macron.", False),
    ],
)
def test_numbers_and_names_must_be_in_the_passage(claim: str, backed: bool) -> None:
    checked = run(claim.replace(".", " [1]."), [PARADE])
    assert checked.abstained is not backed
    assert checked.removed == ([] if backed else [claim])


@pytest.mark.parametrize(
    ("claim", "backed"),
    [
        ("China's exports to North Korea grew 33 percent to $1.05 billion.", True),
        ("China's exports to North Korea grew 33 per cent to $1.05 billion.", True),
        ("China's exports to North Korea grew 33% to 1,050 million dollars.", True),
        ("China's exports to North Korea grew 34 percent.", False),
        ("China's exports to North Korea grew 33% to $1.5 billion.", False),
        ("Imports from North Korea rose 20% to $210 million.", True),
        ("Imports from North Korea rose 20% to $210 billion.", False),
    ],
)
def test_quantities_match_across_ways_of_writing_them(claim: str, backed: bool) -> None:
    checked = run(claim.replace(".", " [1].", 1) if claim.endswith(".") else claim, [TRADE])
    assert checked.abstained is not backed


def test_us_dollar_prefix_is_a_unit_not_a_name() -> None:
    checked = run("China's exports to North Korea grew 33% to US$1.05 billion [1].", [TRADE])
    assert not checked.abstained


def test_unrelated_sentence_is_removed() -> None:
    draft = "Kim's train left Beijing Railway Station on Thursday night [1]. The weather was warm."
    checked = run(draft, [TRAIN])
    assert checked.removed == ["The weather was warm."]
    assert checked.sentences == 2


# ----------------------------------------------------------------------------- abstaining


@pytest.mark.parametrize(
    "draft",
    [NOT_FOUND, NOT_FOUND.lower(), f"{NOT_FOUND}.", f"Sorry, {NOT_FOUND} [1].", f"  {NOT_FOUND}\n"],
)
def test_not_found_sentinel_abstains(draft: str) -> None:
    checked = run(draft, [TRADE, TRAIN])
    assert checked.abstained
    assert (checked.text, checked.citations, checked.claims, checked.removed) == ("", [], [], [])


@pytest.mark.parametrize("draft", ["", "   ", "\n\n"])
def test_empty_draft_abstains(draft: str) -> None:
    checked = run(draft, [TRADE])
    assert checked.abstained
    assert checked.sentences == 0


def test_all_sentences_unsupported_abstains() -> None:
    draft = "Pyongyang has 3 million people [1]. Paris hosted 9 leaders [2]."
    checked = run(draft, [TRADE, TRAIN])
    assert checked.abstained
    assert checked.text == ""
    assert checked.citations == []
    assert checked.removed == ["Pyongyang has 3 million people.", "Paris hosted 9 leaders."]
    assert checked.sentences == 2


def test_no_sources_abstains() -> None:
    checked = run("Kim's train left Beijing Railway Station on Thursday night [1].", [])
    assert checked.abstained
    assert checked.removed == ["Kim's train left Beijing Railway Station on Thursday night."]


def test_markers_alone_are_not_claims() -> None:
    checked = run("[1] [2]", [TRADE, TRAIN])
    assert checked.abstained
    assert checked.removed == []


# ---------------------------------------------------------------------------- formatting

TRAIN_CLAIM = "Kim's train left Beijing Railway Station on Thursday night"


@pytest.mark.parametrize(
    ("draft", "expected"),
    [
        (f"{TRAIN_CLAIM} [1].", f"{TRAIN_CLAIM} [1]."),
        (f"{TRAIN_CLAIM}.", f"{TRAIN_CLAIM} [1]."),
        (f"{TRAIN_CLAIM} [1]", f"{TRAIN_CLAIM} [1]."),
        (f"{TRAIN_CLAIM}", f"{TRAIN_CLAIM} [1]."),
        (f"{TRAIN_CLAIM} [1]!", f"{TRAIN_CLAIM} [1]!"),
        (f"Did {TRAIN_CLAIM} [1]?", f"Did {TRAIN_CLAIM} [1]?"),
        (f"{TRAIN_CLAIM}  [1] .", f"{TRAIN_CLAIM} [1]."),
        (
            "Kim's  train left Beijing Railway Station, on Thursday night [1] .",
            "Kim's train left Beijing Railway Station, on Thursday night [1].",
        ),
    ],
)
def test_marker_goes_before_the_final_punctuation(draft: str, expected: str) -> None:
    assert run(draft, [TRAIN]).text == expected


@pytest.mark.parametrize("gap", ["", " "])
def test_markers_after_the_full_stop(gap: str) -> None:
    draft = (
        f"China's exports to North Korea grew 33% to $1.05 billion.{gap}[1] "
        f"Kim's train left Beijing Railway Station on Thursday night.{gap}[2]"
    )
    checked = run(draft, [TRADE, TRAIN])
    assert checked.text == (
        "China's exports to North Korea grew 33% to $1.05 billion [1]. "
        "Kim's train left Beijing Railway Station on Thursday night [2]."
    )
    assert checked.sentences == 2


@pytest.mark.parametrize("quote", ['"', "”"])
def test_sentence_ending_in_a_quotation_gets_no_extra_full_stop(quote: str) -> None:
    opening = "“" if quote == "”" else '"'
    draft = f"Xi said the position {opening}will not change.{quote} [1]"
    checked = run(draft, [containing("This position will not change")])
    assert not checked.abstained
    assert checked.text.count(".") == 1
    assert checked.sentences == 1


# ------------------------------------------------------------------------------- support


@pytest.mark.parametrize(
    ("claim", "passage", "share"),
    [
        ("Xi met Kim in Beijing.", "Xi met Kim in Beijing on Thursday.", 1.0),
        ("Xi met Kim in Beijing.", "Kim left Beijing.", 0.5),
        ("Xi met Kim in Beijing.", "Nothing relevant here.", 0.0),
        ("Kim arrived in Beijing on Tuesday.", "Kim arrived on Monday.", 0.5),
        ("It is so.", "Anything.", 1.0),  # no content words to check
        ("Kim’s “visit”", 'Kim\'s "visit"', 1.0),
        ("Five times", "It was his fifth trip to China.", 0.5),  # five is "fifth" by value
        ("Six visits", "He made 6 visits.", 1.0),
        ("Five times", "It was his fourth trip to China.", 0.0),
    ],
)
def test_word_support(claim: str, passage: str, share: float) -> None:
    assert word_support(claim, passage) == pytest.approx(share)


def test_support_picks_the_shorter_passage_on_ties() -> None:
    span = support("Kim's train left Beijing Railway Station on Thursday night.", TRAIN)
    assert span is not None
    assert TRAIN.text[slice(*span)] == TRAIN_SENTENCE


def test_names_repeated_from_the_question_need_no_backing() -> None:
    source = Chunk(
        "d:0",
        "d",
        "T",
        "2025-09-04",
        0,
        0,
        60,
        "Kim arrived in Beijing on Tuesday accompanied by his daughter Kim Ju Ae.",
    )
    draft = "Kim Ju Ae accompanied Kim Jong Un when he arrived in Beijing [1]."
    question = "Who accompanied Kim Jong Un when he arrived in Beijing?"
    assert check(draft, [source], NOT_FOUND).abstained
    kept = check(draft, [source], NOT_FOUND, question)
    assert not kept.abstained and kept.citations[0].quote == source.text


def _article_chunk(position: int, text: str, doc: str = "a") -> Chunk:
    return Chunk(f"{doc}:{position}", doc, "T", "2025-09-04", position, 0, len(text), text)


FULL_NAME = _article_chunk(0, "North Korean leader Kim Jong Un met Xi Jinping in Beijing.")
SHORT_NAME = _article_chunk(1, "Kim arrived in Beijing on Tuesday, his first trip since 2019.")
OTHER_ARTICLE = _article_chunk(0, "Vladimir Putin attended the parade.", doc="b")


@pytest.mark.parametrize(
    ("draft", "kept"),
    [
        ("Kim Jong Un arrived in Beijing on Tuesday [2].", True),  # the article names him in full
        ("Xi Jinping arrived in Beijing on Tuesday [2].", False),  # another person of the article
        ("Vladimir Putin arrived in Beijing on Tuesday [2].", False),  # a name from elsewhere
    ],
)
def test_a_passage_may_shorten_a_name_its_article_gives_in_full(draft: str, kept: bool) -> None:
    checked = check(draft, [FULL_NAME, SHORT_NAME, OTHER_ARTICLE], NOT_FOUND, "When?")
    assert bool(checked.claims) is kept
    if kept:
        (citation,) = checked.citations
        assert citation.chunk is SHORT_NAME


def test_a_compound_sentence_may_cite_one_passage_a_clause() -> None:
    arrival = _article_chunk(0, "Kim arrived in Beijing on Tuesday by armoured train.")
    war = _article_chunk(1, "The alliance was forged in the Korean War.", doc="b")
    draft = "Kim arrived in Beijing on Tuesday, and the alliance was forged in the Korean War."
    checked = check(draft, [arrival, war], NOT_FOUND)
    assert checked.text.endswith("Korean War [1][2].")
    assert [c.chunk for c in checked.citations] == [arrival, war]
    # every clause must be backed: an invented one sinks the sentence
    invented = "Kim arrived in Beijing on Tuesday, and the alliance was forged in 1961."
    assert check(invented, [arrival, war], NOT_FOUND).abstained


def test_a_sentence_may_cite_its_parts_apart() -> None:
    """The draft's own markers split a sentence into parts, each held to the source it names."""
    arrival = _article_chunk(0, "Kim arrived in Beijing on Tuesday by armoured train.")
    meeting = _article_chunk(5, "On Wednesday, Kim met Vladimir Putin for talks.")
    draft = "Kim arrived in Beijing on Tuesday [1] and met Putin on Wednesday [2]."
    checked = check(draft, [arrival, meeting], NOT_FOUND)
    assert_consistent(checked, [arrival, meeting])
    assert checked.text == "Kim arrived in Beijing on Tuesday and met Putin on Wednesday [1][2]."
    assert [c.chunk for c in checked.citations] == [arrival, meeting]
    # a part no source backs sinks the sentence
    invented = "Kim arrived in Beijing on Tuesday [1] and met Putin on Friday [2]."
    assert check(invented, [arrival, meeting], NOT_FOUND).abstained


@pytest.mark.parametrize(
    ("draft", "kept"),
    [
        ("Kim Ju Ae is 2 years old [1].", False),  # "second" ranks a trip; it counts no years
        ("It was his second trip abroad in six years [1].", True),
        ("It was his 2nd trip abroad in six years [1].", True),
    ],
)
def test_a_count_is_not_backed_by_a_rank(draft: str, kept: bool) -> None:
    source = _article_chunk(0, "Kim Ju Ae came along, on his second trip abroad in six years.")
    assert bool(check(draft, [source], NOT_FOUND, "How old is Kim Ju Ae?").claims) is kept


@pytest.mark.parametrize(
    ("draft", "passage", "kept"),
    [
        # a duration is not an age
        ("Six years old [1].", "It was his second trip abroad in six years.", False),
        ("Kim Ju Ae is 6 years old [1].", "It was his second trip abroad in 6 years.", False),
        ("Kim Ju Ae is 12 years old [1].", "Kim Ju Ae, 12, came along.", True),
        ("Kim Ju Ae is twelve years old [1].", "The 12-year-old Kim Ju Ae came along.", True),
        ("Kim Ju Ae is 12 years old [1].", "Kim Ju Ae, aged 12, came along.", True),
        ("Kim Ju Ae is 13 years old [1].", "Kim Ju Ae, aged 12, came along.", False),
    ],
)
def test_an_age_is_backed_only_by_an_age(draft: str, passage: str, kept: bool) -> None:
    source = _article_chunk(0, passage)
    assert bool(check(draft, [source], NOT_FOUND, "How old is Kim Ju Ae?").claims) is kept


@pytest.mark.parametrize(
    ("draft", "passage", "question", "kept"),
    [
        # a count is not backed by a length of time, nor a length of time by a count
        ("Six times [1].", "It was his second trip abroad in six years.", "How often?", False),
        ("Six trips [1].", "It was his sixth trip to China.", "How many trips?", True),
        ("Five times [1].", "It was his fifth visit to China.", "How many visits?", True),
        ("Six years [1].", "It was his second trip abroad in six years.", "How long?", True),
        ("For 24 years [1].", "24 foreign leaders attended the parade.", "How long?", False),
        ("A 10-day visit [1].", "Kim began a 10-day visit to Russia.", "How long?", True),
        # the question's own numbers need no backing of their kind
        ("In six years, two trips [1].", "He made two trips abroad.", "In six years?", True),
    ],
)
def test_a_count_and_a_length_of_time_back_only_their_own_kind(
    draft: str, passage: str, question: str, kept: bool
) -> None:
    source = _article_chunk(0, passage)
    assert bool(check(draft, [source], NOT_FOUND, question).claims) is kept


def test_words_repeated_from_the_question_do_not_count_against_the_answer() -> None:
    passage = "Trade between China and Russia rose to a record $244.8 billion in 2024."
    claim = "The most recent full-year figure is $244.8 billion."
    question = "What is the most recent full-year figure for China–Russia trade?"
    assert word_support(claim, passage) < 0.5  # "most recent full-year figure" is not there
    assert word_support(claim, passage, question) == 1.0  # $244.8 billion is
    # a claim made only of the question's words is held to all of them
    assert word_support("The most recent figure.", passage, question) == 0.0


def test_a_distinctive_number_is_backed_whatever_words_are_beside_it() -> None:
    source = _article_chunk(0, "Trade between China and Russia rose to $244.8 billion in 2024.")
    draft = "Trade reached $244.8 billion, which covers 2024 [1]."
    assert check(draft, [source], NOT_FOUND, "Which year?").claims
    # it must still be there, with its unit and scale
    assert not check("Trade reached 244.8 tonnes [1].", [source], NOT_FOUND).claims
    assert not check("Trade reached $244.8 million [1].", [source], NOT_FOUND).claims


def test_the_articles_title_and_date_back_names_and_years() -> None:
    text = "Xi watched the parade on Red Square on Friday, May 9."
    source = Chunk("m:0", "m", "Putin hosts Xi in Moscow", "2025-05-09", 0, 0, len(text), text)
    assert check("Xi watched the parade on May 9, 2025 [1].", [source], NOT_FOUND).claims
    assert check("Xi watched the parade in Moscow [1].", [source], NOT_FOUND).claims
    assert not check("Xi watched the parade on May 9, 2024 [1].", [source], NOT_FOUND).claims
    assert not check("Xi watched the parade in Beijing [1].", [source], NOT_FOUND).claims


def test_a_date_copied_with_its_abbreviated_month_is_kept() -> None:
    text = "Kim's train left Beijing on Sept. 4, local time, Yonhap said."
    source = Chunk("y:0", "y", "Kim leaves Beijing", "2025-09-05", 0, 0, len(text), text)
    assert check("Kim's train left Beijing on Sept. 4 [1].", [source], NOT_FOUND).claims
    assert check("It left on September 4 [1].", [source], NOT_FOUND).claims
    assert not check("Kim's train left Beijing on Aug. 4 [1].", [source], NOT_FOUND).claims


def test_a_relative_day_backs_the_calendar_date_it_means() -> None:
    # a Thursday paper: "on Tuesday" is 2 September 2025, "will ... on Friday" 5 September
    text = "Kim arrived in Beijing on Tuesday with his daughter. Xi will host a dinner on Friday."
    source = Chunk("k:0", "k", "Kim in Beijing", "2025-09-04", 0, 0, len(text), text)
    checked = check("Kim arrived in Beijing on September 2, 2025 [1].", [source], NOT_FOUND)
    assert checked.claims and checked.citations[0].quote.startswith("Kim arrived")
    assert check("Tuesday, Sept. 2 [1].", [source], NOT_FOUND, "When did Kim arrive?").claims
    assert check("Xi will host a dinner on September 5 [1].", [source], NOT_FOUND).claims
    for wrong in ("September 3, 2025", "September 4, 2025", "Tuesday, August 26"):
        assert not check(f"Kim arrived in Beijing on {wrong} [1].", [source], NOT_FOUND).claims
    undated = dataclasses.replace(source, date=None)
    assert not check("Kim arrived in Beijing on September 2 [1].", [undated], NOT_FOUND).claims


def test_the_articles_date_does_not_back_a_year_the_passage_contradicts() -> None:
    text = "Trade rose to $244.8 billion in 2024, customs data showed."
    source = Chunk("t:0", "t", "Trade record", "2025-01-13", 0, 0, len(text), text)
    assert check("Trade rose to $244.8 billion in 2024 [1].", [source], NOT_FOUND).claims
    assert not check("Trade rose to $244.8 billion in 2025 [1].", [source], NOT_FOUND).claims


FERRIES = _article_chunk(0, "It is the third cut to the ferries since 2019, the council said.")
YEARS = _article_chunk(1, "The ferries have run at night for three years.", doc="b")


def test_a_count_keeps_its_head_when_only_its_reason_is_unbacked() -> None:
    checked = check("Three: the vote in May was the third cut [1].", [FERRIES], NOT_FOUND)
    assert checked.text == "Three [1]." and checked.claims == ["Three"]
    assert checked.removed == ["the vote in May was the third cut."]
    assert checked.citations[0].quote.startswith("It is the third cut")
    backed = check(
        "Three: it is the third cut to the ferries since 2019 [1].", [FERRIES], NOT_FOUND
    )
    assert backed.text == "Three: it is the third cut to the ferries since 2019 [1]."


@pytest.mark.parametrize(
    "draft",
    [
        "Three: the ferries ran for three years in May [2].",  # a length of time is no count
        "Three: the vote in May was the third cut [2].",  # the cited source does not state it
        "Four: the vote in May was the fourth cut [1].",  # the source's count is another
        "Yes: the vote in May was a cut [1].",  # no count
        "The ferries: cut for the third time in May [1].",  # no count in the head
    ],
)
def test_a_head_is_kept_only_as_a_count_its_cited_source_states(draft: str) -> None:
    assert check(draft, [FERRIES, YEARS], NOT_FOUND).abstained
