"""The dashboard at ``/_mock/``: one page served by the mock itself (no CDN, works offline), its two assets, and
the data it polls (``/_mock/dashboard.json``).

The page's HTML, CSS and JavaScript are package data beside this module (``dashboard_assets/``). The page is rendered
with the data already in it, so the first paint needs no second request; the script then polls for changes.
"""

from __future__ import annotations

import json
from functools import cache

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from ..harness import Harness
from .axum import normaliser_message
from .responses import error_response, json_response

PAGE = "/_mock/"
DATA = "/_mock/dashboard.json"
PATHS = frozenset({PAGE, DATA})
_ASSETS = {"dashboard.css": "text/css; charset=utf-8", "dashboard.js": "text/javascript; charset=utf-8"}
_INITIAL = "{{initial_data}}"
# The page is the mock's own: nothing loads from elsewhere, and no other site may frame it.
_HEADERS = {
    "content-security-policy": "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'",
    "cache-control": "no-store",
    "x-content-type-options": "nosniff",
}


@cache
def _asset(name: str) -> str:
    from importlib.resources import files  # here: ``serve`` starts without it; the first page loads it

    return files(__package__).joinpath("dashboard_assets", name).read_text(encoding="utf-8")


def _embed(document: object) -> str:
    """JSON safe inside a ``<script type="application/json">`` element (no ``</script>``, no ``<!--``)."""
    return json.dumps(document, separators=(",", ":")).replace("<", "\\u003c").replace(">", "\\u003e")


def routes(harness: Harness) -> list[BaseRoute]:
    """The dashboard's routes for one harness."""

    async def page(request: Request) -> Response:
        from .dashboard_json import dashboard_json  # here, as the assets: ``serve`` starts without them

        html = _asset("index.html").replace(_INITIAL, _embed(dashboard_json(harness)))
        return Response(html, media_type="text/html; charset=utf-8", headers=_HEADERS)

    async def data(request: Request) -> Response:
        from .dashboard_json import dashboard_json

        response = json_response(dashboard_json(harness))
        response.headers["cache-control"] = "no-store"
        return response

    async def asset(request: Request) -> Response:
        name = request.path_params["name"]
        if name not in _ASSETS:
            return error_response(404, normaliser_message(404))
        return Response(_asset(name), media_type=_ASSETS[name], headers=_HEADERS)

    async def bare(request: Request) -> Response:
        return RedirectResponse(PAGE, status_code=308)

    return [
        Route(PAGE, page, methods=["GET"]),
        Route(DATA, data, methods=["GET"]),
        Route("/_mock/assets/{name}", asset, methods=["GET"]),
        Route("/_mock", bare, methods=["GET"]),
    ]
