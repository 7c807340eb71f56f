"""The Gradio page (rag.ui.app) and its event handlers (rag.ui.handlers) over a fake answerer,
without a browser or a server (web addresses are fetched from a real HTTP server on
loopback)."""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import gradio as gr
import pytest
from fixtures.web.server import LocalSite
from ui_samples import FakeAnswerer

from rag.answer import Status
from rag.config import Settings
from rag.ui import app, chat, library, render
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
    shown, _, pending, box, send, _, stop = h.start_turn("  Who came?  ", [])
    assert pending == "Who came?" and box == "" and not send["interactive"] and stop["visible"]
    assert shown[0]["content"] == render.question_html("Who came?")
    assert "Searching" in shown[1]["content"]
    running = h.gate.reserve()
    shown, *_ = h.start_turn("Who else?", [])
    assert "1 question ahead of yours" in shown[1]["content"]
    running.close()
    assert h.start_turn("   ", [])[2] is None


def test_a_refused_question_stays_in_the_box_with_a_sentence_saying_why(tmp_path: Path) -> None:
    h = handlers(tmp_path, max_question_chars=50)
    shown, _, pending, box, send, clear, stop = h.start_turn("x" * 51, [])
    assert pending is None and (box, send, clear, stop) == (gr.skip(),) * 4
    assert shown[1]["content"] == render.error_html(
        "Your question is 51 characters long and the limit is 50: shorten it by 1 to ask it."
    )
    assert "rag-over" in h.count("x" * 51) and "51 / 50 characters" in h.count("x" * 51)
    assert "rag-over" not in h.count("x" * 50)


def test_an_answer_turn_streams_and_records_plain_history(tmp_path: Path) -> None:
    h = handlers(tmp_path)
    shown, *_ = h.start_turn("Who came?", [])
    *_, (messages, _, history, pending) = h.answer_turn("Who came?", shown, [])
    assert len(messages) == 2 and "rag-cite-1" in messages[1]["content"] and pending is None
    assert history == [
        {"role": "user", "content": "Who came?"},
        {"role": "assistant", "content": "Kim came."},
    ]
    assert list(h.answer_turn(None, shown, history)) == [(shown, shown, history, None)]
    box, send, *_ = h.end_turn(None)
    assert box == {"__type__": "update", "interactive": True} and send["interactive"]


def test_an_unexpected_failure_is_a_generic_line_and_the_question_goes_back(
    tmp_path: Path,
) -> None:
    h = handlers(tmp_path)

    def broken(question: str, history: Sequence[Any] = ()) -> Iterator[Any]:
        yield Status("searching", query=question)
        raise RuntimeError("disk on fire\nwith details")

    h.events = broken
    *_, (messages, _, history, pending) = h.answer_turn("Who came?", [{}, {}], [])
    assert messages[-1]["content"] == render.error_html(chat.GENERIC_ERROR)
    assert history == [] and pending == "Who came?" and h.gate.queued == 0
    box, *_ = h.end_turn(pending)
    assert box["value"] == "Who came?" and box["interactive"]


def test_a_full_queue_is_a_sentence_and_the_question_goes_back(tmp_path: Path) -> None:
    h = handlers(tmp_path)
    h.gate.max_waiting = 0
    h.gate.reserve()  # an answer is being made and none may wait behind it
    *_, (messages, _, _, pending) = h.answer_turn("Who came?", [{}, {}], [])
    assert "The server is busy" in messages[-1]["content"] and pending == "Who came?"


def test_stop_ends_the_answer_with_stopped_and_the_question_goes_back(tmp_path: Path) -> None:
    config = Settings(data_dir=tmp_path)
    h = Handlers(config, FakeAnswerer(config, pause=30))  # type: ignore[arg-type]
    _, display, pending, *_ = h.start_turn("Who came?", [])
    answering = h.answer_turn(pending, display, [])
    next(answering)  # the answer is being made (its search takes 30 s)
    assert h.stop() == gr.update(visible=False)
    started = time.monotonic()
    *_, (messages, shown, history, left) = answering
    assert time.monotonic() - started < 2
    assert chat.STOPPED in messages[-1]["content"] and "rag-done" in messages[-1]["content"]
    assert shown == messages and history == [] and left == "Who came?"
    box, send, _, stop, _ = h.end_turn(left)
    assert box["value"] == "Who came?" and send["interactive"] and not stop["visible"]


def test_a_stop_before_the_answer_starts_stops_it_and_no_later_one(tmp_path: Path) -> None:
    h = handlers(tmp_path)
    _, display, pending, *_ = h.start_turn("Who came?", [])
    h.stop()  # clicked before the answering event began
    *_, (messages, _, _, left) = h.answer_turn(pending, display, [])
    assert chat.STOPPED in messages[-1]["content"] and left == "Who came?"
    _, display, pending, *_ = h.start_turn("Who came?", [])
    *_, (messages, _, history, left) = h.answer_turn(pending, display, [])
    assert chat.STOPPED not in messages[-1]["content"] and left is None and history


