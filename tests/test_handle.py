"""``WachtHandle``: all three handles satisfy it (checked by mypy, and verb by verb at run time), each verb means
one thing on all of them, ``RealWacht`` refuses every mock-only member with its reason, and ``LiveWacht`` offers
the mock's powers over real HTTP."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx

from wacht_mock import LiveWacht, RealWacht, UsageError, WachtHandle, WachtMock

ROOT = Path(__file__).resolve().parents[1]
T0 = datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC)
APP = {"app_slug": "billing", "name": "Billing", "key_prefix": "sk_live"}
HANDLES = (WachtMock, LiveWacht, RealWacht)


def protocol_members() -> list[str]:
    """The protocol's members, from its class body (methods and properties)."""
    return [name for name in vars(WachtHandle) if not name.startswith("_")]


def test_the_protocol_covers_what_tests_hold_in_common() -> None:
    assert protocol_members() == [
        *("url", "base_url", "gateway_url", "secret", "unique"),
        *("client", "async_client", "route", "reset", "restore"),
        *("clock", "advance", "set_time", "journal", "faults", "add_fault"),
        *("add_deployment", "add_user", "add_organization", "add_workspace", "add_membership", "add_scheme"),
        "add_app",
        "add_key",
    ]


def test_mypy_proves_every_handle_satisfies_the_protocol(tmp_path: Path) -> None:
    from mypy import api

    check = tmp_path / "check_handles.py"
    check.write_text(
        "from wacht_mock import LiveWacht, RealWacht, WachtHandle, WachtMock\n\n\n"
        "def handles(mock: WachtMock, live: LiveWacht, real: RealWacht) -> list[WachtHandle]:\n"
        "    return [mock, live, real]\n\n\n"
        "# the check bites: were object() accepted, this ignore would be unused, an error under --strict\n"
        "NOT_ONE: WachtHandle = object()  # type: ignore[assignment]\n"
    )
    out, err, status = api.run(["--config-file", str(ROOT / "pyproject.toml"), "--strict", str(check)])
    assert (status, err) == (0, ""), out


@pytest.fixture(scope="module")
def handles() -> Iterator[dict[str, Any]]:
    mock, live, real = WachtMock(), LiveWacht(), RealWacht("sk_unused", base_url="http://127.0.0.1:9")
    yield {"WachtMock": mock, "LiveWacht": live, "RealWacht": real}
    live.stop()
    real.cleanup()


@pytest.mark.parametrize("kind", [cls.__name__ for cls in HANDLES])
@pytest.mark.parametrize("member", protocol_members())
def test_every_handle_has_every_member_of_the_same_kind(handles: dict[str, Any], kind: str, member: str) -> None:
    handle = handles[kind]
    found = inspect.getattr_static(handle, member)  # never runs a property: RealWacht's would refuse
    if isinstance(inspect.getattr_static(WachtHandle, member), property):
        assert not inspect.isfunction(found), f"{kind}.{member} should be a property or an attribute"
    else:
        assert inspect.isfunction(found), f"{kind}.{member} should be a method"


# RealWacht: the mock-only members refuse, each with its reason

MOCK_ONLY: dict[str, tuple[str, Callable[[RealWacht], object]]] = {
    "reset": ("reset", lambda real: real.reset()),
    "restore": ("restore", lambda real: real.restore()),
    "clock": ("the virtual clock", lambda real: real.clock),
    "advance": ("the virtual clock", lambda real: real.advance(seconds=1)),
    "set_time": ("the virtual clock", lambda real: real.set_time("2026-01-01T00:00:00Z")),
    "journal": ("the request journal", lambda real: real.journal),
    "faults": ("fault injection", lambda real: real.faults),
    "add_fault": ("fault injection", lambda real: real.add_fault("drop")),
    "add_deployment": ("seeding", lambda real: real.add_deployment(2)),
    "add_user": ("seeding", lambda real: real.add_user(11)),
    "add_organization": ("seeding", lambda real: real.add_organization(21)),
    "add_workspace": ("seeding", lambda real: real.add_workspace(31, organization_id=21)),
    "add_membership": ("seeding", lambda real: real.add_membership(41, user_id=11, organization_id=21)),
    "add_scheme": ("seeding", lambda real: real.add_scheme(slug="s", name="S", rules=[])),
    "add_app": ("seeding", lambda real: real.add_app(**APP)),
    "add_key": ("seeding", lambda real: real.add_key("billing", secret="sk_live_" + "a" * 43)),
    "backend": ("the in-process backend", lambda real: real.backend),
    "mock": ("the in-process mock behind wacht_server", lambda real: real.mock),
}


