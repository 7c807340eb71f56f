"""The Gradio page: layout, event wiring and its serving options.

Contract: `build(settings, answerer)` returns the app (an Ask tab and a Library tab);
`launch_options(settings)` are the options it is served with (rag.server mounts it at / beside
the API): settings.host:settings.port (127.0.0.1 by default), no share link, analytics,
monitoring or run history, styled by style.css, in one bundled font family (FONT), with
scripts/page.js run on load. The question box counts its characters against the limit as they
are typed; a refused question stays in the box. A question is shown at once; its answer streams
into the same message (rag.ui.chat) with the seconds waited; one generation runs at a time
(rag.api.gate, shared with the API), and other questions say how many are ahead of them; Stop
cancels the page's answer, which ends the generation and frees the turn, and the answer's stream
ends with "Stopped.". The Library tab adds uploads and web addresses (pages, feeds, sitemaps)
and removes articles after a confirmation, with an undo for the session, one of these at a time
in its own queue, so fetching pages never holds up an answer. Every piece of HTML comes from
rag.ui.render; the page loads nothing from other hosts (a source's link opens in a new tab when
clicked).
Knows nothing about how answers are made (it calls `Answerer.validate` and, through
rag.ui.worker, `Answerer.stream`), nor about Chroma, embeddings or model files.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"  # before gradio is imported
import gradio as gr

from rag.answer import Answerer
from rag.articles import SUPPORTED_SUFFIXES
from rag.config import Settings
from rag.library import MAX_WEB_PAGES, MAX_WEB_URLS
from rag.ui import library, render
from rag.ui.chat import length_note
from rag.ui.handlers import Handlers
from rag.ui.widgets import EVENT, button, text_box

TITLE = "rag-news"
SUBTITLE = (
    "Ask questions about your news articles. Answers are written on this machine, and every "
    "sentence is checked against the passage it cites."
)
EXAMPLES = (
    "Who accompanied Kim Jong Un when he arrived in Beijing?",
    "By how much did China's exports to North Korea grow in the first half of 2025?",
    "What did Xi say about the relationship?",
)
HERE = Path(__file__).resolve().parent
STYLESHEET = HERE / "style.css"
SCRIPT = HERE / "scripts" / "page.js"  # run once the page loads: plain labels, scrolling
# One family, bundled with Gradio and served by this server (never fetched from elsewhere), in
# the two weights whose files cover the whole Latin range (the semi-bold files are subsets, so
# bold capitals fell back to another font); semi-bold text uses the bold file.
FONT = gr.themes.LocalFont("Source Sans Pro", weights=(400, 700))
FONT_MONO = gr.themes.LocalFont("IBM Plex Mono", weights=(400, 700))


@functools.cache
def stylesheet() -> str:
    """style.css, read once per process."""
    return STYLESHEET.read_text(encoding="utf-8")


@functools.cache
def script() -> str:
    """scripts/page.js, read once per process."""
    return SCRIPT.read_text(encoding="utf-8")


def theme() -> gr.themes.Base:
    """Gradio's default look in FONT, with text and buttons dark enough to read (WCAG AA)."""
    return gr.themes.Default(
        primary_hue="indigo",
        neutral_hue="slate",
        radius_size="md",
        font=[FONT, "ui-sans-serif", "sans-serif"],
        font_mono=[FONT_MONO, "ui-monospace", "monospace"],
    ).set(
        body_text_color_subdued="*neutral_600",
        body_text_color_subdued_dark="*neutral_400",
        button_primary_background_fill="*primary_600",
        button_primary_background_fill_hover="*primary_700",
        button_cancel_background_fill="#b91c1c",  # red 700: white on it reads at 6.5:1
        button_cancel_background_fill_hover="#991b1b",
        button_cancel_text_color="white",
    )


@dataclass
class Ui:
    display: gr.State  # the chat's messages as shown (HTML)
    history: gr.State  # the conversation as plain text, for follow-ups
    pending: gr.State  # the question waiting for its answer
    removed: gr.State  # removed articles that an undo can put back, the latest last
    chatbot: gr.Chatbot
    question: gr.Textbox
    count: gr.HTML
    send: gr.Button
    stop: gr.Button
    clear: gr.Button
    listing: gr.HTML
    upload: gr.File
    web: gr.Textbox
    fetch: gr.Button
    report: gr.HTML
    chosen: gr.Dropdown
    remove: gr.Button
    confirm_row: gr.Row
    confirm_text: gr.HTML
    confirm: gr.Button
    cancel: gr.Button
    undo: gr.Button


