"""The session router's shortcut at httpx's transports (``pytest_wacht_mock.shortcut``): taken only when respx
would route the request to the test's mock anyway, never over someone else's patch, and undone with the router."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import httpx
import pytest
import respx
from pytest_wacht_mock.routing import SessionRouter

from wacht_mock import WachtMock

LIST = "https://api.wacht.dev/api-auth/apps"


@pytest.fixture
def served() -> Iterator[tuple[SessionRouter, WachtMock]]:
    mock = WachtMock()
    router = SessionRouter()
    with router:
        router.serve(mock, strict=False)
        yield router, mock
        router.done()


def _auth(mock: WachtMock) -> dict[str, str]:
    return {"authorization": f"Bearer {mock.secret}"}


def test_a_wacht_request_skips_respx_and_the_answer_is_the_mocks(served: tuple[SessionRouter, WachtMock]) -> None:
    router, mock = served
    direct = httpx.get(LIST, headers=_auth(mock))
    assert router.calls.call_count == 0  # answered at the transport, not through respx's routes
    with mock.client() as client:
        own = client.get("/api-auth/apps")
    assert (direct.status_code, direct.headers.raw, direct.content) == (own.status_code, own.headers.raw, own.content)


def test_async_clients_take_it_too(served: tuple[SessionRouter, WachtMock]) -> None:
    router, mock = served

    async def get() -> httpx.Response:
        async with httpx.AsyncClient(headers=_auth(mock)) as client:
            return await client.post(LIST, json={"app_slug": "billing", "name": "Billing", "key_prefix": "sk_test"})

    response = asyncio.run(get())
    assert (response.status_code, router.calls.call_count) == (200, 0)
    assert [e.operation for e in mock.journal.entries] == ["createApiAuthApp"]


def test_a_users_route_for_a_wacht_host_still_wins(served: tuple[SessionRouter, WachtMock]) -> None:
    router, mock = served
    with respx.mock(assert_all_called=False) as users:
        users.get(LIST).respond(json={"theirs": True})
        assert httpx.get(LIST, headers=_auth(mock)).json() == {"theirs": True}
        assert router.calls.call_count == 0
    assert httpx.get(LIST, headers=_auth(mock)).status_code == 200


def test_between_tests_the_transports_take_httpx_own_path(served: tuple[SessionRouter, WachtMock]) -> None:
    router, _ = served
    router.done()
    assert not router.claims(httpx.Request("GET", LIST))


def test_a_patch_already_in_place_is_neither_wrapped_nor_clobbered(monkeypatch: pytest.MonkeyPatch) -> None:
    def theirs(transport: httpx.HTTPTransport, request: httpx.Request) -> httpx.Response:
        return httpx.Response(299, request=request)

    monkeypatch.setattr(httpx.HTTPTransport, "handle_request", theirs)
    router = SessionRouter()
    with router:
        router.serve(WachtMock(), strict=False)
        assert httpx.get(LIST).status_code == 299  # theirs sees the request first, as pytest-httpx's must
        router.done()
    assert httpx.HTTPTransport.handle_request is theirs


def test_stopping_leaves_the_transports_as_they_were() -> None:
    before = (httpx.HTTPTransport.handle_request, httpx.AsyncHTTPTransport.handle_async_request)
    router = SessionRouter()
    with router:
        router.serve(WachtMock(), strict=False)
        assert router.claims(httpx.Request("GET", LIST))
        router.done()
    assert (httpx.HTTPTransport.handle_request, httpx.AsyncHTTPTransport.handle_async_request) == before


def test_a_second_router_answers_beside_one_that_serves_no_test() -> None:
    idle, serving = SessionRouter(), SessionRouter()
    with idle, serving:
        mock = WachtMock()
        serving.serve(mock, strict=False)
        assert httpx.get(LIST, headers=_auth(mock)).status_code == 200
        assert len(mock.journal.entries) == 1
        serving.done()


def test_a_patch_that_saved_the_shortcut_still_reaches_httpx_after_stop() -> None:
    router = SessionRouter()
    with router:
        router.serve(WachtMock(), strict=False)
        saved = httpx.HTTPTransport.handle_request  # as pytest-httpx saves what it patches over
        router.done()
    with respx.mock() as theirs, httpx.HTTPTransport() as transport:
        theirs.get("https://payments.example/charge").respond(json={"charged": True})
        response = saved(transport, httpx.Request("GET", "https://payments.example/charge"))
        assert response.read() == b'{"charged":true}'
