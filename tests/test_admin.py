"""The control plane under /_mock (in-process)."""

from __future__ import annotations

import httpx
import pytest
from conftest import Mock, error

JSON = {"content-type": "application/json"}


def test_health_and_reset(mock: Mock, api: httpx.Client) -> None:
    with mock.client(None) as anon:
        assert anon.get("/_mock/health").json() == {"status": "ok", "deployments": [1, 2, 3, 4, 5]}
        api.post("/api-auth/apps", json={"app_slug": "a", "name": "A", "key_prefix": "kk"})
        assert anon.post("/_mock/reset", headers=JSON).json() == {"reset": True}
    assert api.get("/api-auth/apps").json()["data"] == []


def test_clock_get_advance_and_set(mock: Mock) -> None:
    with mock.client(None) as anon:
        assert anon.get("/_mock/clock").json() == {"now": "2026-06-12T10:20:30.123456Z", "ticking": False}
        assert anon.post("/_mock/clock", json={"advance_ms": 877}).json()["now"] == "2026-06-12T10:20:31.000456Z"
        assert (
            anon.post("/_mock/clock", json={"set": "2027-01-01T01:00:00+01:00"}).json()["now"] == "2027-01-01T00:00:00Z"
        )
    assert mock.backend.clock.now().year == 2027


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"nope", 'clock: body must be JSON, e.g. {"advance_ms": 1000} or {"set": "2026-01-01T00:00:00Z"}'),
        (b"{}", 'clock: send exactly one of {"advance_ms": N}, {"advance_seconds": S} or {"set": "<RFC 3339>"}'),
        (
            b'{"advance_ms": 1, "set": "x"}',
            'clock: send exactly one of {"advance_ms": N}, {"advance_seconds": S} or {"set": "<RFC 3339>"}',
        ),
        (b'{"advance_ms": -5}', "clock: advance_ms must be a non-negative integer of milliseconds"),
        (b'{"advance_ms": 1.5}', "clock: advance_ms must be a non-negative integer of milliseconds"),
        (b'{"set": "tomorrow"}', "clock: set must be an RFC 3339 timestamp with an offset, e.g. 2026-01-01T00:00:00Z"),
        (b'{"set": 5}', "clock: set must be an RFC 3339 timestamp with an offset, e.g. 2026-01-01T00:00:00Z"),
    ],
)
def test_clock_misuse_is_a_400_naming_the_problem(mock: Mock, body: bytes, message: str) -> None:
    with mock.client(None) as anon:
        response = anon.post("/_mock/clock", content=body, headers=JSON)
    assert (response.status_code, response.json()) == (400, error(400, message))


def test_unknown_control_plane_path_is_the_vendor_404(mock: Mock) -> None:
    with mock.client(None) as anon:
        response = anon.get("/_mock/nothing")
    assert (response.status_code, response.json()) == (404, error(404, "Not found"))


def test_wrong_method_on_the_control_plane_is_405_and_not_journaled(mock: Mock) -> None:
    with mock.client(None) as anon:
        response = anon.get("/_mock/reset")
        missing = anon.post("/_mock/nothing", headers=JSON)
    assert (response.status_code, response.json()) == (405, error(405, "Method not allowed"))
    assert (missing.status_code, missing.json()) == (404, error(404, "Not found"))
    assert len(mock.harness.journal) == 0
