"""In-process rows: one request from code under test to the mock, against a bare Starlette route on the same
transport (httpx's ``ASGITransport``), interleaved.

The baseline carries no accidental handicap: httpx's ``ASGITransport`` imports ``sniffio`` on every request and
pays for a failed import each time when it is absent, so this module refuses to run without it.
"""

from __future__ import annotations

import asyncio
import importlib.util
import time

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from table import Row, interleaved

from wacht_mock import WachtMock

BASE = "https://api.wacht.dev"
PATH = "/api-auth/apps/billing"


def _bare_app() -> Starlette:
    async def app_json(request: Request) -> JSONResponse:
        return JSONResponse({"app_slug": request.path_params["slug"], "name": "Billing", "rate_limits": []})

    return Starlette(routes=[Route("/api-auth/apps/{slug}", app_json)])


async def _per_request_us(client: httpx.AsyncClient, n: int) -> float:
    start = time.perf_counter()
    for _ in range(n):
        response = await client.get(PATH)
    assert response.status_code == 200, response.text
    return (time.perf_counter() - start) / n * 1e6


def rows(quick: bool) -> list[Row]:
    """The async in-process request row."""
    if importlib.util.find_spec("sniffio") is None:
        raise SystemExit("install sniffio first: without it httpx's ASGITransport slows the baseline")
    n, rounds = (50, 1) if quick else (800, 7)  # under the backend limit of 1,000 a minute
    mock = WachtMock()
    mock.add_app(app_slug="billing", name="Billing", key_prefix="sk_test")
    loop = asyncio.new_event_loop()
    mock_client = mock.async_client()
    bare_client = httpx.AsyncClient(transport=httpx.ASGITransport(app=_bare_app()), base_url=BASE)

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
            "in-process GET app, async, through the handle's client",
            got["mock"],
            "bare Starlette route via ASGITransport",
            got["bare"],
            "µs",
            1.2,
            "lower",
        )
    ]
