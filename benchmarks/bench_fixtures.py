"""Fixture benchmark: what the ``wacht_mock`` fixture costs a test (a fresh WachtMock, a respx router with its
routes started and stopped) and one request through it (a plain sync httpx call to https://api.wacht.dev that
respx routes into the mock), each beside a baseline built and measured in the same run: a bare Starlette app
with httpx's ASGITransport, and one request through httpx.AsyncClient on that transport.

Run: .venv/bin/python benchmarks/bench_fixtures.py   (prints figures and ratios; writes nothing else)
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

import httpx
import respx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from wacht_mock import WachtMock

REQUESTS = 900  # a batch stays under the backend's 1000 calls a minute even before the clock is stepped


def bare_app() -> Starlette:
    async def app_json(request: Request) -> JSONResponse:
        return JSONResponse({"app_slug": request.path_params["slug"], "name": "Billing", "rate_limits": []})

    return Starlette(routes=[Route("/api-auth/apps/{slug}", app_json)])


def best_us(fn: Callable[[], object], repeat: int = 7, number: int = 300) -> float:
    """Best of ``repeat`` runs, in microseconds per call."""
    fn()
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(number):
            fn()
        runs.append((time.perf_counter() - start) / number * 1e6)
    return min(runs)


def fixture_set_up_and_teardown() -> None:
    """What ``wacht_mock`` does around a test that uses no marker, in mock mode."""
    handle = WachtMock()
    router = respx.mock(assert_all_called=False, assert_all_mocked=False)
    handle.route(router)
    router.route().pass_through()
    with router:
        pass
    for _entry in handle.journal:  # the rule-coverage collection at teardown
        pass


def bare_set_up() -> None:
    httpx.ASGITransport(app=bare_app())


def router_only() -> None:
    """The respx share of the fixture: the same router, routes and start/stop, around an existing mock."""
    router = respx.mock(assert_all_called=False, assert_all_mocked=False)
    _SHARED.route(router)
    router.route().pass_through()
    with router:
        pass


_SHARED = WachtMock()


def mock_request_us(repeat: int = 5) -> float:
    mock = WachtMock()
    mock.add_app(app_slug="billing", name="Billing", key_prefix="sk")
    router = respx.mock(assert_all_called=False, assert_all_mocked=False)
    mock.route(router)
    router.route().pass_through()
    headers = {"authorization": f"Bearer {mock.secret}"}
    best = float("inf")
    with router, httpx.Client(headers=headers) as client:
        for _ in range(100):
            client.get("https://api.wacht.dev/api-auth/apps/billing")
        for _ in range(repeat):
            mock.advance(seconds=61)  # a fresh minute for the backend rate limit, outside the timed loop
            start = time.perf_counter()
            for _ in range(REQUESTS):
                response = client.get("https://api.wacht.dev/api-auth/apps/billing")
            best = min(best, (time.perf_counter() - start) / REQUESTS * 1e6)
            assert response.status_code == 200, response.text
    return best


async def bare_request_us(repeat: int = 5) -> float:
    transport = httpx.ASGITransport(app=bare_app())
    async with httpx.AsyncClient(transport=transport, base_url="https://api.wacht.dev") as client:
        for _ in range(100):
            await client.get("/api-auth/apps/billing")
        best = float("inf")
        for _ in range(repeat):
            start = time.perf_counter()
            for _ in range(REQUESTS):
                response = await client.get("/api-auth/apps/billing")
            best = min(best, (time.perf_counter() - start) / REQUESTS * 1e6)
            assert response.status_code == 200
        return best


def main() -> None:
    def line(label: str, us: float, base_label: str = "", base: float = 0.0) -> None:
        text = f"{label:<44}{us:8.1f} us"
        if base:
            text += f"   {base_label:<32}{base:7.1f} us   ratio {us / base:6.2f}"
        print(text)

    set_up, bare_build = best_us(fixture_set_up_and_teardown), best_us(bare_set_up)
    line("wacht_mock set-up + teardown", set_up, "bare Starlette + ASGITransport", bare_build)
    line("  of which WachtMock()", best_us(WachtMock))
    line("  of which respx router, routes, start/stop", best_us(router_only))
    mock_call, bare_call = mock_request_us(), asyncio.run(bare_request_us())
    line("GET /api-auth/apps/{slug} via respx, sync", mock_call, "bare route, AsyncClient + ASGI", bare_call)


if __name__ == "__main__":
    main()
