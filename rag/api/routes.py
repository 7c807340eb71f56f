"""The /v1 routes of the OpenAI-compatible API, as one FastAPI app.

Routes: POST /v1/chat/completions (streamed or not; see rag.api.messages for the request,
rag.api.responses for the reply), GET /v1/models and /v1/models/{id} (the one model, named
as configured), POST /v1/ingest (rag.api.ingest), GET /v1/documents, DELETE
/v1/documents/{doc_id} (404 when unknown). Any other /v1 path is a 404 (a 405 for a known path
and another method); every error has the OpenAI shape (rag.api.errors). The OpenAPI schema is
at /v1/openapi.json (open, like the schema of any public API; no docs page, which would load
scripts from another host). Every /v1 route passes rag.api.guard's checks; bodies are limited
to CHAT_BODY_BYTES (ingest: MAX_INGEST_ITEMS uploads of max_upload_bytes, plus INGEST_SLACK).
A non-streamed answer carries the time it waited for its turn and took, in the headers
X-Queue-Wait-Ms and X-Answer-Ms.
Knows nothing about Gradio, Chroma or model files.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, StreamingResponse
from fastapi.routing import APIRoute
from pydantic import BaseModel
from starlette.background import BackgroundTask

from rag import library
from rag.api import errors, guard, ingest, jobs, responses, schemas
from rag.api.gate import GatedAnswerer
from rag.api.messages import ChatRequest, conversation
from rag.config import Settings
from rag.errors import StoreError

CHAT_BODY_BYTES = 1 << 20  # a chat request: the question and up to MAX_MESSAGES turns
INGEST_SLACK = 1 << 20  # multipart framing and JSON escaping beyond the uploads themselves
OWNER = "rag-news"
ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": schemas.ErrorResponse, "description": text}
    for status, text in [
        (400, "invalid request"),
        (401, "incorrect or missing API key"),
        (403, "a web page of another site, or a non-loopback Host without a key"),
        (413, "request body too large"),
    ]
}
STREAM = {"description": "with stream: text/event-stream of chat.completion.chunk"}
UPLOADS = {
    "type": "object",
    "properties": {"files": {"type": "array", "items": {"type": "string", "format": "binary"}}},
}


def inline(model: type[BaseModel]) -> dict[str, Any]:
    """A model's JSON schema with its nested models written in place (no $defs)."""
    schema = model.model_json_schema()
    defs = schema.pop("$defs", {})

    def resolve(node: Any) -> Any:
        if isinstance(node, dict):
            if "$ref" in node:
                return resolve(defs[node["$ref"].rsplit("/", 1)[-1]])
            return {k: resolve(v) for k, v in node.items()}
        return [resolve(v) for v in node] if isinstance(node, list) else node

    return dict(resolve(schema))


def without_422(app: FastAPI) -> None:
    """Validation errors are answered 400 (rag.api.errors): the schema says so, not 422."""
    make = app.openapi

    def openapi() -> dict[str, Any]:
        document = make()
        for operations in document.get("paths", {}).values():
            for operation in operations.values():
                operation.get("responses", {}).pop("422", None)
        for unused in ("HTTPValidationError", "ValidationError"):
            document.get("components", {}).get("schemas", {}).pop(unused, None)
        return document

    app.openapi = openapi  # type: ignore[method-assign]


def body_limit(settings: Settings) -> Any:
    ingest_bytes = schemas.MAX_INGEST_ITEMS * settings.max_upload_bytes + INGEST_SLACK
    return lambda path: ingest_bytes if path.rstrip("/") == "/v1/ingest" else CHAT_BODY_BYTES