def chat_tab(settings: Settings) -> dict[str, Any]:
    chatbot = gr.Chatbot(
        elem_id="chat",
        show_label=False,
        render_markdown=False,
        sanitize_html=True,
        buttons=[],
        feedback_options=None,
        group_consecutive_messages=False,
        autoscroll=False,  # scripts/page.js scrolls: a final answer to its first line
        height="62vh",
        placeholder=render.placeholder_html(),
        examples=[{"text": q} for q in EXAMPLES],
    )
    with gr.Row(equal_height=True):
        question = text_box(
            "question", "Ask a question about the news…", 8, "Question", autofocus=True
        )
        send = button("Ask", "ask-button", "primary")
        stop = button("Stop", "stop", "stop", visible=False)
        clear = button("New chat", "new-chat")
    count = gr.HTML(
        render.count_html(length_note("", settings.max_question_chars), None),
        elem_id="question-count",
    )
    return {
        "chatbot": chatbot,
        "question": question,
        "count": count,
        "send": send,
        "stop": stop,
        "clear": clear,
    }


def library_tab(settings: Settings) -> dict[str, Any]:
    listing = gr.HTML(elem_id="library-list")
    gr.HTML(render.formats_html(settings.max_upload_bytes))
    upload = gr.File(
        label="Article files",
        file_count="multiple",
        file_types=list(SUPPORTED_SUFFIXES),
        type="filepath",
        elem_id="upload",
        height=140,
    )
    gr.HTML(render.web_html(MAX_WEB_URLS, MAX_WEB_PAGES))
    with gr.Row(equal_height=True):
        web = text_box(
            "web-address", "https://… a news page, a feed or a sitemap", 6, "Web addresses"
        )
        fetch = button("Fetch", "fetch")
    report = gr.HTML(elem_id="library-report")
    gr.HTML(render.heading_html("Remove an article"))
    with gr.Row(equal_height=True):
        chosen = gr.Dropdown(
            choices=[library.CHOOSE],
            value=library.CHOOSE[1],
            label="Article to remove",
            scale=6,
            show_label=False,
            container=False,
            elem_id="remove-choice",
        )
        remove = button("Remove…", "remove", "stop")
        undo = button("Undo", "undo", visible=False)
    with gr.Row(equal_height=True, visible=False, elem_id="confirm-row") as confirm_row:
        confirm_text = gr.HTML(elem_id="confirm-text")
        confirm = button("Remove", "confirm-remove", "stop")
        cancel = button("Keep it", "cancel-remove")
    return {
        "listing": listing,
        "upload": upload,
        "web": web,
        "fetch": fetch,
        "report": report,
        "chosen": chosen,
        "remove": remove,
        "confirm_row": confirm_row,
        "confirm_text": confirm_text,
        "confirm": confirm,
        "cancel": cancel,
        "undo": undo,
    }


def layout(settings: Settings) -> Ui:
    """The page: header, then an Ask tab and a Library tab."""
    states = {
        "display": gr.State([]),
        "history": gr.State([]),
        "pending": gr.State(None),
        "removed": gr.State([]),
    }
    gr.HTML(render.header_html(TITLE, SUBTITLE))
    with gr.Tabs():
        with gr.Tab("Ask", id="ask"):
            chat = chat_tab(settings)
        with gr.Tab("Library", id="library"):
            lib = library_tab(settings)
    return Ui(**states, **chat, **lib)


