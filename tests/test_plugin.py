"""The pytest plugin (issue 4), driven through pytester: the fixtures, the ``wacht`` marker and its errors, reset
between tests, httpx routing (sync and async) and pass-through of other hosts, the journal helpers' failure
messages, real-target mode against a second wacht-mock playing the real deployment, the rule-coverage summary and
threshold, and a ``pytest -n 2`` run where both workers use ``wacht_server``.

Inner runs that start live servers (``wacht_server``, xdist) run in a subprocess; the others run in-process.
"""

from __future__ import annotations

import gzip
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import respx
from conftest import APP

from wacht_mock import LiveWacht, WachtMock, all_rules

pytest_plugins = ["pytester"]


# Shared by every inner test file: constants, and anyio on asyncio for the async tests.
PRELUDE = """
import httpx
import pytest

APP = {"app_slug": "billing", "name": "Billing", "key_prefix": "sk_live"}
EMPTY = {"data": [], "has_more": False, "limit": 50, "offset": 0}
CHECK = {"principal": {"type": "api_key", "value": "sk_live_unknown"}, "resource": "/users", "method": "GET"}


@pytest.fixture
def anyio_backend():
    return "asyncio"


def auth(handle):
    return {"authorization": f"Bearer {handle.secret}"}
"""


def inner(pytester: pytest.Pytester, name: str, source: str) -> None:
    """Write an inner test file: the prelude, then ``source``."""
    pytester.makepyfile(**{name: PRELUDE + source})


def literal(text: str) -> str:
    """``text`` as an fnmatch pattern that matches only itself."""
    return "".join(f"[{c}]" if c in "[]*?" else c for c in text)


def no_router_left() -> bool:
    """Whether every respx router the inner run started has been stopped again."""
    return all(not mocker.routers for mocker in respx.mocks.Mocker.registry.values())


class Loopback:
    """A tiny HTTP server on 127.0.0.1 (port 0): GET answers a text, POST a gzip-encoded JSON body; it records
    the Host header of every request it receives. The lists real-target cleanup asks for (the apps with a query,
    the schemes) are answered empty, and recorded apart in ``listed``."""

    def __init__(self) -> None:
        self.hosts: list[str] = []
        self.listed: list[str] = []
        hosts, listed = self.hosts, self.listed
        empty = {"/api-auth/rate-limit-schemes": b'{"schemes": [], "total": 0}'}

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if self.path.startswith("/api-auth/apps?") or self.path in empty:
                    listed.append(self.path)
                    body = empty.get(self.path, b'{"data": [], "has_more": false}')
                    self.send_response(200)
                    self.send_header("content-length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                    return
                self._answer(b"hello from loopback", [("content-type", "text/plain")])

            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("content-length") or 0))
                body = gzip.compress(b'{"from": "loopback"}')
                self._answer(body, [("content-type", "application/json"), ("content-encoding", "gzip")])

            def _answer(self, body: bytes, headers: list[tuple[str, str]]) -> None:
                hosts.append(self.headers["host"])
                self.send_response(200)
                for name, value in [*headers, ("content-length", str(len(body)))]:
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)


@pytest.fixture
def loopback() -> Iterator[Loopback]:
    server = Loopback()
    yield server
    server.stop()


# Fixtures, reset between tests, routing


