"""Sources that disagree with an answer on a number, said in the answer (rag.conflicts)."""

from __future__ import annotations

from rag import conflicts
from rag.chunk import Chunk
from rag.cite import Citation


def source(doc_id: str, text: str, date: str = "2025-09-04") -> Chunk:
    return Chunk(f"{doc_id}:0", doc_id, f"Title {doc_id}", date, 0, 0, len(text), text)


AP = source("ap", "Leaders of 26 countries attended the parade in Beijing. Kim arrived on Tuesday.")
WIRE = source("wire", "Leaders from 25 countries attended the parade in Beijing.", "2025-09-05")
TRADE = source("trade", "Exports grew 33% to $1.05 billion in the first half of 2025.")
PARADE = "How many countries' leaders attended the parade in Beijing?"


def cite(chunk: Chunk, quote: str, marker: int = 1) -> Citation:
    start = chunk.text.index(quote)
    return Citation(marker, chunk, quote, start, start + len(quote))


def test_another_article_giving_another_count_is_a_conflict() -> None:
    quote = "Leaders of 26 countries attended the parade in Beijing."
    text = "Leaders of 26 countries attended the parade [1]."
    (conflict,) = conflicts.find(text, [cite(AP, quote)], [AP, WIRE, TRADE], PARADE)
    assert (conflict.stated, conflict.other.doc_id, conflict.other_value) == ("26", "wire", "25")
    assert conflict.other_quote == "Leaders from 25 countries attended the parade in Beijing."
    assert conflict.cited.chunk.doc_id == "ap"


def test_agreeing_unrelated_or_same_article_numbers_are_no_conflict() -> None:
    quote = "Leaders of 26 countries attended the parade in Beijing."
    agreeing = source("wire", "Leaders from 26 countries attended the parade in Beijing.")
    text = "Leaders of 26 countries attended the parade [1]."
    assert conflicts.find(text, [cite(AP, quote)], [AP, agreeing, TRADE], PARADE) == []
    # the cited article itself is never a conflicting source
    assert conflicts.find(text, [cite(AP, quote)], [AP], PARADE) == []
    # a sentence without markers cites nothing to compare
    assert conflicts.find("Leaders of 26 countries attended.", [], [AP, WIRE], PARADE) == []


def test_a_different_number_on_another_topic_is_no_conflict() -> None:
    quote = "Exports grew 33% to $1.05 billion in the first half of 2025."
    other = source("wire", "Imports grew 20% to $210 million in the first half of 2025.")
    text = "Exports grew 33% in the first half of 2025 [1]."
    question = "By how much did exports grow in the first half of 2025?"
    # 20% is a share as 33% is, but of imports: the sentence lacks the question's "exports"
    assert conflicts.find(text, [cite(TRADE, quote)], [TRADE, other], question) == []
    same_topic = source("wire", "Exports grew 30% in the first half of 2025, customs said.")
    (conflict,) = conflicts.find(text, [cite(TRADE, quote)], [TRADE, same_topic], question)
    assert (conflict.stated, conflict.other_value) == ("33%", "30%")


def test_an_amount_on_the_topic_of_the_sentence_before_it_is_a_conflict() -> None:
    cited = source("customs", "Trade between China and North Korea rose to $2.3 billion in 2023.")
    other = source(
        "seed",
        "China's exports to North Korea grew 33% in the first half of 2025. "
        "The bilateral trade climbed to around $2.2 billion at the end of 2023.",
    )
    question = "What was the value of China–North Korea trade in 2023?"
    (conflict,) = conflicts.find("$2.3 billion [1].", [cite(cited, cited.text)], [other], question)
    assert (conflict.stated, conflict.other_value) == ("$2.3 billion", "$2.2 billion")
    assert conflict.other_quote.startswith("The bilateral trade climbed")


def test_another_year_or_another_place_is_no_conflict() -> None:
    cited = source("customs", "Trade between China and North Korea rose to $2.3 billion in 2023.")
    earlier = source("old", "Trade between China and North Korea rose to $2.8 billion in 2019.")
    question = "What was the value of China–North Korea trade in 2023?"
    assert conflicts.find("$2.3 billion [1].", [cite(cited, cited.text)], [earlier], question) == []
    moscow = source("moscow", "Twenty-seven foreign leaders attended the parade, the Kremlin said.")
    beijing = source("beijing", "Twenty-four foreign leaders attended the parade in Beijing.")
    question = "How many foreign leaders attended Moscow's parade?"
    quote = cite(moscow, moscow.text)
    assert conflicts.find("Twenty-seven [1].", [quote], [beijing], question) == []


