"""Production's CORS layer (tower-http, the outermost layer of the backend API's router; the gateway has none):
the Wacht console and localhost / 127.0.0.1 origins on any port, and every OPTIONS answered as a preflight.

``serve --cors-origin`` adds origins to that allow-list (a frontend served from elsewhere). The mock's own control
plane under ``/_mock/`` is not production's and carries no CORS headers at all: no web page on another origin may
read it, and its preflights are refused, so a page cannot send it a JSON write either."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from starlette.types import Message, Receive, Scope, Send

from ..errors import UsageError
from .guard import is_control_path
from .operations import GATEWAY_PATH

_LOCAL_ORIGINS = ("http://localhost", "https://localhost", "http://127.0.0.1", "https://127.0.0.1")
_VARY = b"origin, access-control-request-method, access-control-request-headers"


def cors_origin_allowed(origin: str, extra: Iterable[str] = ()) -> bool:
    """Production's origin predicate (the Wacht console, or localhost / 127.0.0.1 on any port), or one of ``extra``."""
    if origin == "https://console.wacht.dev" or origin in extra:
        return True
    return any(origin == p or origin.startswith(p + ":") for p in _LOCAL_ORIGINS)


def check_origin(origin: str) -> str:
    """An origin as browsers send it (``scheme://host[:port]``, no path); UsageError names what is wrong."""
    scheme, sep, rest = origin.partition("://")
    if not sep or scheme not in ("http", "https") or not rest or any(c in rest for c in "/?#@ "):
        raise UsageError(
            f"--cors-origin {origin!r} is not an origin: write it as a browser sends it, e.g. https://app.example.com"
            " or http://localhost:5173 (scheme, host, optional port, no path)"
        )
    return origin


class Cors:
    """Production's outermost CORS layer (tower-http): every OPTIONS is answered as a preflight, 200 and empty.
    ``extra_origins`` are allowed beside production's own."""

    def __init__(self, app: Callable[[Scope, Receive, Send], object], *, extra_origins: Iterable[str] = ()) -> None:
        self.app = app
        self.extra_origins = frozenset(extra_origins)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] == GATEWAY_PATH or is_control_path(scope["path"]):
            await self.app(scope, receive, send)  # type: ignore[misc]
            return
        headers: list[tuple[bytes, bytes]] = [(b"vary", _VARY)]
        origin = next((v for k, v in scope["headers"] if k == b"origin"), None)
        if origin is not None and cors_origin_allowed(origin.decode("latin-1"), self.extra_origins):
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