def test_wacht_mock_and_wacht_client_route_sync_and_async_httpx_and_reset_between_tests(
    pytester: pytest.Pytester,
) -> None:
    inner(
        pytester,
        "test_fixtures",
        """
from wacht_mock import WachtMock


def test_wacht_mock_is_a_fresh_in_process_mock(wacht_mock):
    assert isinstance(wacht_mock, WachtMock)
    assert (wacht_mock.base_url, wacht_mock.gateway_url) == ("https://api.wacht.dev", "https://gateway.wacht.dev")
    assert (len(wacht_mock.journal), len(wacht_mock.faults)) == (0, 0)


def test_wacht_client_is_authenticated_on_the_backend_api(wacht_mock, wacht_client):
    assert str(wacht_client.base_url) == "https://api.wacht.dev"
    assert wacht_client.headers["authorization"] == f"Bearer {wacht_mock.secret}"
    assert wacht_client.post("/api-auth/apps", json=APP).status_code == 200
    wacht_mock.journal.assert_called("createApiAuthApp", times=1)


def test_the_next_test_gets_a_fresh_mock(wacht_mock, wacht_client):
    assert wacht_client.get("/api-auth/apps").json() == EMPTY
    assert wacht_client.post("/api-auth/apps", json=APP).status_code == 200
    assert [e.operation for e in wacht_mock.journal] == ["listApiAuthApps", "createApiAuthApp"]


def test_sync_httpx_to_the_api_host_reaches_the_mock(wacht_mock):
    assert httpx.post("https://api.wacht.dev/api-auth/apps", json=APP, headers=auth(wacht_mock)).status_code == 200
    with httpx.Client(base_url="https://api.wacht.dev", headers=auth(wacht_mock)) as client:
        assert [app["app_slug"] for app in client.get("/api-auth/apps").json()["data"]] == ["billing"]
    assert httpx.get("https://api.wacht.dev/api-auth/apps").status_code == 401
    assert [(e.operation, e.status) for e in wacht_mock.journal] == [
        ("createApiAuthApp", 200),
        ("listApiAuthApps", 200),
        ("listApiAuthApps", 401),
    ]


def test_sync_httpx_to_the_gateway_host_reaches_the_mock(wacht_mock):
    answer = httpx.post("https://gateway.wacht.dev/v1/authz/check", json=CHECK)
    assert (answer.status_code, answer.json()["allowed"]) == (401, False)
    wacht_mock.journal.assert_called("checkAuthz", times=1, status=401)


@pytest.mark.anyio
async def test_async_httpx_reaches_the_mock(wacht_mock):
    async with httpx.AsyncClient(headers=auth(wacht_mock)) as client:
        created = await client.post("https://api.wacht.dev/api-auth/apps", json=APP)
        checked = await client.post("https://gateway.wacht.dev/v1/authz/check", json=CHECK)
    assert created.status_code == 200
    assert (checked.status_code, checked.json()["allowed"]) == (401, False)
    async with wacht_mock.async_client() as client:
        listed = await client.get("/api-auth/apps")
    assert [app["app_slug"] for app in listed.json()["data"]] == ["billing"]
    assert [e.operation for e in wacht_mock.journal] == ["createApiAuthApp", "checkAuthz", "listApiAuthApps"]
""",
    )
    result = pytester.runpytest_inprocess("--strict-markers")
    result.assert_outcomes(passed=6)
    assert no_router_left()


def test_wacht_server_is_one_live_server_per_session_reset_before_each_test(pytester: pytest.Pytester) -> None:
    inner(
        pytester,
        "test_server",
        """
from wacht_mock import LiveWacht

FIRST = {}


def test_a_live_server_on_loopback(wacht_server):
    assert isinstance(wacht_server, LiveWacht)
    assert wacht_server.url.startswith("http://127.0.0.1:") and wacht_server.gateway_url == wacht_server.url
    FIRST.update(url=wacht_server.url, now=wacht_server.mock.clock.now())
    with httpx.Client(base_url=wacht_server.url, headers=auth(wacht_server)) as client:
        assert client.post("/api-auth/apps", json=APP).status_code == 200
        assert [e["operation"] for e in client.get("/_mock/journal").json()["entries"]] == ["createApiAuthApp"]
    wacht_server.mock.journal.assert_called("createApiAuthApp", times=1)
    wacht_server.mock.add_fault("error", operation="listApiAuthApps", status=503, count=10)
    wacht_server.mock.advance(seconds=3600)
    wacht_server.mock.add_user(99)


def test_shared_by_the_session_and_reset_before_each_test(wacht_server):
    assert (wacht_server.url, wacht_server.mock.clock.now()) == (FIRST["url"], FIRST["now"])
    assert (len(wacht_server.mock.journal), len(wacht_server.mock.faults)) == (0, 0)
    with httpx.Client(base_url=wacht_server.url, headers=auth(wacht_server)) as client:
        assert client.get("/api-auth/apps").json() == EMPTY
        assert client.post("/api-auth/apps", json=APP).status_code == 200
        with_user = client.post("/api-auth/apps", json={**APP, "app_slug": "mine", "user_id": 99})
    assert (with_user.status_code, with_user.json()["errors"][0]["message"]) == (
        400,
        "user_id does not exist for this deployment",
    )


@pytest.mark.anyio
async def test_async_httpx_on_the_live_server(wacht_server):
    assert wacht_server.url == FIRST["url"]
    async with httpx.AsyncClient(base_url=wacht_server.url, headers=auth(wacht_server)) as client:
        assert (await client.post("/api-auth/apps", json=APP)).status_code == 200
        checked = await client.post("/v1/authz/check", json=CHECK)
    assert (checked.status_code, checked.json()["allowed"]) == (401, False)


def test_alongside_wacht_mock_the_live_server_is_passed_through(wacht_server, wacht_mock):
    with httpx.Client(base_url=wacht_server.url, headers=auth(wacht_server)) as client:
        assert client.get("/api-auth/apps").json() == EMPTY
    assert (len(wacht_server.mock.journal), len(wacht_mock.journal)) == (1, 0)
""",
    )
    result = pytester.runpytest_subprocess("--strict-markers")
    result.assert_outcomes(passed=4)


