"""Errors as the OpenAI API shapes them: `{"error": {"message", "type", "param", "code"}}`,
with the status that fits.

Contract: `ApiError` carries a status and the four fields; `from_exception` maps the project's
errors (rag.errors, rag.library, rag.api.gate) to one: an input error 400, a size over a limit
413, an unknown article 404, a full queue 429 (with Retry-After), a store with no articles or
unreachable 503, any other RagError 500 with its one-line message; anything else is logged
with its traceback and answered 500 with a generic message. `install(app)` makes FastAPI
answer every error this way, its own 422 validation errors becoming 400.
Knows nothing about how answers are made.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from rag.api.gate import Busy
from rag.errors import InputError, RagError, StoreError
from rag.library import NotInLibrary, TooLarge

log = logging.getLogger(__name__)

GENERIC = "the server failed to answer; the details are in its log"
RETRY_AFTER_SECONDS = 20  # about one answer's time
_KINDS = {  # status -> (type, code) when nothing more specific is known
    400: ("invalid_request_error", "invalid_request"),
    401: ("invalid_request_error", "invalid_api_key"),
    403: ("permission_error", "forbidden"),
    404: ("invalid_request_error", "not_found"),
    405: ("invalid_request_error", "method_not_allowed"),
    413: ("invalid_request_error", "request_too_large"),
    429: ("rate_limit_error", "server_busy"),
    503: ("server_error", "unavailable"),
}


class ApiError(Exception):
    """An error answered in the OpenAI shape."""

    def __init__(
        self,
        status: int,
        message: str,
        code: str | None = None,
        param: str | None = None,
        kind: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        default_kind, default_code = _KINDS.get(status, ("server_error", "server_error"))
        self.status, self.message, self.param = status, message, param
        self.code = code or default_code
        self.kind = kind or default_kind
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        return {
            "error": {
                "message": self.message,
                "type": self.kind,
                "param": self.param,
                "code": self.code,
            }
        }

    def response(self) -> JSONResponse:
        return JSONResponse(self.body(), status_code=self.status, headers=self.headers)


def from_exception(exc: BaseException) -> ApiError:
    """The ApiError for an exception raised while handling a request."""
    if isinstance(exc, ApiError):
        return exc
    if isinstance(exc, TooLarge):
        return ApiError(413, str(exc))
    if isinstance(exc, NotInLibrary):
        return ApiError(404, str(exc), "document_not_found")
    if isinstance(exc, Busy):
        return ApiError(429, str(exc), headers={"Retry-After": str(RETRY_AFTER_SECONDS)})
    if isinstance(exc, InputError):
        return ApiError(400, str(exc))
    if isinstance(exc, StoreError):
        return ApiError(503, str(exc), "store_unavailable")
    if isinstance(exc, RagError):
        return ApiError(500, str(exc), "server_error")
    log.error("unexpected error in the API", exc_info=exc)
    return ApiError(500, GENERIC, "server_error")


def validation_error(exc: RequestValidationError) -> ApiError:
    """FastAPI's validation errors as one 400: each problem with where it is."""
    problems, params = [], []
    for error in exc.errors():
        where = ".".join(str(part) for part in error.get("loc", ())[1:])
        problems.append(f"{where}: {error.get('msg')}" if where else str(error.get("msg")))
        params.append(where)
    message = "; ".join(problems) or "invalid request"
    return ApiError(400, message, param=next((p for p in params if p), None))


def http_error(exc: HTTPException) -> ApiError:
    message = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
    return ApiError(exc.status_code, message, headers=dict(exc.headers or {}))


def install(app: FastAPI) -> None:
    """Answer every error of `app` in the OpenAI shape."""

    async def on_api(_: Request, exc: Exception) -> JSONResponse:
        return from_exception(exc).response()

    async def on_validation(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        return validation_error(exc).response()

    async def on_http(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, HTTPException)
        return http_error(exc).response()

    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(HTTPException, on_http)
    app.add_exception_handler(ApiError, on_api)
    app.add_exception_handler(RagError, on_api)
    app.add_exception_handler(Exception, on_api)
