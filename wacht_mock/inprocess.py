"""Calling the Starlette app in-process from httpx, sync or async, without a thread hop or an event loop.

The mock's ASGI app never waits on anything real (the receive channel already holds the body and ``send`` only
collects messages), so its coroutine runs to completion on the first ``send(None)``. Latency faults sleep
instead of awaiting when the scope says so, and only as long as the request's read timeout: a longer one is
``httpx.ReadTimeout``, as over a socket (the request still takes effect, as a server would finish it). A dropped
connection becomes ``httpx.RemoteProtocolError``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, MutableMapping
from typing import Any
from urllib.parse import unquote

import httpx

from .faults import BLOCKING_SCOPE_KEY, ConnectionDropped, Waiting

ASGIApp = Callable[[MutableMapping[str, Any], Any, Any], Awaitable[None]]


def call_app(app: ASGIApp, request: httpx.Request, *, client: tuple[str, int] = ("127.0.0.1", 50000)) -> httpx.Response:
    """Run one request through the ASGI app synchronously and return httpx's response."""
    body = request.read()
    url = request.url
    waiting = Waiting(blocking=True, read_timeout=read_timeout(request))
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": request.method,
        "scheme": url.scheme,
        "path": unquote(url.path),
        "raw_path": url.raw_path.split(b"?", 1)[0],
        "query_string": url.query,
        "root_path": "",
        "headers": [(k.lower(), v) for k, v in request.headers.raw],
        "server": (url.host, url.port or (443 if url.scheme == "https" else 80)),
        "client": client,
        BLOCKING_SCOPE_KEY: waiting,
    }
    sent: list[dict[str, Any]] = []
    delivered = False

    async def receive() -> dict[str, Any]:
        nonlocal delivered
        if delivered:
            return {"type": "http.disconnect"}
        delivered = True
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    coroutine = app(scope, receive, send)
    try:
        coroutine.send(None)  # type: ignore[attr-defined]
    except StopIteration:
        pass
    except ConnectionDropped:
        message = "peer closed connection without sending complete message body"
        raise httpx.RemoteProtocolError(message, request=request) from None
    else:
        coroutine.close()  # type: ignore[attr-defined]
        raise RuntimeError("the wacht-mock app awaited something real; it cannot run in-process synchronously")
    if waiting.gave_up:
        raise httpx.ReadTimeout("timed out", request=request)
    start = next(m for m in sent if m["type"] == "http.response.start")
    content = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return httpx.Response(start["status"], headers=start.get("headers", []), content=content, request=request)


def read_timeout(request: httpx.Request) -> float | None:
    """The seconds the client waits for an answer (httpx puts its timeouts in the request's extensions)."""
    timeout = request.extensions.get("timeout")
    read = timeout.get("read") if isinstance(timeout, Mapping) else None
    return float(read) if isinstance(read, int | float) else None


class WachtTransport(httpx.BaseTransport, httpx.AsyncBaseTransport):
    """An httpx transport (sync and async) that answers every request from the in-process app."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        """Sync clients."""
        return call_app(self.app, request)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Async clients (the app still runs synchronously: nothing in it waits)."""
        await request.aread()
        return call_app(self.app, request)
