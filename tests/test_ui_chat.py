"""The conversation's logic (rag.ui.chat): status lines, the streamed draft, the plain-text
history and one-line errors, over a fake answerer."""

from __future__ import annotations

from pathlib import Path

import pytest
from ui_samples import FakeAnswerer

from rag.config import Settings
from rag.errors import InputError
from rag.ui import chat


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


def test_stage_text() -> None:
    assert chat.stage_text("reading", 6) == "Reading 6 sources…"
    assert chat.stage_text("reading", 1) == "Reading 1 source…"
    assert chat.stage_text("reading") == "Reading…"
    assert chat.stage_text("searching").startswith("Searching")
    assert chat.stage_text("checking").startswith("Checking every sentence")


def test_stream_shows_status_then_draft_then_the_checked_answer(tmp_path: Path) -> None:
    fake = FakeAnswerer(Settings(data_dir=tmp_path))
    steps = list(chat.stream_answer(fake, "Who came?", [], interval=0.0))  # type: ignore[arg-type]
    shown = [h for h, _ in steps]
    assert "Searching" in shown[0] and "rag-draft" not in shown[0]
    assert "Reading 2 sources" in shown[1]
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
    steps = list(chat.stream_answer(fake, "Who came?", [], interval=60.0))  # type: ignore[arg-type]
    # status changes and the final answer always show; tokens only when the interval has passed
    assert len(steps) == 5


def test_errors_are_one_line(caplog: pytest.LogCaptureFixture) -> None:
    assert chat.friendly(InputError("the question is too long")) == "the question is too long"
    assert "secret" not in caplog.text
    assert chat.friendly(RuntimeError("secret\ntraceback")) == chat.GENERIC_ERROR
    assert "secret" in caplog.text


def test_activity_counts_running_generations() -> None:
    activity = chat.Activity()
    assert not activity.busy
    with activity, activity:
        assert activity.busy
    assert not activity.busy
