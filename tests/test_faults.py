"""Injected faults: validation, firing (count, or ratio with a seed), what each kind does to a client, and the
``/_mock/faults`` control plane."""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from conftest import APP, error

from wacht_mock import Fault, Firing, UsageError, WachtMock


@pytest.fixture
def mock() -> WachtMock:
    return WachtMock(now="2026-01-01T00:00:00Z")


@pytest.fixture
def api(mock: WachtMock) -> Iterator[httpx.Client]:
    with mock.client() as client:
        yield client


# Fault validation


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"kind": "boom", "count": 1}, "fault kind must be one of error, latency, drop, lost_response, got 'boom'"),
        (
            {"kind": "drop", "count": 1, "ratio": 0.5},
            "a fault takes count (first N requests) or ratio (0..1), not both; neither fires it for every"
            " matching request until it is removed",
        ),
        ({"kind": "drop", "count": -1}, "fault count must be a non-negative integer, got -1"),
        ({"kind": "drop", "count": 1.5}, "fault count must be a non-negative integer, got 1.5"),
        ({"kind": "drop", "count": True}, "fault count must be a non-negative integer, got True"),
        ({"kind": "drop", "ratio": 1.5}, "fault ratio must be between 0 and 1, got 1.5"),
        ({"kind": "drop", "ratio": -0.1}, "fault ratio must be between 0 and 1, got -0.1"),
        ({"kind": "drop", "ratio": "0.5"}, "fault ratio must be between 0 and 1, got '0.5'"),
        ({"kind": "error", "status": 200, "count": 1}, "an error fault's status must be 400-599, got 200"),
        ({"kind": "error", "status": 600, "count": 1}, "an error fault's status must be 400-599, got 600"),
        ({"kind": "error", "status": "503", "count": 1}, "an error fault's status must be 400-599, got '503'"),
        ({"kind": "latency", "count": 1}, "a latency fault needs latency_ms > 0, got 0"),
        ({"kind": "latency", "latency_ms": -5, "count": 1}, "a latency fault needs latency_ms > 0, got -5"),
        ({"kind": "latency", "latency_ms": "5", "count": 1}, "a latency fault needs latency_ms > 0, got '5'"),
    ],
)
def test_fault_validation_names_the_problem(options: dict[str, Any], message: str) -> None:
    with pytest.raises(UsageError) as direct:
        Fault(**options)
    assert str(direct.value) == message
    with pytest.raises(UsageError) as from_json:
        Fault.from_json(options)
    assert str(from_json.value) == message
    kind = options.pop("kind")
    with pytest.raises(UsageError) as added:
        WachtMock().add_fault(kind, **options)
    assert str(added.value) == message


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (None, "a fault is a JSON object"),
        ([{"kind": "drop"}], "a fault is a JSON object"),
        (
            {"kind": "drop", "count": 1, "times": 2},
            "unknown fault field 'times'; fields are count, kind, latency_ms, message, operation, ratio, seed, status",
        ),
        ({"count": 1}, "a fault needs a kind: error, latency, drop, lost_response"),
    ],
)
def test_fault_from_json_shape_errors(body: Any, message: str) -> None:
    with pytest.raises(UsageError) as raised:
        Fault.from_json(body)
    assert str(raised.value) == message


def test_fault_text_names_the_kind() -> None:
    assert [
        Fault("error", status=503, count=1).text,
        Fault("latency", latency_ms=200, count=1).text,
        Fault("drop", count=1).text,
        Fault("lost_response", count=1).text,
    ] == ["error 503", "latency 200ms", "drop", "lost_response"]


# Firing: count, or ratio with a seed


def test_count_fires_for_the_first_n_matching_requests_only(mock: WachtMock, api: httpx.Client) -> None:
    fault = mock.add_fault("error", operation="listApiAuthApps", status=503, count=2)
    mock.add_app(**APP)
    statuses = []
    for _ in range(2):
        statuses.append(api.get("/api-auth/apps/billing").status_code)
        statuses.append(api.get("/api-auth/apps").status_code)
    statuses.append(api.get("/api-auth/apps").status_code)
    assert statuses == [200, 503, 200, 503, 200]
    assert fault.fired == 2


def test_a_fault_without_operation_hits_every_request_even_unknown_paths(mock: WachtMock, api: httpx.Client) -> None:
    mock.add_fault("error", status=500, count=3)
    statuses = [api.get(path).status_code for path in ("/api-auth/apps", "/nowhere", "/api-auth/rate-limit-schemes")]
    assert statuses == [500, 500, 500]
    assert api.get("/nowhere").status_code == 404
    assert [(e.operation, e.fault) for e in mock.journal][:2] == [("listApiAuthApps", "error 500"), (None, "error 500")]


