"""The browser chat: a Gradio page to ask questions, read cited answers and manage the library.

Contract: `rag.ui.app.serve(settings)` serves it; `render` turns answers and lists into HTML
from autoescaped Jinja2 templates, `chat` streams answers and keeps the conversation,
`library` saves, ingests and removes uploaded articles, `handlers` answers the page's events.
Importing `rag.ui` imports nothing.
Knows nothing about how answers are made beyond rag.answer's API (`Answerer.validate`,
`Answerer.stream`, and its `Status`, `Token` and `Answer` events), nor about Chroma,
embeddings or model files.
"""
