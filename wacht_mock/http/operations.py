"""The operations table: every vendor operation declared once, beside its handler.

``@operation(method, template, operationId)`` registers a handler; the route table is built from the
declarations (``routes()``), with the gateway's ``POST /v1/authz/check`` in the same table as the backend API.
Path templates name their parameters, and a handler reads them by name (``call.path["app_slug"]``), already
percent-decoded.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from ..domain.backend import Backend
from ..domain.state import Deployment

GATEWAY_PATH = "/v1/authz/check"


@dataclass(frozen=True, slots=True)
class Router:
    """One of production's two axum routers on this origin, and what it does around a handler."""

    name: str
    authenticates: bool
    """Whether the deployment-context middleware (Bearer secret → deployment) runs first."""
    normalised: bool
    """Whether ``normalize_error_responses`` rewrites its errors into the envelope (else axum's own answers)."""


BACKEND = Router("backend", authenticates=True, normalised=True)
GATEWAY = Router("gateway", authenticates=False, normalised=False)


@dataclass(frozen=True, slots=True)
class Call:
    """One request as a handler sees it, after the router's own checks."""

    backend: Backend
    caller: Deployment | None
    path: Mapping[str, str]
    query: str
    headers: Mapping[str, str]
    """Lowercase names; the first of repeated headers wins, as ``HeaderMap::get`` does."""
    client_ip: str
    body: bytes

    @property
    def deployment(self) -> Deployment:
        """The authenticated caller's deployment (backend API operations only)."""
        if self.caller is None:
            raise RuntimeError("this operation's router does not authenticate")
        return self.caller

    @property
    def content_type(self) -> str | None:
        """The ``Content-Type`` header."""
        return self.headers.get("content-type")


@dataclass(frozen=True, slots=True)
class Reply:
    """A handler's answer: JSON (``body``; None for an empty body) or plain ``text``, and what the journal says."""

    status: int
    body: Any = None
    text: str | None = None
    message: str | None = None


Handler = Callable[[Call], Reply]


@dataclass(frozen=True, slots=True)
class Operation:
    """A vendor operation: method, path template, operationId, handler, whether it extracts a body, its router."""

    method: str
    template: str
    name: str
    handler: Handler
    takes_body: bool
    router: Router


@dataclass(frozen=True, slots=True)
class Route:
    """A path template (matched on the raw, still-encoded path) and its operations by method."""

    template: str
    router: Router
    pattern: re.Pattern[str]
    operations: Mapping[str, Operation]

    def operation(self, method: str) -> Operation | None:
        """The operation a method names; HEAD is answered as GET (without the body)."""
        return self.operations.get("GET" if method == "HEAD" else method)


_declared: list[Operation] = []


def operation(
    method: str, template: str, name: str, *, body: bool = False, router: Router = BACKEND
) -> Callable[[Handler], Handler]:
    """Declare ``name`` (the vendor's operationId) as ``method template``, answered by the decorated handler."""

    def register(handler: Handler) -> Handler:
        _declared.append(Operation(method, template, name, handler, body, router))
        return handler

    return register


@cache
def routes() -> tuple[Route, ...]:
    """Every declared route, in declaration order (``http.app`` imports every handler module)."""
    by_template: dict[str, dict[str, Operation]] = {}
    for op in _declared:
        by_template.setdefault(op.template, {})[op.method] = op
    return tuple(
        Route(template, next(iter(ops.values())).router, _compile(template), ops)
        for template, ops in by_template.items()
    )


def _compile(template: str) -> re.Pattern[str]:
    return re.compile("^" + re.sub(r"\{([a-z_]+)\}", r"(?P<\1>[^/]+)", template) + "$")


def match(path: str) -> tuple[Route, dict[str, str]] | None:
    """The route whose template matches the raw path, with its raw (still percent-encoded) parameters."""
    for route in routes():
        found = route.pattern.match(path)
        if found:
            return route, found.groupdict()
    return None
