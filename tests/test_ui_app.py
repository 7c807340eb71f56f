"""The Gradio page (rag.ui.app) and its event handlers (rag.ui.handlers) over a fake answerer,
without a browser or a server (web addresses are fetched from a real HTTP server on
loopback)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import gradio as gr
import pytest
from fixtures.web.server import LocalSite
from ui_samples import FakeAnswerer

from rag.answer import Status
from rag.config import Settings
from rag.library import upload_name
from rag.ui import app, chat, render
from rag.ui.handlers import Handlers


def handlers(tmp_path: Path, **settings: Any) -> Handlers:
    config = Settings(data_dir=tmp_path, **settings)
    return Handlers(config, FakeAnswerer(config))  # type: ignore[arg-type]


def test_build_wires_a_fake_answerer(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    demo = app.build(settings, FakeAnswerer(settings))  # type: ignore[arg-type]
    assert demo.title == "rag-news"


def test_launch_options_are_safe_by_default() -> None:
    options = app.launch_options(Settings())
    assert options["server_name"] == "127.0.0.1"
    assert options["share"] is False and options["show_error"] is False
    assert options["max_file_size"] == Settings().max_upload_bytes
    assert options["css"] == app.STYLESHEET.read_text(encoding="utf-8")
    assert ".rag-cite:hover > .rag-pop" in options["css"]


def test_a_question_is_shown_at_once_and_queued_behind_a_running_one(tmp_path: Path) -> None:
    h = handlers(tmp_path, max_question_chars=50)
    shown, _, pending, *_ = h.start_turn("  Who came?  ", [])
    assert pending == "Who came?"
    assert shown[0]["content"] == render.question_html("Who came?")
    assert "Searching" in shown[1]["content"]
    with h.activity:
        shown, *_ = h.start_turn("Who else?", [])
    assert chat.QUEUED in shown[1]["content"]
    shown, _, pending, *_ = h.start_turn("x" * 51, [])
    assert pending is None and shown[1]["content"] == render.error_html("too long")
    assert h.start_turn("   ", [])[2] is None


def test_an_answer_turn_streams_and_records_plain_history(tmp_path: Path) -> None:
    h = handlers(tmp_path)
    shown, *_ = h.start_turn("Who came?", [])
    *_, (messages, _, history) = h.answer_turn("Who came?", shown, [])
    assert len(messages) == 2 and "rag-cite-1" in messages[1]["content"]
    assert history == [
        {"role": "user", "content": "Who came?"},
        {"role": "assistant", "content": "Kim came."},
    ]
    assert list(h.answer_turn(None, shown, history)) == [(shown, shown, history)]


def test_an_unexpected_failure_is_a_generic_line(tmp_path: Path) -> None:
    h = handlers(tmp_path)

    def broken(question: str, history: Sequence[Any] = ()) -> Iterator[Any]:
        yield Status("searching", query=question)
        raise RuntimeError("disk on fire\nwith details")

    h.answerer.stream = broken  # type: ignore[method-assign]
    *_, (messages, _, history) = h.answer_turn("Who came?", [{}, {}], [])
    assert messages[-1]["content"] == render.error_html(chat.GENERIC_ERROR)
    assert history == [] and not h.activity.busy


def test_library_handlers_add_list_and_remove(tmp_path: Path) -> None:
    h = handlers(tmp_path)
    listing, choices = h.show_library()
    assert "The library is empty" in listing and choices["choices"] == []
    upload = tmp_path / "Bridge <b>story.txt"
    upload.write_text(" date 2025-10-01 Velmora opens a bridge\n\nIt is 412 m long.\n")
    listing, choices, report, cleared = h.add_files([str(upload), str(tmp_path / "x.sh")])
    assert "Velmora opens a bridge" in listing and cleared is None
    doc_id = Path(upload_name(upload.name)).stem  # Bridge_b_story_<tag>
    assert choices["choices"] == [("Velmora opens a bridge (2025-10-01)", doc_id)]
    assert report.startswith('<div class="rag-ok">added “Velmora opens a bridge”</div>')
    assert '<div class="rag-error">x.sh: unsupported type .sh' in report
    listing, choices, report = h.remove(doc_id)
    assert report == '<div class="rag-ok">removed “Velmora opens a bridge”</div>'
    assert "The library is empty" in listing
    assert h.remove(None)[2] == '<div class="rag-error">choose an article to remove</div>'
    assert "is not in the library" in h.remove("gone")[2]


def test_web_addresses_are_fetched_listed_and_reported(tmp_path: Path) -> None:
    h = handlers(tmp_path, allow_private_urls=True)
    with LocalSite() as site:
        pasted = f"{site.url('/news/harbour-bridge-reopens')} {site.url('/gone')}"
        listing, choices, report, box = h.add_from_web(pasted)
    assert "Harbour bridge reopens after two-year repair" in listing and box == ""
    assert [label for label, _ in choices["choices"]] == [
        "Harbour bridge reopens after two-year repair (2025-03-14)"
    ]
    assert report == (
        '<div class="rag-ok">added “Harbour bridge reopens after two-year repair”</div>'
        f'<div class="rag-error">{site.url("/gone")}: HTTP 404</div>'
    )
    assert "Fetching" in h.fetching()


def test_private_addresses_are_refused_without_the_setting(tmp_path: Path) -> None:
    h = handlers(tmp_path)
    with LocalSite() as site:
        listing, _, report, box = h.add_from_web(site.url("/news/harbour-bridge-reopens"))
    assert site.requests == [] and "The library is empty" in listing
    assert "refused address: 127.0.0.1 is a loopback address" in report
    assert "allow_private_urls" in report and box == gr.skip()  # kept, to be corrected
    too_many = " ".join(f"https://a.example/{i}" for i in range(21))
    assert "21 URLs: at most 20 a request" in h.add_from_web(too_many)[2]


def test_fetching_runs_in_the_library_queue_never_the_models(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    demo = app.build(settings, FakeAnswerer(settings))  # type: ignore[arg-type]
    queues = {(f.name, f.concurrency_id) for f in demo.fns.values() if f.queue}
    assert ("add_from_web", "library") in queues and ("answer_turn", "model") in queues
    assert {f.concurrency_limit for f in demo.fns.values() if f.name == "add_from_web"} == {1}


def test_a_broken_store_is_one_line(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    h = handlers(tmp_path)

    def broken() -> list[Any]:
        raise RuntimeError("chroma exploded")

    h.store.articles = broken  # type: ignore[method-assign]
    listing, choices = h.show_library()
    assert listing == render.error_html(chat.GENERIC_ERROR) and choices["choices"] == []
    assert "chroma exploded" in caplog.text


def test_examples_fill_the_question() -> None:
    class Picked:
        def __init__(self, value: Any) -> None:
            self.value = value

    assert Handlers.pick_example(Picked({"text": "Who?"})) == "Who?"  # type: ignore[arg-type]
    assert Handlers.pick_example(Picked("Why?")) == "Why?"  # type: ignore[arg-type]
    assert Handlers.new_chat() == ([], [], [])
