"""rag.answer: dating an answer from its citations, and the decisions to answer or abstain
(a scripted model and store: the real ones are exercised by tests/test_ask.py)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from rag import evidence, prompts
from rag.answer import (
    FOLLOW_UP_SENTENCES,
    Answerer,
    Token,
    absolute_dates,
    newest_date,
    spelled_out,
)
from rag.chat import Generation
from rag.chunk import Chunk
from rag.cite import Citation
from rag.config import Settings
from rag.retrieve import Hit


def cited(marker: int, date: str | None, text: str = "Kim arrived on Tuesday.") -> Citation:
    source = Chunk(f"d{marker}:0", f"d{marker}", "Title", date, 0, 0, len(text), text)
    return Citation(marker, source, text, 0, len(text))


def test_newest_date_of_the_cited_articles() -> None:
    assert newest_date([cited(1, "2025-09-04"), cited(2, None), cited(3, "2025-09-05")]) == (
        "2025-09-05"
    )
    assert newest_date([cited(1, None)]) is None
    assert newest_date([]) is None


def test_relative_dates_resolve_against_the_article_each_sentence_cites() -> None:
    text = "Kim arrived on Tuesday [1]. The parade was on Wednesday [2]. He left Friday."
    found = absolute_dates(text, [cited(1, "2025-09-04"), cited(2, "2025-09-11")])
    assert [(r.text, r.value) for r in found] == [
        ("Tuesday", "2 September 2025"),
        ("Wednesday", "10 September 2025"),
    ]  # the uncited sentence has no publication date to resolve against
    assert [text[r.start : r.end] for r in found] == ["Tuesday", "Wednesday"]


def test_an_undated_article_resolves_nothing() -> None:
    assert absolute_dates("Kim arrived on Tuesday [1].", [cited(1, None)]) == []


# ------------------------------------------------- the answering logic, with a scripted model


class ScriptedModel:
    """Replies with a fixed draft and a fixed P(yes); counts a token per word."""

    name = file = "scripted.gguf"
    sha256 = "0" * 64
    n_ctx = 4096

    def __init__(self, draft: str, yes: float) -> None:
        self.draft, self.yes = draft, yes

    def count_tokens(self, messages: list[dict[str, str]]) -> int:
        return sum(len(m["content"].split()) for m in messages)

    def forget(self) -> None: ...

    def generate(self, messages: list[dict[str, str]], max_tokens: int) -> Generation:
        return Generation(iter([self.draft]))

    def warm(self, messages: list[dict[str, str]]) -> None:
        self.warmed = messages

    def yes_probability(self, messages: list[dict[str, str]]) -> float:
        return self.yes


class SameVectors:
    """Every text embeds to one vector: every similarity is 1."""

    def encode(self, texts: list[str]) -> list[list[float]]:
        return [[1.0, 0.0] for _ in texts]


class OneChunkStore:
    def __init__(self, settings: Settings) -> None:
        self.settings, self.embedder = settings, SameVectors()

    def count(self) -> int:
        return 1


PASSAGE = "Kim Jong Un arrived in Beijing on Tuesday. He travelled by armoured train."
SOURCE = Chunk("a:0", "a", "Kim in Beijing", "2025-09-04", 0, 0, len(PASSAGE), PASSAGE)


def answerer(
    draft: str, yes: float, similarity: float = 0.6, sources: tuple[Chunk, ...] = (SOURCE,)
) -> Answerer:
    settings = Settings(model="scripted")  # no calibration ships for it: confidence = P(yes)
    hits = [Hit(source, rank, 0.03, similarity) for rank, source in enumerate(sources, 1)]
    return Answerer(
        settings,
        store=OneChunkStore(settings),  # type: ignore[arg-type]
        model=ScriptedModel(draft, yes),
        retriever=SimpleNamespace(retrieve=lambda query: hits),  # type: ignore[arg-type]
    )


def test_a_verified_answer_the_judge_believes_is_given_with_its_confidence() -> None:
    answer = answerer("Kim arrived in Beijing on Tuesday [1].", yes=0.9).ask("When did Kim arrive?")
    assert not answer.abstained and answer.abstain_reason == ""
    assert answer.text == "Kim arrived in Beijing on Tuesday [1]. (Tuesday: 2 September 2025.)"
    assert answer.confidence == 0.9 and answer.signals["judge"] == 0.9
    assert answer.as_of == "2025-09-04"
    assert [(r.text, r.value) for r in answer.resolved_dates] == [("Tuesday", "2 September 2025")]


def article(doc_id: str, title: str, date: str | None, text: str) -> Chunk:
    """An article of one passage."""
    return Chunk(f"{doc_id}:0", doc_id, title, date, 0, 0, len(text), text)


def test_another_article_giving_another_figure_is_said_and_cited_in_the_answer() -> None:
    ours = "Twenty-four foreign leaders attended the parade in Beijing."
    theirs = "Kim attended the parade in Beijing alongside 26 foreign leaders."
    sources = (
        article("a", "Guest list", "2025-09-05", ours),
        article("b", "Kim in Beijing", "2025-09-04", theirs),
    )
    scripted = answerer("Twenty-four [1].", yes=0.9, sources=sources)
    question = "How many foreign leaders attended the parade in Beijing?"
    events = list(scripted.stream(question))
    answer = events[-1]
    assert answer.text == (
        "Twenty-four [1]. The sources differ: [1] (2025-09-05) gives twenty-four, "
        "[2] (2025-09-04) gives 26."
    )
    assert "".join(e.text for e in events if isinstance(e, Token)) == answer.text
    assert [(c.marker, c.chunk.doc_id, c.quote) for c in answer.citations] == [
        (1, "a", ours),
        (2, "b", theirs),
    ]
    (conflict,) = answer.conflicts
    assert (conflict.stated, conflict.other_value) == ("twenty-four", "26")
    # declined, the answer says nothing of either figure
    declined = answerer("Twenty-four [1].", yes=0.2, sources=sources).ask(question)
    assert declined.abstained and declined.conflicts == [] and "differ" not in declined.text


def test_an_answer_citing_an_article_that_never_mentions_a_name_of_the_question_abstains() -> None:
    dalian = "Kim met Xi in Dalian in May, his second trip to China this year."
    june = "Kim ended a visit to Beijing in June, his third trip to China this year."
    sources = (
        article("a", "Kim in Dalian", "2018-05-09", dalian),
        article("b", "Kim in Beijing", "2018-06-20", june),
    )
    question = "By the time he went to Dalian, how many trips to China had Kim made that year?"
    answer = answerer("Three trips [2].", yes=0.99, sources=sources).ask(question)
    assert answer.abstained and answer.abstain_reason == "no cited article mentions Dalian"
    assert answer.confidence is None  # the judge was not asked
    right = answerer("Two trips [1].", yes=0.99, sources=sources).ask(question)
    assert not right.abstained and right.text == "Two trips [1]."


def test_low_confidence_abstains_and_quotes_the_closest_sentence() -> None:
    answer = answerer("Kim arrived in Beijing on Tuesday [1].", yes=0.2).ask("When did Kim arrive?")
    assert answer.abstained and answer.abstain_reason == "confidence 0.20 is below 0.60"
    assert answer.confidence == 0.2  # still reported: it is why the answer abstained
    assert answer.candidate == "Kim arrived in Beijing on Tuesday [1]."
    (closest,) = answer.citations
    assert closest.quote in PASSAGE and f"[1]: “{closest.quote}”" in answer.text
    assert answer.as_of is None and answer.resolved_dates == []


@pytest.mark.parametrize(
    ("draft", "similarity", "reason"),
    [
        ("NOT IN SOURCES", 0.6, "the model found no answer in the sources"),
        ("Kim flew to Paris on Monday [1].", 0.6, "no sentence of the draft is backed"),
        ("Kim arrived in Beijing [1].", 0.6, "the answer holds no time"),
        ("Kim arrived in Beijing on Tuesday [1].", 0.1, "no passage is close to the question"),
    ],
)
def test_each_check_can_decline(draft: str, similarity: float, reason: str) -> None:
    answer = answerer(draft, yes=0.99, similarity=similarity).ask("When did Kim arrive?")
    assert answer.abstained and answer.abstain_reason.startswith(reason)
    assert "judge" not in answer.signals and answer.confidence is None


def test_a_question_about_someone_no_passage_mentions_is_declined_without_a_draft() -> None:
    scripted = answerer("Emmanuel Macron praised the train [1].", yes=0.99)
    answer = scripted.ask("What did Emmanuel Macron say about Kim's trip?")
    assert answer.abstained
    assert answer.abstain_reason == "no article found mentions Emmanuel Macron"
    assert answer.text.startswith("The articles don't mention Emmanuel Macron, so I won't guess.")
    assert answer.draft == "" and answer.confidence is None  # the model was not asked
    (closest,) = answer.citations
    assert closest.quote in PASSAGE


def test_the_time_to_the_first_shown_text_is_reported() -> None:
    """`first_text`: from the question to the first verified text the reader sees (the model's
    own `ttft` counts from the draft request); an answer that shows no text has none."""
    answer = answerer("Kim arrived in Beijing on Tuesday [1].", yes=0.9).ask("When did Kim arrive?")
    assert 0 <= answer.timings_ms["first_text"] <= answer.timings_ms["total"]
    declined = answerer("Kim flew to Paris on Monday [1].", yes=0.9).ask("When did Kim arrive?")
    assert "first_text" not in declined.timings_ms


def test_warm_has_the_model_read_the_instructions_every_answer_begins_with() -> None:
    scripted = answerer("Kim arrived in Beijing on Tuesday [1].", yes=0.9)
    scripted.warm()
    warmed = scripted.model.warmed  # type: ignore[attr-defined]
    assert warmed == prompts.instructions(examples=True)  # the default: with worked examples
    asked = prompts.answer_messages("When did Kim arrive?", [SOURCE], examples=True)
    assert asked[: len(warmed)] == warmed


class RecordingModel(ScriptedModel):
    def __init__(self, draft: str, yes: float) -> None:
        super().__init__(draft, yes)
        self.prompts: list[list[dict[str, str]]] = []

    def generate(self, messages: list[dict[str, str]], max_tokens: int) -> Generation:
        self.prompts.append(messages)
        return super().generate(messages, max_tokens)

    def yes_probability(self, messages: list[dict[str, str]]) -> float:
        self.judged = messages[-1]["content"]
        return super().yes_probability(messages)


JUDGE_ASKS = "Do the passages contain the answer to this exact question? Reply yes or no."


def test_the_judge_reads_each_cited_quote_under_its_article_title_and_date() -> None:
    scripted = answerer("Kim arrived in Beijing on Tuesday [1].", yes=0.9)
    model = scripted._model = RecordingModel("Kim arrived in Beijing on Tuesday [1].", 0.9)
    scripted.ask("When did Kim arrive?")
    assert "Kim in Beijing (2025-09-04): Kim Jong Un arrived in Beijing on Tuesday." in model.judged


def visit_answerer(model: RecordingModel, chooser: evidence.Chooser | None = None) -> Answerer:
    """An answerer over nine one-sentence passages of a visit ("Kim Ju Ae arrived on day N");
    "Who came with Kim?" finds days 1-6, its follow-up "What did she do?" days 4-9."""
    texts = [f"Kim Ju Ae arrived on day {n} of the visit to Beijing." for n in range(1, 10)]
    chunks = [
        Chunk(f"a:{n}", "a", "Visit", "2025-09-04", n, 100 * n, 100 * n + len(t), t)
        for n, t in enumerate(texts)
    ]
    hits = {  # what each query finds
        "Who came with Kim?": [Hit(c, n, 0.03, 0.6) for n, c in enumerate(chunks[:6], 1)],
        "Who came with Kim? What did she do?": [
            Hit(c, n, 0.03, 0.6) for n, c in enumerate(chunks[3:], 1)
        ],
    }
    settings = Settings(model="scripted")
    return Answerer(
        settings,
        store=OneChunkStore(settings),  # type: ignore[arg-type]
        model=model,
        retriever=SimpleNamespace(retrieve=hits.__getitem__),  # type: ignore[arg-type]
        chooser=chooser,
    )


def asked_who_came(answerer: Answerer) -> list[dict[str, str]]:
    """The history after asking "Who came with Kim?"."""
    first = answerer.ask("Who came with Kim?")
    return [
        {"role": "user", "content": first.question},
        {"role": "assistant", "content": first.text},
    ]


def test_a_follow_up_reads_the_previous_sources_first_and_few_new_ones() -> None:
    """No model call rewrites a follow-up: it is searched after the previous question, and its
    prompt begins with the previous prompt's sources (the model resumes from that cached
    state), adding those of its best FOLLOW_UP_SENTENCES sentences that were not read."""
    model = RecordingModel("Kim Ju Ae arrived on day 1 of the visit [1].", 0.9)
    answerer = visit_answerer(model)
    follow_up = answerer.ask("What did she do?", asked_who_came(answerer))
    assert follow_up.query == "Who came with Kim? What did she do?"
    assert len(model.prompts) == 2  # one draft each: nothing rewrote the follow-up
    before, after = (prompt[-1]["content"] for prompt in model.prompts)
    assert after.startswith(before.split("\n\nQuestion:")[0])
    # its two best sentences (all score alike here, so in retrieval order) are days 4 and 5;
    # day 4 was read already, so day 5 is the one new source, and day 6 is not read
    assert FOLLOW_UP_SENTENCES == 2
    assert before.count("\n[") == 4 and "day 4 " in before
    assert after.count("\n[") == 5
    assert "[5] Kim Ju Ae arrived on day 5 " in after and "day 6 " not in after
    # the model reads the follow-up with the exchange it follows, so that it can tell who
    # "she" is; the judge is asked about the follow-up alone: passages that answer the
    # earlier question are no answer to this one
    follows = (
        "Question: What did she do?\n(This follows the question “Who came with Kim?”, "
        "answered “Kim Ju Ae arrived on day 1 of the visit.”)"
    )
    assert after.endswith(follows)
    assert model.judged.endswith("Question: What did she do?\n\n" + JUDGE_ASKS)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("On Tuesday [1].", " (Tuesday: 2 September 2025.)"),
        ("On Tuesday, September 2 [1].", ""),  # the day is given already
        ("On Tuesday [1], and again on Tuesday [1].", " (Tuesday: 2 September 2025.)"),  # once
        ("In Beijing [1].", ""),
    ],
)
def test_a_when_answer_gives_its_relative_dates_absolute(text: str, expected: str) -> None:
    assert spelled_out(text, absolute_dates(text, [cited(1, "2025-09-04")])) == expected
