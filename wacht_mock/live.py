"""A live uvicorn server for one app on a socket the caller (or this module) binds: for the ``wacht_server``
fixture, and for anything else that needs real HTTP on loopback without a port race."""

from __future__ import annotations

import logging
import socket
import threading
from typing import Any

from .faults import ConnectionDropped


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


class LiveServer:
    """uvicorn serving ``app`` from a background thread; ``stop()`` ends it."""

    def __init__(self, app: Any, sock: socket.socket | None = None) -> None:
        import uvicorn

        hide_injected_drops()
        self.socket = sock if sock is not None else bind()
        self.url = base_url(self.socket)
        self._server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
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


class LiveWacht:
    """A ``WachtMock`` served over real HTTP on loopback: ``url`` and ``secret`` for any client, ``mock`` for the
    clock, journal, faults and seeding."""

    def __init__(self, mock: Any = None, sock: socket.socket | None = None) -> None:
        from .mock import WachtMock

        self.mock: WachtMock = mock if mock is not None else WachtMock()
        self.server = LiveServer(self.mock.app, sock)
        self.url = self.server.url

    @property
    def secret(self) -> str:
        """The first deployment's backend secret."""
        return self.mock.secret

    @property
    def gateway_url(self) -> str:
        """The gateway shares the origin: ``<url>/v1/authz/check``."""
        return self.url

    def unique(self, name: str) -> str:
        """A slug unique to this test run (``name`` itself: the server is reset before each test)."""
        return self.mock.unique(name)

    def reset(self) -> None:
        """Back to how the server started (``WachtMock.restore``): its seed, its clock, no journal, no faults, so
        nothing one test seeded or advanced reaches the next. ``mock.reset()`` keeps seeding and the clock."""
        self.mock.restore()

    def stop(self) -> None:
        """Stop serving."""
        self.server.stop()