@pytest.mark.parametrize("name", MOCK_ONLY)
def test_real_mock_only_members_refuse_with_their_reason(name: str) -> None:
    power, use = MOCK_ONLY[name]
    real = RealWacht("sk_unused", base_url="http://127.0.0.1:9")
    with pytest.raises(UsageError) as raised:
        use(real)
    assert str(raised.value) == f"{name} needs wacht-mock ({power}); not available against a real deployment"


def test_real_mock_only_members_call_on_mock_only_which_may_skip() -> None:
    def skip(reason: str) -> Any:
        pytest.skip(reason)

    real = RealWacht("sk_unused", base_url="http://127.0.0.1:9", on_mock_only=skip)
    with pytest.raises(pytest.skip.Exception, match=r"^restore needs wacht-mock \(restore\); "):
        real.restore()


def test_every_mock_only_member_of_the_protocol_is_tested() -> None:
    shared = {"url", "base_url", "gateway_url", "secret", "unique", "client", "async_client", "route"}
    assert set(protocol_members()) - shared <= set(MOCK_ONLY)
    assert not hasattr(RealWacht("sk_unused"), "no_such_power")


# LiveWacht: reset keeps seeding and the clock, restore does not


@pytest.fixture(scope="module")
def live() -> Iterator[LiveWacht]:
    server = LiveWacht(WachtMock(now=T0, seed={"deployments": [{"id": 1, "users": [{"id": 11}]}]}))
    yield server
    server.stop()


def _apps(live: LiveWacht) -> list[str]:
    with live.client() as client:
        return [app["app_slug"] for app in client.get("/api-auth/apps").json()["data"]]


def test_live_reset_keeps_seeding_and_the_clock(live: LiveWacht) -> None:
    live.restore()
    live.add_app(**APP)
    live.add_user(12)
    with live.client() as client:
        assert client.post("/api-auth/apps", json={**APP, "app_slug": "made"}).status_code == 200
    live.add_fault("error", operation="listApiAuthApps", status=503, count=5)
    assert live.advance(seconds=30) == T0 + timedelta(seconds=30)
    live.reset()
    assert _apps(live) == ["billing"]  # the API-made app is gone, the seeded one stays
    assert sorted(live.mock.backend.deployment(1).users) == [11, 12]
    assert live.clock.now() == T0 + timedelta(seconds=30)
    assert (len(live.journal), len(live.faults)) == (1, 0)  # the listing just now


def test_live_restore_drops_seeding_and_rewinds_the_clock(live: LiveWacht) -> None:
    live.restore()
    live.add_app(**APP)
    live.add_deployment(2)
    live.set_time("2027-01-01T00:00:00Z")
    live.restore()
    assert _apps(live) == []
    assert sorted(live.mock.backend.deployments) == [1]
    assert sorted(live.mock.backend.deployment(1).users) == [11]
    assert live.clock.now() == T0
    with live.client() as client:
        assert client.get("/_mock/clock").json()["now"] == "2026-03-04T05:06:07Z"


def test_live_clients_go_over_http_and_route_answers_from_the_same_state(live: LiveWacht) -> None:
    live.restore()
    assert live.base_url == live.url and live.url.startswith("http://127.0.0.1:")

    async def created() -> int:
        async with live.async_client() as client:
            return (await client.post("/api-auth/apps", json=APP)).status_code

    assert asyncio.run(created()) == 200
    with live.client(authenticated=False) as client:
        assert client.get("/api-auth/apps").status_code == 401
    router = respx.mock(assert_all_called=False, assert_all_mocked=True)
    live.route(router)
    with router:
        headers = {"authorization": f"Bearer {live.secret}"}
        assert httpx.get("https://api.wacht.dev/api-auth/apps/billing", headers=headers).status_code == 200
        assert httpx.get(f"{live.url}/_mock/health").status_code == 200  # its own origin passes, even strict
    live.journal.assert_called("getApiAuthApp", times=1)


def test_the_verbs_mean_the_same_on_the_mock_and_the_live_server() -> None:
    def run(handle: WachtHandle) -> tuple[object, ...]:
        handle.add_user(12)
        handle.advance(ms=1500)
        handle.reset()
        kept = (handle.clock.now(), sorted(_users(handle)))
        handle.restore()
        return kept, (handle.clock.now(), sorted(_users(handle)))

    mock_result = run(WachtMock(now=T0))
    live = LiveWacht(WachtMock(now=T0))
    try:
        assert run(live) == mock_result
    finally:
        live.stop()
    assert mock_result == ((T0 + timedelta(milliseconds=1500), [12]), (T0, []))


def _users(handle: WachtHandle) -> list[int]:
    mock = handle.mock if isinstance(handle, LiveWacht) else handle
    assert isinstance(mock, WachtMock)
    return list(mock.backend.deployment(1).users)
