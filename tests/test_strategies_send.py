"""A drawn ``WachtRequest`` goes through the user's own httpx client (their transport, base URL and hooks), sync
(``send``) or async (``asend``), in-process or over loopback, and gets the answer in its ``expected``."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Iterator

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scripts_import import load_script

import wacht_mock.strategies as strategies
from wacht_mock import LiveWacht, WachtMock
from wacht_mock.strategies import Expected, WachtRequest, invalid_requests, valid_requests

SEED = {"deployments": load_script("fuzz_strategies").DEPLOYMENTS}  # the seed the campaign sends from
ANY_REQUEST = st.one_of(valid_requests(SEED), invalid_requests(SEED))


@settings(max_examples=40, deadline=None)
@given(ANY_REQUEST)
def test_send_through_a_client_the_user_built(request: WachtRequest) -> None:
    mock = WachtMock(seed=SEED)
    seen: list[str] = []
    client = httpx.Client(
        transport=httpx.MockTransport(mock.handle),  # the user's own transport
        base_url=mock.url,
        headers={"authorization": "Bearer replaced-by-each-request", "x-team": "billing"},
        event_hooks={"request": [lambda r: seen.append(r.headers["x-team"])]},
    )
    with client:
        response = request.send(client)
    request.check(response)
    assert response.status_code == request.expected.status
    assert seen == ["billing"] * (1 + len(request.setup))  # every request went through the user's client


@settings(max_examples=40, deadline=None)
@given(ANY_REQUEST)
def test_asend_through_an_async_client(request: WachtRequest) -> None:
    mock = WachtMock(seed=SEED)

    async def send() -> httpx.Response:
        async with httpx.AsyncClient(transport=mock.transport(), base_url=mock.url) as client:
            return await request.asend(client)

    request.check(asyncio.run(send()))


@pytest.fixture(scope="module")
def live() -> Iterator[LiveWacht]:
    server = LiveWacht(WachtMock(seed=SEED))
    yield server
    server.stop()


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(request=ANY_REQUEST)
def test_send_over_loopback_to_wacht_server_url(live: LiveWacht, request: WachtRequest) -> None:
    live.restore()
    with httpx.Client(base_url=live.url) as client:
        request.check(request.send(client))


def test_a_failed_set_up_request_names_itself() -> None:
    setup = WachtRequest("createApiAuthApp", "POST", "/api-auth/apps", "sk_nobody", {"app_slug": "a"})
    request = WachtRequest("listApiAuthApps", "GET", "/api-auth/apps", "sk_nobody", setup=(setup,))
    with WachtMock().client() as client, pytest.raises(AssertionError, match=r"^set-up POST /api-auth/apps: 401 "):
        request.send(client)


def test_the_request_objects_are_documented_and_typed() -> None:
    for cls in (WachtRequest, Expected):
        assert cls.__doc__
        hints = inspect.get_annotations(cls)
        assert hints and all(hints.values())
        source = inspect.getsource(cls)
        for name in hints:  # each field has its docstring right below it
            assert f"    {name}: {hints[name]}" in source
            after = source.split(f"    {name}: ", 1)[1].split("\n", 2)[1]
            assert after.strip().startswith('"""'), f"{cls.__name__}.{name} has no docstring"
    for name in ("send", "asend", "check"):
        assert getattr(WachtRequest, name).__doc__
    assert {"WachtRequest", "Expected", "OK", "NO_BODY"} <= set(strategies.__all__)
