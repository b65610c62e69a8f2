"""The HTTP layer: the route table, backend authentication, the error envelope, production's CORS, and the
gateway's route on the same origin.

The only place that turns ``VendorError`` into ``{"errors":[{"message","code"}]}``. Order per request, as
production's axum stack runs it: CORS → unknown path (404, no auth) → Bearer auth → method (405) → handler.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Mount
from starlette.types import Message, Receive, Scope, Send

from . import handlers
from .admin import CONTROL_PATHS, admin_routes
from .domain import gateway
from .domain.backend import Backend
from .domain.permissions import PermissionParserCrash
from .errors import VendorError
from .faults import default_message
from .framework import BODY_LIMIT_BYTES, METHOD_NOT_ALLOWED, UNKNOWN_PATH
from .gateway_http import decision_json, denial_json, parse_authz_request
from .handlers import Call, Reply
from .journal import JournalEntry
from .rules import recording
from .serialise import dumps

log = logging.getLogger("wacht_mock")
GATEWAY_PATH = "/v1/authz/check"
GATEWAY_OPERATION = "checkAuthz"


@dataclass(frozen=True, slots=True)
class Operation:
    """A vendor operation: its operationId, the handler, and whether it extracts a JSON body."""

    name: str
    handler: Callable[[Call], Reply]
    takes_body: bool = False


@dataclass(frozen=True, slots=True)
class Route:
    """A path pattern (matched on the raw, still-encoded path) and its operations by method."""

    template: str
    pattern: re.Pattern[str]
    operations: dict[str, Operation]


def _route(template: str, **operations: Operation) -> Route:
    regex = "^" + re.sub(r"\{[a-z_]+\}", "([^/]+)", template) + "$"
    return Route(template, re.compile(regex), operations)


def _op(name: str, handler: Callable[[Call], Reply], *, body: bool = False) -> Operation:
    return Operation(name, handler, body)


h = handlers
ROUTES: tuple[Route, ...] = (
    _route(
        "/api-auth/apps",
        GET=_op("listApiAuthApps", h.list_api_auth_apps),
        POST=_op("createApiAuthApp", h.create_api_auth_app, body=True),
    ),
    _route(
        "/api-auth/apps/{app_slug}",
        GET=_op("getApiAuthApp", h.get_api_auth_app),
        PATCH=_op("updateApiAuthApp", h.update_api_auth_app, body=True),
        DELETE=_op("deleteApiAuthApp", h.delete_api_auth_app),
    ),
    _route(
        "/api-auth/rate-limit-schemes",
        GET=_op("listRateLimitSchemes", h.list_rate_limit_schemes),
        POST=_op("createRateLimitScheme", h.create_rate_limit_scheme, body=True),
    ),
    _route(
        "/api-auth/rate-limit-schemes/{slug}",
        GET=_op("getRateLimitScheme", h.get_rate_limit_scheme),
        PATCH=_op("updateRateLimitScheme", h.update_rate_limit_scheme, body=True),
        DELETE=_op("deleteRateLimitScheme", h.delete_rate_limit_scheme),
    ),
    _route(
        "/api-auth/apps/{app_slug}/keys",
        GET=_op("listApiKeys", h.list_api_keys),
        POST=_op("createApiKey", h.create_api_key, body=True),
    ),
    _route(
        "/api-auth/apps/{app_slug}/keys/{key_id}/revoke",
        POST=_op("revokeApiKeyForApp", h.revoke_api_key_for_app, body=True),
    ),
    _route("/api-auth/apps/{app_slug}/keys/{key_id}/rotate", POST=_op("rotateApiKeyForApp", h.rotate_api_key_for_app)),
    _route("/api-auth/apps/{app_slug}/audit/logs", GET=_op("getApiAuditLogs", h.get_api_audit_logs)),
    _route("/api-auth/apps/{app_slug}/audit/analytics", GET=_op("getApiAuditAnalytics", h.get_api_audit_analytics)),
    _route("/api-auth/apps/{app_slug}/audit/timeseries", GET=_op("getApiAuditTimeseries", h.get_api_audit_timeseries)),
)


def match(path: str) -> tuple[Route, tuple[str, ...]] | None:
    """The route whose template matches the raw path, with its captured segments."""
    for route in ROUTES:
        found = route.pattern.match(path)
        if found:
            return route, found.groups()
    return None


def error_response(status: int, message: str) -> Response:
    """Production's error envelope."""
    return Response(dumps({"errors": [{"message": message, "code": status}]}), status, media_type="application/json")


@dataclass(slots=True)
class Answer:
    """What one request got: the response, and what the journal says about it."""

    response: Response
    operation: str | None = None
    message: str | None = None


class ConnectionDropped(Exception):
    """Raised from the ASGI app after the response started: transports see the connection close mid-answer."""


BLOCKING_SCOPE_KEY = "wacht_mock.blocking"  # set by the in-process bridge: sleep without awaiting


