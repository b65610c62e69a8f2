"""A client that disconnects before sending its whole request body (issue 15): the client's abort, not an answer.
It is journaled as unanswered (status 0, with why), logged as one line without a traceback, nothing is sent, and
the server goes on answering."""

from __future__ import annotations

import asyncio
import logging
import socket
from typing import Any

import httpx
import pytest

from wacht_mock import Backend
from wacht_mock.harness import Harness
from wacht_mock.http.app import CLIENT_LEFT, create_app
from wacht_mock.ids import stable_deployment_secret
from wacht_mock.server import LiveServer

AUTH = f"Bearer {stable_deployment_secret(1)}"


def _upload_then_leave(app: Any) -> list[dict[str, Any]]:
    headers = [(b"host", b"127.0.0.1"), (b"authorization", AUTH.encode()), (b"content-type", b"application/json")]
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "scheme": "http",
        "path": "/api-auth/apps", "raw_path": b"/api-auth/apps", "query_string": b"", "root_path": "",
        "headers": [*headers, (b"content-length", b"100")], "server": ("127.0.0.1", 80), "client": ("127.0.0.1", 1),
    }  # fmt: skip
    messages = [{"type": "http.disconnect"}, {"type": "http.request", "body": b'{"app_slug": "bil', "more_body": True}]
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return messages.pop() if messages else {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    asyncio.run(app(scope, receive, send))
    return sent


def test_a_client_leaving_mid_upload_is_journaled_as_unanswered_and_logged_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    harness = Harness(Backend())
    app = create_app(harness)
    with caplog.at_level(logging.INFO, logger="wacht_mock"):
        sent = _upload_then_leave(app)
    assert sent == []
    entry = harness.journal.entries[-1]
    assert (entry.operation, entry.status, entry.message, entry.response) == ("createApiAuthApp", 0, CLIENT_LEFT, None)
    records = [r for r in caplog.records if r.name.startswith("wacht_mock")]
    assert [(r.levelno, r.exc_info) for r in records] == [(logging.WARNING, None)]
    assert CLIENT_LEFT in records[0].getMessage() and "\n" not in records[0].getMessage()
    assert harness.backend.deployment(1).apps == {}


def test_over_http_the_server_journals_the_abort_and_goes_on_answering() -> None:
    harness = Harness(Backend())
    server = LiveServer(create_app(harness))
    try:
        host, port = server.socket.getsockname()[:2]
        with socket.create_connection((host, port)) as raw:
            raw.sendall(
                b"POST /api-auth/apps HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                + f"Authorization: {AUTH}\r\nContent-Length: 100\r\n\r\n".encode()
                + b'{"app_slug": "bil'
            )
        with httpx.Client(base_url=server.url, headers={"authorization": AUTH}) as client:
            for _ in range(500):  # the server notices the close on its own loop: wait for its journal entry
                if any(e.status == 0 for e in harness.journal.entries):
                    break
                client.get("/_mock/health")
            created = client.post("/api-auth/apps", json={"app_slug": "billing", "name": "B", "key_prefix": "sk"})
        assert created.status_code == 200
        aborted = [e for e in harness.journal.entries if e.status == 0]
        assert [(e.operation, e.message) for e in aborted] == [("createApiAuthApp", CLIENT_LEFT)]
        assert not any(e.status >= 500 for e in harness.journal.entries)
    finally:
        server.stop()
