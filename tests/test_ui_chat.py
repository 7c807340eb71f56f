"""The conversation's logic (rag.ui.chat): status lines with the seconds waited, the streamed
draft, the plain-text history, the question's length and one-line errors, over a fake
answerer."""

from __future__ import annotations

from pathlib import Path

import pytest
from ui_samples import FakeAnswerer

from rag.config import Settings
from rag.errors import InputError
from rag.ui import chat
from rag.ui.worker import AnswerRun, turns


@pytest.mark.parametrize(
    ("text", "plain"),
    [
        ("Kim came [1][2]. Xi said so [3, 4].", "Kim came. Xi said so."),
        (
            "The closest they come is [1]: “Kim arrived.”",
            "The closest they come is: “Kim arrived.”",
        ),
        ("It rose [1] and fell [2]!", "It rose and fell!"),
        ("No markers,  just   spaces.", "No markers, just spaces."),
        ("[1] Leading marker.", "Leading marker."),
        ("", ""),
    ],
)
def test_history_turns_are_plain_text(text: str, plain: str) -> None:
    assert chat.plain_text(text) == plain


def run(answerer: FakeAnswerer, question: str = "Who came?") -> AnswerRun:
    gate, events = turns(answerer)  # type: ignore[arg-type]
    return AnswerRun(gate, events, question, [])


def test_stage_text() -> None:
    assert chat.stage_text("reading", 6) == "Reading the 6 most relevant passages found…"
    assert chat.stage_text("reading", 1) == "Reading the most relevant passage found…"
    assert chat.stage_text("reading") == "Reading…"
    assert chat.stage_text("searching").startswith("Searching")
    assert chat.stage_text("checking").startswith("Checking every sentence")


def test_stream_shows_status_then_draft_then_the_checked_answer(tmp_path: Path) -> None:
    fake = FakeAnswerer(Settings(data_dir=tmp_path))
    steps = list(chat.stream_answer(run(fake), interval=0.0))
    shown = [h for h, _ in steps]
    assert "Searching" in shown[0] and "rag-draft" not in shown[0]
    assert "Reading the 2 most relevant passages found" in shown[1]
    drafts = [h for h in shown if "rag-draft" in h]
    assert len(drafts) >= 3 and "Kim came [1]." in drafts[-1]
    assert all(final is None for _, final in steps[:-1])
    final_html, final = steps[-1]
    assert final is not None and "rag-cite-1" in final_html and "rag-streaming" not in final_html
    assert chat.history_turns(final) == [
        {"role": "user", "content": "Who came?"},
        {"role": "assistant", "content": "Kim came."},
    ]


def test_stream_throttles_redraws(tmp_path: Path) -> None:
    fake = FakeAnswerer(Settings(data_dir=tmp_path))
    steps = list(chat.stream_answer(run(fake), interval=60.0))
    # status changes and the final answer always show; tokens only when the interval has passed
    assert len(steps) == 5


def test_the_status_counts_the_seconds_while_a_stage_lasts(tmp_path: Path) -> None:
    fake = FakeAnswerer(Settings(data_dir=tmp_path), pause=2.2)  # searching takes 2.2 s
    shown = [h for h, final in chat.stream_answer(run(fake)) if final is None]
    searching = [h for h in shown if "Searching" in h]
    assert [s for s in ("1 s", "2 s") if any(f">{s}</span>" in h for h in searching)] == [
        "1 s",
        "2 s",
    ]


def test_a_waiting_question_says_how_many_are_ahead(tmp_path: Path) -> None:
    fake = FakeAnswerer(Settings(data_dir=tmp_path), pause=1.0)
    gate, events = turns(fake)  # type: ignore[arg-type]
    first = AnswerRun(gate, events, "Who came first?", [])
    second = AnswerRun(gate, events, "Who came next?", [])
    steps = chat.stream_answer(second)
    assert "1 question ahead of yours" in next(steps)[0]
    assert list(first.watch())[-1].answer is not None
    assert [final for _, final in steps][-1] is not None


def test_question_length_against_the_limit() -> None:
    assert chat.length_note("  Who   came? ", 2000) == "9 / 2,000 characters"
    assert chat.length_note(None, 50) == "0 / 50 characters"
    assert chat.too_long("x " * 10, 19) is None  # counted as the answerer counts: 19
    assert chat.too_long("x" * 2134, 2000) == (
        "Your question is 2,134 characters long and the limit is 2,000: "
        "shorten it by 134 to ask it."
    )


def test_errors_are_one_line(caplog: pytest.LogCaptureFixture) -> None:
    assert chat.friendly(InputError("the question is too long")) == "The question is too long."
    assert "secret" not in caplog.text
    assert chat.friendly(RuntimeError("secret\ntraceback")) == chat.GENERIC_ERROR
    assert "secret" in caplog.text

    assert chat.sentence("the server is busy; try again") == "The server is busy; try again."
    assert chat.sentence("Done!") == "Done!"
    assert chat.sentence("x.sh: unsupported type .sh") == "x.sh: unsupported type .sh."
    assert chat.sentence("https://a.example/: HTTP 404") == "https://a.example/: HTTP 404."
