"""The ``wacht_mock`` fixture beside the test's own HTTP mocks (issue 12, points 1 and 4), driven through pytester:
respx's ``respx_mock`` in both fixture orders, ``with respx.mock()``, ``@respx.mock``, ``wacht_mock.route`` on the
user's router, a user router with ``assert_all_mocked=False``, pytest-httpx's ``httpx_mock`` in both orders; what
nothing mocks passes through (to a closed loopback port, so the attempt shows as a ConnectError) or, in strict
mode, fails with a message naming strict mode, the URL and the way out.

``payments.example`` does not resolve: had a request to it reached the network, it would fail with a ConnectError
instead of the user's route answering its own body.
"""

from __future__ import annotations

import socket

import pytest
import respx
from real_target import real_target_args

from wacht_mock import LiveWacht

pytest_plugins = ["pytester"]

PRELUDE = """
import httpx
import pytest
import respx

PAY = "https://payments.example/charge"
CHARGED = {"charged": True}
LIST = "https://api.wacht.dev/api-auth/apps"
EMPTY = {"data": [], "has_more": False, "limit": 50, "offset": 0}


@pytest.fixture
def anyio_backend():
    return "asyncio"


def auth(handle):
    return {"authorization": f"Bearer {handle.secret}"}


def both(handle):
    assert httpx.post(PAY).json() == CHARGED
    assert httpx.get(LIST, headers=auth(handle)).json() == EMPTY
"""

RESPX = """
def test_wacht_first(wacht_mock, respx_mock):
    route = respx_mock.post(PAY).respond(json=CHARGED)
    both(wacht_mock)
    assert route.call_count == 1


def test_respx_first(respx_mock, wacht_mock):
    route = respx_mock.post(PAY).respond(json=CHARGED)
    both(wacht_mock)
    assert route.call_count == 1


@pytest.mark.anyio
async def test_wacht_first_async(wacht_mock, respx_mock):
    route = respx_mock.post(PAY).respond(json=CHARGED)
    async with httpx.AsyncClient() as client:
        assert (await client.post(PAY)).json() == CHARGED
        assert (await client.get(LIST, headers=auth(wacht_mock))).json() == EMPTY
    assert route.call_count == 1


def test_context_manager_inside_the_test(wacht_mock):
    with respx.mock() as router:
        route = router.post(PAY).respond(json=CHARGED)
        both(wacht_mock)
    assert route.call_count == 1


@respx.mock
def test_decorator(wacht_mock):
    route = respx.post(PAY).respond(json=CHARGED)
    both(wacht_mock)
    assert route.call_count == 1


def test_route_onto_the_users_router(wacht_mock):
    with respx.mock(assert_all_called=False) as router:  # the gateway's route goes unused here
        wacht_mock.route(router)
        route = router.post(PAY).respond(json=CHARGED)
        both(wacht_mock)
        assert router.calls.call_count == 2  # the user's router served the Wacht host too
    assert route.call_count == 1


def test_a_router_that_mocks_everything_leaves_the_wacht_hosts_alone(wacht_mock):
    with respx.mock(assert_all_mocked=False) as router:
        route = router.post(PAY).respond(json=CHARGED)
        both(wacht_mock)
        assert httpx.get("https://elsewhere.example/").status_code == 200
    assert route.call_count == 1
    wacht_mock.journal.assert_called("listApiAuthApps", times=1)


@pytest.mark.wacht(strict=True)
def test_strict_still_reaches_the_users_mocks(respx_mock, wacht_mock):
    route = respx_mock.post(PAY).respond(json=CHARGED)
    both(wacht_mock)
    assert route.call_count == 1
"""


def test_respx_mocks_answer_other_hosts_in_every_order(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_respx=PRELUDE + RESPX)
    result = pytester.runpytest_inprocess("--tb=short", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=8)
    assert all(not mocker.routers for mocker in respx.mocks.Mocker.registry.values())


