"""The pipeline: one request from the raw path to the answer, as production's axum stack runs it.

CORS (outermost) → route → unknown path (404, before auth) → the router's auth → method (405) → the operation's
extractors and handler → the response. Faults and the journal wrap the pipeline (``VendorApi.__call__``); the
pipeline itself (``VendorApi.answer``) never raises: a mock bug still answers like production's 500.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from starlette._utils import get_route_path
from starlette.applications import Starlette
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.routing import Mount
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .. import faults
from ..domain.backend import Backend
from ..errors import VendorError
from ..harness import Harness
from ..journal import JournalEntry
from ..redact import redact_bytes, redact_headers, redact_text
from ..rules import Firing, recording
from . import control, gateway, handlers  # noqa: F401  (importing the handlers declares the operations)
from .axum import (
    BODY_LIMIT_BYTES,
    GATEWAY_WRONG_METHOD,
    METHOD_NOT_ALLOWED,
    UNKNOWN_PATH,
    normaliser_message,
    path_text,
)
from .commit import CommitWrites
from .cors import Cors
from .guard import ControlGuard
from .operations import BACKEND, Call, Operation, Route, match
from .responses import Answer, method_not_allowed, rejection, reply_response

log = logging.getLogger("wacht_mock")
JOURNAL_SCOPE_KEY = "wacht_mock.journal_entry"
"""Where a vendor request's journal entry is left in its ASGI scope, for wrappers such as the request log."""
BODY_SCOPE_KEY = "wacht_mock.request_body"
"""Where the pipeline leaves the request body it read, for the journal."""
CLIENT_LEFT = "the client disconnected before sending its whole request"
"""The journal's message (status 0) for a request whose client left mid-upload."""
_CONTROL_ROUTES = control.PREFIX.rstrip("/")
"""Every control-plane route's path starts so (``/_mock`` itself is one)."""


@dataclass(frozen=True, slots=True)
class Sent:
    """An answer as it left the app, for response hooks."""

    method: str
    path: str
    status: int
    content_type: str | None
    body: bytes
    injected: bool
    """An injected fault chose this answer, not the vendor's behaviour."""


ResponseHook = Callable[[Sent], None]
_response_hooks: list[ResponseHook] = []


@contextmanager
def response_hook(hook: ResponseHook) -> Iterator[None]:
    """Call ``hook`` with every answer any mock app in this process sends, inside the block (a test suite's
    contract check). Process-wide on purpose: it must see apps it did not create, such as a fixture's."""
    _response_hooks.append(hook)
    try:
        yield
    finally:
        _response_hooks.remove(hook)


def raw_path(scope: Scope) -> str:
    """The request path as sent, still percent-encoded (production's router matches on it)."""
    raw = scope.get("raw_path")
    return raw.split(b"?", 1)[0].decode("latin-1") if raw else str(scope["path"])


class VendorApi:
    """The ASGI app for everything outside ``/_mock/``: the vendor's backend routes and the gateway."""

    def __init__(self, harness: Harness) -> None:
        self.harness = harness

    @property
    def backend(self) -> Backend:
        """The vendor state this app serves."""
        return self.harness.backend

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = raw_path(scope)
        if path.startswith(control.PREFIX):
            await control.leftover(path)(scope, receive, send)
            return
        held = faults.HeldBody(receive, BODY_LIMIT_BYTES)
        request = Request(scope, held.receive)
        found = match(path)
        route, params = found if found is not None else (None, {})
        op = route.operation(request.method) if route is not None else None
        name = op.name if op is not None else None
        waiting = faults.Waiting.of(scope)
        with recording() as firings:
            answer = await faults.inject(
                self.harness.faults,
                name,
                waiting,
                lambda: self.answer(request, route, params, op),
                held if op is not None and op.takes_body else None,
            )
        scope[JOURNAL_SCOPE_KEY] = self.harness.journal.record(
            _entry(scope, name, path, tuple(firings), answer, self.backend.clock.now())
        )
        if answer.client_left:
            return
        if answer.dropped:
            await faults.drop(send)
        await _send(answer, scope, receive, send)
        _notify(request.method, path, answer)

    async def answer(
        self, request: Request, route: Route | None, params: Mapping[str, str], op: Operation | None
    ) -> Answer:
        """Answer one request; never raises."""
        name = op.name if op is not None else None
        try:
            route = UNKNOWN_PATH.found(route)
            router = route.router
            body = await _read_capped(request) if op is not None and op.takes_body else b""
            with self.backend.lock:
                caller = (
                    self.backend.authenticate(request.headers.get("authorization")) if router.authenticates else None
                )
                if op is None and not router.normalised:
                    GATEWAY_WRONG_METHOD.applied()
                    return Answer(method_not_allowed())
                if op is None:
                    # Production's error normaliser rebuilds the 405, so axum's Allow header is lost.
                    METHOD_NOT_ALLOWED.deny()
                if router.normalised:
                    METHOD_NOT_ALLOWED.allow()
                request.scope[BODY_SCOPE_KEY] = body
                call = Call(
                    self.backend,
                    caller,
                    {key: path_text(value) for key, value in params.items()},
                    request.scope["query_string"].decode("latin-1"),
                    request.headers,
                    request.client.host if request.client else "127.0.0.1",
                    body,
                )
                reply = op.handler(call)
        except VendorError as exc:
            return Answer(rejection(route.router if route is not None else BACKEND, exc), name, exc.message)
        except ClientDisconnect:  # the client's abort, not a failure of the mock: one line, no traceback
            log.warning("wacht-mock: %s %s: %s", request.method, raw_path(request.scope), CLIENT_LEFT)
            return Answer(Response(status_code=500), name, CLIENT_LEFT, client_left=True)
        except Exception:  # a mock bug must still answer as production's router answers a 500, never a traceback
            log.exception("wacht-mock failed on %s %s", request.method, request.url.path)
            failure = VendorError(500, normaliser_message(500))
            return Answer(rejection(route.router if route is not None else BACKEND, failure), name)
        return Answer(reply_response(reply), name, reply.message)


