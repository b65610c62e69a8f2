"""``LiveWacht``: a ``WachtMock`` served over real HTTP on loopback, for clients that are not httpx or not in
this process (the ``wacht_server`` fixture)."""

from __future__ import annotations

import socket

from .mock import WachtMock
from .server import LiveServer


class LiveWacht:
    """A ``WachtMock`` served over real HTTP on loopback: ``url`` and ``secret`` for any client, ``mock`` for the
    clock, journal, faults and seeding."""

    def __init__(self, mock: WachtMock | None = None, sock: socket.socket | None = None) -> None:
        self.mock = mock if mock is not None else WachtMock()
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
