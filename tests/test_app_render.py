"""The chat's HTML helpers and wiring, without a browser, a store or a model."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from rag import app, conflicts, dates
from rag.answer import Answer, Status, Token
from rag.chunk import Chunk
from rag.cite import Citation
from rag.config import Settings
from rag.errors import InputError
from rag.retrieve import Hit
from rag.store import ArticleInfo, SyncReport

EVIL = '<script>window.__pwned=1</script> and <img src=x onerror="window.__pwned=2">'
TEXT = f"Kim arrived on Tuesday with Kim Ju Ae. {EVIL} Xi hosted him."


def chunk(chunk_id: str, text: str = TEXT, **extra: Any) -> Chunk:
    doc_id = chunk_id.split(":")[0]
    fields = {"title": f"Title of {doc_id}", "date": "2025-09-04", "source": None, "url": None}
    fields |= extra
    return Chunk(chunk_id, doc_id, position=0, start=0, end=len(text), text=text, **fields)


def citation(marker: int, c: Chunk, quote: str) -> Citation:
    start = c.text.index(quote)
    return Citation(marker, c, quote, start, start + len(quote))


def hit(c: Chunk, rank: int) -> Hit:
    return Hit(c, rank, 1 / (60 + rank), 0.5)


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


def tags(markup: str) -> set[str]:
    return {t.lower() for t in re.findall(r"<([a-zA-Z][a-zA-Z0-9]*)", markup)}


SAFE_TAGS = {
    "div",
    "p",
    "span",
    "mark",
    "details",
    "summary",
    "ol",
    "ul",
    "li",
    "dl",
    "dt",
    "dd",
    "br",
    "b",
    "code",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "strong",
}


def test_article_and_model_markup_is_escaped() -> None:
    evil_chunk = chunk("d1:0", title=f"Title {EVIL}", source="<b>Outlet</b>")
    cited = citation(1, evil_chunk, "Kim arrived on Tuesday with Kim Ju Ae.")
    other = chunk("d2:0", text=f"Other passage {EVIL}")
    html = app.render_answer(
        answer(
            text=f"Kim Ju Ae came {EVIL} [1].",
            citations=[cited],
            retrieved=[hit(evil_chunk, 1), hit(other, 2)],
            query=f"Who came {EVIL}",
            removed=[EVIL],
        )
    )
    assert tags(html) <= SAFE_TAGS
    assert "onerror=" not in html.replace("onerror=&quot;", "")
    assert "&lt;script&gt;window.__pwned=1&lt;/script&gt;" in html
    assert "&lt;b&gt;Outlet&lt;/b&gt;" in html
    streaming = app.streaming_html("Writing…", EVIL)
    assert tags(streaming) <= SAFE_TAGS
    assert tags(app.error_html(EVIL)) <= SAFE_TAGS
    assert tags(app.user_html(EVIL)) <= SAFE_TAGS


def test_markers_link_to_their_citation_with_the_quote_highlighted() -> None:
    c = chunk("d1:0")
    cited = citation(1, c, "Kim arrived on Tuesday with Kim Ju Ae.")
    html = app.link_markers("She came [1]. Unknown [7].", [cited])
    assert html.count('class="rag-cite rag-cite-1"') == 1
    assert "[7]" in html and "rag-cite-7" not in html
    assert '<mark class="rag-quote">Kim arrived on Tuesday with Kim Ju Ae.</mark>' in html
    assert "Title of d1" in html and "2025-09-04" in html


def test_highlight_uses_the_quote_offsets() -> None:
    assert app.highlighted("a <b> c", 2, 5) == 'a <mark class="rag-quote">&lt;b&gt;</mark> c'
    assert app.highlighted("line one\nline two", 0, 4) == (
        '<mark class="rag-quote">line</mark> one<br>line two'
    )
    assert app.highlighted("text", 3, 3) == "text"


def test_only_cited_sources_are_listed_and_others_are_collapsed() -> None:
    cited_a = chunk("a:0")
    cited_b = chunk("b:0", text="Xi hosted him in Beijing.", source="Reuters")
    uncited = chunk("c:0", text="Weather was mild.")
    citations = [
        citation(2, cited_b, "Xi hosted him in Beijing."),
        citation(1, cited_a, "Kim arrived on Tuesday with Kim Ju Ae."),
    ]
    html = app.render_answer(
        answer(
            text="Kim came [1]. Xi hosted him [2].",
            citations=citations,
            retrieved=[hit(uncited, 1), hit(cited_a, 2), hit(cited_b, 3)],
        )
    )
    sources, _, rest = html.partition('<details class="rag-other">')
    listed = re.findall(r'<li class="rag-source"><details><summary><span class="rag-n">(\d+)', html)
    assert listed == ["1", "2"]
    assert "Weather was mild." not in sources
    assert "Other retrieved passages (1)" in rest and "Weather was mild." in rest
    assert "Reuters" in sources


def test_abstention_shows_the_closest_passages() -> None:
    hits = [hit(chunk(f"d{i}:0", text=f"Passage {i}."), i) for i in range(1, 6)]
    html = app.render_answer(
        answer(
            text="The articles don't say, so I won't guess.",
            abstained=True,
            confidence=None,
            retrieved=hits,
        )
    )
    assert "The articles don&#x27;t say" in html
    assert "Closest passages found" in html
    assert [f"Passage {i}." in html for i in range(1, 6)] == [True] * 3 + [False] * 2
    assert 'class="rag-sources"' not in html


def test_answer_says_as_of_when_and_resolves_relative_dates() -> None:
    source = chunk("d1:0", text="Kim arrived on Tuesday.")
    text = "Kim arrived on Tuesday [1]."
    resolved = dates.Resolved(15, 22, "Tuesday", "2 September 2025")
    html = app.render_answer(
        answer(
            text=text,
            citations=[citation(1, source, "Kim arrived on Tuesday.")],
            as_of="2025-09-04",
            resolved_dates=[resolved],
        )
    )
    assert "As of 2025-09-04, the date of the newest cited article" in html
    assert "Tuesday = 2 September 2025" in html
    assert 'class="rag-dating"' not in app.render_answer(answer(text=text))


def test_a_cited_passage_lists_its_syndicated_copies() -> None:
    original = chunk("d1:0", text="Kim arrived on Tuesday.")
    wire = chunk("d2:0", text="Kim arrived on Tuesday.", title="Wire <b>copy</b>")
    cited = citation(1, original, "Kim arrived on Tuesday.")
    found = Hit(original, 1, 0.03, 0.5, copies=(wire,))
    html = app.sources_html([cited], [found])
    assert "Same passage also in:" in html and "Wire &lt;b&gt;copy&lt;/b&gt;" in html
    assert "Same passage also in:" not in app.sources_html([cited], [hit(original, 1)])


def test_conflicting_sources_are_shown_with_their_dates() -> None:
    ours = chunk("d1:0", text="Leaders of 26 countries came.")
    theirs = chunk("d2:0", text="Leaders of 25 countries came.", date="2025-09-05")
    cited = citation(1, ours, "Leaders of 26 countries came.")
    clash = conflicts.Conflict(
        "Leaders of 26 countries came.", "26", cited, theirs, "Leaders of 25 countries came.", "25"
    )
    html = app.render_answer(
        answer(text="Leaders of 26 countries came [1].", citations=[cited], conflicts=[clash])
    )
    assert "Sources differ" in html
    assert "(2025-09-04) says <b>26</b>" in html and "2025-09-05" in html
    assert "says <b>25</b>" in html


def test_abstention_links_its_closest_sentence_and_says_why() -> None:
    source = chunk("d1:0", text="Kim arrived on Tuesday. He met Xi.")
    quote = "Kim arrived on Tuesday."
    result = answer(
        text=f"The articles don't say, so I won't guess. The closest they come is [1]: “{quote}”",
        abstained=True,
        abstain_reason="the answer holds no quantity",
        citations=[citation(1, source, quote)],
        retrieved=[hit(source, 1)],
    )
    html = app.render_answer(result)
    assert 'class="rag-cite rag-cite-1"' in html
    assert "Closest passages found" in html
    assert "Why it abstained" in app.details_html(result)
    assert "the answer holds no quantity" in app.details_html(result)


def test_details_show_the_rewritten_query_timings_and_notes() -> None:
    html = app.details_html(
        answer(
            query="When did Kim Ju Ae arrive?",
            question="When did she arrive?",
            removed=["A made-up sentence."],
            timings_ms={"rewrite": 500.0, "retrieve": 100.0, "ttft": 1500.0, "total": 4000.0},
        )
    )
    assert "Searched for" in html and "When did Kim Ju Ae arrive?" in html
    assert "rewrite 500 ms" in html and "retrieve 100 ms" in html
    assert "first token 1.5 s" in html and "total 4.0 s" in html
    assert "prompt 1000" in html and "completion 40" in html and "model.gguf" in html
    assert "1 sentence(s) removed" in html and "A made-up sentence." in html
    assert "Searched for" not in app.details_html(answer())


def test_history_turns_are_plain_text() -> None:
    assert app.plain_text("Kim came [1][2]. Xi said so [3, 4].") == "Kim came. Xi said so."


def test_stage_text() -> None:
    assert app.stage_text("reading", 6) == "Reading 6 sources…"
    assert app.stage_text("reading", 1) == "Reading 1 source…"
    assert app.stage_text("searching").startswith("Searching")


def test_upload_names_and_limits(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data", max_upload_bytes=100)
    assert app.upload_name("../../etc/My Story (1).TXT") == "My_Story_1.txt"
    small = tmp_path / "evil name.md"
    small.write_text("---\ntitle: T\n---\nBody.", encoding="utf-8")
    saved = app.save_upload(small, settings)
    assert saved == settings.uploads_dir / "evil_name.md" and saved.read_text().endswith("Body.")
    big = tmp_path / "big.txt"
    big.write_text("x" * 101, encoding="utf-8")
    with pytest.raises(InputError, match="limit"):
        app.save_upload(big, settings)
    exe = tmp_path / "run.sh"
    exe.write_text("echo", encoding="utf-8")
    with pytest.raises(InputError, match="unsupported type"):
        app.save_upload(exe, settings)


def test_removing_an_article_deletes_only_its_upload(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    settings.uploads_dir.mkdir()
    (settings.uploads_dir / "story.txt").write_text("x")
    (settings.uploads_dir / "feed.jsonl").write_text("x")
    assert app.uploaded_file("story", settings, []) == settings.uploads_dir / "story.txt"
    assert app.uploaded_file("feed_1", settings, ["feed_2"]) is None
    assert app.uploaded_file("feed_1", settings, []) == settings.uploads_dir / "feed.jsonl"
    assert app.uploaded_file("seed", settings, []) is None


class FakeStore:
    def __init__(self) -> None:
        self.docs: dict[str, ArticleInfo] = {}

    def articles(self) -> list[ArticleInfo]:
        return list(self.docs.values())

    def sync(self, articles: Sequence[Any]) -> SyncReport:
        added = [a.doc_id for a in articles if a.doc_id not in self.docs]
        for a in articles:
            self.docs[a.doc_id] = ArticleInfo(a.doc_id, a.title, a.date, a.source, 1)
        return SyncReport(added, [a.doc_id for a in articles if a.doc_id not in added], [], [])

    def remove(self, doc_id: str) -> bool:
        return self.docs.pop(doc_id, None) is not None


class FakeAnswerer:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.store = FakeStore()

    def validate(self, question: str) -> str:
        if len(question) > self.settings.max_question_chars:
            raise InputError("too long")
        return question

    def stream(self, question: str, history: Sequence[Any] = ()) -> Iterator[Any]:
        yield Status("searching", query=question)
        yield Status("reading", sources=2)
        yield Status("writing")
        for word in ["Kim ", "came ", "[1]."]:
            yield Token(word)
        yield Status("checking")
        c = chunk("d1:0")
        yield answer(text="Kim came [1].", citations=[citation(1, c, "Xi hosted him.")])


def test_stream_shows_status_then_draft_then_the_checked_answer(tmp_path: Path) -> None:
    fake = FakeAnswerer(Settings(data_dir=tmp_path))
    steps = list(app.stream_answer(fake, "Who came?", [], interval=0.0))  # type: ignore[arg-type]
    html = [h for h, _ in steps]
    assert "Searching" in html[0] and "rag-draft" not in html[0]
    assert "Reading 2 sources" in html[1]
    drafts = [h for h in html if "rag-draft" in h]
    assert len(drafts) >= 3 and "Kim came [1]." in drafts[-1]
    final_html, final = steps[-1]
    assert final is not None and "rag-cite-1" in final_html and "rag-streaming" not in final_html
    assert app.history_turns(final)[1] == {"role": "assistant", "content": "Kim came."}


def test_stream_throttles_redraws(tmp_path: Path) -> None:
    fake = FakeAnswerer(Settings(data_dir=tmp_path))
    steps = list(app.stream_answer(fake, "Who came?", [], interval=60.0))  # type: ignore[arg-type]
    # status changes and the final answer always show; tokens only when the interval has passed
    assert len(steps) == 5


def test_build_wires_a_fake_answerer_and_ingests_uploads(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    fake = FakeAnswerer(settings)
    demo = app.build(settings, fake)  # type: ignore[arg-type]
    assert demo.title == "rag-news"
    upload = tmp_path / "new story.txt"
    upload.write_text(" date 2025-10-01 Velmora opens a bridge\n\nIt is 412 m long.\n")
    report = app.ingest_upload(upload, fake.store, settings)  # type: ignore[arg-type]
    assert report == [("added “Velmora opens a bridge”", True)]
    assert (settings.uploads_dir / "new_story.txt").exists()
    assert app.remove_article("new_story", fake.store, settings) == (  # type: ignore[arg-type]
        "removed “Velmora opens a bridge”"
    )
    assert not (settings.uploads_dir / "new_story.txt").exists()


def test_launch_options_are_safe_by_default() -> None:
    options = app.launch_options(Settings())
    assert options["server_name"] == "127.0.0.1"
    assert options["share"] is False and options["show_error"] is False
    assert options["max_file_size"] == Settings().max_upload_bytes


def test_errors_are_one_line(caplog: pytest.LogCaptureFixture) -> None:
    assert app.friendly(InputError("the question is too long")) == "the question is too long"
    assert app.friendly(RuntimeError("secret\ntraceback")) == app.GENERIC_ERROR
    assert "secret" in caplog.text
    assert "\n" not in app.error_html("one\ntwo")


def test_a_question_is_shown_at_once_and_queued_behind_a_running_one(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, max_question_chars=50)
    handlers = app.Handlers(settings, FakeAnswerer(settings))  # type: ignore[arg-type]
    shown, _, pending, *_ = handlers.start_turn("  Who came?  ", [])
    assert pending == "Who came?"
    assert "Who came?" in shown[0]["content"] and "Searching" in shown[1]["content"]
    with handlers.activity:
        shown, *_ = handlers.start_turn("Who else?", [])
    assert "queued" in shown[1]["content"]
    shown, _, pending, *_ = handlers.start_turn("x" * 51, [])
    assert pending is None and 'class="rag-error"' in shown[1]["content"]
    assert handlers.start_turn("   ", [])[2] is None


def test_an_answer_turn_streams_and_records_plain_history(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    handlers = app.Handlers(settings, FakeAnswerer(settings))  # type: ignore[arg-type]
    shown, *_ = handlers.start_turn("Who came?", [])
    *_, (chat, _, history) = handlers.answer_turn("Who came?", shown, [])
    assert len(chat) == 2 and "rag-cite-1" in chat[1]["content"]
    assert history == [
        {"role": "user", "content": "Who came?"},
        {"role": "assistant", "content": "Kim came."},
    ]


def test_an_unexpected_failure_is_a_generic_line(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    fake = FakeAnswerer(settings)

    def broken(question: str, history: Sequence[Any] = ()) -> Iterator[Any]:
        yield Status("searching", query=question)
        raise RuntimeError("disk on fire\nwith details")

    fake.stream = broken  # type: ignore[method-assign]
    handlers = app.Handlers(settings, fake)  # type: ignore[arg-type]
    *_, (chat, _, history) = handlers.answer_turn("Who came?", [{}, {}], [])  # type: ignore[list-item]
    assert chat[-1]["content"] == app.error_html(app.GENERIC_ERROR)
    assert history == []
