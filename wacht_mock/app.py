"""The HTTP layer: the route table, backend authentication, the error envelope, production's CORS, and the
gateway's route on the same origin.

The only place that turns ``VendorError`` into ``{"errors":[{"message","code"}]}``. Order per request, as
production's axum stack runs it: CORS → unknown path (404, no auth) → Bearer auth → method (405) → handler.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Mount
from starlette.types import Message, Receive, Scope, Send

from . import handlers
from .admin import admin_routes
from .domain import gateway
from .domain.backend import Backend
from .domain.permissions import PermissionParserCrash
from .errors import VendorError
from .framework import BODY_LIMIT_BYTES, METHOD_NOT_ALLOWED, UNKNOWN_PATH
from .gateway_http import decision_json, denial_json, parse_authz_request
from .handlers import Call, Reply
from .serialise import dumps

log = logging.getLogger("wacht_mock")
GATEWAY_PATH = "/v1/authz/check"


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


class VendorApi:
    """The ASGI app for everything outside ``/_mock``: the vendor's backend routes."""

    def __init__(self, backend: Backend) -> None:
        self.backend = backend

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        response = await self.respond(request)
        if request.method != "HEAD":
            await response(scope, receive, send)
            return

        async def send_headers_only(message: Message) -> None:
            await send({**message, "body": b""} if message["type"] == "http.response.body" else message)

        await response(scope, receive, send_headers_only)

    async def respond(self, request: Request) -> Response:
        """Answer one request; never raises."""
        raw_path = request.scope.get("raw_path")
        path = raw_path.split(b"?", 1)[0].decode("latin-1") if raw_path else request.scope["path"]
        if path == GATEWAY_PATH:
            return await self.gateway(request)
        try:
            route, params = UNKNOWN_PATH.found(match(path))
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
            return error_response(exc.status, exc.message)
        except Exception:  # a mock bug must still answer like production's 500, never a traceback
            log.exception("wacht-mock failed on %s %s", request.method, path)
            return error_response(500, "Something went wrong")
        if reply.body is None:
            return Response(status_code=reply.status, media_type="application/json")
        return Response(dumps(reply.body), reply.status, media_type="application/json")

    async def gateway(self, request: Request) -> Response:
        """``POST /v1/authz/check``: the gateway's own router, with axum's plain-text answers."""
        if request.method != "POST":
            return Response(status_code=405, headers={"allow": "POST"})
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
            return PlainTextResponse(exc.message, exc.status)
        except PermissionParserCrash:
            # Production's parser recurses until the gateway process aborts; the mock answers instead.
            return PlainTextResponse("gateway process aborted: unbalanced '(' in required_permissions", 500)
        if isinstance(answer, gateway.Decision):
            return Response(dumps(decision_json(answer)), 200, media_type="application/json")
        if answer.plain_text is not None:
            return PlainTextResponse(answer.plain_text, answer.status)
        return Response(dumps(denial_json(answer)), answer.status, media_type="application/json")


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
