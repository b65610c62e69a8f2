"""What keeps the control plane under ``/_mock/`` safe to run, checked before any control route answers.

* **Host** — a request that reached a loopback address must name it (``localhost:<port>``, ``127.0.0.1:<port>``,
  ``[::1]:<port>``): a web page whose own name was rebound to 127.0.0.1 (DNS rebinding) sends its own name and
  is refused (403). A non-loopback bind needs the admin token instead (``serve`` refuses to start without one);
  its Host is not checked, as its names (a LAN name, a Docker service, a mapped port) cannot be known here. An
  in-process mock has no socket and no browser, and answers whatever host it is called with.
* **Admin token** — when configured, every ``/_mock/`` call carries it as ``Authorization: Bearer <token>`` or
  ``X-Wacht-Mock-Token: <token>`` (401 otherwise). The dashboard page, ``GET /_mock/``, also takes it as
  ``?token=``, since a browser cannot add a header to a page it navigates to, and its static assets under
  ``/_mock/assets/`` need none.
* **Content type** — writes (POST, PUT, PATCH) need ``Content-Type: application/json`` (415 otherwise): a web
  page can send a cross-site POST without asking first only as a form or text/plain, and JSON makes the browser
  ask (a preflight, which ``/_mock/`` never grants: it carries no CORS headers). DELETE always needs a preflight,
  so it needs no body and no content type.
* **Body size** — ``read_body`` / ``read_json`` read at most ``CONTROL_BODY_LIMIT`` bytes (413 past it); a route
  that takes larger bodies passes its own limit.

A refusal is the usual envelope with a message naming the problem.
"""

from __future__ import annotations

import hmac
import ipaddress
import json
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qs

from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from ..errors import UsageError
from ..store import YAML_TYPES
from .responses import error_response

CONTROL_BODY_LIMIT = 1 << 20
"""1 MiB: the largest control-plane body ``read_body`` accepts unless a route passes its own limit."""
TOKEN_HEADER = "X-Wacht-Mock-Token"
ASSETS_PREFIX = "/_mock/assets/"
DASHBOARD_PATH = "/_mock/"
_WRITES = frozenset({"POST", "PUT", "PATCH"})
# A snapshot may be uploaded as YAML: like JSON, these are not types a page may send cross-site without a preflight.
_YAML_ACCEPTED = frozenset({"/_mock/state"})


def is_control_path(path: str) -> bool:
    """Whether a path belongs to the control plane (``/_mock/...``)."""
    return path.startswith("/_mock/")


def is_loopback(host: str) -> bool:
    """``localhost``, an address in 127.0.0.0/8, or ``::1`` (with or without brackets)."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class ControlMisuse(UsageError):
    """A control-plane request refused with ``status`` and a message naming the problem."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message

    def response(self) -> Response:
        """The envelope this refusal answers with."""
        return error_response(self.status, self.message)


Endpoint = Callable[[Request], Awaitable[Response]]


def answers_misuse(endpoint: Endpoint) -> Endpoint:
    """Wrap a control-plane endpoint so that a ``ControlMisuse`` it raises becomes its envelope."""

    async def guarded(request: Request) -> Response:
        try:
            return await endpoint(request)
        except ControlMisuse as exc:
            return exc.response()

    guarded.__name__ = getattr(endpoint, "__name__", "endpoint")
    guarded.__doc__ = endpoint.__doc__
    return guarded


async def read_body(request: Request, limit: int = CONTROL_BODY_LIMIT) -> bytes:
    """The request body, refused with a 413 ``ControlMisuse`` once it passes ``limit`` bytes (read no further)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise _too_large(limit)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise _too_large(limit)
        chunks.append(chunk)
    return b"".join(chunks)


def _too_large(limit: int) -> ControlMisuse:
    return ControlMisuse(413, f"control plane: the body is larger than the {limit}-byte limit")


async def read_json(request: Request, *, invalid: str, empty: Any = None, limit: int = CONTROL_BODY_LIMIT) -> Any:
    """The body as JSON (``empty`` when there is none); ``invalid`` is the 400's message when it is not JSON."""
    body = await read_body(request, limit)
    if not body.strip():
        return empty
    try:
        return json.loads(body)
    except (ValueError, RecursionError):  # RecursionError: nesting deeper than the parser goes
        raise ControlMisuse(400, invalid) from None


class ControlGuard:
    """ASGI middleware applying the Host, token and content-type checks (module docstring) to ``/_mock/``."""

    def __init__(self, app: ASGIApp, *, token: str | None = None) -> None:
        self.app = app
        self.token = token

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and is_control_path(scope["path"]):
            refusal = self.refusal(scope)
            if refusal is not None:
                await refusal.response()(scope, receive, send)
                return
        await self.app(scope, receive, send)

    def refusal(self, scope: Scope) -> ControlMisuse | None:
        """Why this control-plane request is refused, or None."""
        headers = Headers(scope=scope)
        foreign = _foreign_host(scope, headers.get("host"))
        if foreign is not None:
            return ControlMisuse(403, foreign)
        if self.token is not None and not _public_asset(scope) and not self._carries_token(scope, headers):
            return ControlMisuse(
                401,
                "control plane: this server needs its admin token on every /_mock/ call, as "
                f"Authorization: Bearer <token> or {TOKEN_HEADER}: <token>",
            )
        if scope["method"] in _WRITES:
            media = headers.get("content-type", "").split(";", 1)[0].strip().lower()
            if media != "application/json" and not (scope["path"] in _YAML_ACCEPTED and media in YAML_TYPES):
                got = f"got {media!r}" if media else "got none"
                return ControlMisuse(
                    415,
                    f"control plane: {scope['method']} {scope['path']} needs Content-Type: application/json ({got})",
                )
        return None

    def _carries_token(self, scope: Scope, headers: Headers) -> bool:
        assert self.token is not None
        authorization = headers.get("authorization", "")
        offered = [headers.get(TOKEN_HEADER, "")]
        if authorization[:7].lower() == "bearer ":
            offered.append(authorization[7:].strip())
        if scope["path"] == DASHBOARD_PATH and scope["method"] in ("GET", "HEAD"):
            offered += parse_qs(scope.get("query_string", b"").decode("latin-1")).get("token", [])
        expected = self.token.encode()
        return any(hmac.compare_digest(value.encode(), expected) for value in offered if value)


def _public_asset(scope: Scope) -> bool:
    """The dashboard's static CSS and JavaScript: the browser loads them without headers, and they hold nothing
    the page's data (which needs the token) does not."""
    return scope["method"] in ("GET", "HEAD") and str(scope["path"]).startswith(ASSETS_PREFIX)


def _foreign_host(scope: Scope, host: str | None) -> str | None:
    """The 403's message when a request that reached a loopback address names another host, else None."""
    server = scope.get("server")
    if not server or not _is_ip(server[0]) or not is_loopback(server[0]):
        return None
    address, port = server[0], server[1]
    literal = f"[{address}]" if ":" in address else address
    allowed = [f"localhost:{port}", f"{literal}:{port}"]
    if port == 80:
        allowed += ["localhost", literal]
    if host is not None and host.lower() in allowed:
        return None
    return (
        f"control plane: Host {host!r} is not this server; use {allowed[0]} or {allowed[1]} "
        "(a foreign Host is how a web page reaches a loopback server by DNS rebinding)"
    )


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True