def test_faults_are_checked_in_the_order_they_were_added(mock: WachtMock, api: httpx.Client) -> None:
    first = mock.add_fault("error", status=502, count=1)
    second = mock.add_fault("error", status=504, count=1)
    assert [api.get("/api-auth/apps").status_code for _ in range(3)] == [502, 504, 200]
    assert (first.fired, second.fired, len(mock.faults)) == (1, 1, 0)  # both spent, so both gone


def test_reset_and_clear_remove_faults(mock: WachtMock, api: httpx.Client) -> None:
    mock.add_fault("error", status=503, ratio=1.0)
    assert api.get("/api-auth/apps").status_code == 503
    mock.reset()
    assert len(mock.faults) == 0
    assert api.get("/api-auth/apps").status_code == 200
    mock.add_fault("error", status=503, ratio=1.0)
    mock.faults.clear()
    assert api.get("/api-auth/apps").status_code == 200


def _pattern(seed: int, *, noise: bool = False) -> list[bool]:
    """Which of 50 listApiAuthApps requests a ratio-0.3 fault hits (with other operations in between if noise)."""
    mock = WachtMock()
    mock.add_app(**APP)
    mock.add_fault("error", operation="listApiAuthApps", status=503, ratio=0.3, seed=seed)
    fired = []
    with mock.client() as client:
        for _ in range(50):
            if noise:
                assert client.get("/api-auth/apps/billing").status_code == 200
            fired.append(client.get("/api-auth/apps").status_code == 503)
    return fired


def test_ratio_with_a_seed_fires_the_same_pattern_every_time() -> None:
    pattern = _pattern(7)
    assert pattern == _pattern(7)
    draws = random.Random(7)
    assert pattern == [draws.random() < 0.3 for _ in range(50)]
    assert 0 < sum(pattern) < 50
    assert _pattern(8) != pattern
    assert _pattern(7, noise=True) == pattern  # requests to other operations draw nothing


@pytest.mark.parametrize(("ratio", "expected"), [(0.0, 0), (1.0, 20)])
def test_ratio_zero_never_fires_and_one_always_fires(
    mock: WachtMock, api: httpx.Client, ratio: float, expected: int
) -> None:
    fault = mock.add_fault("error", status=503, ratio=ratio, seed=1)
    assert sum(api.get("/api-auth/apps").status_code == 503 for _ in range(20)) == expected
    assert fault.fired == expected


# What each kind does


@pytest.mark.parametrize(
    ("status", "message"),
    [
        (503, "Something went wrong"),
        (500, "Something went wrong"),
        (429, "Rate limit exceeded"),
        (404, "Not found"),
        (401, "Unauthorized"),
        (418, "Request failed"),
    ],
)
def test_error_fault_answers_the_normalisers_message_in_the_envelope(
    mock: WachtMock, api: httpx.Client, status: int, message: str
) -> None:
    mock.add_fault("error", operation="createApiAuthApp", status=status, count=1)
    response = api.post("/api-auth/apps", json=APP)
    assert (response.status_code, response.json()) == (status, error(status, message))
    assert response.headers["content-type"] == "application/json"
    assert mock.backend.deployment(1).apps == {}  # the request never reached the backend
    (entry,) = mock.journal.entries
    assert (entry.operation, entry.status, entry.fault, entry.rules) == (
        "createApiAuthApp",
        status,
        f"error {status}",
        (),
    )
    assert entry.describe() == f"POST /api-auth/apps returned {status}: injected fault error {status}"


def test_error_fault_with_its_own_message(mock: WachtMock, api: httpx.Client) -> None:
    mock.add_fault("error", status=502, message="upstream connect error", count=1)
    response = api.get("/api-auth/apps")
    assert (response.status_code, response.json()) == (502, error(502, "upstream connect error"))


def test_lost_response_commits_the_write_but_the_client_never_sees_the_secret(
    mock: WachtMock, api: httpx.Client
) -> None:
    mock.add_app(**APP)
    mock.add_fault("lost_response", operation="createApiKey", count=1)
    with pytest.raises(httpx.RemoteProtocolError):
        api.post("/api-auth/apps/billing/keys", json={"name": "ci"})
    keys = api.get("/api-auth/apps/billing/keys").json()["keys"]
    assert [(k["name"], k["is_active"], "secret" in k) for k in keys] == [("ci", True, False)]
    assert [k.name for k in mock.backend.deployment(1).keys.values()] == ["ci"]
    entry = mock.journal.entries[0]
    assert (entry.operation, entry.status, entry.fault) == ("createApiKey", 0, "lost_response")
    assert Firing("apps.lookup.not_found", "allow") in entry.rules  # the handler ran
    assert entry.describe() == "POST /api-auth/apps/billing/keys returned 0: injected fault lost_response"
    mock.journal.assert_called("createApiKey", status=0, times=1)
    assert api.post("/api-auth/apps/billing/keys", json={"name": "ci"}).status_code == 200  # a retry makes a second key
    assert len(api.get("/api-auth/apps/billing/keys").json()["keys"]) == 2


