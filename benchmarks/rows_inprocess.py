"""In-process rows: one request from code under test to the mock, against a bare Starlette route, interleaved.

- The handle's own async client, against httpx's ``ASGITransport`` on a bare route.
- Code under test with a plain ``httpx.Client()`` / ``httpx.AsyncClient()`` calling ``https://api.wacht.dev`` while
  the ``wacht_mock`` fixture's routing is active (its session ``SessionRouter`` serving the test's mock), exactly
  as the fixture builds it. Async baseline: ``ASGITransport`` on the bare route. Sync baseline: httpx has no sync
  ASGI transport, so the bare app is called the way the mock's own sync transport calls its app
  (``inprocess.WachtTransport``: one coroutine run to completion, no thread, no event loop). That is the cheapest
  sync path into an ASGI app there is (a thread-hopping adapter would only slow the baseline).

The baselines carry no accidental handicap: httpx's ``ASGITransport`` imports ``sniffio`` on every request and
pays for a failed import each time when it is absent, so this module refuses to run without it; and each baseline
asks for its URL as its row's mock side does (the handle's client and its baseline both merge a relative path into
a ``base_url``, the fixture rows' code and their baselines both give the absolute URL): merging a ``base_url`` costs
httpx itself about 12 µs a request. Both sides send the same request headers (the Authorization header too, which
the bare route ignores).
"""

from __future__ import annotations

import asyncio
import importlib.util
import time
from collections.abc import Callable

import httpx
from fixture_cost import fixture_costs
from live_app import app_body
from pytest_wacht_mock.routing import SessionRouter
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from table import Row, interleaved

from wacht_mock import WachtMock
from wacht_mock.inprocess import WachtTransport

BASE = "https://api.wacht.dev"
PATH = "/api-auth/apps/billing"
BARE = "bare Starlette route via ASGITransport"


def _bare_app() -> Starlette:
    async def app_json(request: Request) -> JSONResponse:
        return JSONResponse(app_body(request.path_params["slug"], "Billing"))

    return Starlette(routes=[Route("/api-auth/apps/{slug}", app_json)])


async def _per_request_us(client: httpx.AsyncClient, n: int, url: str = PATH) -> float:
    start = time.perf_counter()
    for _ in range(n):
        response = await client.get(url)
    assert response.status_code == 200, response.text
    return (time.perf_counter() - start) / n * 1e6


def _sync_per_request_us(client: httpx.Client, n: int, url: str = PATH) -> float:
    start = time.perf_counter()
    for _ in range(n):
        response = client.get(url)
    assert response.status_code == 200, response.text
    return (time.perf_counter() - start) / n * 1e6


def _mock() -> WachtMock:
    mock = WachtMock()
    mock.add_app(app_slug="billing", name="Billing", key_prefix="sk_test")
    return mock


def rows(quick: bool) -> list[Row]:
    """The in-process request rows: the handle's client, and the fixture's routing (sync and async)."""
    if importlib.util.find_spec("sniffio") is None:
        raise SystemExit("install sniffio first: without it httpx's ASGITransport slows the baseline")
    n, rounds = (50, 1) if quick else (800, 7)  # under the backend limit of 1,000 a minute
    return [*_handle_client_row(n, rounds), *_fixture_rows(n, rounds), _set_up_row(quick)]


def _set_up_row(quick: bool) -> Row:
    tests, rounds = (5, 1) if quick else (200, 3)
    got = fixture_costs(tests, rounds)
    wacht, respx = got["wacht_mock"] - got["empty"], got["respx_mock"] - got["empty"]
    baseline = "respx_mock starting and stopping one route"
    note = f"inside real pytest, {tests} tests a run, minus an empty test ({got['empty']:.0f} µs)"
    return Row("per-test wacht_mock set-up + teardown", wacht, baseline, respx, "µs", 1.0, "lower", note)


def _handle_client_row(n: int, rounds: int) -> list[Row]:
    mock = _mock()
    loop = asyncio.new_event_loop()
    mock_client = mock.async_client()
    headers = {"authorization": f"Bearer {mock.secret}"}  # the bare route is sent the same request, and ignores it
    bare_client = httpx.AsyncClient(transport=httpx.ASGITransport(app=_bare_app()), base_url=BASE, headers=headers)

    def measure(client: httpx.AsyncClient) -> float:
        mock.advance(seconds=61)  # the backend API's own rate limit never bites a benchmark
        return loop.run_until_complete(_per_request_us(client, n))

    measure(mock_client), measure(bare_client)  # warm-up
    got = interleaved(rounds, mock=lambda: measure(mock_client), bare=lambda: measure(bare_client))
    loop.run_until_complete(mock_client.aclose())
    loop.run_until_complete(bare_client.aclose())
    loop.close()
    return [
        Row(
            "in-process GET app, async, through the handle's client", got["mock"], BARE, got["bare"], "µs", 1.2, "lower"
        )
    ]


def _fixture_rows(n: int, rounds: int) -> list[Row]:
    """Code under test's own clients, routed by the fixture's router into the mock."""
    mock = _mock()
    router = SessionRouter()  # as the fixture routes: started once, serving this test's mock
    headers = {"authorization": f"Bearer {mock.secret}"}
    loop = asyncio.new_event_loop()
    bare_async = httpx.AsyncClient(transport=httpx.ASGITransport(app=_bare_app()), headers=headers)
    bare_sync = httpx.Client(transport=WachtTransport(_bare_app()), headers=headers)
    with router, httpx.Client(headers=headers) as sync_code:
        router.serve(mock, strict=False)
        async_code = httpx.AsyncClient(headers=headers)
        url = BASE + PATH

        def measured(fn: Callable[[], float]) -> Callable[[], float]:
            def measure() -> float:
                mock.advance(seconds=61)  # the backend API's own rate limit never bites a benchmark
                return fn()

            return measure

        measures = {
            "sync": measured(lambda: _sync_per_request_us(sync_code, n, url)),
            "sync_bare": lambda: _sync_per_request_us(bare_sync, n, url),
            "async": measured(lambda: loop.run_until_complete(_per_request_us(async_code, n, url))),
            "async_bare": lambda: loop.run_until_complete(_per_request_us(bare_async, n, url)),
        }
        for measure in measures.values():  # warm-up
            measure()
        got = interleaved(rounds, **measures)
        loop.run_until_complete(async_code.aclose())
    loop.run_until_complete(bare_async.aclose())
    bare_sync.close()
    loop.close()
    sync_base = "bare Starlette route, called as the mock's sync transport calls its app"
    return [
        Row(
            "in-process GET app, sync, code's httpx.Client via the fixture",
            got["sync"],
            sync_base,
            got["sync_bare"],
            "µs",
            1.2,
            "lower",
        ),
        Row(
            "in-process GET app, async, code's httpx.AsyncClient via the fixture",
            got["async"],
            BARE,
            got["async_bare"],
            "µs",
            1.2,
            "lower",
        ),
    ]