HTTPX_MOCK = """
def test_wacht_first(wacht_mock, httpx_mock):
    httpx_mock.add_response(url=PAY, method="POST", json=CHARGED)
    both(wacht_mock)
    httpx_mock.add_response(url=PAY, json=CHARGED)
    both(wacht_mock)  # reusable, and the user's response is used once per request


def test_httpx_mock_first(httpx_mock, wacht_mock):
    httpx_mock.add_response(url=PAY, method="POST", json=CHARGED)
    both(wacht_mock)


@pytest.mark.anyio
async def test_async(httpx_mock, wacht_mock):
    httpx_mock.add_response(url=PAY, method="POST", json=CHARGED)
    async with httpx.AsyncClient() as client:
        assert (await client.post(PAY)).json() == CHARGED
        assert (await client.get(LIST, headers=auth(wacht_mock))).json() == EMPTY


def test_an_unused_wacht_callback_is_optional(wacht_mock, httpx_mock):
    httpx_mock.add_response(url=PAY, method="POST", json=CHARGED)
    assert httpx.post(PAY).json() == CHARGED
"""


def test_pytest_httpx_answers_other_hosts_in_both_orders(pytester: pytest.Pytester) -> None:
    pytest.importorskip("pytest_httpx")
    pytester.makepyfile(test_httpx_mock=PRELUDE + HTTPX_MOCK)
    result = pytester.runpytest_inprocess("--tb=short", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=4)


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


UNMOCKED = """
CLOSED = "http://127.0.0.1:{port}/"


def test_unmocked_passes_through(wacht_mock, respx_mock):
    respx_mock.post(PAY).respond(json=CHARGED)
    with pytest.raises(httpx.ConnectError):
        httpx.get(CLOSED)


def test_unmocked_passes_through_respx_first(respx_mock, wacht_mock):
    with pytest.raises(httpx.ConnectError):
        httpx.get(CLOSED)


@pytest.mark.wacht(strict=True)
def test_strict_marker(wacht_mock, respx_mock):
    respx_mock.post(PAY).respond(json=CHARGED)
    httpx.get(CLOSED)


@pytest.mark.wacht(strict=True)
@pytest.mark.anyio
async def test_strict_marker_async(respx_mock, wacht_mock):
    async with httpx.AsyncClient() as client:
        await client.get(CLOSED)
"""


def test_unmocked_hosts_pass_through_or_fail_in_strict_mode_saying_so(pytester: pytest.Pytester) -> None:
    port = closed_port()
    pytester.makepyfile(test_unmocked=PRELUDE + UNMOCKED.replace("{port}", str(port)))
    result = pytester.runpytest_inprocess("--tb=short", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=2, failed=2)
    refused = (
        f"E   pytest_wacht_mock.routing.StrictModeError: wacht-mock strict mode: GET http://127.0.0.1:{port}/ "
        "was not mocked (host 127.0.0.1); mock it with respx (respx_mock) or pytest-httpx (httpx_mock), "
        "or drop @pytest.mark.wacht(strict=True) / --wacht-strict to let it through"
    )
    result.stdout.fnmatch_lines(["*_ test_strict_marker _*", refused])
    result.stdout.fnmatch_lines(["*_ test_strict_marker_async _*", refused])

    flag = pytester.runpytest_inprocess("--tb=short", "-p", "no:cacheprovider", "--wacht-strict", "-k", "through")
    flag.assert_outcomes(failed=2, deselected=2)
    flag.stdout.fnmatch_lines(["*_ test_unmocked_passes_through _*", refused])


def test_the_users_mocks_coexist_against_a_real_deployment_too(
    pytester: pytest.Pytester, deployment: LiveWacht
) -> None:
    pytest.importorskip("pytest_httpx")
    pytester.makepyfile(test_respx=PRELUDE + RESPX, test_httpx_mock=PRELUDE + HTTPX_MOCK)
    real = real_target_args(deployment)
    chosen = "first or decorator or context_manager or async or optional"
    result = pytester.runpytest_inprocess("--tb=short", "-p", "no:cacheprovider", "-k", chosen, *real)
    # The Wacht hosts were forwarded to the deployment, and each test's clean-up listed it (through the respx or
    # pytest-httpx mocks still active at teardown) without a teardown error.
    result.assert_outcomes(passed=9)
    forwarded = deployment.mock.journal.calls("listApiAuthApps", status=200)
    assert len([e for e in forwarded if "include_inactive" not in e.url]) == 9
    assert len([e for e in forwarded if "include_inactive" in e.url]) == 9
