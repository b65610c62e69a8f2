"""Gateway benchmark: in-process authorization checks per second for an app with a three-rule scheme and for the
default rule, beside a bare Starlette JSON route on the same transport measured in the same run; and the memory
one rate-limit counter holds after 10^6 accepted hits inside a window of 10^6 ms.

Run: .venv/bin/python benchmarks/bench_gateway.py
"""

from __future__ import annotations

import asyncio
import time
import tracemalloc
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from wacht_mock import Backend, VirtualClock, create_app
from wacht_mock.domain.counters import SlidingLog

CHECKS = 3000
THREE_RULES = [
    {"unit": "second", "duration": 1, "max_requests": 10**9, "mode": "per_key"},
    {"unit": "minute", "duration": 1, "max_requests": 10**9, "mode": "per_app", "priority": 1},
    {"unit": "calendar_day", "duration": 1, "max_requests": 10**9, "mode": "per_key_and_ip", "endpoints": ["/users"]},
]


def bare_app() -> Starlette:
    async def check(request: Request) -> JSONResponse:
        body = await request.json()
        return JSONResponse({"request_id": "req_1", "allowed": True, "resource": body["resource"]})

    return Starlette(routes=[Route("/v1/authz/check", check, methods=["POST"])])


async def checks_per_second(app: Any, body: dict[str, Any], clock: VirtualClock | None = None) -> float:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="https://gateway.wacht.dev") as client:
        best = 0.0
        for _ in range(3):
            start = time.perf_counter()
            for _ in range(CHECKS):
                if clock is not None:
                    clock.advance(ms=61)  # stays under 1000/min: every check takes the allowed path
                response = await client.post("/v1/authz/check", json=body)
            assert response.status_code == 200 and response.json()["allowed"], response.text
            best = max(best, CHECKS / (time.perf_counter() - start))
        return best


async def issue_key(app: Any, secret: str, slug: str, scheme: list[dict[str, Any]] | None) -> str:
    transport = httpx.ASGITransport(app=app)
    headers = {"authorization": f"Bearer {secret}"}
    async with httpx.AsyncClient(transport=transport, base_url="https://api.wacht.dev", headers=headers) as api:
        app_body: dict[str, Any] = {"app_slug": slug, "name": slug, "key_prefix": "sk_live"}
        if scheme is not None:
            ok = await api.post("/api-auth/rate-limit-schemes", json={"slug": slug, "name": slug, "rules": scheme})
            assert ok.status_code == 200, ok.text
            app_body["rate_limit_scheme_slug"] = slug
        assert (await api.post("/api-auth/apps", json=app_body)).status_code == 200
        key = await api.post(f"/api-auth/apps/{slug}/keys", json={"name": "bench"})
        secret_value: str = key.json()["secret"]
        return secret_value


def check_body(secret: str) -> dict[str, Any]:
    return {"principal": {"type": "api_key", "value": secret}, "resource": "/users", "method": "GET"}


def counter_memory() -> int:
    """Bytes held by one counter after 10^6 accepted hits, all inside its 10^6 ms window."""
    tracemalloc.start()
    log = SlidingLog()
    for at in range(1_000_000):
        log.add(at)
    log.forget_until(-1)
    assert log.count_after(-1) == 1_000_000
    held, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return held


async def main() -> None:
    backend = Backend(clock=VirtualClock())
    app = create_app(backend)
    secret = backend.deployment(1).secret
    scheme_key = await issue_key(app, secret, "three-rules", THREE_RULES)
    default_key = await issue_key(app, secret, "default-rule", None)

    baseline = await checks_per_second(bare_app(), check_body(scheme_key))
    three = await checks_per_second(app, check_body(scheme_key))
    default = await checks_per_second(app, check_body(default_key), backend.clock)
    print(f"bare Starlette JSON route (baseline)   {baseline:8.0f} checks/s")
    print(f"gateway, three-rule scheme             {three:8.0f} checks/s   {three / baseline:5.2f} x baseline")
    print(f"gateway, default rule (1000/60s)       {default:8.0f} checks/s   {default / baseline:5.2f} x baseline")
    held = counter_memory()
    print(f"one counter after 10^6 hits in window  {held / 1e6:8.1f} MB        {held / 1e6:5.1f} bytes/hit")


if __name__ == "__main__":
    asyncio.run(main())