class Api:
    """The routes' work, over one gated answerer and its store."""

    def __init__(self, settings: Settings, answerer: GatedAnswerer) -> None:
        self.settings = settings
        self.answerer = answerer
        self.store = answerer.store
        self.created = responses.now()
        # answers running or waiting for their turn, plus one finishing after a cancel
        self.pool = ThreadPoolExecutor(answerer.gate.max_waiting + 2, thread_name_prefix="answer")

    async def chat_completions(self, body: ChatRequest) -> Any:
        """Answer the conversation's last user message, with citations."""
        question, history = conversation(body.messages)
        question = self.answerer.validate(question)
        if await run_in_threadpool(self.store.count) == 0:
            raise StoreError("no articles are ingested yet: POST /v1/ingest or run `rag ingest`")
        job = jobs.AnswerJob(self.answerer, self.answerer.gate.reserve(), question, history)
        model, rid, created = self.settings.model, responses.completion_id(), responses.now()
        # started here, not when a stream begins: a client gone before its first byte never
        # starts the stream, and the job's worker must still give its turn back
        future = jobs.start(job, self.pool)
        if body.stream:
            headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
            return StreamingResponse(
                jobs.sse(job, future, model, rid, created),
                media_type="text/event-stream",
                headers=headers,
                background=BackgroundTask(job.cancelled.set),  # after the reply, sent or not
            )
        answer = await jobs.answer(job, future)
        timing = {
            "X-Queue-Wait-Ms": f"{job.waited_ms:.0f}",
            "X-Answer-Ms": f"{answer.timings_ms.get('total', 0.0):.0f}",
        }
        return JSONResponse(responses.completion(answer, model, rid, created), headers=timing)

    def models(self) -> schemas.ModelList:
        """The one model this server answers with."""
        return schemas.ModelList(data=[self.model(self.settings.model)])

    def model(self, model_id: str) -> schemas.Model:
        if model_id != self.settings.model:
            raise errors.ApiError(404, f"no model {model_id!r}", "model_not_found", "model")
        return schemas.Model(id=model_id, created=self.created, owned_by=OWNER)

    async def ingest(self, request: Request) -> schemas.IngestResult:
        """Add articles: files (.txt, .md, .html, .htm, .jsonl) as multipart fields, or JSON
        `{"articles": [{"title", "text", "date", "source", "url", "id"}]}` and/or web pages
        `{"urls": [...], "feeds": [...], "sitemaps": [...], "since": "YYYY-MM-DD"}` (at most
        20 URLs; pages are fetched in a worker thread, outside the answers' turn)."""
        items = await ingest.read_items(request)
        return await run_in_threadpool(ingest.ingest, items, self.store, self.settings)

    def documents(self) -> schemas.DocumentList:
        """The ingested articles, newest first."""
        found = library.documents(self.store)
        return schemas.DocumentList(data=[schemas.Document(**vars(d)) for d in found])

    def delete_document(self, doc_id: str) -> schemas.Deleted:
        """Remove an article, and the uploaded file it came from."""
        library.remove_article(doc_id, self.store, self.settings)
        return schemas.Deleted(id=doc_id, deleted=True)


def router(api: Api, settings: Settings) -> APIRouter:
    routes = APIRouter(prefix="/v1", dependencies=[Depends(guard.Access(settings).check)])
    routes.add_api_route(
        "/chat/completions",
        api.chat_completions,
        methods=["POST"],
        response_model=schemas.ChatCompletion,
        responses={**ERRORS, 200: STREAM, 429: {"description": "too many questions waiting"}},
    )
    routes.add_api_route("/models", api.models, methods=["GET"], responses=ERRORS)
    routes.add_api_route("/models/{model_id}", api.model, methods=["GET"], responses=ERRORS)
    ingest_body = {
        "content": {
            "multipart/form-data": {"schema": UPLOADS},
            "application/json": {"schema": inline(schemas.IngestBody)},
        }
    }
    routes.add_api_route(
        "/ingest",
        api.ingest,
        methods=["POST"],
        responses=ERRORS,
        openapi_extra={"requestBody": ingest_body},
    )
    routes.add_api_route("/documents", api.documents, methods=["GET"], responses=ERRORS)
    routes.add_api_route(
        "/documents/{doc_id}", api.delete_document, methods=["DELETE"], responses=ERRORS
    )
    return routes


def unknown(known: APIRouter) -> Any:
    """The route for any other /v1 request: 405 when the path is known, else 404."""
    paths = [route.path_regex for route in known.routes if isinstance(route, APIRoute)]

    async def refuse(request: Request) -> None:
        method, path = request.method, request.url.path
        if any(regex.match(path) for regex in paths):
            raise errors.ApiError(405, f"{method} is not allowed on {path}")
        raise errors.ApiError(404, f"no route {method} {path}", "unknown_route")

    return refuse


def create_app(settings: Settings, answerer: GatedAnswerer) -> FastAPI:
    """The /v1 API over this answerer."""
    app = FastAPI(
        title="rag-news API",
        summary="OpenAI-compatible chat completions with verified citations over news articles",
        version="1",
        openapi_url="/v1/openapi.json",
        docs_url=None,
        redoc_url=None,
    )
    errors.install(app)
    without_422(app)
    app.add_middleware(guard.BodyLimit, limit_for=body_limit(settings))
    routes = router(Api(settings, answerer), settings)
    app.include_router(routes)
    methods = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]
    refuse = unknown(routes)
    app.add_api_route("/v1/{rest:path}", refuse, methods=methods, include_in_schema=False)
    return app
