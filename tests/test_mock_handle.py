"""The public handles: ``WachtMock`` (options, seeding, clock, clients, respx routing), the in-process httpx
bridge beside httpx's own ASGITransport, and ``RealWacht`` pointed at a live wacht-mock server."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, NoReturn

import httpx
import pytest
import respx
from conftest import APP, error
from respx.models import AllMockedAssertionError

from wacht_mock import LiveWacht, RealWacht, Seed, SeedError, UsageError, WachtMock, parse_seed
from wacht_mock.ids import stable_deployment_secret

T0 = "2026-03-04T05:06:07.123456Z"
T0_DT = datetime(2026, 3, 4, 5, 6, 7, 123456, tzinfo=UTC)
SCHEME = {"slug": "standard", "name": "Standard", "rules": [{"unit": "minute", "duration": 1, "max_requests": 100}]}


def _create_app(mock: WachtMock) -> httpx.Response:
    with mock.client() as client:
        return client.post("/api-auth/apps", json=APP)


# Constructor options


def test_defaults_are_deployment_1_on_growth_with_its_stable_secret() -> None:
    mock = WachtMock()
    assert mock.deployment_id == 1
    assert mock.secret == stable_deployment_secret(1)
    assert mock.backend.deployment(1).plan == "growth"
    assert sorted(mock.backend.deployments) == [1]
    assert (mock.base_url, mock.gateway_url) == ("https://api.wacht.dev", "https://gateway.wacht.dev")


@pytest.mark.parametrize("plan", ["growth", "pro", "starter", "none"])
def test_plan_sets_the_first_deployments_plan(plan: str) -> None:
    mock = WachtMock(plan=plan)  # type: ignore[arg-type]
    assert mock.backend.deployment(1).plan == plan
    assert _create_app(mock).status_code == (200 if plan == "growth" else 403)


def test_a_non_growth_plan_answers_the_vendors_403() -> None:
    response = _create_app(WachtMock(plan="starter"))
    assert response.json() == error(403, "API auth app creation requires Growth plan")


def test_an_unknown_plan_is_a_usage_error() -> None:
    with pytest.raises(UsageError) as raised:
        WachtMock(plan="gold")  # type: ignore[arg-type]
    assert str(raised.value) == "plan must be one of growth, pro, starter, none, got 'gold'"


def test_seed_as_a_mapping_with_plan_overriding_the_first_deployment() -> None:
    seed = {"deployments": [{"id": 7, "plan": "growth", "users": [{"id": 11}]}, {"id": 8, "plan": "pro"}]}
    mock = WachtMock(seed=seed, plan="starter")
    assert mock.deployment_id == 7
    assert mock.secret == stable_deployment_secret(7)
    assert mock.secret_for(8) == stable_deployment_secret(8)
    assert (mock.backend.deployment(7).plan, mock.backend.deployment(8).plan) == ("starter", "pro")
    assert list(mock.backend.deployment(7).users) == [11]
    assert seed["deployments"][0]["plan"] == "growth"  # the caller's mapping is not changed


def test_seed_as_a_seed_object() -> None:
    seed: Seed = parse_seed({"deployments": [{"id": 3, "plan": "pro", "organizations": [{"id": 21}]}]})
    mock = WachtMock(seed=seed)
    assert (mock.deployment_id, mock.backend.deployment(3).plan) == (3, "pro")
    assert list(mock.backend.deployment(3).organizations) == [21]


def test_seed_as_a_path_to_a_yaml_or_json_file(tmp_path: Path) -> None:
    yaml_file = tmp_path / "seed.yaml"
    yaml_file.write_text(
        "deployments:\n  - id: 5\n    plan: growth\n    apps:\n      - {app_slug: billing, name: B, key_prefix: sk}\n"
    )
    json_file = tmp_path / "seed.json"
    json_file.write_text(json.dumps({"deployments": [{"id": 6, "plan": "none"}]}))
    from_yaml = WachtMock(seed=yaml_file)
    from_text = WachtMock(seed=str(json_file))
    assert list(from_yaml.backend.deployment(5).apps) == ["billing"]
    assert (from_text.deployment_id, from_text.backend.deployment(6).plan) == (6, "none")


def test_a_bad_seed_mapping_is_a_seed_error() -> None:
    with pytest.raises(SeedError) as raised:
        WachtMock(seed={"deployments": [{"id": 1, "workspaces": [{"id": 3, "organization_id": 2}]}]})
    assert str(raised.value) == "seed: deployments[0].workspaces[0].organization_id: organization 2 is not seeded"


def test_now_as_rfc3339_text_or_datetime_freezes_the_clock() -> None:
    assert WachtMock(now=T0).clock.now() == T0_DT
    assert WachtMock(now="2026-03-04T07:06:07.123456+02:00").clock.now() == T0_DT
    frozen = WachtMock(now=T0_DT)
    assert frozen.clock.now() == T0_DT
    assert frozen.clock.ticking is False
    response = _create_app(frozen)
    assert response.json()["created_at"] == "2026-03-04T05:06:07.123456Z"


def test_a_bad_now_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="invalid RFC 3339 timestamp 'yesterday'"):
        WachtMock(now="yesterday")


def test_id_seed_changes_the_issued_ids() -> None:
    def key_id(id_seed: int) -> str:
        mock = WachtMock(now=T0, id_seed=id_seed)
        mock.add_app(**APP)
        with mock.client() as client:
            return str(client.post("/api-auth/apps/billing/keys", json={"name": "k"}).json()["id"])

    assert key_id(0) == key_id(0)
    assert key_id(0) != key_id(1)


# Seeding helpers: they extend the live state and the seed (so they survive reset)


def _seed_everything(mock: WachtMock) -> None:
    mock.add_user(11)
    mock.add_user(12, deleted=True)
    mock.add_organization(21)
    mock.add_workspace(31, organization_id=21)
    mock.add_membership(41, user_id=11, organization_id=21, permissions=["org:read"])
    mock.add_membership(42, user_id=11, workspace_id=31, permissions=("ws:write",))
    mock.add_scheme(**SCHEME)
    mock.add_app(**APP, rate_limit_scheme_slug="standard")


def _state(mock: WachtMock, deployment_id: int = 1) -> dict[str, Any]:
    d = mock.backend.deployment(deployment_id)
    return {
        "users": {u.id: u.deleted for u in d.users.values()},
        "organizations": sorted(d.organizations),
        "workspaces": {w.id: w.organization_id for w in d.workspaces.values()},
        "memberships": [(m.id, m.user_id, m.organization_id, m.workspace_id, m.permissions) for m in d.memberships],
        "schemes": sorted(d.schemes),
        "apps": {slug: (a.rate_limit_scheme_slug, a.deleted_at is None) for slug, a in d.apps.items()},
    }


SEEDED_STATE = {
    "users": {11: False, 12: True},
    "organizations": [21],
    "workspaces": {31: 21},
    "memberships": [(41, 11, 21, None, ("org:read",)), (42, 11, None, 31, ("ws:write",))],
    "schemes": ["standard"],
    "apps": {"billing": ("standard", True)},
}


def test_seeding_helpers_extend_the_live_state() -> None:
    mock = WachtMock(now=T0)
    _seed_everything(mock)
    assert _state(mock) == SEEDED_STATE
    with mock.client() as client:
        app = client.get("/api-auth/apps/billing").json()
    assert app["rate_limits"] == [{"unit": "minute", "duration": 1, "max_requests": 100, "priority": 0}]
    assert (app["app_slug"], app["created_at"]) == ("billing", "2026-03-04T05:06:07.123456Z")


def test_seeded_entities_survive_reset_and_api_changes_do_not() -> None:
    mock = WachtMock(now=T0)
    _seed_everything(mock)
    with mock.client() as client:
        assert client.post("/api-auth/apps", json={**APP, "app_slug": "search"}).status_code == 200
        assert client.delete("/api-auth/apps/billing").status_code == 200
    assert set(_state(mock)["apps"]) == {"billing", "search"}
    mock.reset()
    assert _state(mock) == SEEDED_STATE


def test_seeding_keeps_what_the_api_changed_in_between() -> None:
    mock = WachtMock()
    assert _create_app(mock).status_code == 200
    mock.add_user(11)
    assert _state(mock)["apps"] == {"billing": (None, True)}
    assert _state(mock)["users"] == {11: False}


def test_add_app_skips_the_plan_gate_as_the_console_would() -> None:
    mock = WachtMock(plan="none")
    mock.add_app(**APP)
    assert list(mock.backend.deployment(1).apps) == ["billing"]


def test_add_deployment_returns_its_secret_and_seeds_into_it() -> None:
    mock = WachtMock()
    secret = mock.add_deployment(2, plan="starter")
    custom = "sk_" + "A" * 43
    assert mock.add_deployment(3, secret=custom) == custom
    assert secret == stable_deployment_secret(2) == mock.secret_for(2)
    mock.add_user(11, deployment=2)
    assert _state(mock, 2)["users"] == {11: False}
    assert _state(mock, 1)["users"] == {}
    with mock.client(deployment=2) as client:
        assert client.post("/api-auth/apps", json=APP).json() == error(
            403, "API auth app creation requires Growth plan"
        )
    with mock.client(deployment=3) as client:
        assert client.post("/api-auth/apps", json=APP).status_code == 200
    mock.reset()
    assert sorted(mock.backend.deployments) == [1, 2, 3]
    assert _state(mock, 2)["users"] == {11: False}
    assert mock.backend.deployment(3).apps == {}


@pytest.mark.parametrize(
    ("call", "message"),
    [
        pytest.param(
            lambda m: m.add_workspace(32, organization_id=99),
            "seeding: deployments[0].workspaces[1].organization_id: organization 99 is not seeded",
            id="workspace-of-unseeded-organization",
        ),
        pytest.param(
            lambda m: m.add_user(11), "seeding: deployments[0].users[2].id: id 11 is used twice", id="user-id-taken"
        ),
        pytest.param(
            lambda m: m.add_membership(43, user_id=99, organization_id=21),
            "seeding: deployments[0].memberships[2].user_id: user 99 is not seeded",
            id="membership-of-unseeded-user",
        ),
        pytest.param(
            lambda m: m.add_membership(43, user_id=11),
            "seeding: deployments[0].memberships[2]: a membership names exactly one of organization_id and "
            "workspace_id",
            id="membership-of-nothing",
        ),
        pytest.param(
            lambda m: m.add_deployment(1), "seeding: deployments[1].id: deployment id 1 is used twice", id="dep-taken"
        ),
        pytest.param(
            lambda m: m.add_deployment(2, secret="sk_short"),
            "seeding: deployments[1].secret: must be sk_ followed by 43 base64url characters",
            id="bad-secret",
        ),
        pytest.param(
            lambda m: m.add_scheme(slug="empty", name="Empty", rules=[]),
            "seeding: deployments[0].rate_limit_schemes[1]: Rate limit scheme must include at least one rule",
            id="scheme-without-rules",
        ),
        pytest.param(
            lambda m: m.add_scheme(**SCHEME),
            "seeding: deployments[0].rate_limit_schemes[1]: Rate limit scheme 'standard' already exists",
            id="scheme-slug-taken",
        ),
        pytest.param(
            lambda m: m.add_app(app_slug="x", name="X"),
            "seeding: deployments[0].apps[1].key_prefix: Field required",
            id="app-without-key-prefix",
        ),
        pytest.param(
            lambda m: m.add_app(**{**APP, "name": "Other"}),
            "seeding: deployments[0].apps[1]: Resource already exists",
            id="app-slug-taken",
        ),
        pytest.param(
            lambda m: m.add_app(app_slug="mine", name="M", key_prefix="sk", user_id=99),
            "seeding: deployments[0].apps[1]: user_id does not exist for this deployment",
            id="app-of-unseeded-user",
        ),
    ],
)
def test_a_bad_seeding_call_raises_seed_error_and_changes_nothing(call: Any, message: str) -> None:
    mock = WachtMock(now=T0)
    _seed_everything(mock)
    before, seed_before = _state(mock), mock.backend.seed
    with pytest.raises(SeedError) as raised:
        call(mock)
    assert str(raised.value) == message
    assert _state(mock) == before
    assert mock.backend.seed is seed_before
    assert sorted(mock.backend.deployments) == [1]
    mock.reset()
    assert _state(mock) == SEEDED_STATE


def test_seeding_an_unseeded_deployment_is_a_usage_error() -> None:
    mock = WachtMock()
    with pytest.raises(UsageError) as raised:
        mock.add_user(11, deployment=9)
    assert str(raised.value) == "deployment 9 is not seeded; add_deployment(9) first"
    assert _state(mock)["users"] == {}


# Clock


def test_advance_and_set_time_move_the_virtual_clock() -> None:
    mock = WachtMock(now=T0)
    assert mock.advance(ms=500) == T0_DT + timedelta(milliseconds=500)
    assert mock.advance(seconds=1.5) == T0_DT + timedelta(seconds=2)
    assert mock.advance(timedelta(minutes=1), ms=1) == T0_DT + timedelta(minutes=1, seconds=2, milliseconds=1)
    assert mock.set_time("2027-01-01T00:00:00Z") == datetime(2027, 1, 1, tzinfo=UTC)
    assert mock.set_time(datetime(2025, 1, 1, 12)) == datetime(2025, 1, 1, 12, tzinfo=UTC)  # naive means UTC
    assert mock.clock.now() == datetime(2025, 1, 1, 12, tzinfo=UTC)
    assert _create_app(mock).json()["created_at"] == "2025-01-01T12:00:00Z"


def test_the_clock_never_advances_backwards() -> None:
    mock = WachtMock(now=T0)
    with pytest.raises(ValueError, match="the clock only moves forward"):
        mock.advance(seconds=-1)
    assert mock.clock.now() == T0_DT


def test_reset_keeps_the_clocks_time() -> None:
    mock = WachtMock(now=T0)
    mock.advance(ms=5)
    mock.reset()
    assert mock.clock.now() == T0_DT + timedelta(milliseconds=5)


def test_unique_is_the_name_itself_in_the_mock() -> None:
    assert WachtMock().unique("billing") == "billing"


# Clients and handle


def test_client_is_authenticated_as_the_first_or_a_given_deployment() -> None:
    mock = WachtMock()
    mock.add_deployment(2)
    with mock.client() as client:
        assert client.base_url == httpx.URL("https://api.wacht.dev")
        assert client.headers["authorization"] == f"Bearer {mock.secret}"
        assert client.post("/api-auth/apps", json=APP).status_code == 200
    with mock.client(deployment=2) as client:
        assert client.headers["authorization"] == f"Bearer {mock.secret_for(2)}"
        assert client.get("/api-auth/apps").json()["data"] == []
    with mock.client(authenticated=False) as client:
        assert "authorization" not in client.headers
        response = client.get("/api-auth/apps")
    assert response.status_code == 401
    assert response.json() == error(401, "Authorization header must be Bearer token")


def test_async_client_answers_like_the_sync_one() -> None:
    mock = WachtMock(now=T0)

    async def run() -> list[Any]:
        async with mock.async_client() as client:
            created = await client.post("/api-auth/apps", json=APP)
            listed = await client.get("/api-auth/apps")
        async with mock.async_client(authenticated=False) as anonymous:
            refused = await anonymous.get("/api-auth/apps")
        return [created.status_code, [a["app_slug"] for a in listed.json()["data"]], refused.status_code]

    assert asyncio.run(run()) == [200, ["billing"], 401]


def test_handle_answers_any_httpx_request() -> None:
    mock = WachtMock()
    request = httpx.Request(
        "POST", "https://api.wacht.dev/api-auth/apps", json=APP, headers={"authorization": f"Bearer {mock.secret}"}
    )
    response = mock.handle(request)
    assert (response.status_code, response.json()["app_slug"], response.request) == (200, "billing", request)
    health = mock.handle(httpx.Request("GET", "https://api.wacht.dev/_mock/health"))
    assert health.json() == {"status": "ok", "deployments": [1]}


def test_route_sends_both_wacht_hosts_into_the_mock_and_nothing_else() -> None:
    mock = WachtMock(now=T0)
    router = respx.mock(assert_all_called=False, assert_all_mocked=True)
    mock.route(router)
    with router:
        headers = {"authorization": f"Bearer {mock.secret}"}
        assert httpx.post("https://api.wacht.dev/api-auth/apps", json=APP, headers=headers).status_code == 200
        key = httpx.post("https://api.wacht.dev/api-auth/apps/billing/keys", json={"name": "ci"}, headers=headers)
        check = {"principal": {"type": "api_key", "value": key.json()["secret"]}, "resource": "/a", "method": "GET"}
        decision = httpx.post("https://gateway.wacht.dev/v1/authz/check", json=check)
        assert decision.json()["allowed"] is True
        with pytest.raises(AllMockedAssertionError):
            httpx.get("https://example.com/")
    assert [e.operation for e in mock.journal] == ["createApiAuthApp", "createApiKey", "checkAuthz"]


# The in-process bridge beside httpx.ASGITransport


BRIDGE_REQUESTS: list[tuple[str, str, dict[str, Any] | None]] = [
    ("GET", "/api-auth/apps/billing", None),
    ("HEAD", "/api-auth/apps/billing", None),
    ("GET", "/api-auth/apps?limit=1&offset=0", None),
    ("POST", "/api-auth/apps", {**APP, "app_slug": "search"}),
    ("PATCH", "/api-auth/apps/search", {"name": "Search"}),
    ("DELETE", "/api-auth/rate-limit-schemes/standard", None),
    ("GET", "/api-auth/apps/nope", None),
    ("PUT", "/api-auth/apps", None),
    ("GET", "/api-auth/apps/%62illing", None),
    ("OPTIONS", "/api-auth/apps", None),
]


def _answers(responses: list[httpx.Response]) -> list[tuple[int, list[tuple[str, str]], bytes]]:
    return [(r.status_code, r.headers.multi_items(), r.content) for r in responses]


def _fresh_bridge_mock() -> WachtMock:
    mock = WachtMock(now=T0)
    mock.add_scheme(**SCHEME)
    mock.add_app(**APP)
    return mock


def _asgi_transport_answers() -> list[tuple[int, list[tuple[str, str]], bytes]]:
    mock = _fresh_bridge_mock()

    async def run() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=mock.app)
        headers = {"authorization": f"Bearer {mock.secret}", "origin": "http://localhost:3000"}
        async with httpx.AsyncClient(transport=transport, base_url="https://api.wacht.dev", headers=headers) as c:
            return [await c.request(method, path, json=body) for method, path, body in BRIDGE_REQUESTS]

    return _answers(asyncio.run(run()))


def test_sync_bridge_answers_exactly_as_asgi_transport() -> None:
    mock = _fresh_bridge_mock()
    with mock.client() as client:
        client.headers["origin"] = "http://localhost:3000"
        got = _answers([client.request(method, path, json=body) for method, path, body in BRIDGE_REQUESTS])
    expected = _asgi_transport_answers()
    assert got == expected
    statuses = [status for status, _, _ in got]
    assert statuses == [200, 200, 200, 200, 200, 204, 404, 405, 200, 200]
    head = got[1]
    assert head[2] == b""
    assert dict(head[1])["content-length"] == str(len(got[0][2]))
    assert got[5][2] == b""


def test_async_bridge_answers_exactly_as_asgi_transport() -> None:
    mock = _fresh_bridge_mock()

    async def run() -> list[httpx.Response]:
        async with mock.async_client() as client:
            client.headers["origin"] = "http://localhost:3000"
            return [await client.request(method, path, json=body) for method, path, body in BRIDGE_REQUESTS]

    assert _answers(asyncio.run(run())) == _asgi_transport_answers()


def test_a_dropped_connection_is_a_remote_protocol_error_sync_and_async() -> None:
    mock = WachtMock()
    mock.add_fault("drop", count=2)
    with mock.client() as client, pytest.raises(httpx.RemoteProtocolError) as raised:
        client.get("/api-auth/apps")
    assert str(raised.value) == "peer closed connection without sending complete message body"

    async def run() -> None:
        async with mock.async_client() as client:
            await client.get("/api-auth/apps")

    with pytest.raises(httpx.RemoteProtocolError):
        asyncio.run(run())
    with mock.client() as client:
        assert client.get("/api-auth/apps").status_code == 200


# RealWacht, pointed at a live wacht-mock server


@pytest.fixture(scope="module")
def live() -> Iterator[LiveWacht]:
    server = LiveWacht(WachtMock(now=T0))
    yield server
    server.stop()


@pytest.fixture
def real(live: LiveWacht) -> Iterator[RealWacht]:
    live.restore()
    handle = RealWacht(live.secret, base_url=live.url, gateway_url=live.url, run_id="run12345")
    yield handle
    handle.cleanup()


def test_real_client_creations_are_cleaned_up(live: LiveWacht, real: RealWacht) -> None:
    slug = real.unique("billing")
    assert slug == "wmrun12345-billing"
    assert real.url == real.base_url == live.url
    with real.client() as client:
        scheme = client.post("/api-auth/rate-limit-schemes", json={**SCHEME, "slug": real.unique("standard")})
        app = client.post(
            "/api-auth/apps", json={**APP, "app_slug": slug, "rate_limit_scheme_slug": scheme.json()["slug"]}
        )
        first = client.post(f"/api-auth/apps/{slug}/keys", json={"name": "one"})
        second = client.post(f"/api-auth/apps/{slug}/keys", json={"name": "two"})
        rotated = client.post(f"/api-auth/apps/{slug}/keys/{second.json()['id']}/rotate")
        refused = client.post("/api-auth/apps", json={**APP, "app_slug": slug})
    assert [r.status_code for r in (scheme, app, first, second, rotated, refused)] == [200, 200, 200, 200, 200, 409]
    d = live.mock.backend.deployment(1)
    assert [k.is_active for k in d.keys.values()] == [True, False, True]  # rotation revoked the second key
    assert real.cleanup() == []
    assert [(k.name, k.is_active) for k in d.keys.values()] == [("one", False), ("two", False), ("two", False)]
    assert d.apps[slug].deleted_at is not None
    assert d.schemes == {}
    assert real.cleanup() == []  # nothing is left to clean up


def test_real_async_client_and_routed_requests_are_tracked(live: LiveWacht, real: RealWacht) -> None:
    async def run() -> int:
        async with real.async_client() as client:
            return (await client.post("/api-auth/apps", json={**APP, "app_slug": "first"})).status_code

    assert asyncio.run(run()) == 200
    router = respx.mock(assert_all_called=False, assert_all_mocked=True)
    real.route(router)
    with router:
        headers = {"authorization": f"Bearer {real.secret}"}
        created = httpx.post("https://api.wacht.dev/api-auth/apps", json={**APP, "app_slug": "second"}, headers=headers)
        key = httpx.post("https://api.wacht.dev/api-auth/apps/second/keys", json={"name": "k"}, headers=headers)
        check = {"principal": {"type": "api_key", "value": key.json()["secret"]}, "resource": "/a", "method": "GET"}
        decision = httpx.post("https://gateway.wacht.dev/v1/authz/check", json=check)
    assert (created.status_code, key.status_code, decision.json()["allowed"]) == (200, 200, True)
    assert [e.operation for e in live.mock.journal][-3:] == ["createApiAuthApp", "createApiKey", "checkAuthz"]
    assert real.cleanup() == []
    d = live.mock.backend.deployment(1)
    assert {slug: app.deleted_at is not None for slug, app in d.apps.items()} == {"first": True, "second": True}
    assert [k.is_active for k in d.keys.values()] == [False]


def test_real_cleanup_reports_what_it_could_not_delete(live: LiveWacht, real: RealWacht) -> None:
    with real.client() as client:
        assert client.post("/api-auth/rate-limit-schemes", json=SCHEME).status_code == 200
    live.mock.add_app(**APP, rate_limit_scheme_slug="standard")  # someone else's app still uses the scheme
    problems = real.cleanup()
    assert len(problems) == 1
    assert problems[0].startswith("DELETE /api-auth/rate-limit-schemes/standard: 400 ")
    assert "standard" in live.mock.backend.deployment(1).schemes


def test_real_mock_only_powers_call_on_mock_only_with_a_reason(live: LiveWacht) -> None:
    reasons: list[str] = []

    class Skipped(Exception):
        pass

    def on_mock_only(reason: str) -> NoReturn:
        reasons.append(reason)
        raise Skipped(reason)

    handle = RealWacht(live.secret, base_url=live.url, gateway_url=live.url, on_mock_only=on_mock_only)
    uses: dict[str, Callable[[], object]] = {
        "journal": lambda: handle.journal,
        "add_fault": lambda: handle.add_fault("drop"),
        "advance": lambda: handle.advance(seconds=1),
        "add_user": lambda: handle.add_user(11),
        "reset": handle.reset,
        "restore": handle.restore,
        "mock": lambda: handle.mock,
    }
    for use in uses.values():
        with pytest.raises(Skipped):
            use()
    assert reasons == [
        "journal needs wacht-mock (the request journal); not available against a real deployment",
        "add_fault needs wacht-mock (fault injection); not available against a real deployment",
        "advance needs wacht-mock (the virtual clock); not available against a real deployment",
        "add_user needs wacht-mock (seeding); not available against a real deployment",
        "reset needs wacht-mock (reset); not available against a real deployment",
        "restore needs wacht-mock (restore); not available against a real deployment",
        "mock needs wacht-mock (the in-process mock behind wacht_server); not available against a real deployment",
    ]
    with pytest.raises(AttributeError):
        handle.no_such_power  # noqa: B018
    assert handle.unique("x").startswith("wm") and handle.unique("x").endswith("-x")
    assert len(handle.unique("x")) == len("wm12345678-x")


def test_real_mock_only_powers_refuse_by_default(live: LiveWacht) -> None:
    handle = RealWacht(live.secret, base_url=live.url)
    with pytest.raises(UsageError) as raised:
        handle.set_time("2026-01-01T00:00:00Z")
    assert str(raised.value) == "set_time needs wacht-mock (the virtual clock); not available against a real deployment"
    handle.cleanup()


def test_route_answers_async_httpx_clients_too() -> None:
    mock = WachtMock()
    router = respx.mock(assert_all_called=False, assert_all_mocked=True)
    mock.route(router)

    async def run() -> int:
        async with httpx.AsyncClient(headers={"authorization": f"Bearer {mock.secret}"}) as client:
            return (await client.post("https://api.wacht.dev/api-auth/apps", json=APP)).status_code

    with router:
        assert asyncio.run(run()) == 200
    mock.journal.assert_called("createApiAuthApp", times=1)


# restore(): what a mock shared between tests (wacht_server) needs


def test_restore_drops_seeding_and_rewinds_the_clock_which_reset_keeps() -> None:
    mock = WachtMock(now=T0, seed={"deployments": [{"id": 1, "users": [{"id": 11}]}]})
    mock.add_user(12)
    mock.add_deployment(2)
    mock.advance(seconds=30)
    assert _create_app(mock).status_code == 200
    mock.reset()
    assert mock.backend.deployment(1).apps == {}
    assert (_state(mock)["users"], sorted(mock.backend.deployments)) == ({11: False, 12: False}, [1, 2])
    assert mock.clock.now() == T0_DT + timedelta(seconds=30)
    _create_app(mock)
    mock.add_fault("drop", count=1)
    mock.restore()
    assert mock.backend.deployment(1).apps == {}
    assert (_state(mock)["users"], sorted(mock.backend.deployments)) == ({11: False}, [1])
    assert mock.clock.now() == T0_DT
    assert (len(mock.journal), len(mock.faults)) == (0, 0)
    mock.add_user(13)  # seeding still works after a restore, from the first seed
    mock.reset()
    assert _state(mock)["users"] == {11: False, 13: False}


def test_a_live_servers_restore_is_how_it_started(live: LiveWacht) -> None:
    live.restore()
    live.mock.add_app(**APP)
    live.mock.advance(seconds=5)
    with httpx.Client(base_url=live.url, headers={"authorization": f"Bearer {live.secret}"}) as client:
        assert [a["app_slug"] for a in client.get("/api-auth/apps").json()["data"]] == ["billing"]
        live.restore()
        assert client.get("/api-auth/apps").json()["data"] == []
        assert client.get("/_mock/clock").json() == {"now": "2026-03-04T05:06:07.123456Z", "ticking": False}
    assert live.unique("billing") == "billing"
    assert live.gateway_url == live.url