def test_lost_response_on_rotate_leaves_the_old_key_revoked(mock: WachtMock, api: httpx.Client) -> None:
    mock.add_app(**APP)
    key = api.post("/api-auth/apps/billing/keys", json={"name": "ci"}).json()
    mock.add_fault("lost_response", operation="rotateApiKeyForApp", count=1)
    with pytest.raises(httpx.RemoteProtocolError):
        api.post(f"/api-auth/apps/billing/keys/{key['id']}/rotate")
    assert [k.is_active for k in mock.backend.deployment(1).keys.values()] == [False, True]


def test_drop_closes_the_connection_before_any_work(mock: WachtMock, api: httpx.Client) -> None:
    mock.add_fault("drop", operation="createApiAuthApp", count=1)
    with pytest.raises(httpx.RemoteProtocolError):
        api.post("/api-auth/apps", json=APP)
    assert mock.backend.deployment(1).apps == {}
    entry = mock.journal.entries[0]
    assert (entry.operation, entry.status, entry.fault, entry.rules) == ("createApiAuthApp", 0, "drop", ())
    assert api.post("/api-auth/apps", json=APP).status_code == 200


def test_latency_fault_waits_then_answers_normally(mock: WachtMock, api: httpx.Client) -> None:
    mock.add_fault("latency", operation="listApiAuthApps", latency_ms=5, count=1)
    start = time.perf_counter()
    response = api.get("/api-auth/apps")
    waited = time.perf_counter() - start
    assert waited >= 0.005
    assert (response.status_code, response.json()["data"]) == (200, [])
    entry = mock.journal.entries[0]
    assert (entry.status, entry.fault) == (200, None)


def test_gateway_checks_are_the_check_authz_operation(mock: WachtMock) -> None:
    mock.add_fault("error", operation="checkAuthz", status=503, count=1)
    body = {"principal": {"type": "api_key", "value": "sk_x"}, "resource": "/a", "method": "GET"}
    with httpx.Client(transport=mock.transport(), base_url="https://gateway.wacht.dev") as gateway:
        response = gateway.post("/v1/authz/check", json=body)
    assert (response.status_code, response.json()) == (503, error(503, "Something went wrong"))
    mock.journal.assert_called("checkAuthz", status=503, times=1)


# The control plane


def test_faults_over_http(mock: WachtMock, api: httpx.Client) -> None:
    added = api.post("/_mock/faults", json={"kind": "error", "operation": "listApiAuthApps", "status": 503, "count": 1})
    assert (added.status_code, added.json()) == (200, {"faults": 1})
    assert api.post("/_mock/faults", json={"kind": "drop", "ratio": 0, "seed": 3}).json() == {"faults": 2}
    assert api.get("/api-auth/apps").json() == error(503, "Something went wrong")
    assert api.get("/api-auth/apps").status_code == 200
    cleared = api.delete("/_mock/faults")
    assert (cleared.status_code, cleared.json(), len(mock.faults)) == (200, {"faults": 0}, 0)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"{", 'faults: body must be JSON, e.g. {"kind": "error", "status": 503, "count": 1}'),
        (b"", "faults: a fault is a JSON object"),
        (
            b'{"kind": "error", "status": 503, "count": 1, "ratio": 0.5}',
            "faults: a fault takes count (first N requests) or ratio (0..1), not both; neither fires it for every"
            " matching request until it is removed",
        ),
        (
            b'{"kind": "error", "status": "503", "count": 1}',
            "faults: an error fault's status must be 400-599, got '503'",
        ),
        (b'{"kind": "drop", "count": true}', "faults: fault count must be a non-negative integer, got True"),
        (b'{"kind": "drop", "count": 1, "seed": [1]}', None),
    ],
)
def test_bad_faults_over_http_are_400s_naming_the_problem(
    mock: WachtMock, api: httpx.Client, content: bytes, message: str | None
) -> None:
    response = api.post("/_mock/faults", content=content, headers={"content-type": "application/json"})
    assert response.status_code == 400
    if message is not None:
        assert response.json() == error(400, message)
    else:
        assert response.json()["errors"][0]["message"].startswith("faults: bad fault: ")
    assert len(mock.faults) == 0
