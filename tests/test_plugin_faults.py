"""Faults through the pytest plugin (issue 4), driven through pytester: each kind set from Python on
``wacht_mock`` (in-process, reached with sync and async httpx) and over ``POST /_mock/faults`` on ``wacht_server``
(real sockets), "the write commits but the response is lost" for createApiKey and rotateApiKeyForApp, count and
ratio+seed (the same draws in every run, so a failure replays), and the control plane's answers to misuse.
"""

from __future__ import annotations

import json
import random

import pytest

pytest_plugins = ["pytester"]

PRELUDE = """
import json
import random
import time
from pathlib import Path

import httpx
import pytest

APP = {"app_slug": "billing", "name": "Billing", "key_prefix": "sk_live"}
EMPTY = {"data": [], "has_more": False, "limit": 50, "offset": 0}


def envelope(status, message):
    return {"errors": [{"message": message, "code": status}]}


def check(secret):
    return {"principal": {"type": "api_key", "value": secret}, "resource": "/users", "method": "GET"}


def replay(seed, ratio=0.3, n=30):
    draws = random.Random(seed)
    return [503 if draws.random() < ratio else 200 for _ in range(n)]


@pytest.fixture
def anyio_backend():
    return "asyncio"
"""

IN_PROCESS = """
from wacht_mock import UsageError, WachtMock


def test_error_answers_the_vendor_envelope_for_the_first_count_requests(wacht_mock, wacht_client):
    fault = wacht_mock.add_fault("error", operation="createApiAuthApp", status=503, count=1)
    first = wacht_client.post("/api-auth/apps", json=APP)
    assert (first.status_code, first.json()) == (503, envelope(503, "Something went wrong"))
    assert wacht_client.get("/api-auth/apps").json() == EMPTY
    assert wacht_client.post("/api-auth/apps", json=APP).status_code == 200
    assert fault.fired == 1
    assert [(e.operation, e.status, e.fault) for e in wacht_mock.journal] == [
        ("createApiAuthApp", 503, "error 503"),
        ("listApiAuthApps", 200, None),
        ("createApiAuthApp", 200, None),
    ]
    assert wacht_mock.journal.entries[0].describe() == "POST /api-auth/apps returned 503: injected fault error 503"


@pytest.mark.anyio
async def test_error_on_every_operation_with_a_message_through_async_httpx(wacht_mock):
    wacht_mock.add_fault("error", status=429, message="Slow down", count=2)
    headers = {"authorization": f"Bearer {wacht_mock.secret}"}
    async with httpx.AsyncClient(headers=headers) as client:
        listed = await client.get("https://api.wacht.dev/api-auth/apps")
        checked = await client.post("https://gateway.wacht.dev/v1/authz/check", json=check("sk_live_x"))
        again = await client.get("https://api.wacht.dev/api-auth/apps")
    assert (listed.status_code, listed.json()) == (429, envelope(429, "Slow down"))
    assert (checked.status_code, checked.json()) == (429, envelope(429, "Slow down"))
    assert again.json() == EMPTY
    assert [e.fault for e in wacht_mock.journal] == ["error 429", "error 429", None]


def test_latency_waits_then_answers(wacht_mock, wacht_client):
    wacht_mock.add_fault("latency", operation="listApiAuthApps", latency_ms=50, count=1)
    start = time.perf_counter()
    answer = wacht_client.get("/api-auth/apps")
    assert time.perf_counter() - start >= 0.05
    assert answer.json() == EMPTY
    assert [(e.status, e.fault) for e in wacht_mock.journal] == [(200, None)]


def test_drop_closes_the_connection_before_any_work(wacht_mock, wacht_client):
    wacht_mock.add_fault("drop", operation="createApiAuthApp", count=2)
    with pytest.raises(httpx.RemoteProtocolError):
        wacht_client.post("/api-auth/apps", json=APP)
    with pytest.raises(httpx.RemoteProtocolError):
        httpx.post("https://api.wacht.dev/api-auth/apps", json=APP, headers=wacht_client.headers)
    assert wacht_client.get("/api-auth/apps").json() == EMPTY
    assert [(e.operation, e.status, e.fault) for e in wacht_mock.journal] == [
        ("createApiAuthApp", 0, "drop"),
        ("createApiAuthApp", 0, "drop"),
        ("listApiAuthApps", 200, None),
    ]


@pytest.mark.anyio
async def test_drop_through_async_httpx(wacht_mock):
    wacht_mock.add_fault("drop", count=1)
    async with httpx.AsyncClient() as client:
        with pytest.raises(httpx.RemoteProtocolError):
            await client.post("https://gateway.wacht.dev/v1/authz/check", json=check("sk_live_x"))
    assert [(e.operation, e.status, e.fault) for e in wacht_mock.journal] == [("checkAuthz", 0, "drop")]


def test_lost_response_on_create_api_key_commits_the_key(wacht_mock, wacht_client):
    assert wacht_client.post("/api-auth/apps", json=APP).status_code == 200
    wacht_mock.add_fault("lost_response", operation="createApiKey", count=1)
    with pytest.raises(httpx.RemoteProtocolError):
        wacht_client.post("/api-auth/apps/billing/keys", json={"name": "first"})
    assert [k["name"] for k in wacht_client.get("/api-auth/apps/billing/keys").json()["keys"]] == ["first"]
    assert wacht_client.post("/api-auth/apps/billing/keys", json={"name": "retry"}).status_code == 200
    keys = wacht_client.get("/api-auth/apps/billing/keys").json()["keys"]
    assert sorted(k["name"] for k in keys) == ["first", "retry"]
    assert [(e.operation, e.status, e.fault) for e in wacht_mock.journal.calls("createApiKey")] == [
        ("createApiKey", 0, "lost_response"),
        ("createApiKey", 200, None),
    ]
    wacht_mock.journal.assert_called("createApiKey", times=1)


def test_lost_response_on_rotate_revokes_the_old_key(wacht_mock, wacht_client):
    assert wacht_client.post("/api-auth/apps", json=APP).status_code == 200
    old = wacht_client.post("/api-auth/apps/billing/keys", json={"name": "k"}).json()
    wacht_mock.add_fault("lost_response", operation="rotateApiKeyForApp", count=1)
    with pytest.raises(httpx.RemoteProtocolError):
        wacht_client.post(f"/api-auth/apps/billing/keys/{old['id']}/rotate")
    keys = wacht_client.get("/api-auth/apps/billing/keys").json()["keys"]
    assert len(keys) == 1 and keys[0]["id"] != old["id"] and keys[0]["name"] == "k"
    decision = httpx.post("https://gateway.wacht.dev/v1/authz/check", json=check(old["secret"]))
    assert (decision.status_code, decision.text) == (401, "Invalid API key")
    assert wacht_mock.journal.calls("rotateApiKeyForApp")[0].describe() == (
        f"POST /api-auth/apps/billing/keys/{old['id']}/rotate returned 0: injected fault lost_response"
    )


def test_ratio_and_seed_draw_the_same_failures_every_time(wacht_mock, wacht_client):
    fault = wacht_mock.add_fault("error", operation="listApiAuthApps", status=503, ratio=0.3, seed=7)
    statuses = []
    for _ in range(30):
        statuses.append(wacht_client.get("/api-auth/apps").status_code)
        wacht_client.get("/api-auth/rate-limit-schemes")  # other operations draw nothing
    assert statuses == replay(7) and 0 < statuses.count(503) < 30 and fault.fired == statuses.count(503)
    twin = WachtMock()
    twin.add_fault("error", operation="listApiAuthApps", status=503, ratio=0.3, seed=7)
    with twin.client() as client:
        assert [client.get("/api-auth/apps").status_code for _ in range(30)] == statuses
    assert replay(8) != statuses
    Path("in_process.json").write_text(json.dumps(statuses))


def test_reset_clears_the_faults(wacht_mock, wacht_client):
    wacht_mock.add_fault("error", count=5)
    wacht_mock.reset()
    assert len(wacht_mock.faults) == 0
    assert wacht_client.get("/api-auth/apps").status_code == 200


def test_misuse_names_the_problem(wacht_mock):
    for kind, options, message in [
        ("error", {"count": 1, "ratio": 0.5}, "a fault takes count (first N requests) or ratio (0..1), not both"),
        ("boom", {"count": 1}, "fault kind must be one of error, latency, drop, lost_response, got 'boom'"),
        ("error", {"count": -1}, "fault count must be a non-negative integer, got -1"),
        ("error", {"ratio": 1.5}, "fault ratio must be between 0 and 1, got 1.5"),
        ("error", {"status": 200, "count": 1}, "an error fault's status must be 400-599, got 200"),
        ("latency", {"count": 1}, "a latency fault needs latency_ms > 0"),
    ]:
        with pytest.raises(UsageError) as caught:
            wacht_mock.add_fault(kind, **options)
        assert str(caught.value).startswith(message), (kind, options)
    assert len(wacht_mock.faults) == 0
"""


