"""The session router's shortcut: a Wacht request from httpx's own transports answered straight from the test's mock.

respx mocks the layer below httpx's ``HTTPTransport`` (httpcore), so a request it routes is converted to httpcore,
back to httpx for the routers, resolved through respx's generic machinery (pattern matching, side-effect
introspection, call recording), then converted to httpcore and to httpx once more: most of an in-process request's
cost. When the answer is already known to be the session router's own (``SessionRouter.claims``: a Wacht host, the
router first among respx's started routers, no other router with a route for the request), the transport answers
from the mock itself; in every other case the request takes httpx's own path, respx included, as before.

The transports are patched only while nothing else patched them (pytest-httpx patches the same methods while its
``httpx_mock`` is active, and must see requests first): patching happens when the session router serves a test
and the methods are httpx's own, and is undone only while they are still the shortcut's.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Protocol

import httpx

SyncHandle = Callable[[httpx.HTTPTransport, httpx.Request], httpx.Response]
AsyncHandle = Callable[[httpx.AsyncHTTPTransport, httpx.Request], Awaitable[httpx.Response]]


class Direct(Protocol):
    """What answers a request directly: ``SessionRouter``."""

    def claims(self, request: httpx.Request) -> bool:
        """Whether respx's routing would certainly hand this request to the router's own mock."""
        ...

    def answer(self, request: httpx.Request) -> httpx.Response:
        """The mock's answer (the request's body already read)."""
        ...


class Shortcut:
    """The patch on httpx's ``HTTPTransport.handle_request`` and ``AsyncHTTPTransport.handle_async_request``."""

    def __init__(self, router: Direct) -> None:
        self.router = router
        self._sync: SyncHandle | None = None
        self._async: AsyncHandle | None = None
        self._sync_patch: SyncHandle | None = None
        self._async_patch: AsyncHandle | None = None

    def install(self) -> None:
        """Patch both transports, unless already patched or someone else patched them (then: httpx's own path)."""
        if self._sync is not None:
            return
        sync_own = httpx.HTTPTransport.__dict__.get("handle_request")
        async_own = httpx.AsyncHTTPTransport.__dict__.get("handle_async_request")
        if not (
            _pristine(sync_own, "HTTPTransport.handle_request")
            and _pristine(async_own, "AsyncHTTPTransport.handle_async_request")
        ):
            return
        router = self.router
        original_sync: SyncHandle = httpx.HTTPTransport.handle_request
        original_async: AsyncHandle = httpx.AsyncHTTPTransport.handle_async_request

        def handle_request(transport: httpx.HTTPTransport, request: httpx.Request) -> httpx.Response:
            return router.answer(request) if router.claims(request) else original_sync(transport, request)

        async def handle_async_request(transport: httpx.AsyncHTTPTransport, request: httpx.Request) -> httpx.Response:
            if not router.claims(request):
                return await original_async(transport, request)
            await request.aread()  # the mock reads the body synchronously (respx's path reads it first too)
            return router.answer(request)

        self._sync, self._async = original_sync, original_async
        self._sync_patch, self._async_patch = handle_request, handle_async_request
        httpx.HTTPTransport.handle_request = handle_request  # type: ignore[method-assign, assignment]
        httpx.AsyncHTTPTransport.handle_async_request = handle_async_request  # type: ignore[method-assign, assignment]

    def uninstall(self) -> None:
        """Put httpx's own methods back, where the shortcut's are still in place (never over a later patch)."""
        if self._sync is None or self._async is None:
            return
        if httpx.HTTPTransport.__dict__.get("handle_request") is self._sync_patch:
            httpx.HTTPTransport.handle_request = self._sync  # type: ignore[method-assign, assignment]
        if httpx.AsyncHTTPTransport.__dict__.get("handle_async_request") is self._async_patch:
            httpx.AsyncHTTPTransport.handle_async_request = self._async  # type: ignore[method-assign, assignment]
        self._sync = self._async = None


def _pristine(method: object, qualname: str) -> bool:
    """Whether a transport method is httpx's own, not a patch (pytest-httpx's, a test's, another shortcut's)."""
    return (
        getattr(method, "__module__", None) == "httpx._transports.default"
        and getattr(method, "__qualname__", None) == qualname
    )
