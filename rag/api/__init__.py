"""The OpenAI-compatible HTTP API under /v1: chat completions with cited answers, the model,
and the article library.

Contract: `rag.api.routes.create_app(settings, answerer)` is the FastAPI app of the /v1 routes
(served by rag.server, alone or beside the browser chat); `messages` maps a chat request to a
question and its history, `responses` builds the OpenAI objects from an `Answer`, `jobs` runs
an answer in a worker thread in its turn, `gate` takes the turns (one answer at a time, a
bounded queue, shared with the browser chat), `guard` checks size, key and origin, `errors`
shapes every error as OpenAI does. Importing `rag.api` imports nothing.
Knows nothing about Gradio, Chroma, embeddings or model files; answers come from rag.answer,
their JSON from rag.schema, the library from rag.library.
"""