def test_a_rank_is_no_conflict_for_a_count() -> None:
    cited = source("a", "Kim has made five trips to China, officials said.")
    question = "How many trips to China has Kim made?"
    ranked = source("b", "Kim made his third of several trips to China, officials said.")
    assert conflicts.find("Five trips [1].", [cite(cited, cited.text)], [ranked], question) == []
    counted = source("b", "Kim made four of several trips to China, officials said.")
    (conflict,) = conflicts.find("Five trips [1].", [cite(cited, cited.text)], [counted], question)
    assert (conflict.stated, conflict.other_value) == ("five", "four")


SEED = source(
    "seed",
    "Kim is in Beijing-his fifth trip to China-where he attended on Wednesday a military parade "
    "marking the 80th anniversary of World War II, alongside Xi, Russian President Vladimir "
    "Putin, and 26 foreign leaders.",
)
OTHER = source(
    "other",
    "Twenty-four foreign leaders attended Wednesday's military parade in Beijing.",
    "2025-09-05",
)
QUESTION = "How many foreign leaders attended the Beijing military parade?"


def test_a_terse_answer_in_words_takes_its_words_from_its_quote() -> None:
    quote = "Twenty-four foreign leaders attended Wednesday's military parade in Beijing."
    (conflict,) = conflicts.find("Twenty-four [1].", [cite(OTHER, quote)], [OTHER, SEED], QUESTION)
    assert (conflict.stated, conflict.other.doc_id, conflict.other_value) == (
        "twenty-four",
        "seed",
        "26",
    )
    # and the other way round: the answer gives the digits, the other article the words
    quote = SEED.text
    (conflict,) = conflicts.find("26 [1].", [cite(SEED, quote)], [SEED, OTHER], QUESTION)
    assert (conflict.stated, conflict.other_value) == ("26", "twenty-four")


def test_a_terse_answer_on_another_topic_or_agreeing_is_no_conflict() -> None:
    quote = "Twenty-four foreign leaders attended Wednesday's military parade in Beijing."
    agreeing = source("seed", SEED.text.replace("26", "24"))
    assert conflicts.find("Twenty-four [1].", [cite(OTHER, quote)], [agreeing], QUESTION) == []
    unrelated = "How many soldiers marched in the Beijing parade?"
    assert conflicts.find("Twenty-four [1].", [cite(OTHER, quote)], [SEED], unrelated) == []
    # "one" is too common a word to be read as a count
    single = source("seed", "One foreign leader left the military parade in Beijing early.")
    assert conflicts.find("Twenty-four [1].", [cite(OTHER, quote)], [single], QUESTION) == []


def test_without_a_topic_no_conflict_is_claimed() -> None:
    quote = "Twenty-four foreign leaders attended Wednesday's military parade in Beijing."
    assert conflicts.find("Twenty-four [1].", [cite(OTHER, quote)], [SEED]) == []
    assert conflicts.find("Twenty-four [1].", [cite(OTHER, quote)], [SEED], "How many?") == []


def test_the_answer_gives_each_figure_with_its_marker_and_date() -> None:
    quote = "Twenty-four foreign leaders attended Wednesday's military parade in Beijing."
    citations = [cite(OTHER, quote)]
    found = conflicts.find("Twenty-four [1].", citations, [OTHER, SEED], QUESTION)
    text, cited = conflicts.cite_others("Twenty-four [1].", citations, found)
    assert text == (
        "Twenty-four [1]. The sources differ: [1] (2025-09-05) gives twenty-four, "
        "[2] (2025-09-04) gives 26."
    )
    assert [(c.marker, c.chunk.doc_id) for c in cited] == [(1, "other"), (2, "seed")]
    assert SEED.text[cited[1].quote_start : cited[1].quote_end] == cited[1].quote == SEED.text
    # nothing found, nothing said
    unchanged = ("Twenty-four [1].", citations)
    assert conflicts.cite_others("Twenty-four [1].", citations, []) == unchanged


def test_a_year_needs_the_word_the_question_asks_about() -> None:
    cited = source("a", "Kim and Putin first met in 2019, officials said.")
    other = source("b", "Kim and Putin first met in 2018, officials said.")
    asked = "In what year did Kim and Putin first meet?"  # "meet" is not "met"
    assert conflicts.find("In 2019 [1].", [cite(cited, cited.text)], [other], asked) == []
    asked = "In what year did Kim and Putin first say they met?"
    (conflict,) = conflicts.find("In 2019 [1].", [cite(cited, cited.text)], [other], asked)
    assert (conflict.stated, conflict.other_value) == ("2019", "2018")
