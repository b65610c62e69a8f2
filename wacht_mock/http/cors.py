"""Production's CORS layer (tower-http, the outermost layer of the backend API's router; the gateway has none):
the Wacht console and localhost / 127.0.0.1 origins on any port, and every OPTIONS answered as a preflight."""

from __future__ import annotations

from collections.abc import Callable

from starlette.types import Message, Receive, Scope, Send

from .operations import GATEWAY_PATH

_LOCAL_ORIGINS = ("http://localhost", "https://localhost", "http://127.0.0.1", "https://127.0.0.1")
_VARY = b"origin, access-control-request-method, access-control-request-headers"


def cors_origin_allowed(origin: str) -> bool:
    """Production's origin predicate: the Wacht console, or localhost / 127.0.0.1 on any port."""
    if origin == "https://console.wacht.dev":
        return True
    return any(origin == p or origin.startswith(p + ":") for p in _LOCAL_ORIGINS)


class Cors:
    """Production's outermost CORS layer (tower-http): every OPTIONS is answered as a preflight, 200 and empty."""

    def __init__(self, app: Callable[[Scope, Receive, Send], object]) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] == GATEWAY_PATH:  # the gateway has no CORS layer
            await self.app(scope, receive, send)  # type: ignore[misc]
            return
        headers: list[tuple[bytes, bytes]] = [(b"vary", _VARY)]
        origin = next((v for k, v in scope["headers"] if k == b"origin"), None)
        if origin is not None and cors_origin_allowed(origin.decode("latin-1")):
            headers.append((b"access-control-allow-origin", origin))
        if scope["method"] == "OPTIONS":
            headers += [(b"access-control-allow-methods", b"*"), (b"access-control-allow-headers", b"*")]
            await send({"type": "http.response.start", "status": 200, "headers": headers})
            await send({"type": "http.response.body", "body": b""})
            return

        async def send_with_cors(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []), *headers]}
            await send(message)

        await self.app(scope, receive, send_with_cors)  # type: ignore[misc]
