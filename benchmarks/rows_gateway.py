"""Gateway row: authorization checks per second against a large state, beside a bare Starlette JSON route doing
comparable work (read the JSON body, answer a decision of the mock's shape and size) on the same transport,
interleaved.

The state: 10^4 keys (100 apps of 100 keys), 100 rate-limit schemes of 3 rules each, seeded as one document;
and one counter window already holding 10^6 accepted hits (the checked app's per-app hour counter, filled
directly in the domain, since 10^6 checks would take minutes). Every check is allowed (limits of 10^9), so each
one evaluates all three rules, records a hit on each counter and writes an audit record. Both sides are called
through httpx's ``ASGITransport``.
"""

from __future__ import annotations

import asyncio
import importlib.util
import time
from typing import Any

import httpx
from live_app import decision_body
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from table import Row, interleaved

from wacht_mock import WachtMock
from wacht_mock.domain.counters import SlidingLog
from wacht_mock.domain.state import epoch_ms

GATEWAY = "https://gateway.wacht.dev"
HOUR_MS = 3_600_000


def _rules(i: int) -> list[dict[str, Any]]:
    return [
        {"unit": "second", "duration": 1, "max_requests": 10**9, "mode": "per_key"},
        {"unit": "hour", "duration": 1, "max_requests": 10**9, "mode": "per_app", "priority": 1},
        {"unit": "day", "duration": 1, "max_requests": 10**9 + i, "mode": "per_key_and_ip", "endpoints": ["/users"]},
    ]


def secret(app: int, key: int) -> str:
    """A well-formed secret unique to (app, key): ``sk_live_`` and 43 base64url characters."""
    return f"sk_live_{app:05d}{key:05d}" + "x" * 33


def build(schemes: int, keys_per_app: int, hits: int) -> tuple[WachtMock, str]:
    """The mock holding the state, and the secret every check presents."""
    deployment: dict[str, Any] = {"id": 1, "plan": "growth", "rate_limit_schemes": [], "apps": []}
    for i in range(schemes):
        slug = f"scheme-{i}"
        deployment["rate_limit_schemes"].append({"slug": slug, "name": slug, "rules": _rules(i)})
        keys = [
            {"name": f"k{k}", "secret": secret(i, k), "id": str(10**6 + i * 10**4 + k)} for k in range(keys_per_app)
        ]
        deployment["apps"].append(
            {
                "app_slug": f"app-{i}",
                "name": f"App {i}",
                "key_prefix": "sk_live",
                "rate_limit_scheme_slug": slug,
                "keys": keys,
            }
        )
    mock = WachtMock(seed={"deployments": [deployment]})
    checked = schemes // 2
    d = mock.backend.deployment(1)
    now_ms = epoch_ms(mock.clock.now())
    log = SlidingLog()
    for n in range(hits):  # oldest first, all inside the hour window
        log.add(now_ms - HOUR_MS + 1 + n * (HOUR_MS - 2) // max(hits, 1))
    d.counters[("app", 1, f"app-{checked}", HOUR_MS)] = log
    return mock, secret(checked, keys_per_app // 2)


def _bare_app() -> Starlette:
    async def check(request: Request) -> JSONResponse:
        body = await request.json()
        return JSONResponse(decision_body(body["principal"]["value"][-19:], body["resource"]))

    return Starlette(routes=[Route("/v1/authz/check", check, methods=["POST"])])


async def _checks_per_second(client: httpx.AsyncClient, body: dict[str, Any], n: int) -> float:
    start = time.perf_counter()
    for _ in range(n):
        response = await client.post("/v1/authz/check", json=body)
    assert response.status_code == 200 and response.json()["allowed"], response.text
    return n / (time.perf_counter() - start)


def rows(quick: bool) -> list[Row]:
    """The gateway-at-scale row."""
    if importlib.util.find_spec("sniffio") is None:
        raise SystemExit("install sniffio first: without it httpx's ASGITransport slows the baseline")
    schemes, keys_per_app, hits, n, rounds = (4, 5, 1000, 50, 1) if quick else (100, 100, 10**6, 1000, 5)
    mock, key = build(schemes, keys_per_app, hits)
    body = {"principal": {"type": "api_key", "value": key}, "resource": "/users", "method": "GET"}
    loop = asyncio.new_event_loop()
    clients = {
        "mock": httpx.AsyncClient(transport=httpx.ASGITransport(app=mock.app), base_url=GATEWAY),
        "bare": httpx.AsyncClient(transport=httpx.ASGITransport(app=_bare_app()), base_url=GATEWAY),
    }

    def measure(name: str) -> float:
        mock.advance(ms=1)  # time moves on; every hit stays inside the hour window
        return loop.run_until_complete(_checks_per_second(clients[name], body, n))

    measure("mock"), measure("bare")  # warm-up
    got = interleaved(rounds, mock=lambda: measure("mock"), bare=lambda: measure("bare"))
    for client in clients.values():
        loop.run_until_complete(client.aclose())
    loop.close()
    size = f"{schemes * keys_per_app:,} keys, {schemes} schemes of 3 rules, one window of {hits:,} hits"
    return [
        Row(
            f"gateway check at scale ({size}), in-process",
            got["mock"],
            "bare Starlette JSON route via ASGITransport",
            got["bare"],
            "checks/s",
            0.5,
            "higher",
        )
    ]
