"""The page's building blocks: its text boxes and buttons, one look for each, and the options
every event of the page shares.

Contract: `text_box` is a one-line box growing to four lines whose label only screen readers
read; `button` is a button of one size and minimum width; EVENT are the options of every event
(private to the page; progress shown in the page's own words).
Knows nothing about the page's layout, its handlers or how answers are made.
"""

from __future__ import annotations

from typing import Any

import gradio as gr

# Every event is the page's own (no public API) and shows its progress in the page's words,
# never Gradio's overlay (whose "complete" notice is an untranslated key).
EVENT: dict[str, Any] = {"api_visibility": "private", "show_progress": "hidden"}


def text_box(elem_id: str, placeholder: str, scale: int, label: str, **more: Any) -> gr.Textbox:
    """A one-line box whose label is read by screen readers only, growing to four lines."""
    return gr.Textbox(
        elem_id=elem_id,
        label=label,
        show_label=False,
        container=False,
        placeholder=placeholder,
        lines=1,
        max_lines=4,
        scale=scale,
        **more,
    )


def button(label: str, elem_id: str, variant: str = "secondary", **more: Any) -> gr.Button:
    """A button of the page: one size, one minimum width."""
    return gr.Button(
        label, variant=variant, size="md", scale=1, min_width=110, elem_id=elem_id, **more
    )
