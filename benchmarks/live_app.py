"""A server for rows_server.py on a chosen stack: ``python live_app.py {mock,bare} {asyncio,uvloop,granian}``.

``mock`` is what ``wacht-mock serve --quiet`` serves (the default seed); ``bare`` is the baseline: bare Starlette
routes doing comparable JSON work on the same paths (read the body, build and write a body of the mock's shape and
size with the standard library, as Starlette's ``JSONResponse`` does). ``asyncio`` is uvicorn on asyncio
and h11, ``uvloop`` on uvloop and httptools, ``granian`` granian's ASGI interface (optional: installed by hand, not a
dependency) on uvloop with one worker in this process and one Rust runtime thread, HTTP/1 only, no lifespan, as
uvicorn is run. Every stack serves a socket this script binds and prints ``serving URL`` once it listens.
"""

from __future__ import annotations

import asyncio
import signal
import socket
import sys

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

STACKS = {"asyncio": ("asyncio", "h11"), "uvloop": ("uvloop", "httptools")}


def app_body(slug: str, name: str) -> dict[str, object]:
    """An app with every field the mock's app JSON has (so the bare route writes as many bytes)."""
    at = "2026-12-01T03:25:10.799493Z"
    return {
        "deployment_id": "1",
        "app_slug": slug,
        "name": name,
        "description": None,
        "is_active": True,
        "key_prefix": "sk",
        "permissions": [],
        "resources": [],
        "rate_limits": [],
        "created_at": at,
        "updated_at": at,
        "deleted_at": None,
    }


def decision_body(key: str, resource: str) -> dict[str, object]:
    """An allowed check with every field the mock's decision has."""
    identity = dict.fromkeys(("owner_user_id", "organization_id", "workspace_id", "organization_membership_id"))
    headers = {"x-wacht-app-slug": "app-0", "x-wacht-key-id": key, "x-ratelimit-60s-limit": "1000"}
    return {
        "request_id": "req_7351433748085933027",
        "allowed": True,
        "reason": None,
        "blocked_rule": None,
        "identity": {"key_id": key, "deployment_id": "1", "app_slug": "app-0", "key_name": resource, **identity},
        "permissions": [],
        "metadata": {},
        "rate_limits": [{"rule": "1000/60s", "remaining": 999, "limit": 1000}],
        "retry_after": None,
        "headers": {**headers, "x-ratelimit-60s-remaining": "999", "x-wacht-deployment-id": "1"},
    }


def bare_app() -> Starlette:
    """The baseline: one JSON route per benchmarked operation, no state, each writing a body of the mock's shape
    and size (eleven apps listed, a whole app created, the whole decision of a check), built on every request."""

    async def list_apps(request: Request) -> JSONResponse:
        apps = [app_body(f"app-{i}", f"App {i}") for i in range(11)]
        return JSONResponse({"data": apps, "has_more": False, "limit": 50, "offset": 0})

    async def create_app(request: Request) -> JSONResponse:
        body = await request.json()
        if body["app_slug"] == "taken":
            return JSONResponse({"errors": [{"message": "Resource already exists", "code": 409}]}, status_code=409)
        return JSONResponse(app_body(body["app_slug"], body["name"]))

    async def check(request: Request) -> JSONResponse:
        body = await request.json()
        return JSONResponse(decision_body(body["principal"]["value"][-19:], body["resource"]))

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


def serve_granian(app: Starlette, sock: socket.socket) -> None:
    """Serve ``app`` on ``sock`` with granian's embedded server (one worker, in this process) until SIGTERM/SIGINT."""
    try:
        import uvloop
        from granian._granian import SocketHolder
        from granian.server.embed import Server
    except ImportError as missing:
        sys.exit(f"the granian stack needs granian and uvloop installed ({missing})")

    class OnSocket(Server):  # type: ignore[misc]
        def _init_shared_socket(self) -> None:  # the socket this script bound, not one granian binds
            self._ssp, self._shd = None, SocketHolder(sock.fileno(), False, 2048)

    server = OnSocket(app, interface="asginl", runtime_threads=1, http="1", websockets=False, log_level="warning")

    async def run() -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, server.stop)
        await server.serve()

    uvloop.run(run())


def main() -> None:
    which, stack = sys.argv[1], sys.argv[2]
    from wacht_mock.server import base_url, bind

    sock = bind()
    app = mock_app() if which == "mock" else bare_app()
    print(f"serving {base_url(sock)}", flush=True)
    if stack == "granian":
        serve_granian(app, sock)
        return
    loop, http = STACKS[stack]
    # proxy headers off, as `serve` runs
    config = uvicorn.Config(app, log_level="warning", lifespan="off", loop=loop, http=http, proxy_headers=False)
    uvicorn.Server(config).run(sockets=[sock])


if __name__ == "__main__":
    main()