def wire_turn(trigger: Callable[..., Any], ui: Ui, handlers: Handlers, **kwargs: Any) -> None:
    """Question → shown at once (unqueued) → answered in its turn (or stopped) → input back."""
    started = trigger(
        handlers.start_turn,
        inputs=[ui.question, ui.display],
        outputs=[ui.chatbot, ui.display, ui.pending, ui.question, ui.send, ui.clear, ui.stop],
        queue=False,
        **EVENT,
        **kwargs,
    )
    answering = started.then(
        handlers.answer_turn,
        inputs=[ui.pending, ui.display, ui.history],
        outputs=[ui.chatbot, ui.display, ui.history, ui.pending],
        # every question starts at once and waits in the answers' gate, saying its place
        concurrency_limit=handlers.gate.max_waiting + 1,
        concurrency_id="answers",
        **EVENT,
    )
    answering.then(
        handlers.end_turn,
        inputs=[ui.pending],
        outputs=[ui.question, ui.send, ui.clear, ui.stop, ui.pending],
        queue=False,
        **EVENT,
    )


def wire_library(demo: gr.Blocks, ui: Ui, handlers: Handlers) -> None:
    in_library = {"concurrency_limit": 1, "concurrency_id": "library", **EVENT}
    ui.upload.upload(handlers.adding, outputs=[ui.report], queue=False, **EVENT).then(
        handlers.add_files,
        inputs=[ui.upload],
        outputs=[ui.listing, ui.chosen, ui.report, ui.upload],
        **in_library,
    )
    for fetch in (ui.fetch.click, ui.web.submit):
        fetch(handlers.fetching, outputs=[ui.report], queue=False, **EVENT).then(
            handlers.add_from_web,
            inputs=[ui.web],
            outputs=[ui.listing, ui.chosen, ui.report, ui.web],
            **in_library,
        )
    ui.remove.click(
        handlers.ask_remove,
        inputs=[ui.chosen],
        outputs=[ui.confirm_row, ui.confirm_text, ui.report],
        queue=False,
        **EVENT,
    )
    ui.cancel.click(handlers.keep, outputs=[ui.confirm_row], queue=False, **EVENT)
    ui.confirm.click(
        handlers.remove,
        inputs=[ui.chosen, ui.removed],
        outputs=[ui.listing, ui.chosen, ui.report, ui.confirm_row, ui.removed, ui.undo],
        **in_library,
    )
    ui.undo.click(
        handlers.undo,
        inputs=[ui.removed],
        outputs=[ui.listing, ui.chosen, ui.report, ui.removed, ui.undo],
        **in_library,
    )
    demo.load(handlers.show_library, outputs=[ui.listing, ui.chosen], **in_library)


def wire(demo: gr.Blocks, ui: Ui, handlers: Handlers) -> None:
    example = ui.chatbot.example_select(
        handlers.pick_example, outputs=[ui.question], queue=False, **EVENT
    )
    for trigger in (ui.question.submit, ui.send.click, example.then):
        wire_turn(trigger, ui, handlers)
    # the page's own answer is stopped (not its event cancelled): its stream then writes
    # "Stopped." last and unlocks the page (Handlers.stop)
    ui.stop.click(handlers.stop, outputs=[ui.stop], queue=False, **EVENT)
    ui.question.change(
        handlers.count,
        inputs=[ui.question],
        outputs=[ui.count],
        queue=False,
        trigger_mode="always_last",
        **EVENT,
    )
    for reset in (ui.clear.click, ui.chatbot.clear):
        reset(handlers.new_chat, outputs=[ui.chatbot, ui.display, ui.history], queue=False, **EVENT)
    wire_library(demo, ui, handlers)


def build(settings: Settings, answerer: Answerer | None = None) -> gr.Blocks:
    """The app over this answerer (by default the real one for these settings)."""
    handlers = Handlers(settings, answerer if answerer is not None else Answerer(settings))
    with gr.Blocks(title=TITLE, analytics_enabled=False) as demo:
        wire(demo, layout(settings), handlers)
    return demo


def launch_options(settings: Settings) -> dict[str, Any]:
    """Safe defaults: local address, no share link, no error details, nothing phoned home."""
    return {
        "server_name": settings.host,
        "server_port": settings.port,
        "share": False,
        "show_error": False,
        "inbrowser": False,
        "max_file_size": settings.max_upload_bytes,
        "footer_links": [],
        "run_history": False,
        "enable_monitoring": False,
        "mcp_server": False,
        "pwa": False,
        "ssr_mode": False,
        "theme": theme(),
        "css": stylesheet(),
        "js": script(),
    }
