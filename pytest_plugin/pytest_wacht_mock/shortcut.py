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
from typing import ClassVar, Protocol

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
    """The patch on httpx's ``HTTPTransport.handle_request`` and ``AsyncHTTPTransport.handle_async_request``, shared
    by every router that uses it (one per session in practice; a benchmark or a test may start another)."""

    routers: ClassVar[list[Direct]] = []
    patched: ClassVar[bool] = False
    # httpx's own methods, kept once taken: a later patch that saved the shortcut's may call it after uninstall
    _originals: ClassVar[tuple[SyncHandle, AsyncHandle] | None] = None

    def __init__(self, router: Direct) -> None:
        self.router = router

    def install(self) -> None:
        """Let this router answer at the transports; patch them unless someone else patched them already (then
        the next ``install`` tries again, and meanwhile requests take httpx's own path)."""
        if self.router not in Shortcut.routers:
            Shortcut.routers.append(self.router)
        if not Shortcut.patched:
            sync_own = httpx.HTTPTransport.__dict__.get("handle_request")
            async_own = httpx.AsyncHTTPTransport.__dict__.get("handle_async_request")
            if _pristine(sync_own, "HTTPTransport.handle_request") and _pristine(
                async_own, "AsyncHTTPTransport.handle_async_request"
            ):
                Shortcut._originals = (
                    httpx.HTTPTransport.handle_request,
                    httpx.AsyncHTTPTransport.handle_async_request,
                )
                httpx.HTTPTransport.handle_request = _handle_request  # type: ignore[method-assign, assignment]
                httpx.AsyncHTTPTransport.handle_async_request = _handle_async_request  # type: ignore[method-assign, assignment]
                Shortcut.patched = True

    def uninstall(self) -> None:
        """This router answers no more; the last one out puts httpx's own methods back, where the shortcut's are
        still in place (never over a later patch)."""
        if self.router in Shortcut.routers:
            Shortcut.routers.remove(self.router)
        originals = Shortcut._originals
        if Shortcut.routers or not Shortcut.patched or originals is None:
            return
        if httpx.HTTPTransport.__dict__.get("handle_request") is _handle_request:
            httpx.HTTPTransport.handle_request = originals[0]  # type: ignore[method-assign, assignment]
        if httpx.AsyncHTTPTransport.__dict__.get("handle_async_request") is _handle_async_request:
            httpx.AsyncHTTPTransport.handle_async_request = originals[1]  # type: ignore[method-assign, assignment]
        Shortcut.patched = False


def _handle_request(transport: httpx.HTTPTransport, request: httpx.Request) -> httpx.Response:
    for router in Shortcut.routers:
        if router.claims(request):
            return router.answer(request)
    assert Shortcut._originals is not None
    return Shortcut._originals[0](transport, request)


async def _handle_async_request(transport: httpx.AsyncHTTPTransport, request: httpx.Request) -> httpx.Response:
    for router in Shortcut.routers:
        if router.claims(request):
            await request.aread()  # the mock reads the body synchronously (respx's path reads it first too)
            return router.answer(request)
    assert Shortcut._originals is not None
    return await Shortcut._originals[1](transport, request)


def _pristine(method: object, qualname: str) -> bool:
    """Whether a transport method is httpx's own, not a patch (pytest-httpx's, a test's, another shortcut's)."""
    return (
        getattr(method, "__module__", None) == "httpx._transports.default"
        and getattr(method, "__qualname__", None) == qualname
    )
