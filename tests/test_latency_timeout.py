"""A latency fault longer than the client's read timeout: ``httpx.ReadTimeout`` in-process as over loopback, and
the same state afterwards (the server finishes the request the client gave up on).

Short real timeouts (0.05 s against 0.3 s of latency) and no timed assertion: only the exception type, the state
and the journal are compared.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest
import respx

from wacht_mock import LiveWacht, WachtMock
from wacht_mock.journal import Journal

TIMEOUT = 0.05
LATENCY_MS = 300
APP = {"app_slug": "billing", "name": "Billing", "key_prefix": "sk_live"}


def _slow_create(handle: WachtMock | LiveWacht) -> None:
    handle.add_fault("latency", operation="createApiAuthApp", latency_ms=LATENCY_MS, count=1)


def _outcome(journal: Journal, client: httpx.Client) -> tuple[Any, ...]:
    entries = [(e.operation, e.status, e.fault) for e in journal]
    slugs = [a["app_slug"] for a in client.get("/api-auth/apps").json()["data"]]
    return tuple(entries), tuple(slugs)


def _wait_for(condition: Callable[[], bool]) -> None:
    """Poll with a deadline: the live server finishes the abandoned request in its own time."""
    deadline = time.monotonic() + 10
    while not condition():
        assert time.monotonic() < deadline, "the live server never finished the abandoned request"
        time.sleep(0.01)


def test_in_process_read_timeout_matches_loopback() -> None:
    live = LiveWacht()
    try:
        _slow_create(live)
        with live.client() as client:
            with pytest.raises(httpx.ReadTimeout):
                client.post("/api-auth/apps", json=APP, timeout=TIMEOUT)
            _wait_for(lambda: len(live.journal) == 1)
            over_loopback = _outcome(live.journal, client)
    finally:
        live.stop()

    mock = WachtMock()
    _slow_create(mock)
    with mock.client() as client:
        with pytest.raises(httpx.ReadTimeout):
            client.post("/api-auth/apps", json=APP, timeout=TIMEOUT)
        in_process = _outcome(mock.journal, client)

    assert in_process == over_loopback
    assert in_process == ((("createApiAuthApp", 200, None),), ("billing",))


def test_an_async_client_times_out_too() -> None:
    mock = WachtMock()
    _slow_create(mock)

    async def create() -> None:
        async with mock.async_client() as client:
            await client.post("/api-auth/apps", json=APP, timeout=TIMEOUT)

    with pytest.raises(httpx.ReadTimeout):
        asyncio.run(create())
    assert [(e.operation, e.status) for e in mock.journal] == [("createApiAuthApp", 200)]


def test_the_respx_route_times_out_too() -> None:
    mock = WachtMock()
    _slow_create(mock)
    with respx.mock(assert_all_called=False) as router, httpx.Client(timeout=TIMEOUT) as client:
        mock.route(router)
        headers = {"authorization": f"Bearer {mock.secret}"}
        with pytest.raises(httpx.ReadTimeout):
            client.post("https://api.wacht.dev/api-auth/apps", json=APP, headers=headers)
    assert [(e.operation, e.status) for e in mock.journal] == [("createApiAuthApp", 200)]


def test_latency_within_the_timeout_answers() -> None:
    mock = WachtMock()
    mock.add_fault("latency", operation="createApiAuthApp", latency_ms=5, count=1)
    with mock.client() as client:
        assert client.post("/api-auth/apps", json=APP, timeout=None).status_code == 200
        mock.add_fault("latency", operation="listApiAuthApps", latency_ms=5, count=1)
        assert client.get("/api-auth/apps", timeout=5).status_code == 200