def _entry(
    scope: Scope, name: str | None, path: str, firings: tuple[Firing, ...], answer: Answer, at: datetime
) -> JournalEntry:
    """The journal's record of one request and its answer, secrets redacted."""
    response = answer.response
    unanswered = answer.dropped or answer.client_left
    status = 0 if unanswered else response.status_code
    headers = redact_headers(scope["headers"])
    host = headers[0][1] if headers and headers[0][0] == "host" else dict(headers).get("host")
    sent = not unanswered and scope["method"] != "HEAD"
    return JournalEntry(
        name,
        scope["method"],
        path,
        status,
        firings,
        redact_text(answer.message) if answer.message is not None else None,
        answer.fault,
        at=at,
        query=redact_text(scope.get("query_string", b"").decode("latin-1")),
        headers=headers,
        body=redact_bytes(scope.get(BODY_SCOPE_KEY, b"")),
        response_body=redact_bytes(bytes(response.body)) if sent else b"",
        response_type=response.media_type if not unanswered else None,
        origin=f"{scope['scheme']}://{host}" if host else "",
    )


async def _send(answer: Answer, scope: Scope, receive: Receive, send: Send) -> None:
    if scope["method"] != "HEAD":
        await answer.response(scope, receive, send)
        return

    async def send_headers_only(message: Message) -> None:
        await send({**message, "body": b""} if message["type"] == "http.response.body" else message)

    await answer.response(scope, receive, send_headers_only)


def _notify(method: str, path: str, answer: Answer) -> None:
    if not _response_hooks:
        return
    response = answer.response
    sent = Sent(
        method,
        path,
        response.status_code,
        response.headers.get("content-type"),
        bytes(response.body),
        answer.fault is not None,
    )
    for hook in list(_response_hooks):
        hook(sent)


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


class VendorFirst:
    """Vendor traffic straight to ``VendorApi``: Starlette's router would try every control-plane route (each a
    regex) and then the catch-all mount that leads there anyway. Only paths under ``/_mock`` reach the router."""

    def __init__(self, app: ASGIApp, vendor: VendorApi) -> None:
        self.app = app
        self.vendor = vendor

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not get_route_path(scope).startswith(_CONTROL_ROUTES):
            await self.vendor(scope, receive, send)
            return
        await self.app(scope, receive, send)


def create_app(
    source: Backend | Harness | None = None,
    *,
    admin_token: str | None = None,
    cors_origins: Sequence[str] = (),
) -> Starlette:
    """The Starlette app serving a backend (a fresh default one when omitted), or a harness's backend with its
    journal and faults: vendor routes, the gateway and ``/_mock``. ``admin_token`` is then required on every
    ``/_mock/`` call (``http/guard.py``); ``cors_origins`` join production's CORS allow-list."""
    harness = source if isinstance(source, Harness) else Harness(source if source is not None else Backend())
    api = VendorApi(harness)
    routes = [*control.routes(harness), Mount("", app=api)]
    for route in routes:
        # Starlette's patterns stop at a decoded line break (%0A), which axum routes like any other character, and
        # end in '$', which also matches before a final one (so '/_mock/reset%0A' reset the mock): whole paths only.
        pattern = route.path_regex.pattern  # type: ignore[attr-defined]  # every route here is a Route or a Mount
        route.path_regex = re.compile(pattern.removesuffix("$") + r"\Z", re.DOTALL)  # type: ignore[attr-defined]
    app = Starlette(routes=routes)
    app.state.harness = harness
    app.state.backend = harness.backend
    app.add_middleware(VendorFirst, vendor=api)
    app.add_middleware(ControlGuard, token=admin_token)
    app.add_middleware(Cors, extra_origins=tuple(cors_origins))
    if harness.store is not None:
        app.add_middleware(CommitWrites, harness=harness)
    return app
