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
    STAGES,
    Message,
    Turn,
    ahead_text,
    friendly,
    history_turns,
    length_note,
    sentence,
    stream_answer,
    too_long,
)
from rag.ui.worker import AnswerRun, turns

if TYPE_CHECKING:
    from rag.answer import Answerer
    from rag.store import Store

CHOOSE_FIRST = "Choose an article to remove first."


class Handlers:
    """The event handlers, over one answerer and its store."""

    def __init__(self, settings: Settings, answerer: Answerer) -> None:
        self.settings = settings
        self.answerer = answerer
        self.store: Store = answerer.store
        self.gate, self.events = turns(answerer)
        self._runs: dict[str, AnswerRun] = {}  # the answer each page (session) is making
        self._stops: set[str] = set()  # pages whose Stop came before their answer started

    def count(self, question: str | None) -> str:
        """Output: the live count under the question box, marked when over the limit."""
        limit = self.settings.max_question_chars
        return render.count_html(length_note(question, limit), too_long(question or "", limit))

    def start_turn(
        self, question: str | None, display: list[Message], request: gr.Request | None = None
    ) -> tuple[Any, ...]:
        """Show the question at once, with a status or queue line, or why it is refused (the
        question then stays in the box). Outputs: chatbot, display, pending question (None when
        there is nothing to answer), textbox, send button, new-chat button (both locked while
        the answer is made), stop button (shown while it is made)."""
        self._stops.discard(page(request))  # a Stop is for the question it was clicked for
        text = (question or "").strip()
        if not text:
            return gr.skip(), gr.skip(), None, gr.skip(), gr.skip(), gr.skip(), gr.skip()
        display = [*display, {"role": "user", "content": render.question_html(text)}]
        refused = too_long(text, self.settings.max_question_chars)
        try:
            if refused is None:
                self.answerer.validate(text)
        except Exception as exc:
            refused = friendly(exc)
        if refused is not None:
            display.append({"role": "assistant", "content": render.error_html(refused)})
            return display, display, None, gr.skip(), gr.skip(), gr.skip(), gr.skip()
        ahead = self.gate.queued
        status = ahead_text(ahead) if ahead else STAGES["searching"]
        display.append({"role": "assistant", "content": render.status_html(status)})
        locked = gr.update(interactive=False)
        return display, display, text, "", locked, locked, gr.update(visible=True)

    def answer_turn(
        self,
        pending: str | None,
        display: list[Message],
        history: list[Turn],
        request: gr.Request | None = None,
    ) -> Iterator[tuple[list[Message], list[Message], list[Turn], str | None]]:
        """Stream the answer into the last message; after a Stop, "Stopped." (rag.ui.chat) is
        the stream's own last message. Outputs: chatbot, display, history, pending question
        (None once answered; kept when stopped, refused or failed, to go back in the box)."""
        if pending is None:
            yield display, display, history, None
            return
        try:
            run = AnswerRun(self.gate, self.events, pending, history)
        except Exception as exc:  # the queue is full
            display = self._failed(exc, display)
            yield display, display, history, pending
            return
        session = page(request)
        self._runs[session] = run
        if session in self._stops:  # Stop was clicked before the answer started
            self._stops.discard(session)
            run.cancel()
        try:
            for message, final in stream_answer(run):
                display = [*display[:-1], {"role": "assistant", "content": message}]
                if final is not None:
                    history, pending = [*history, *history_turns(final)], None
                yield display, display, history, pending
        except Exception as exc:
            display = self._failed(exc, display)
            yield display, display, history, pending
        finally:  # also when the page goes away: its generation ends at once
            run.cancel()
            if self._runs.get(session) is run:
                del self._runs[session]

    @staticmethod
    def _failed(exc: Exception, display: list[Message]) -> list[Message]:
        """The chat with its last message replaced by the error's line."""
        return [*display[:-1], {"role": "assistant", "content": render.error_html(friendly(exc))}]

    @staticmethod
    def end_turn(pending: str | None) -> tuple[Any, Any, Any, Any, None]:
        """Unlock the page; a question left unanswered goes back in the box. Outputs: textbox,
        send button, new-chat button, stop button, pending question."""
        unlocked = gr.update(interactive=True)
        box = unlocked if pending is None else gr.update(value=pending, interactive=True)
        return box, unlocked, unlocked, gr.update(visible=False), None

    def stop(self, request: gr.Request | None = None) -> Any:
        """Stop the answer this page is making: its run is cancelled, which closes the
        generation; its stream then ends with "Stopped." and `end_turn` puts the question back
        in the box (one stream writes the message, so no redraw already on its way can cover
        the line). Output: stop button (hidden at once)."""
        session = page(request)
        if (run := self._runs.get(session)) is not None:
            run.cancel()
        else:
            self._stops.add(session)
        return gr.update(visible=False)

    @staticmethod
    def new_chat() -> tuple[list[Message], list[Message], list[Turn]]:
        return [], [], []

    @staticmethod
    def pick_example(event: gr.SelectData) -> str:
        value = event.value
        return str(value.get("text", "")) if isinstance(value, dict) else str(value)

    def show_library(self) -> tuple[str, Any]:
        """Outputs: the article list, the removal choices (none chosen)."""
        none = library.CHOOSE[1]
        try:
            articles = self.store.articles()
        except Exception as exc:
            return render.error_html(friendly(exc)), gr.update(choices=[library.CHOOSE], value=none)
        choices = library.article_choices(articles)
        return render.library_html(articles), gr.update(choices=choices, value=none)

    def add_files(self, files: list[str] | str | None) -> tuple[str, Any, str, None]:
        """Outputs: the article list, the removal choices, the report, the cleared upload."""
        paths = [files] if isinstance(files, str) else list(files or [])
        report: library.Report = []
        for path in paths:
            try:
                report += library.ingest_upload(Path(path), self.store, self.settings)
            except Exception as exc:
                report.append((friendly(exc), False))
        return *self.show_library(), reported(report), None

    def add_from_web(self, text: str | None) -> tuple[str, Any, str, Any]:
        """Fetch and ingest what the pasted addresses serve (in the library's turn, never the
        model's). Outputs: the article list, the removal choices, the report, the text box
        (cleared once something was ingested)."""
        try:
            report = library.ingest_links(text or "", self.store, self.settings)
        except Exception as exc:
            report = [(friendly(exc), False)]
        cleared = "" if any(ok for _, ok in report) else gr.skip()
        return *self.show_library(), reported(report), cleared

    @staticmethod
    def fetching() -> str:
        """Output: the report, saying that the pages are being fetched."""
        return render.status_html("Fetching…")

    @staticmethod
    def adding() -> str:
        """Output: the report, saying that the uploads are being added."""
        return render.status_html("Adding…")

    def ask_remove(self, doc_id: str | None) -> tuple[Any, Any, str]:
        """Ask before removing. Outputs: the confirmation row, its question, the report."""
        if not doc_id:
            return gr.update(visible=False), gr.skip(), reported([(CHOOSE_FIRST, False)])
        titles = {a.doc_id: a.title for a in self.store.articles()}
        title = titles.get(doc_id) or doc_id
        return gr.update(visible=True), render.confirm_html(title), ""

    @staticmethod
    def keep() -> Any:
        """Output: the confirmation row, hidden."""
        return gr.update(visible=False)

    def remove(self, doc_id: str | None, removed: list[library.Removed]) -> tuple[Any, ...]:
        """Remove the chosen article, kept for an undo. Outputs: the article list, the removal
        choices, the report, the confirmation row, the removed articles, the undo button."""
        line, ok = CHOOSE_FIRST, False
        if doc_id:
            try:
                line, kept = library.remove_article(doc_id, self.store, self.settings)
                removed, ok = [*removed, kept], True
            except Exception as exc:
                line = friendly(exc)
        hidden = gr.update(visible=False)
        shown = reported([(line, ok)])
        return *self.show_library(), shown, hidden, removed, gr.update(visible=bool(removed))

    def undo(self, removed: list[library.Removed]) -> tuple[Any, ...]:
        """Put back the article removed last. Outputs: the article list, the removal choices,
        the report, the removed articles left, the undo button."""
        if not removed:
            return *self.show_library(), "", [], gr.update(visible=False)
        *rest, last = removed
        try:
            report = library.undo(last, self.store, self.settings)
        except Exception as exc:
            report, rest = [(friendly(exc), False)], removed
        return *self.show_library(), reported(report), rest, gr.update(visible=bool(rest))


def page(request: gr.Request | None) -> str:
    """The page (Gradio session) an event comes from; "" outside a server (tests)."""
    return (request.session_hash or "") if request is not None else ""


def reported(report: library.Report) -> str:
    """A report's lines as sentences, in HTML."""
    return render.report_html([(sentence(line), ok) for line, ok in report])