class VendorApi:
    """The ASGI app for everything outside ``/_mock``: the vendor's backend routes and the gateway."""

    def __init__(self, backend: Backend) -> None:
        self.backend = backend

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        raw_path = scope.get("raw_path")
        path = raw_path.split(b"?", 1)[0].decode("latin-1") if raw_path else scope["path"]
        if path.startswith("/_mock/"):
            # The control plane's leftovers (unknown path, wrong method): not vendor traffic, not journaled.
            status, text = (405, "Method not allowed") if path in CONTROL_PATHS else (404, "Not found")
            await error_response(status, text)(scope, receive, send)
            return
        found = match(path)
        name = operation_name(request.method, path, found)
        fault = self.backend.faults.pick(name) if len(self.backend.faults) else None
        if fault is not None and fault.kind == "latency":
            await _sleep(scope, fault.latency_ms / 1000)
        with recording() as firings:
            if fault is not None and fault.kind == "error":
                answer = Answer(error_response(fault.status, fault.message or default_message(fault.status)), name)
            elif fault is not None and fault.kind == "drop":
                answer = Answer(Response(status_code=500), name)
            elif path == GATEWAY_PATH:
                answer = await self.gateway(request)
            else:
                answer = await self.respond(request, path, found)
        status = 0 if fault is not None and fault.kind in ("drop", "lost_response") else answer.response.status_code
        self.backend.journal.record(
            JournalEntry(
                answer.operation,
                request.method,
                path,
                status,
                tuple(firings),
                answer.message,
                fault.text if fault is not None and fault.kind != "latency" else None,
            )
        )
        if fault is not None and fault.kind in ("drop", "lost_response"):
            await _drop(send)
        if request.method != "HEAD":
            await answer.response(scope, receive, send)
            return

        async def send_headers_only(message: Message) -> None:
            await send({**message, "body": b""} if message["type"] == "http.response.body" else message)

        await answer.response(scope, receive, send_headers_only)

    async def respond(self, request: Request, path: str, found: tuple[Route, tuple[str, ...]] | None) -> Answer:
        """Answer one backend-API request; never raises."""
        operation: Operation | None = None
        try:
            route, params = UNKNOWN_PATH.found(found)
            body = b""
            operation = route.operations.get("GET" if request.method == "HEAD" else request.method)
            if operation is not None and operation.takes_body:
                body = await _read_capped(request)
            with self.backend.lock:
                deployment = self.backend.authenticate(request.headers.get("authorization"))
                if operation is None:
                    # Production's error normaliser rebuilds the 405, so axum's Allow header is lost.
                    METHOD_NOT_ALLOWED.deny()
                METHOD_NOT_ALLOWED.allow()
                call = Call(deployment, params, request.url.query, request.headers.get("content-type"), body)
                reply = operation.handler(call)
        except VendorError as exc:
            return Answer(error_response(exc.status, exc.message), operation.name if operation else None, exc.message)
        except Exception:  # a mock bug must still answer like production's 500, never a traceback
            log.exception("wacht-mock failed on %s %s", request.method, path)
            return Answer(error_response(500, "Something went wrong"), operation.name if operation else None)
        if reply.body is None:
            return Answer(Response(status_code=reply.status, media_type="application/json"), operation.name)
        return Answer(Response(dumps(reply.body), reply.status, media_type="application/json"), operation.name)

    async def gateway(self, request: Request) -> Answer:
        """``POST /v1/authz/check``: the gateway's own router, with axum's plain-text answers."""
        if request.method != "POST":
            return Answer(Response(status_code=405, headers={"allow": "POST"}))
        body = await _read_capped(request)
        try:
            with self.backend.lock:
                answer = gateway.check_authz(
                    self.backend,
                    parse_authz_request(request.headers.get("content-type"), body),
                    {name: value for name, value in reversed(request.headers.items())},
                    request.client.host if request.client else "127.0.0.1",
                )
        except VendorError as exc:
            return Answer(PlainTextResponse(exc.message, exc.status), GATEWAY_OPERATION, exc.message)
        except PermissionParserCrash:
            # Production's parser recurses until the gateway process aborts; the mock answers instead.
            text = "gateway process aborted: unbalanced '(' in required_permissions"
            return Answer(PlainTextResponse(text, 500), GATEWAY_OPERATION, text)
        if isinstance(answer, gateway.Decision):
            body_json = Response(dumps(decision_json(answer)), 200, media_type="application/json")
            return Answer(body_json, GATEWAY_OPERATION, answer.reason)
        if answer.plain_text is not None:
            return Answer(PlainTextResponse(answer.plain_text, answer.status), GATEWAY_OPERATION, answer.plain_text)
        envelope = Response(dumps(denial_json(answer)), answer.status, media_type="application/json")
        return Answer(envelope, GATEWAY_OPERATION)


def operation_name(method: str, path: str, found: tuple[Route, tuple[str, ...]] | None) -> str | None:
    """The vendor operation a request names (``found`` is ``match(path)``), or None (unknown path or method)."""
    if path == GATEWAY_PATH:
        return GATEWAY_OPERATION if method == "POST" else None
    if found is None:
        return None
    operation = found[0].operations.get("GET" if method == "HEAD" else method)
    return operation.name if operation is not None else None


async def _sleep(scope: Scope, seconds: float) -> None:
    if scope.get(BLOCKING_SCOPE_KEY):
        time.sleep(seconds)
    else:
        await asyncio.sleep(seconds)


async def _drop(send: Send) -> None:
    """Start an answer that promises a body, then stop: the client sees the connection close mid-response."""
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"1")]})
    raise ConnectionDropped


async def _read_capped(request: Request) -> bytes:
    """The body, but never more than one byte past the limit (enough to know it is too large)."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        chunks.append(chunk)
        size += len(chunk)
        if size > BODY_LIMIT_BYTES:
            break
    return b"".join(chunks)


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


def create_app(backend: Backend | None = None) -> Starlette:
    """The Starlette app serving ``backend`` (a fresh default one when omitted): vendor routes and ``/_mock``."""
    backend = backend if backend is not None else Backend()
    app = Starlette(routes=[*admin_routes(backend), Mount("", app=VendorApi(backend))])
    app.state.backend = backend
    app.add_middleware(Cors)
    return app
