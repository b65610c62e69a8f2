"""A connection that trickles its request headers (a slowloris) is closed once ``HEADER_TIMEOUT_SECONDS`` pass
(issue 15), on either HTTP stack; a connection whose headers arrived in time is answered as ever."""

from __future__ import annotations

import socket

import httpx
import pytest

from wacht_mock import Backend
from wacht_mock import server as server_module
from wacht_mock.harness import Harness
from wacht_mock.http.app import create_app
from wacht_mock.server import LiveServer


@pytest.mark.parametrize("stack", [("asyncio", "h11"), ("uvloop", "httptools")])
def test_a_connection_that_never_finishes_its_headers_is_closed(
    monkeypatch: pytest.MonkeyPatch, stack: tuple[str, str]
) -> None:
    monkeypatch.setattr(server_module, "HEADER_TIMEOUT_SECONDS", 0.3)
    monkeypatch.setattr(server_module, "stack", lambda: stack)
    server = LiveServer(create_app(Harness(Backend())))
    try:
        host, port = server.socket.getsockname()[:2]
        with socket.create_connection((host, port), timeout=30) as slow, socket.create_connection((host, port)) as idle:
            slow.sendall(b"GET /_mock/health HTTP/1.1\r\nHost: x\r\nX-Slow: a")
            assert slow.recv(1024) == b""  # closed by the server, long before the socket's own timeout
            idle.settimeout(30)
            assert idle.recv(1024) == b""  # a connection that sends nothing at all is closed too
        with httpx.Client(base_url=server.url) as client:  # keep-alive: the deadline re-arms after each answer
            assert [client.get("/_mock/health").status_code for _ in range(3)] == [200, 200, 200]
    finally:
        server.stop()
