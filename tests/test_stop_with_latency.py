"""Stopping a server ends a request held by a latency fault (issue 15): a stop waits ``GRACE_SECONDS`` for the
requests in flight, not the fault's minute."""

from __future__ import annotations

import threading

import httpx

from wacht_mock import Backend
from wacht_mock.faults import Fault
from wacht_mock.harness import Harness
from wacht_mock.http.app import create_app
from wacht_mock.server import GRACE_SECONDS, LiveServer


def test_a_stop_ends_a_request_held_by_a_minute_of_latency() -> None:
    harness = Harness(Backend())
    harness.faults.add(Fault("latency", latency_ms=60_000))
    server = LiveServer(create_app(harness))
    outcome: list[object] = []

    def call() -> None:
        try:
            outcome.append(httpx.get(server.url + "/api-auth/apps", timeout=120).status_code)
        except httpx.HTTPError as exc:
            outcome.append(type(exc).__name__)

    caller = threading.Thread(target=call)
    caller.start()
    fault = harness.faults.active[0]
    for _ in range(10_000):  # until the fault holds the request (it counts a request when it picks it)
        if fault.fired:
            break
        caller.join(0.001)
    assert fault.fired == 1
    server.stop()
    assert not server._thread.is_alive(), f"still serving {GRACE_SECONDS} s after the stop"
    caller.join(10)
    assert not caller.is_alive() and outcome, "the held request never ended"
