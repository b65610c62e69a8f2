"""Serving an app with uvicorn, written once: ``wacht-mock serve`` runs it in the foreground
(``serve_forever``), ``LiveWacht`` in a background thread (``LiveServer``). Both serve a socket the caller (or
this module) binds, so a test never races another process for a port."""

from __future__ import annotations

import gc
import importlib.util
import logging
import socket
import threading
from typing import TYPE_CHECKING, Any

from .faults import ConnectionDropped

if TYPE_CHECKING:
    import asyncio

    import uvicorn
    from starlette.types import ASGIApp


class _HideDrops(logging.Filter):
    """Injected drops are on purpose: keep uvicorn from logging them as application errors."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.exc_info and isinstance(record.exc_info[1], ConnectionDropped))


def hide_injected_drops() -> None:
    """Install the filter on uvicorn's error logger (idempotent)."""
    logger = logging.getLogger("uvicorn.error")
    if not any(isinstance(f, _HideDrops) for f in logger.filters):
        logger.addFilter(_HideDrops())


def bind(host: str = "127.0.0.1", port: int = 0) -> socket.socket:
    """A listening TCP socket on host:port (IPv4 or IPv6); port 0 lets the system pick a free one."""
    family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(address)
    sock.listen(2048)
    return sock


def base_url(sock: socket.socket) -> str:
    """``http://host:port`` of a bound socket."""
    host, port = sock.getsockname()[:2]
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


GRACE_SECONDS = 2
"""How long stopping waits for the requests in flight before it ends them."""


def stack() -> tuple[str, str]:
    """uvicorn's event loop and HTTP parser: uvloop and httptools where both are installed, else asyncio and h11.
    Measured here (``benchmarks/rows_server.py --stacks``), the mock answers 1.15-1.45x the requests on them, at a
    quarter to a third less CPU per request."""
    if importlib.util.find_spec("uvloop") and importlib.util.find_spec("httptools"):
        return "uvloop", "httptools"
    return "asyncio", "h11"


HEADER_TIMEOUT_SECONDS = 10.0
"""How long a connection may take to send a request's headers (from its opening, or from the previous answer)
before it is closed: a client trickling header bytes (a slowloris) would otherwise hold its connection for ever,
since uvicorn's keep-alive timer stops at the first byte of a request."""


def _guarded(protocol: type[Any]) -> type[Any]:
    """uvicorn's HTTP protocol (httptools or h11) with a deadline on each request's headers. Both protocols start
    a new ``cycle`` when a request's headers are complete: a deadline finding the same cycle it was armed with
    closes the connection."""

    class Guarded(protocol):  # type: ignore[misc]
        _deadline: asyncio.TimerHandle | None = None
        _armed_with: object = None

        def connection_made(self, transport: asyncio.Transport) -> None:
            super().connection_made(transport)
            self._arm()

        def on_response_complete(self) -> None:
            super().on_response_complete()
            self._arm()

        def connection_lost(self, exc: Exception | None) -> None:
            if self._deadline is not None:
                self._deadline.cancel()
            super().connection_lost(exc)

        def _arm(self) -> None:
            if self._deadline is not None:
                self._deadline.cancel()
            self._armed_with = self.cycle
            self._deadline = self.loop.call_later(HEADER_TIMEOUT_SECONDS, self._headers_overdue)

        def _headers_overdue(self) -> None:
            if self.cycle is self._armed_with and not self.transport.is_closing():
                self.transport.close()

    Guarded.__name__ = f"Guarded{protocol.__name__}"
    return Guarded


def _protocol(http: str) -> type[Any]:
    if http == "httptools":
        from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

        return _guarded(HttpToolsProtocol)
    from uvicorn.protocols.http.h11_impl import H11Protocol

    return _guarded(H11Protocol)


def _uvicorn(app: ASGIApp) -> uvicorn.Server:
    import uvicorn  # here, not at the top: ``import wacht_mock`` must not load it

    hide_injected_drops()
    loop, parser = stack()
    http = _protocol(parser)
    # proxy_headers off: uvicorn would take X-Forwarded-For from a loopback client as the client's address, which
    # the gateway records; production's gateway reads only its own headers, else the socket peer.
    # A stop (SIGTERM, Ctrl-C, LiveServer.stop) waits this long for requests in flight, then ends them: a latency
    # fault can hold one for a minute.
    config = uvicorn.Config(
        app,
        log_level="warning",
        lifespan="off",
        loop=loop,
        http=http,
        proxy_headers=False,
        timeout_graceful_shutdown=GRACE_SECONDS,
    )
    return uvicorn.Server(config)


def serve_forever(app: ASGIApp, sock: socket.socket) -> None:
    """Serve ``app`` on ``sock`` in this thread until uvicorn is told to stop (Ctrl-C, SIGTERM)."""
    server = _uvicorn(app)
    # What this process built before serving (modules, the seed) lives as long as it does: out of the collector's
    # full passes, which then walk only what requests made (the journal, new state).
    gc.collect()
    gc.freeze()
    server.run(sockets=[sock])


class LiveServer:
    """uvicorn serving ``app`` from a background thread; ``stop()`` ends it."""

    def __init__(self, app: ASGIApp, sock: socket.socket | None = None) -> None:
        self.socket = sock if sock is not None else bind()
        self.url = base_url(self.socket)
        self._server = _uvicorn(app)
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [self.socket]}, daemon=True)
        self._thread.start()
        while not self._server.started:
            if not self._thread.is_alive():
                raise RuntimeError("the wacht-mock live server failed to start")
            self._thread.join(0.001)

    def stop(self) -> None:
        """Stop serving and close the socket."""
        self._server.should_exit = True
        self._thread.join(10)
        self.socket.close()