# The marker


def test_the_wacht_marker_sets_plan_seed_and_now_and_names_its_misuse(pytester: pytest.Pytester) -> None:
    pytester.makefile(
        ".yaml",
        seed="deployments:\n  - {id: 3, plan: starter, users: [{id: 11}]}\n",
    )
    inner(
        pytester,
        "test_marker",
        """
import datetime as dt

pytestmark = pytest.mark.wacht(plan="starter")
GROWTH_ONLY = {"errors": [{"message": "API auth app creation requires Growth plan", "code": 403}]}


def test_the_module_marker_sets_the_plan(wacht_client):
    answer = wacht_client.post("/api-auth/apps", json=APP)
    assert (answer.status_code, answer.json()) == (403, GROWTH_ONLY)


@pytest.mark.wacht(plan="growth")
def test_the_closest_marker_wins(wacht_client):
    assert wacht_client.post("/api-auth/apps", json=APP).status_code == 200


@pytest.mark.wacht(plan="growth", now="2026-01-02T03:04:05Z")
def test_now_freezes_the_clock_there(wacht_mock, wacht_client):
    assert wacht_mock.clock.now() == dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
    assert wacht_client.post("/api-auth/apps", json=APP).json()["created_at"] == "2026-01-02T03:04:05Z"


@pytest.mark.wacht(seed={"deployments": [{"id": 7, "plan": "growth", "apps": [APP]}]})
def test_a_seed_mapping(wacht_mock, wacht_client):
    assert wacht_mock.deployment_id == 7
    assert [app["app_slug"] for app in wacht_client.get("/api-auth/apps").json()["data"]] == ["billing"]


@pytest.mark.wacht(seed="seed.yaml", plan="growth")
def test_a_seed_file_with_the_plan_overridden(wacht_mock, wacht_client):
    assert wacht_mock.deployment_id == 3
    assert wacht_client.post("/api-auth/apps", json={**APP, "user_id": 11}).status_code == 200


@pytest.mark.wacht(plan="gold")
def test_the_marker_does_nothing_without_the_fixtures():
    pass


@pytest.mark.wacht("growth")
def test_positional(wacht_mock):
    pass


@pytest.mark.wacht(plans="growth")
def test_unknown_argument(wacht_mock):
    pass


@pytest.mark.wacht(plan="gold")
def test_bad_plan(wacht_mock):
    pass


@pytest.mark.wacht(now="yesterday")
def test_bad_now(wacht_mock):
    pass


@pytest.mark.wacht(seed={"deployments": [{"id": 1, "plan": "gold"}]})
def test_bad_seed(wacht_client):
    pass
""",
    )
    result = pytester.runpytest_inprocess("--strict-markers")
    result.assert_outcomes(passed=6, errors=5)
    result.stdout.fnmatch_lines(
        [
            "*_ ERROR at setup of test_positional _*",
            "@pytest.mark.wacht takes keyword arguments only (plan, seed, now, strict, mock_only)",
            "*_ ERROR at setup of test_unknown_argument _*",
            "@pytest.mark.wacht: unknown argument 'plans' (expected one of plan, seed, now, strict, mock_only)",
            "*_ ERROR at setup of test_bad_plan _*",
            "@pytest.mark.wacht: plan must be one of growth, pro, starter, none, got 'gold'",
            "*_ ERROR at setup of test_bad_now _*",
            "@pytest.mark.wacht: invalid RFC 3339 timestamp 'yesterday'",
            "*_ ERROR at setup of test_bad_seed _*",
            literal(
                "@pytest.mark.wacht: seed: deployments[0].plan: Input should be 'growth', 'pro', 'starter' or 'none'"
            ),
        ]
    )
    result.stdout.no_fnmatch_line("During handling of the above exception*")


def test_marker_options_map_the_keywords_one_to_one_and_the_closest_marker_wins() -> None:
    from pytest_wacht_mock.plugin import MARKER_ARGS, MarkerOptions

    assert MARKER_ARGS == ("plan", "seed", "now", "strict", "mock_only")
    module = pytest.mark.wacht(plan="starter", seed="seed.yaml", strict=1).mark
    closest = pytest.mark.wacht(plan="growth", now="2026-01-01T00:00:00Z").mark
    assert MarkerOptions.from_markers([closest, module]) == MarkerOptions(
        plan="growth", seed="seed.yaml", now="2026-01-01T00:00:00Z", strict=True
    )
    assert MarkerOptions.from_markers([]) == MarkerOptions()
    with pytest.raises(TypeError):
        MarkerOptions("growth")  # type: ignore[misc]


