"""What a request must pass before any route runs (the page, Gradio's own routes and /v1): the
Host and Origin checks, the body size limit of /v1, and the API key; and the security headers
every response carries.

Contract: `SameSite(app, settings)` (ASGI middleware over the whole app) answers 403 in the
OpenAI shape when, while bound to loopback without an `api_key`, the `Host` header names a
host that is not loopback (DNS rebinding, or a proxy exposing a keyless server), or when a
request carries an `Origin` other than this server's own (a web page elsewhere cannot make the
user's browser upload, ingest, delete, ask or read); every response it passes on carries
SECURITY_HEADERS (no MIME sniffing, no referrer, never framed). `BodyLimit` (ASGI middleware)
answers 413 in the OpenAI shape when a /v1 request's body is over its path's limit: at once
when Content-Length says so, or as soon as the bytes received pass it. `Access(settings).check`
is a FastAPI dependency: with an `api_key` set, `Authorization: Bearer <key>` must carry it
(401).
Knows nothing about the routes' work.
"""

from __future__ import annotations

import hmac
import ipaddress
import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import urlsplit

from fastapi import Request
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException

from rag.api.errors import ApiError
from rag.config import Settings

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
Asgi = Callable[[Scope, Receive, Send], Awaitable[None]]

PREFIX = "/v1"
LOOPBACK_NAMES = {"localhost", "localhost.localdomain"}
SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
]


def is_loopback(host: str) -> bool:
    """Whether a host name or address is this machine only."""
    host = host.strip().strip("[]").lower()
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def too_large(limit: int) -> ApiError:
    return ApiError(413, f"the request body is over the {limit:,}-byte limit of this route")


class BodyLimit:
    """Refuse /v1 request bodies over `limit_for(path)` bytes."""

    def __init__(self, app: Asgi, limit_for: Callable[[str], int]) -> None:
        self.app = app
        self.limit_for = limit_for

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or not (path == PREFIX or path.startswith(PREFIX + "/")):
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(path)
        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await send_error(send, too_large(limit))
            return
        received = 0

        async def limited() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise HTTPException(413, too_large(limit).message)
            return message

        await self.app(scope, limited, send)


async def send_error(send: Send, error: ApiError) -> None:
    body = json.dumps(error.body()).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": error.status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def refusal(host: str, origin: str | None, local_only: bool) -> str | None:
    """Why a request with these Host and Origin headers is refused, or None."""
    try:
        host_name = urlsplit(f"//{host}").hostname or ""
        origin_host = None if origin is None else urlsplit(origin).netloc.lower()
    except ValueError:  # "[::1" and the like: no host a browser would send
        return "a malformed Host or Origin header"
    if local_only and host and not is_loopback(host_name):
        return f"without an api_key this server answers on loopback only, not {host!r}"
    if origin_host is not None and origin_host != host.lower():
        return "requests from web pages of other sites are refused"
    return None


class SameSite:
    """Refuse foreign Host and Origin headers on every route; add SECURITY_HEADERS."""

    def __init__(self, app: Asgi, settings: Settings) -> None:
        self.app = app
        self.local_only = is_loopback(settings.host) and not settings.api_key

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def secured(message: Message) -> None:
            if message["type"] == "http.response.start":
                names = {name for name, _ in SECURITY_HEADERS}
                kept = [(k, v) for k, v in message.get("headers", []) if k.lower() not in names]
                message["headers"] = [*kept, *SECURITY_HEADERS]
            await send(message)

        headers = Headers(scope=scope)
        why = refusal(headers.get("host", ""), headers.get("origin"), self.local_only)
        if why is not None:
            await send_error(secured, ApiError(403, why))
            return
        await self.app(scope, receive, secured)


class Access:
    def __init__(self, settings: Settings) -> None:
        self.key = settings.api_key.encode()

    def check(self, request: Request) -> None:
        if self.key:
            scheme, _, token = request.headers.get("authorization", "").partition(" ")
            given = token.strip().encode()
            if scheme.lower() != "bearer" or not hmac.compare_digest(given, self.key):
                raise ApiError(401, "incorrect or missing API key (Authorization: Bearer KEY)")
