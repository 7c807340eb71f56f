"""POST /v1/ingest's work: files sent as multipart form fields, or articles and web URLs as
JSON, saved or fetched and ingested with the same rules as the browser chat's (rag.library).

Contract: `read_items(request)` returns the request's items without touching the library:
(name, bytes) pairs for files (at most MAX_INGEST_ITEMS), or `NewArticle`s and, when the body
names URLs, one `WebSources`; another content type, no file, or an invalid JSON body is a 400.
`ingest(items, store, settings)` saves or fetches and ingests each item on its own (a blocking
call, which fetches web pages: run it in a worker thread, never in the answers' turn): what one
file, article or URL gave is listed with its status, what failed is listed with its reason (a
URL's under its URL, code "unreadable_url"); when nothing was ingested, the first failure is
raised as the request's error (400, or 413 over the size limit).
Knows nothing about how answers are made.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError

from rag import library
from rag.api.errors import ApiError, from_exception
from rag.api.schemas import (
    MAX_INGEST_ITEMS,
    IngestBody,
    Ingested,
    IngestFailure,
    IngestResult,
    NewArticle,
    WebSources,
)
from rag.articles import Article
from rag.config import Settings
from rag.errors import InputError

if TYPE_CHECKING:
    from rag.store import Store

Item = tuple[str, bytes] | NewArticle | WebSources
Failed = tuple[IngestFailure, ApiError]
USAGE = (
    'send files as multipart/form-data fields named "files", or JSON {"articles": [...]} '
    'and/or {"urls": [...], "feeds": [...], "sitemaps": [...]}'
)


async def read_items(request: Request) -> list[Item]:
    """The files, or the articles and web URLs, of an ingest request."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind == "multipart/form-data":
        form = await request.form(max_files=MAX_INGEST_ITEMS, max_fields=MAX_INGEST_ITEMS)
        files = [value for _, value in form.multi_items() if not isinstance(value, str)]
        if not files:
            raise ApiError(400, f"no file in the form: {USAGE}", param="files")
        return [(f.filename or "upload", await f.read()) for f in files]
    if kind == "application/json" or kind.endswith("+json"):
        try:
            body = IngestBody.model_validate_json(await request.body())
        except ValidationError as exc:
            errors = [{**e, "loc": ("body", *e["loc"])} for e in exc.errors()]
            raise RequestValidationError(errors) from None
        return [*(body.articles or []), *([body] if body.given() else [])]  # body: its URLs
    raise ApiError(400, f"unsupported content type {kind or '(none)'}: {USAGE}")


def _save(item: tuple[str, bytes] | NewArticle, settings: Settings) -> tuple[str, Path]:
    if isinstance(item, NewArticle):
        path = library.save_article(
            item.title,
            item.text,
            settings,
            date=item.date,
            source=item.source,
            url=item.url,
            doc_id=item.id,
        )
        return item.title, path
    name, data = item
    return name, library.save_data(data, name, settings)


def _listed(article: Article, status: str) -> Ingested:
    return Ingested(
        doc_id=article.doc_id,
        title=article.title,
        date=article.date,
        source=article.source,
        url=article.url,
        status=status,  # type: ignore[arg-type]
    )


def _fetch(
    web: WebSources, store: Store, settings: Settings
) -> tuple[list[Ingested], list[Failed]]:
    """Fetch and ingest the pages the URLs give: each article listed, each failure named."""
    got = library.ingest_web(
        store, settings, web.urls or (), web.feeds or (), web.sitemaps or (), since=web.since
    )
    failed = [
        (
            IngestFailure(name=f.path, message=f.reason, code="unreadable_url"),
            ApiError(400, str(f), "unreadable_url"),
        )
        for f in got.failures
    ]
    return [_listed(a, got.status(a.doc_id)) for a in got.articles], failed


def ingest(items: Sequence[Item], store: Store, settings: Settings) -> IngestResult:
    """Save or fetch and ingest each item; the result lists what each gave (see the contract)."""
    done: list[Ingested] = []
    failed: list[Failed] = []
    for number, item in enumerate(items):
        if isinstance(item, WebSources):
            fetched, not_fetched = _fetch(item, store, settings)
            done, failed = done + fetched, failed + not_fetched
            continue
        label = f"articles[{number}]" if isinstance(item, NewArticle) else item[0]
        try:
            name, path = _save(item, settings)
            got = library.ingest_saved(path, store, name)
        except InputError as exc:
            error = from_exception(exc)
            failed.append((IngestFailure(name=label, message=str(exc), code=error.code), error))
            continue
        for reason in got.failures:
            error = ApiError(400, f"{label}: {reason}", "unreadable_article")
            failed.append((IngestFailure(name=label, message=reason, code=error.code), error))
        done += [_listed(a, got.status(a.doc_id)) for a in got.articles]
    if not done and failed:
        raise failed[0][1]
    return IngestResult(data=done, errors=[f for f, _ in failed])