def test_faults_set_from_python_on_wacht_mock(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_faults_in_process=PRELUDE + IN_PROCESS)
    result = pytester.runpytest_inprocess()
    result.assert_outcomes(passed=10)
    statuses = json.loads((pytester.path / "in_process.json").read_text())
    draws = random.Random(7)
    assert statuses == [503 if draws.random() < 0.3 else 200 for _ in range(30)]

    replayed = pytester.runpytest_inprocess("-k", "ratio_and_seed")
    replayed.assert_outcomes(passed=1, deselected=9)
    assert json.loads((pytester.path / "in_process.json").read_text()) == statuses


OVER_HTTP = """
def clients(server):
    return httpx.Client(base_url=server.url), httpx.Client(
        base_url=server.url, headers={"authorization": f"Bearer {server.secret}"}
    )


def test_error_over_post_mock_faults(wacht_server):
    control, api = clients(wacht_server)
    with control, api:
        fault = {"kind": "error", "operation": "listApiAuthApps", "status": 503, "count": 1}
        assert control.post("/_mock/faults", json=fault).json() == {"faults": 1}
        first = api.get("/api-auth/apps")
        assert (first.status_code, first.json()) == (503, envelope(503, "Something went wrong"))
        assert api.get("/api-auth/apps").json() == EMPTY
        entries = control.get("/_mock/journal").json()["entries"]
    assert [(e["operation"], e["status"], e["fault"]) for e in entries] == [
        ("listApiAuthApps", 503, "error 503"),
        ("listApiAuthApps", 200, None),
    ]


def test_lost_response_and_drop_over_real_sockets(wacht_server):
    control, api = clients(wacht_server)
    with control, api:
        assert api.post("/api-auth/apps", json=APP).status_code == 200
        lost_create = {"kind": "lost_response", "operation": "createApiKey", "count": 1}
        assert control.post("/_mock/faults", json=lost_create).json() == {"faults": 1}
        with pytest.raises(httpx.RemoteProtocolError):
            api.post("/api-auth/apps/billing/keys", json={"name": "k"})
        (key,) = api.get("/api-auth/apps/billing/keys").json()["keys"]

        lost_rotate = {"kind": "lost_response", "operation": "rotateApiKeyForApp", "ratio": 1.0, "seed": 3}
        assert control.post("/_mock/faults", json=lost_rotate).json() == {"faults": 1}  # lost_create is spent
        with pytest.raises(httpx.RemoteProtocolError):
            api.post(f"/api-auth/apps/billing/keys/{key['id']}/rotate")
        (rotated,) = api.get("/api-auth/apps/billing/keys").json()["keys"]
        assert rotated["id"] != key["id"]

        drop = {"kind": "drop", "operation": "deleteApiAuthApp", "count": 1}
        assert control.post("/_mock/faults", json=drop).json() == {"faults": 2}
        with pytest.raises(httpx.RemoteProtocolError):
            api.delete("/api-auth/apps/billing")
        assert api.get("/api-auth/apps/billing").json()["deleted_at"] is None
        entries = control.get("/_mock/journal").json()["entries"]
    assert [(e["operation"], e["status"], e["fault"]) for e in entries if e["fault"]] == [
        ("createApiKey", 0, "lost_response"),
        ("rotateApiKeyForApp", 0, "lost_response"),
        ("deleteApiAuthApp", 0, "drop"),
    ]


@pytest.mark.anyio
async def test_latency_over_http_with_async_httpx(wacht_server):
    headers = {"authorization": f"Bearer {wacht_server.secret}"}
    async with httpx.AsyncClient(base_url=wacht_server.url, headers=headers) as client:
        fault = {"kind": "latency", "operation": "listApiAuthApps", "latency_ms": 50, "count": 1}
        assert (await client.post("/_mock/faults", json=fault)).json() == {"faults": 1}
        start = time.perf_counter()
        answer = await client.get("/api-auth/apps")
        assert time.perf_counter() - start >= 0.05
    assert answer.json() == EMPTY


def test_python_faults_on_the_live_server(wacht_server):
    wacht_server.mock.add_fault("error", operation="getApiAuthApp", status=404, count=1)
    control, api = clients(wacht_server)
    with control, api:
        answer = api.get("/api-auth/apps/anything")
    assert (answer.status_code, answer.json()) == (404, envelope(404, "Not found"))
    assert [e.fault for e in wacht_server.mock.journal] == ["error 404"]


def test_delete_mock_faults_clears_them(wacht_server):
    control, api = clients(wacht_server)
    with control, api:
        control.post("/_mock/faults", json={"kind": "error", "status": 503, "count": 100})
        assert api.get("/api-auth/apps").status_code == 503
        assert control.delete("/_mock/faults").json() == {"faults": 0}
        assert api.get("/api-auth/apps").status_code == 200


def test_ratio_and_seed_over_http_draw_what_python_draws(wacht_server):
    control, api = clients(wacht_server)
    with control, api:
        fault = {"kind": "error", "operation": "listApiAuthApps", "status": 503, "ratio": 0.3, "seed": 7}
        control.post("/_mock/faults", json=fault)
        statuses = [api.get("/api-auth/apps").status_code for _ in range(30)]
    assert statuses == replay(7)
    Path("over_http.json").write_text(json.dumps(statuses))


def test_a_fault_left_behind(wacht_server):
    control, _ = clients(wacht_server)
    with control:
        control.post("/_mock/faults", json={"kind": "error", "status": 503, "count": 100})


def test_is_gone_in_the_next_test(wacht_server):
    assert len(wacht_server.mock.faults) == 0
    _, api = clients(wacht_server)
    with api:
        assert api.get("/api-auth/apps").status_code == 200


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"nope", 'faults: body must be JSON, e.g. {"kind": "error", "status": 503, "count": 1}'),
        (b"[1]", "faults: a fault is a JSON object"),
        (b'{"count": 1}', "faults: a fault needs a kind: error, latency, drop, lost_response"),
        (
            b'{"kind": "error", "count": 1, "ratio": 0.5}',
            "faults: a fault takes count (first N requests) or ratio (0..1), not both; neither fires it for every"
            " matching request until it is removed",
        ),
        (
            b'{"kind": "boom", "count": 1}',
            "faults: fault kind must be one of error, latency, drop, lost_response, got 'boom'",
        ),
        (
            b'{"kind": "error", "count": 1, "colour": "red"}',
            "faults: unknown fault field 'colour'; fields are count, kind, latency_ms, message, operation, ratio,"
            " seed, status",
        ),
        (b'{"kind": "error", "ratio": 2, "seed": 1}', "faults: fault ratio must be between 0 and 1, got 2"),
    ],
)
def test_misuse_is_a_400_naming_the_problem(wacht_server, body, message):
    control, _ = clients(wacht_server)
    with control:
        answer = control.post("/_mock/faults", content=body, headers={"content-type": "application/json"})
        assert (answer.status_code, answer.json()) == (400, envelope(400, message))
        assert control.get("/_mock/journal").json() == {"entries": []}
    assert len(wacht_server.mock.faults) == 0
"""


def test_faults_over_the_control_plane_of_wacht_server(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_faults_http=PRELUDE + OVER_HTTP)
    result = pytester.runpytest_subprocess()
    result.assert_outcomes(passed=15)
    draws = random.Random(7)
    assert json.loads((pytester.path / "over_http.json").read_text()) == [
        503 if draws.random() < 0.3 else 200 for _ in range(30)
    ]
