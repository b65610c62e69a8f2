"""A server for benchmarks/rows_server.py, on a chosen stack: ``python live_app.py {mock,bare} {asyncio,uvloop}``.

``mock`` is what ``wacht-mock serve --quiet`` serves (the default seed); ``bare`` is the baseline: bare Starlette
routes doing comparable JSON work (read the body, answer JSON) on the same paths. ``asyncio`` is uvicorn on asyncio
and h11, ``uvloop`` on uvloop and httptools. Prints ``serving URL`` once listening.
"""

from __future__ import annotations

import sys

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

STACKS = {"asyncio": ("asyncio", "h11"), "uvloop": ("uvloop", "httptools")}


def bare_app() -> Starlette:
    """The baseline: one JSON route per benchmarked operation, no state."""

    async def list_apps(request: Request) -> JSONResponse:
        app = {"app_slug": "billing", "name": "Billing", "rate_limits": []}
        return JSONResponse({"data": [app], "has_more": False})

    async def create_app(request: Request) -> JSONResponse:
        body = await request.json()
        if body["app_slug"] == "taken":
            return JSONResponse({"message": "API key app with this slug already exists"}, status_code=409)
        return JSONResponse({"app_slug": body["app_slug"], "name": body["name"], "rate_limits": []})

    async def check(request: Request) -> JSONResponse:
        body = await request.json()
        return JSONResponse({"request_id": "req_1", "allowed": True, "resource": body["resource"]})

    async def health(request: Request) -> JSONResponse:
        return JSONResponse({"status": "ok"})

    return Starlette(
        routes=[
            Route("/api-auth/apps", list_apps, methods=["GET"]),
            Route("/api-auth/apps", create_app, methods=["POST"]),
            Route("/v1/authz/check", check, methods=["POST"]),
            Route("/_mock/health", health),
        ]
    )


def mock_app() -> Starlette:
    """The app ``wacht-mock serve --quiet`` runs."""
    from wacht_mock.cli import build_backend
    from wacht_mock.harness import Harness
    from wacht_mock.http.app import create_app

    return create_app(Harness(build_backend(None)))


def main() -> None:
    which, stack = sys.argv[1], sys.argv[2]
    from wacht_mock.server import base_url, bind

    sock = bind()
    app = mock_app() if which == "mock" else bare_app()
    loop, http = STACKS[stack]
    print(f"serving {base_url(sock)}", flush=True)
    config = uvicorn.Config(app, log_level="warning", lifespan="off", loop=loop, http=http)
    uvicorn.Server(config).run(sockets=[sock])


if __name__ == "__main__":
    main()
