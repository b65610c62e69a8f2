"""Active faults (issue 11, item 5): spent faults leave the list, ``GET /_mock/faults`` lists what remains of each
with its id, ``DELETE /_mock/faults/{id}`` removes one, and an unknown operation is refused with the valid ones."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from conftest import error

from wacht_mock import Fault, Faults, UsageError, WachtMock
from wacht_mock.faults import operation_names
from wacht_mock.http.operations import routes


@pytest.fixture
def mock() -> WachtMock:
    return WachtMock(now="2026-01-01T00:00:00Z")


@pytest.fixture
def api(mock: WachtMock) -> Iterator[httpx.Client]:
    with mock.client() as client:
        yield client


def test_a_count_fault_leaves_the_list_once_spent(mock: WachtMock, api: httpx.Client) -> None:
    fault = mock.add_fault("error", operation="listApiAuthApps", status=503, count=2)
    assert (fault.id, fault.remaining, mock.faults.active) == (1, 2, [fault])
    assert api.get("/api-auth/apps").status_code == 503
    assert (fault.remaining, len(mock.faults)) == (1, 1)
    assert api.get("/api-auth/apps").status_code == 503
    assert (fault.fired, fault.remaining, fault.spent, mock.faults.active) == (2, 0, True, [])
    assert api.get("/api-auth/apps").status_code == 200


def test_a_zero_count_fault_is_spent_from_the_start_and_ratio_faults_stay(mock: WachtMock) -> None:
    assert mock.add_fault("drop", count=0).spent
    kept = mock.add_fault("error", status=500, ratio=0.0)
    assert mock.faults.active == [kept]
    assert kept.remaining is None and not kept.spent


def test_get_mock_faults_lists_the_active_ones_with_what_remains(mock: WachtMock, api: httpx.Client) -> None:
    assert api.get("/_mock/faults").json() == {"faults": []}
    added = api.post("/_mock/faults", json={"kind": "error", "operation": "listApiAuthApps", "status": 503, "count": 3})
    assert (added.json(), added.headers["location"]) == ({"faults": 1}, "/_mock/faults/1")
    slow = {"kind": "latency", "operation": "getApiAuthApp", "latency_ms": 1, "ratio": 0.5, "seed": 4}
    assert api.post("/_mock/faults", json=slow).headers["location"] == "/_mock/faults/2"
    api.get("/api-auth/apps")
    assert api.get("/_mock/faults").json() == {
        "faults": [
            {
                "id": 1,
                "kind": "error",
                "operation": "listApiAuthApps",
                "status": 503,
                "message": None,
                "latency_ms": None,
                "count": 3,
                "ratio": None,
                "seed": 0,
                "fired": 1,
                "remaining": 2,
            },
            {
                "id": 2,
                "kind": "latency",
                "operation": "getApiAuthApp",
                "status": None,
                "message": None,
                "latency_ms": 1,
                "count": None,
                "ratio": 0.5,
                "seed": 4,
                "fired": 0,
                "remaining": None,
            },
        ]
    }
    api.get("/api-auth/apps")
    api.get("/api-auth/apps")
    assert [f["id"] for f in api.get("/_mock/faults").json()["faults"]] == [2]


def test_delete_one_fault_by_id(mock: WachtMock, api: httpx.Client) -> None:
    for status in (502, 503, 504):
        api.post("/_mock/faults", json={"kind": "error", "status": status, "count": 5})
    removed = api.delete("/_mock/faults/2")
    assert (removed.status_code, removed.json()) == (200, {"faults": 2})
    assert [f["id"] for f in api.get("/_mock/faults").json()["faults"]] == [1, 3]
    again = api.delete("/_mock/faults/2")
    message = "faults: no active fault 2 (spent, removed or never added)"
    assert (again.status_code, again.json()) == (404, error(404, message))
    assert api.get("/_mock/faults/1").status_code == 405
    assert api.delete("/_mock/faults/x").status_code == 404
    assert api.delete("/_mock/faults").json() == {"faults": 0}
    assert api.get("/_mock/faults").json() == {"faults": []}


def test_fault_ids_go_on_after_a_reset(mock: WachtMock) -> None:
    mock.add_fault("drop", count=1)
    mock.reset()
    assert len(mock.faults) == 0
    assert mock.add_fault("drop", count=1).id == 2
    assert Faults(first_id=7).add(Fault("drop", count=1)).id == 7


def test_an_unknown_operation_is_refused_with_the_valid_ones(mock: WachtMock, api: httpx.Client) -> None:
    names = sorted({op.name for route in routes() for op in route.operations.values()})
    assert operation_names() == names and "checkAuthz" in names and "createApiKey" in names
    listing = ", ".join(names)
    with pytest.raises(UsageError) as close:
        mock.add_fault("error", operation="createKey", status=503, count=1)
    assert str(close.value) == f"unknown operation 'createKey' (did you mean createApiKey?); operations are: {listing}"
    with pytest.raises(UsageError) as far:
        mock.add_fault("error", operation="frobnicate", status=503, count=1)
    assert str(far.value) == f"unknown operation 'frobnicate'; operations are: {listing}"
    answer = api.post("/_mock/faults", json={"kind": "drop", "operation": "listApiAuthApp", "count": 1})
    message = f"faults: unknown operation 'listApiAuthApp' (did you mean listApiAuthApps?); operations are: {listing}"
    assert (answer.status_code, answer.json()) == (400, error(400, message))
    assert len(mock.faults) == 0
