"""What a /v1 request must pass before its route runs: the body size limit, the API key, and
the check that it does not come from a web page of another site.

Contract: `BodyLimit` (ASGI middleware) answers 413 in the OpenAI shape when a /v1 request's
body is over its path's limit: at once when Content-Length says so, or as soon as the bytes
received pass it. `Access(settings).check` is a FastAPI dependency: with an
`api_key` set, `Authorization: Bearer <key>` must carry it (401); a request with an `Origin`
header must come from the page of this same server (403: a web page elsewhere cannot make the
user's browser ingest, delete or ask); while bound to loopback without a key, the `Host`
header must name a loopback host (403: DNS rebinding, or a proxy exposing a keyless server).
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


class Access:
    def __init__(self, settings: Settings) -> None:
        self.key = settings.api_key.encode()
        self.local_only = is_loopback(settings.host) and not self.key

    def check(self, request: Request) -> None:
        host = request.headers.get("host", "")
        if self.local_only and host and not is_loopback(urlsplit(f"//{host}").hostname or ""):
            raise ApiError(
                403, f"without an api_key this server answers on loopback only, not {host!r}"
            )
        origin = request.headers.get("origin")
        if origin is not None and urlsplit(origin).netloc.lower() != host.lower():
            raise ApiError(403, "requests from web pages of other sites are refused")
        if self.key:
            scheme, _, token = request.headers.get("authorization", "").partition(" ")
            given = token.strip().encode()
            if scheme.lower() != "bearer" or not hmac.compare_digest(given, self.key):
                raise ApiError(401, "incorrect or missing API key (Authorization: Bearer KEY)")
