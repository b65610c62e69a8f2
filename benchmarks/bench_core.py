"""Core benchmark: what a fresh mock, one in-process request and a server start cost, each beside a baseline
measured in the same run (a bare Starlette app on the same transport; a bare uvicorn server).

Run: .venv/bin/python benchmarks/bench_core.py   (prints figures and ratios; writes nothing else)
"""

from __future__ import annotations

import asyncio
import compileall
import importlib.util
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from wacht_mock import Backend, create_app

BARE_SERVER = """
import socket, sys, uvicorn
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route
async def health(request): return JSONResponse({"status": "ok"})
sock = socket.socket(); sock.bind(("127.0.0.1", 0)); sock.listen()
print(f"serving http://127.0.0.1:{sock.getsockname()[1]}", flush=True)
uvicorn.Server(uvicorn.Config(Starlette(routes=[Route("/_mock/health", health)]), log_level="warning")).run([sock])
"""


def bare_app() -> Starlette:
    async def app_json(request: Request) -> JSONResponse:
        return JSONResponse({"app_slug": request.path_params["slug"], "name": "Billing", "rate_limits": []})

    return Starlette(routes=[Route("/api-auth/apps/{slug}", app_json)])


def per_call_us(fn: object, repeat: int = 5, number: int = 2000) -> float:
    """Best of ``repeat`` runs, in microseconds per call."""
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(number):
            fn()  # type: ignore[operator]
        runs.append((time.perf_counter() - start) / number * 1e6)
    return min(runs)


async def request_us(app: Starlette, headers: dict[str, str], n: int = 2000) -> float:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="https://api.wacht.dev", headers=headers) as client:
        for _ in range(100):
            await client.get("/api-auth/apps/billing")
        best = float("inf")
        for _ in range(3):
            start = time.perf_counter()
            for _ in range(n):
                response = await client.get("/api-auth/apps/billing")
            assert response.status_code == 200
            best = min(best, (time.perf_counter() - start) / n * 1e6)
        return best


def byte_compile(package: str = "wacht_mock") -> None:
    """Write ``package``'s bytecode beside its source, as pip does when it installs a wheel, before timing a start.

    The bare baseline's libraries were compiled when pip installed them; an editable install under
    ``PYTHONDONTWRITEBYTECODE`` (this machine's environment) would compile every module of the mock again on every
    start, a handicap no installed copy has. Stale bytecode is harmless: Python checks it against the source."""
    spec = importlib.util.find_spec(package)
    assert spec is not None and spec.origin is not None
    compileall.compile_dir(Path(spec.origin).parent, quiet=1)


def start_ms(argv: list[str], runs: int = 5) -> float:
    """Median milliseconds from spawning a server to its first 200 on /_mock/health."""
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        process = subprocess.Popen(argv, stdout=subprocess.PIPE, text=True)
        assert process.stdout is not None
        url = process.stdout.readline().split()[-1]
        while True:
            try:
                if httpx.get(url + "/_mock/health").status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.001)
        samples.append((time.perf_counter() - start) * 1000)
        process.terminate()
        process.communicate(timeout=10)
    return statistics.median(samples)


def main() -> None:
    def build() -> None:
        create_app(Backend())

    mock_build = per_call_us(build, number=500)
    bare_build = per_call_us(bare_app, number=500)
    print(
        f"fresh mock (Backend + create_app)   {mock_build:9.1f} us   bare Starlette app {bare_build:7.1f} us"
        f"   ratio {mock_build / bare_build:5.2f}"
    )

    backend = Backend()
    app = create_app(backend)
    headers = {"authorization": f"Bearer {backend.deployment(1).secret}"}
    asyncio.run(_seed_app(app, headers))
    mock_call = asyncio.run(request_us(_unlimited(app, backend), headers))
    bare_call = asyncio.run(request_us(bare_app(), headers))
    print(
        f"GET /api-auth/apps/{{slug}} in-process {mock_call:9.1f} us   bare Starlette route {bare_call:5.1f} us"
        f"   ratio {mock_call / bare_call:5.2f}"
    )

    byte_compile()
    mock_start = start_ms([sys.executable, "-m", "wacht_mock", "serve", "--port", "0"])
    bare_start = start_ms([sys.executable, "-c", BARE_SERVER])
    print(
        f"server start to first answer        {mock_start:9.1f} ms   bare uvicorn+Starlette {bare_start:5.1f} ms"
        f"   ratio {mock_start / bare_start:5.2f}"
    )


async def _seed_app(app: Starlette, headers: dict[str, str]) -> None:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="https://api.wacht.dev", headers=headers) as client:
        created = await client.post(
            "/api-auth/apps", json={"app_slug": "billing", "name": "Billing", "key_prefix": "sk"}
        )
        assert created.status_code == 200, created.text


def _unlimited(app: Starlette, backend: Backend) -> Starlette:
    """The same app, with the virtual clock stepped past each minute so the backend limit never bites."""

    async def stepping(scope, receive, send):  # type: ignore[no-untyped-def]
        backend.clock.advance(ms=61)
        await app(scope, receive, send)

    return stepping  # type: ignore[return-value]


if __name__ == "__main__":
    main()
