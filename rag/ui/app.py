"""The Gradio page: layout, event wiring and its serving options.

Contract: `build(settings, answerer)` returns the app (an Ask tab and a Library tab);
`launch_options(settings)` are the options it is served with (rag.server mounts it at / beside
the API): settings.host:settings.port (127.0.0.1 by default), no share link, analytics,
monitoring or run history, styled by style.css. A question is shown at once; its answer
streams into the same message (rag.ui.chat); one generation runs at a time, and other questions
wait in the queue and say so. The Library tab adds uploads and web addresses (pages, feeds,
sitemaps) and removes articles, one of these at a time in its own queue, so fetching pages never
holds up an answer. Every piece of HTML comes from rag.ui.render; the page loads nothing from
other hosts (a source's link opens in a new tab when clicked).
Knows nothing about how answers are made (it calls `Answerer.validate` and, through
rag.ui.chat, `Answerer.stream`), nor about Chroma, embeddings or model files.
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
from rag.ui import render
from rag.ui.handlers import Handlers

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
STYLESHEET = Path(__file__).resolve().parent / "style.css"
PRIVATE = {"api_visibility": "private"}  # the page's own events, not a public API


@functools.cache
def stylesheet() -> str:
    """style.css, read once per process."""
    return STYLESHEET.read_text(encoding="utf-8")


@dataclass
class Ui:
    display: gr.State  # the chat's messages as shown (HTML)
    history: gr.State  # the conversation as plain text, for follow-ups
    pending: gr.State  # the question waiting for its answer
    chatbot: gr.Chatbot
    question: gr.Textbox
    send: gr.Button
    clear: gr.Button
    listing: gr.HTML
    upload: gr.File
    web: gr.Textbox
    fetch: gr.Button
    report: gr.HTML
    chosen: gr.Dropdown
    remove: gr.Button


def text_box(elem_id: str, placeholder: str, scale: int, **more: Any) -> gr.Textbox:
    """A one-line box without a label that grows to four lines."""
    return gr.Textbox(
        elem_id=elem_id,
        show_label=False,
        container=False,
        placeholder=placeholder,
        lines=1,
        max_lines=4,
        scale=scale,
        **more,
    )


def chat_tab() -> dict[str, Any]:
    chatbot = gr.Chatbot(
        elem_id="chat",
        show_label=False,
        render_markdown=False,
        sanitize_html=True,
        buttons=[],
        feedback_options=None,
        group_consecutive_messages=False,
        height="62vh",
        placeholder=render.placeholder_html(),
        examples=[{"text": q} for q in EXAMPLES],
    )
    with gr.Row(equal_height=True):
        question = text_box("question", "Ask a question about the news…", 8, autofocus=True)
        send = gr.Button("Ask", variant="primary", scale=1, min_width=90, elem_id="ask-button")
        clear = gr.Button(
            "New chat", variant="secondary", scale=1, min_width=110, elem_id="new-chat"
        )
    return {"chatbot": chatbot, "question": question, "send": send, "clear": clear}


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
        web = text_box("web-address", "https://… a news page, a feed or a sitemap", 6)
        fetch = gr.Button("Fetch", variant="secondary", scale=1, min_width=110, elem_id="fetch")
    report = gr.HTML(elem_id="library-report")
    gr.HTML(render.heading_html("Remove an article"))
    with gr.Row(equal_height=True):
        chosen = gr.Dropdown(
            choices=[],
            value=None,
            scale=6,
            show_label=False,
            container=False,
            elem_id="remove-choice",
        )
        remove = gr.Button("Remove", variant="stop", scale=1, min_width=110, elem_id="remove")
    return {
        "listing": listing,
        "upload": upload,
        "web": web,
        "fetch": fetch,
        "report": report,
        "chosen": chosen,
        "remove": remove,
    }


def layout(settings: Settings) -> Ui:
    """The page: header, then an Ask tab and a Library tab."""
    states = {"display": gr.State([]), "history": gr.State([]), "pending": gr.State(None)}
    gr.HTML(render.header_html(TITLE, SUBTITLE))
    with gr.Tabs():
        with gr.Tab("Ask", id="ask"):
            chat = chat_tab()
        with gr.Tab("Library", id="library"):
            lib = library_tab(settings)
    return Ui(**states, **chat, **lib)


def wire_turn(trigger: Callable[..., Any], ui: Ui, handlers: Handlers, **kwargs: Any) -> None:
    """Question → shown at once (unqueued) → answered (one generation at a time) → input back."""
    (
        trigger(
            handlers.start_turn,
            inputs=[ui.question, ui.display],
            outputs=[ui.chatbot, ui.display, ui.pending, ui.question, ui.send, ui.clear],
            queue=False,
            **PRIVATE,
            **kwargs,
        )
        .then(
            handlers.answer_turn,
            inputs=[ui.pending, ui.display, ui.history],
            outputs=[ui.chatbot, ui.display, ui.history],
            concurrency_limit=1,
            concurrency_id="model",
            show_progress="hidden",
            **PRIVATE,
        )
        .then(
            handlers.end_turn,
            outputs=[ui.question, ui.send, ui.clear, ui.pending],
            queue=False,
            **PRIVATE,
        )
    )


def wire(demo: gr.Blocks, ui: Ui, handlers: Handlers) -> None:
    wire_turn(ui.question.submit, ui, handlers)
    wire_turn(ui.send.click, ui, handlers)
    example = ui.chatbot.example_select(
        handlers.pick_example, outputs=[ui.question], queue=False, **PRIVATE
    )
    wire_turn(example.then, ui, handlers)
    for reset in (ui.clear.click, ui.chatbot.clear):
        reset(
            handlers.new_chat, outputs=[ui.chatbot, ui.display, ui.history], queue=False, **PRIVATE
        )
    in_library = {"concurrency_limit": 1, "concurrency_id": "library", **PRIVATE}
    ui.upload.upload(
        handlers.add_files,
        inputs=[ui.upload],
        outputs=[ui.listing, ui.chosen, ui.report, ui.upload],
        **in_library,
    )
    for fetch in (ui.fetch.click, ui.web.submit):
        fetch(handlers.fetching, outputs=[ui.report], queue=False, **PRIVATE).then(
            handlers.add_from_web,
            inputs=[ui.web],
            outputs=[ui.listing, ui.chosen, ui.report, ui.web],
            **in_library,
        )
    ui.remove.click(
        handlers.remove,
        inputs=[ui.chosen],
        outputs=[ui.listing, ui.chosen, ui.report],
        **in_library,
    )
    demo.load(handlers.show_library, outputs=[ui.listing, ui.chosen], **in_library)


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
        "theme": gr.themes.Default(primary_hue="indigo", neutral_hue="slate", radius_size="md"),
        "css": stylesheet(),
    }
