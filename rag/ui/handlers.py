"""The page's event handlers: what each click, question and upload changes on the page.

Contract: each handler takes the values of its Gradio inputs and returns its outputs in the
order its docstring lists, as HTML from rag.ui.render and Gradio updates; the work itself is
rag.ui.chat's (answers) and rag.ui.library's (articles). No handler raises: an error becomes a
one-line message in the chat or the library report.
Knows nothing about the page's layout or how answers are made beyond `Answerer.validate`.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import gradio as gr

from rag.config import Settings
from rag.ui import library, render
from rag.ui.chat import (
    QUEUED,
    STAGES,
    Activity,
    Message,
    Turn,
    friendly,
    history_turns,
    stream_answer,
)

if TYPE_CHECKING:
    from rag.answer import Answerer
    from rag.store import Store


class Handlers:
    """The event handlers, over one answerer and its store."""

    def __init__(self, settings: Settings, answerer: Answerer) -> None:
        self.settings = settings
        self.answerer = answerer
        self.store: Store = answerer.store
        self.activity = Activity()

    def start_turn(self, question: str | None, display: list[Message]) -> tuple[Any, ...]:
        """Show the question at once, with a status or queue line, or its error. Outputs:
        chatbot, display, pending question (None when there is nothing to answer), textbox,
        send button, new-chat button (both locked while the answer is made)."""
        text = (question or "").strip()
        if not text:
            return gr.skip(), gr.skip(), None, gr.skip(), gr.skip(), gr.skip()
        display = [*display, {"role": "user", "content": render.question_html(text)}]
        pending: str | None = None
        try:
            pending = self.answerer.validate(text)
            reply = render.status_html(QUEUED if self.activity.busy else STAGES["searching"])
        except Exception as exc:
            reply = render.error_html(friendly(exc))
        display.append({"role": "assistant", "content": reply})
        idle = pending is None
        return (
            display,
            display,
            pending,
            gr.update(value="", interactive=idle),
            gr.update(interactive=idle),
            gr.update(interactive=idle),
        )

    def answer_turn(
        self, pending: str | None, display: list[Message], history: list[Turn]
    ) -> Iterator[tuple[list[Message], list[Message], list[Turn]]]:
        """Stream the answer into the last message. Outputs: chatbot, display, history."""
        if pending is None:
            yield display, display, history
            return
        with self.activity:
            try:
                for message, final in stream_answer(self.answerer, pending, history):
                    display = [*display[:-1], {"role": "assistant", "content": message}]
                    if final is not None:
                        history = [*history, *history_turns(final)]
                    yield display, display, history
            except Exception as exc:
                failed = {"role": "assistant", "content": render.error_html(friendly(exc))}
                display = [*display[:-1], failed]
                yield display, display, history

    @staticmethod
    def end_turn() -> tuple[Any, Any, Any, None]:
        """Outputs: textbox, send button, new-chat button, pending question."""
        unlocked = gr.update(interactive=True)
        return unlocked, unlocked, unlocked, None

    @staticmethod
    def new_chat() -> tuple[list[Message], list[Message], list[Turn]]:
        return [], [], []

    @staticmethod
    def pick_example(event: gr.SelectData) -> str:
        value = event.value
        return str(value.get("text", "")) if isinstance(value, dict) else str(value)

    def show_library(self) -> tuple[str, Any]:
        """Outputs: the article list, the removal choices."""
        try:
            articles = self.store.articles()
        except Exception as exc:
            return render.error_html(friendly(exc)), gr.update(choices=[], value=None)
        choices = library.article_choices(articles)
        return render.library_html(articles), gr.update(choices=choices, value=None)

    def add_files(self, files: list[str] | str | None) -> tuple[str, Any, str, None]:
        """Outputs: the article list, the removal choices, the report, the cleared upload."""
        paths = [files] if isinstance(files, str) else list(files or [])
        report: library.Report = []
        for path in paths:
            try:
                report += library.ingest_upload(Path(path), self.store, self.settings)
            except Exception as exc:
                report.append((friendly(exc), False))
        return *self.show_library(), render.report_html(report), None

    def add_from_web(self, text: str | None) -> tuple[str, Any, str, Any]:
        """Fetch and ingest what the pasted addresses serve (in the library's turn, never the
        model's). Outputs: the article list, the removal choices, the report, the text box
        (cleared once something was ingested)."""
        try:
            report = library.ingest_links(text or "", self.store, self.settings)
        except Exception as exc:
            report = [(friendly(exc), False)]
        cleared = "" if any(ok for _, ok in report) else gr.skip()
        return *self.show_library(), render.report_html(report), cleared

    @staticmethod
    def fetching() -> str:
        """Output: the report, saying that the pages are being fetched."""
        return render.status_html("Fetching…")

    def remove(self, doc_id: str | None) -> tuple[str, Any, str]:
        """Outputs: the article list, the removal choices, the report."""
        line, ok = "choose an article to remove", False
        if doc_id:
            try:
                line, ok = library.remove_article(doc_id, self.store, self.settings), True
            except Exception as exc:
                line = friendly(exc)
        return *self.show_library(), render.report_html([(line, ok)])
