"""The browser chat: a Gradio page to ask questions, read cited answers and manage the library.

Contract: `rag.ui.app.build(settings, answerer)` builds it (rag.server serves it); `render`
turns answers and lists into HTML from autoescaped Jinja2 templates, `chat` streams answers
and keeps the conversation,
`worker` makes an answer in its turn (rag.api.gate) in a worker thread that Stop ends,
`library` saves, ingests, removes and puts back articles, `handlers` answers the page's events,
`widgets` are its boxes and buttons, `screenshots` makes the README's pictures.
Importing `rag.ui` imports nothing.
Knows nothing about how answers are made beyond rag.answer's API (`Answerer.validate`,
`Answerer.stream`, and its `Status`, `Token` and `Answer` events), nor about Chroma,
embeddings or model files.
"""