def test_the_marker_is_registered_for_strict_markers_and_listed(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest_inprocess("--markers")
    result.stdout.fnmatch_lines(
        [
            "@pytest.mark.wacht(plan=None, seed=None, now=None, strict=False, mock_only=None):"
            " configure this test's wacht_mock"
        ]
    )


# Pass-through of other hosts, and strict mode


PASS_THROUGH = """
URL = "{url}/"


def test_sync_httpx_reaches_another_host(wacht_mock):
    assert httpx.get(URL).text == "hello from loopback"


@pytest.mark.anyio
async def test_async_httpx_reaches_another_host(wacht_mock):
    async with httpx.AsyncClient() as client:
        assert (await client.get(URL)).text == "hello from loopback"


def test_wacht_hosts_still_reach_the_mock(wacht_mock):
    assert httpx.get("https://api.wacht.dev/api-auth/apps", headers=auth(wacht_mock)).json() == EMPTY


@pytest.mark.wacht(strict=True)
def test_strict_marker_refuses_sync(wacht_mock):
    httpx.get(URL)


@pytest.mark.wacht(strict=True)
@pytest.mark.anyio
async def test_strict_marker_refuses_async(wacht_mock):
    async with httpx.AsyncClient() as client:
        await client.get(URL)


@pytest.mark.wacht(strict=True)
def test_strict_marker_keeps_the_wacht_hosts(wacht_mock):
    assert httpx.get("https://api.wacht.dev/api-auth/apps", headers=auth(wacht_mock)).json() == EMPTY
"""


def test_other_hosts_pass_through_unless_strict(pytester: pytest.Pytester, loopback: Loopback) -> None:
    inner(pytester, "test_pass_through", PASS_THROUGH.replace("{url}", loopback.url))
    refused = (
        f"E   pytest_wacht_mock.routing.StrictModeError: wacht-mock strict mode: GET {loopback.url}/ was not mocked*"
    )

    result = pytester.runpytest_inprocess("--tb=short")
    result.assert_outcomes(passed=4, failed=2)
    result.stdout.fnmatch_lines(["*_ test_strict_marker_refuses_sync _*", refused])
    result.stdout.fnmatch_lines(["*_ test_strict_marker_refuses_async _*", refused])
    assert loopback.hosts == [loopback.url.removeprefix("http://")] * 2

    result = pytester.runpytest_inprocess("--tb=short", "--wacht-strict", "-k", "another_host or wacht_hosts")
    result.assert_outcomes(passed=2, failed=2, deselected=2)
    result.stdout.fnmatch_lines(["*_ test_sync_httpx_reaches_another_host _*", refused])
    result.stdout.fnmatch_lines(["*_ test_async_httpx_reaches_another_host _*", refused])
    assert len(loopback.hosts) == 2
    assert no_router_left()


# The journal helpers' failure messages


def test_journal_assertions_explain_the_nearest_miss(pytester: pytest.Pytester) -> None:
    inner(
        pytester,
        "test_journal_assertions",
        """
def test_passes_when_called(wacht_client, wacht_mock):
    wacht_client.post("/api-auth/apps", json=APP)
    wacht_mock.journal.assert_called("createApiAuthApp")
    wacht_mock.journal.assert_called("createApiAuthApp", times=1)
    wacht_mock.journal.assert_not_called("deleteApiAuthApp")


def test_no_requests_at_all(wacht_mock):
    wacht_mock.journal.assert_called("createApiKey")


def test_nearest_miss_is_the_last_request_for_the_operation(wacht_client, wacht_mock):
    wacht_client.get("/api-auth/apps")
    wacht_client.post("/api-auth/apps/nope/keys", json={"name": "k"})
    wacht_mock.journal.assert_called("createApiKey")


def test_times_and_any_status(wacht_client, wacht_mock):
    wacht_client.post("/api-auth/apps", json=APP)
    wacht_client.post("/api-auth/apps", json=APP)
    wacht_mock.journal.assert_called("createApiAuthApp", times=2, status=None)
    wacht_mock.journal.assert_called("createApiAuthApp", times=2)


def test_no_request_for_the_operation(wacht_client, wacht_mock):
    wacht_client.get("/api-auth/apps")
    wacht_mock.journal.assert_called("deleteApiAuthApp", times=1, status=None)


def test_not_called(wacht_client, wacht_mock):
    wacht_client.get("/api-auth/apps")
    wacht_client.get("/api-auth/apps", params={"limit": -3})
    wacht_mock.journal.assert_not_called("listApiAuthApps")
""",
    )
    result = pytester.runpytest_inprocess("--tb=short")
    result.assert_outcomes(passed=1, failed=5)
    result.stdout.fnmatch_lines(
        [
            "*_ test_no_requests_at_all _*",
            "E   AssertionError: expected createApiKey answering 200 at least once, got 0.",
            "E   The mock received no requests.",
            "*_ test_nearest_miss_is_the_last_request_for_the_operation _*",
            "E   AssertionError: expected createApiKey answering 200 at least once, got 0.",
            "E   Nearest miss: POST /api-auth/apps/nope/keys returned 404: API key app not found"
            " (rule apps.lookup.not_found)",
            "E   Requests received instead:",
            "E     listApiAuthApps: GET /api-auth/apps returned 200",
            "E     createApiKey: POST /api-auth/apps/nope/keys returned 404: API key app not found"
            " (rule apps.lookup.not_found)",
            "*_ test_times_and_any_status _*",
            "E   AssertionError: expected createApiAuthApp answering 200 2 times, got 1.",
            "E   Nearest miss: POST /api-auth/apps returned 409: Resource already exists"
            " (rule apps.create.slug_unique)",
            "E   Requests received instead:",
            "E     createApiAuthApp: POST /api-auth/apps returned 200",
            "E     createApiAuthApp: POST /api-auth/apps returned 409: Resource already exists"
            " (rule apps.create.slug_unique)",
            "*_ test_no_request_for_the_operation _*",
            "E   AssertionError: expected deleteApiAuthApp 1 time, got 0.",
            "E   Requests received instead:",
            "E     listApiAuthApps: GET /api-auth/apps returned 200",
            "*_ test_not_called _*",
            "E   AssertionError: expected no listApiAuthApps, got 2:",
            "E     GET /api-auth/apps returned 200",
            "E     GET /api-auth/apps?limit=-3 returned 500: Something went wrong"
            " (rule apps.list.negative_limit_or_offset_is_500)",
        ]
    )


# Real-target mode


REAL = """
from wacht_mock import RealWacht

BASE = "{url}"
SECRET = "{secret}"


def app(slug, **fields):
    return {"app_slug": slug, "name": "App", "key_prefix": "sk_live", **fields}


def test_cleanup_problems_fail_the_test(wacht_client, wacht_mock):
    assert wacht_client.post("/api-auth/apps", json=app(wacht_mock.unique("kept"))).status_code == 200


def test_the_handle_points_at_the_deployment(wacht_mock):
    assert isinstance(wacht_mock, RealWacht)
    assert (wacht_mock.base_url, wacht_mock.gateway_url, wacht_mock.secret) == (BASE, BASE, SECRET)
    slug = wacht_mock.unique("billing")
    prefix, test_token, name = slug.split("-")
    assert (len(prefix), len(test_token), name) == (len("wm12345678"), 6, "billing"), slug
    assert wacht_mock.unique("billing") == slug


def test_wacht_client_creates_a_scheme_an_app_and_keys(wacht_mock, wacht_client):
    scheme, slug = wacht_mock.unique("standard"), wacht_mock.unique("client")
    rules = [{"unit": "minute", "duration": 1, "max_requests": 5}]
    body = {"slug": scheme, "name": "S", "rules": rules}
    assert wacht_client.post("/api-auth/rate-limit-schemes", json=body).status_code == 200
    assert wacht_client.post("/api-auth/apps", json=app(slug, rate_limit_scheme_slug=scheme)).status_code == 200
    key = wacht_client.post(f"/api-auth/apps/{slug}/keys", json={"name": "k"}).json()
    assert wacht_client.post(f"/api-auth/apps/{slug}/keys/{key['id']}/rotate").status_code == 200


def test_sync_httpx_to_the_wacht_hosts_is_forwarded(wacht_mock):
    slug = wacht_mock.unique("routed")
    created = httpx.post("https://api.wacht.dev/api-auth/apps", json=app(slug), headers=auth(wacht_mock))
    assert (created.status_code, created.json()["app_slug"]) == (200, slug)
    key = httpx.post(f"https://api.wacht.dev/api-auth/apps/{slug}/keys", json={"name": "k"}, headers=auth(wacht_mock))
    check = {**CHECK, "principal": {"type": "api_key", "value": key.json()["secret"]}}
    decision = httpx.post("https://gateway.wacht.dev/v1/authz/check", json=check)
    assert (decision.status_code, decision.json()["allowed"]) == (200, True)


@pytest.mark.anyio
async def test_async_httpx_is_forwarded(wacht_mock):
    slug = wacht_mock.unique("async")
    async with httpx.AsyncClient(headers=auth(wacht_mock)) as client:
        assert (await client.post("https://api.wacht.dev/api-auth/apps", json=app(slug))).status_code == 200
    async with wacht_mock.async_client() as client:
        assert (await client.post(f"/api-auth/apps/{slug}/keys", json={"name": "k"})).status_code == 200


@pytest.mark.wacht(strict=True)
def test_strict_still_forwards_the_wacht_hosts(wacht_mock):
    assert httpx.get("https://api.wacht.dev/api-auth/apps", headers=auth(wacht_mock)).status_code == 200


def test_wacht_server_is_the_deployment(wacht_server):
    assert isinstance(wacht_server, RealWacht)
    assert (wacht_server.url, wacht_server.gateway_url, wacht_server.secret) == (BASE, BASE, SECRET)
    with wacht_server.client() as client:
        assert client.post("/api-auth/apps", json=app(wacht_server.unique("server"))).status_code == 200


def test_advance(wacht_mock):
    wacht_mock.advance(seconds=1)


def test_set_time(wacht_mock):
    wacht_mock.set_time("2026-01-01T00:00:00Z")


def test_journal(wacht_mock):
    wacht_mock.journal.assert_called("createApiAuthApp")


def test_add_fault(wacht_mock):
    wacht_mock.add_fault("error", count=1)


def test_add_user(wacht_mock):
    wacht_mock.add_user(99)


def test_reset(wacht_mock):
    wacht_mock.reset()


def test_server_mock(wacht_server):
    wacht_server.mock.advance(seconds=1)


@pytest.mark.wacht(plan="starter")
def test_marker_plan(wacht_mock):
    pass


@pytest.mark.wacht(now="2026-01-01T00:00:00Z", strict=True)
def test_marker_now(wacht_client):
    pass
"""


def test_real_target_mode_forwards_cleans_up_and_skips_mock_only_powers(
    pytester: pytest.Pytester, deployment: LiveWacht
) -> None:
    inner(pytester, "test_real", REAL.replace("{url}", deployment.url).replace("{secret}", deployment.secret))
    deployment.mock.add_fault("error", operation="deleteApiAuthApp", status=503, count=1)  # the first cleanup fails
    result = pytester.runpytest_subprocess(
        "--wacht-target=real",
        f"--wacht-api-key={deployment.secret}",
        "--wacht-base-url",
        deployment.url,
        "--wacht-gateway-url",
        deployment.url,
        "-rs",
    )
    result.assert_outcomes(passed=7, skipped=9, errors=1)
    reason = "{} needs wacht-mock ({}); not available against a real deployment"
    for line in [
        reason.format("advance", "the virtual clock"),
        reason.format("set_time", "the virtual clock"),
        reason.format("journal", "the request journal"),
        reason.format("add_fault", "fault injection"),
        reason.format("add_user", "seeding"),
        reason.format("reset", "reset"),
        reason.format("mock", "the in-process mock behind wacht_server"),
        reason.format("@pytest.mark.wacht(plan=...)", "seeding"),
        reason.format("@pytest.mark.wacht(now=...)", "the virtual clock"),
    ]:
        result.stdout.fnmatch_lines([f"SKIPPED [[]1[]] *: {line}"])
    result.stdout.fnmatch_lines(
        [
            "*_ ERROR at teardown of test_cleanup_problems_fail_the_test _*",
            "wacht-mock could not clean up the real deployment:",
            "DELETE /api-auth/apps/wm*-kept: 503 "
            + literal('{"errors":[{"message":"Something went wrong","code":503}]}'),
        ]
    )
    result.stdout.no_fnmatch_line("*wacht-mock rule coverage*")

    deployment = deployment.mock.backend.deployment(1)
    left = {slug.split("-", 2)[2] for slug, app in deployment.apps.items() if app.deleted_at is None}
    deleted = {slug.split("-", 2)[2] for slug, app in deployment.apps.items() if app.deleted_at is not None}
    assert (left, deleted) == ({"kept"}, {"client", "routed", "async", "server"})
    assert len({slug.split("-", 1)[0] for slug in deployment.apps}) == 1  # one run id
    assert len({slug.split("-", 2)[1] for slug in deployment.apps}) == 5  # one token per test
    assert len(deployment.keys) == 4 and all(not key.is_active for key in deployment.keys.values())
    assert deployment.schemes == {}


def test_real_target_forwarding_rewrites_the_host_and_decodes_once(
    pytester: pytest.Pytester, loopback: Loopback
) -> None:
    inner(
        pytester,
        "test_forward",
        """
def test_forwarded_to_another_origin(wacht_mock):
    answer = httpx.post("https://gateway.wacht.dev/v1/authz/check", json=CHECK)
    assert (answer.status_code, answer.json()) == (200, {"from": "loopback"})
    assert httpx.get("https://api.wacht.dev/api-auth/apps").text == "hello from loopback"
""",
    )
    url = loopback.url
    result = pytester.runpytest_inprocess(
        "--wacht-target=real", "--wacht-api-key=k", f"--wacht-base-url={url}", f"--wacht-gateway-url={url}/"
    )
    result.assert_outcomes(passed=1)
    assert loopback.hosts == [url.removeprefix("http://")] * 2
    assert loopback.listed == [
        "/api-auth/apps?include_inactive=true&limit=100&offset=0",
        "/api-auth/rate-limit-schemes",
    ]
    assert no_router_left()


def test_real_target_needs_an_api_key(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("WACHT_API_KEY", raising=False)
    result = pytester.runpytest_inprocess("--wacht-target=real")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["ERROR: --wacht-target=real needs --wacht-api-key=KEY"])


def test_real_target_settings_may_come_from_the_environment(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, deployment: LiveWacht
) -> None:
    monkeypatch.setenv("WACHT_API_KEY", deployment.secret)
    monkeypatch.setenv("WACHT_BASE_URL", deployment.url)
    monkeypatch.setenv("WACHT_GATEWAY_URL", "http://127.0.0.1:9")
    inner(
        pytester,
        "test_env",
        f"""
def test_the_handle_is_the_environments(wacht_mock, wacht_client):
    assert (wacht_mock.base_url, wacht_mock.gateway_url, wacht_mock.secret) == (
        "{deployment.url}", "{deployment.url}", "{deployment.secret}"
    )
    assert wacht_client.get("/api-auth/apps").status_code == 200
""",
    )
    result = pytester.runpytest_inprocess("--wacht-target=real", f"--wacht-gateway-url={deployment.url}")
    result.assert_outcomes(passed=1)
    deployment.mock.journal.assert_called("listApiAuthApps", times=2)  # the test's, then the cleanup's


# Rule coverage


COVERAGE = """
def test_create_and_list(wacht_client):
    wacht_client.post("/api-auth/apps", json=APP)
    wacht_client.get("/api-auth/apps")


def test_denied(wacht_client):
    wacht_client.post("/api-auth/apps/nope/keys", json={"name": "k"})
"""


def expected_coverage() -> dict[str, Any]:
    """What COVERAGE's two tests exercise, worked out from a mock of our own and the rule table."""
    firings: set[tuple[str, str]] = set()
    for requests in (
        [("POST", "/api-auth/apps", APP), ("GET", "/api-auth/apps", None)],
        [("POST", "/api-auth/apps/nope/keys", {"name": "k"})],
    ):
        mock = WachtMock()
        with mock.client() as client:
            for method, path, body in requests:
                client.request(method, path, json=body)
        firings |= {(f.rule_id, f.outcome) for e in mock.journal for f in e.rules}
    sides = [(rule.id, side) for rule in all_rules() for side in rule.sides]
    covered = sum(side in firings for side in sides)
    return {
        "covered": covered,
        "total": len(sides),
        "percent": round(100 * covered / len(sides), 1),
        "missing": [f"{rule_id}: {side}" for rule_id, side in sides if (rule_id, side) not in firings],
    }


def test_rule_coverage_summary_and_json_report(pytester: pytest.Pytester) -> None:
    inner(pytester, "test_coverage", COVERAGE)
    want = expected_coverage()
    assert 0 < want["covered"] < want["total"]
    result = pytester.runpytest_inprocess("--wacht-rule-coverage=coverage.json", "--wacht-coverage=full")
    result.assert_outcomes(passed=2)
    assert result.ret == pytest.ExitCode.OK
    result.stdout.fnmatch_lines(
        [
            "*= wacht-mock rule coverage =*",
            f"wacht-mock rule coverage: {want['covered']} of {want['total']} rule sides ({want['percent']}%)",
            "never exercised:",
            *[f"  {line}" for line in want["missing"]],
        ]
    )
    assert "  apps.create.requires_growth_plan: deny" in result.stdout.lines
    assert "  apps.lookup.not_found: deny" not in result.stdout.lines
    report = json.loads((pytester.path / "coverage.json").read_text())
    assert {k: report[k] for k in want} == want
    assert [rule["id"] for rule in report["rules"]] == [rule.id for rule in all_rules()]
    assert next(r for r in report["rules"] if r["id"] == "apps.lookup.not_found")["sides"] == {
        "allow": False,
        "deny": True,
    }


def test_rule_coverage_threshold(pytester: pytest.Pytester) -> None:
    inner(pytester, "test_coverage", COVERAGE)
    percent = expected_coverage()["percent"]

    at_the_minimum = pytester.runpytest_inprocess(f"--wacht-rule-coverage-min={percent}")
    assert at_the_minimum.ret == pytest.ExitCode.OK
    at_the_minimum.stdout.no_fnmatch_line("FAILED: rule coverage*")

    under = pytester.runpytest_inprocess("--wacht-rule-coverage-min=99.5")
    under.assert_outcomes(passed=2)
    assert under.ret == pytest.ExitCode.TESTS_FAILED
    under.stdout.fnmatch_lines([f"FAILED: rule coverage {percent}% is under the minimum 99.5%"])


def test_no_summary_unless_a_fixture_or_option_asks(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_plain="def test_plain():\n    pass\n")
    plain = pytester.runpytest_inprocess()
    plain.assert_outcomes(passed=1)
    plain.stdout.no_fnmatch_line("*wacht-mock rule coverage*")

    total = sum(len(rule.sides) for rule in all_rules())
    asked = pytester.runpytest_inprocess("--wacht-rule-coverage-min=1")
    assert asked.ret == pytest.ExitCode.TESTS_FAILED
    asked.stdout.fnmatch_lines(
        [
            f"wacht-mock rule coverage: 0 of {total} rule sides (0.0%), {total} never exercised*",
            "FAILED: rule coverage 0.0% is under the minimum 1.0%",
        ]
    )


def test_without_xdist_the_plugin_still_loads(pytester: pytest.Pytester) -> None:
    inner(pytester, "test_coverage", COVERAGE)
    result = pytester.runpytest_inprocess("-p", "no:xdist")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(["wacht-mock rule coverage: * of * rule sides (*%)*"])


# pytest-xdist


XDIST = """
import json
import os
from pathlib import Path


def record(server, name):
    firings = sorted({(f.rule_id, f.outcome) for e in server.mock.journal for f in e.rules})
    worker = os.environ["PYTEST_XDIST_WORKER"]
    Path(__file__).with_name(f"{name}.json").write_text(json.dumps([worker, server.url, firings]))


def call(server, method, path, **options):
    with httpx.Client(base_url=server.url, headers=auth(server)) as client:
        return client.request(method, path, **options)


def test_create(wacht_server):
    assert call(wacht_server, "POST", "/api-auth/apps", json=APP).status_code == 200
    record(wacht_server, "create")


def test_create_again(wacht_server):
    assert call(wacht_server, "POST", "/api-auth/apps", json=APP).status_code == 200
    record(wacht_server, "create_again")


def test_gateway(wacht_server):
    assert call(wacht_server, "POST", "/v1/authz/check", json=CHECK).status_code == 401
    record(wacht_server, "gateway")


def test_denied(wacht_server):
    assert call(wacht_server, "POST", "/api-auth/apps/nope/keys", json={"name": "k"}).status_code == 404
    record(wacht_server, "denied")
"""
XDIST_TESTS = ("create", "create_again", "gateway", "denied")


def test_xdist_workers_each_get_a_live_server_and_coverage_is_merged(pytester: pytest.Pytester) -> None:
    inner(pytester, "test_xdist", XDIST)
    result = pytester.runpytest_subprocess("-n", "2", "--wacht-rule-coverage=coverage.json")
    result.assert_outcomes(passed=4)
    records = [json.loads((pytester.path / f"{name}.json").read_text()) for name in XDIST_TESTS]
    urls = {worker: {url for w, url, _ in records if w == worker} for worker, _, _ in records}
    assert set(urls) == {"gw0", "gw1"}
    assert all(len(u) == 1 for u in urls.values()) and urls["gw0"] != urls["gw1"]
    fired = {(rule_id, side) for _, _, firings in records for rule_id, side in firings}
    report = json.loads((pytester.path / "coverage.json").read_text())
    reported = {(r["id"], side) for r in report["rules"] for side, hit in r["sides"].items() if hit}
    assert reported == fired and ("apps.lookup.not_found", "deny") in fired
    assert ("gateway.api_key_format", "deny") in fired
    result.stdout.fnmatch_lines(
        [f"wacht-mock rule coverage: {len(fired)} of {report['total']} rule sides ({report['percent']}%)*"]
    )