def test_library_handlers_add_list_and_remove_after_asking(tmp_path: Path) -> None:
    h = handlers(tmp_path)
    listing, choices = h.show_library()
    assert "The library is empty" in listing and choices["choices"] == [library.CHOOSE]
    assert choices["value"] == ""
    upload = tmp_path / "Bridge <b>story.txt"
    upload.write_text(" date 2025-10-01 Velmora opens a bridge\n\nIt is 412 m long.\n")
    script = tmp_path / "x.sh"
    script.write_text("echo hi\n")
    listing, choices, report, cleared = h.add_files([str(upload), str(script)])
    assert "Velmora opens a bridge" in listing and cleared is None
    first, (label, doc_id) = choices["choices"]
    assert first == library.CHOOSE and label == "Velmora opens a bridge (2025-10-01)"
    saved = h.settings.uploads_dir / f"{doc_id}.txt"
    assert report.startswith('<div class="rag-ok">Added “Velmora opens a bridge”.</div>')
    assert '<div class="rag-error">x.sh: unsupported type .sh' in report
    row, question, report = h.ask_remove(doc_id)
    assert row["visible"] and "Remove “Velmora opens a bridge” from the library?" in question
    assert h.keep() == gr.update(visible=False)
    assert saved.exists()
    listing, choices, report, row, removed, undo = h.remove(doc_id, [])
    assert report == '<div class="rag-ok">Removed “Velmora opens a bridge”.</div>'
    assert "The library is empty" in listing and not row["visible"] and undo["visible"]
    assert [r.doc_id for r in removed] == [doc_id] and not saved.exists()
    listing, choices, report, left, undo = h.undo(removed)
    assert report == '<div class="rag-ok">Put back “Velmora opens a bridge”.</div>'
    assert "Velmora opens a bridge" in listing and left == [] and not undo["visible"]
    assert saved.exists()
    assert h.ask_remove("")[2] == '<div class="rag-error">Choose an article to remove first.</div>'
    assert h.remove(None, [])[2] == (
        '<div class="rag-error">Choose an article to remove first.</div>'
    )
    assert "is not in the library" in h.remove("gone", [])[2]


def test_web_addresses_are_fetched_listed_and_reported(tmp_path: Path) -> None:
    h = handlers(tmp_path, allow_private_urls=True)
    with LocalSite() as site:
        pasted = f"{site.url('/news/harbour-bridge-reopens')} {site.url('/gone')}"
        listing, choices, report, box = h.add_from_web(pasted)
    assert "Harbour bridge reopens after two-year repair" in listing and box == ""
    assert [label for label, _ in choices["choices"]] == [
        library.CHOOSE[0],
        "Harbour bridge reopens after two-year repair (2025-03-14)",
    ]
    assert report == (
        '<div class="rag-ok">Added “Harbour bridge reopens after two-year repair”.</div>'
        f'<div class="rag-error">{site.url("/gone")}: HTTP 404.</div>'
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
    assert ("add_from_web", "library") in queues and ("answer_turn", "answers") in queues
    assert {f.concurrency_limit for f in demo.fns.values() if f.name == "add_from_web"} == {1}


def test_a_broken_store_is_one_line(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    h = handlers(tmp_path)

    def broken() -> list[Any]:
        raise RuntimeError("chroma exploded")

    h.store.articles = broken  # type: ignore[method-assign]
    listing, choices = h.show_library()
    assert listing == render.error_html(chat.GENERIC_ERROR)
    assert choices["choices"] == [library.CHOOSE]
    assert "chroma exploded" in caplog.text


def test_examples_fill_the_question() -> None:
    class Picked:
        def __init__(self, value: Any) -> None:
            self.value = value

    assert Handlers.pick_example(Picked({"text": "Who?"})) == "Who?"  # type: ignore[arg-type]
    assert Handlers.pick_example(Picked("Why?")) == "Why?"  # type: ignore[arg-type]
    assert Handlers.new_chat() == ([], [], [])


def test_one_bundled_font_family_in_weights_that_cover_every_glyph() -> None:
    """Gradio's semi-bold files are subsets of a few kilobytes (bold capitals fell back to
    another font); the page uses only files that cover the whole Latin range, from this
    server."""
    fonts = Path(gr.__file__).parent / "templates" / "frontend" / "static" / "fonts"
    for font in (app.FONT, app.FONT_MONO):
        css = font.stylesheet()
        assert css["url"] is None  # served by this server, not fetched from elsewhere
        for weight in font.weights:
            name = {400: "Regular", 700: "Bold"}[weight]
            folder = font.name.replace(" ", "")
            assert (fonts / folder / f"{folder}-{name}.woff2").stat().st_size > 30_000
    assert app.theme().font.startswith("'Source Sans Pro', ")
    options = app.launch_options(Settings())
    assert options["js"] == app.SCRIPT.read_text(encoding="utf-8")
