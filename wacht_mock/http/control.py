"""The control plane under ``/_mock/``: health, reset, the virtual clock, the journal and faults.

Never under a vendor path. Misuse gets a 400 in the same envelope, with a message naming the problem.
"""

from __future__ import annotations

import json

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from ..errors import UsageError
from ..faults import Fault
from ..harness import Harness
from ..models import parse_timestamp
from . import snapshots
from .axum import normaliser_message
from .responses import clock_json, error_response, journal_json, json_response

PREFIX = "/_mock/"
PATHS = frozenset({"/_mock/health", "/_mock/reset", "/_mock/clock", "/_mock/journal", "/_mock/faults", "/_mock/state"})


def _misuse(message: str) -> Response:
    return error_response(400, message)


def leftover(path: str) -> Response:
    """A control-plane path that no route took (unknown path, wrong method): not vendor traffic, not journaled."""
    status = 405 if path in PATHS else 404
    return error_response(status, normaliser_message(status))


def routes(harness: Harness) -> list[BaseRoute]:
    """Starlette routes for the control plane of one harness (its backend, journal and faults)."""
    backend = harness.backend

    async def health(request: Request) -> Response:
        return json_response({"status": "ok", "deployments": sorted(backend.deployments)})

    async def reset(request: Request) -> Response:
        harness.reset()
        return json_response({"reset": True})

    async def clock(request: Request) -> Response:
        if request.method == "GET":
            return json_response(clock_json(backend.clock))
        try:
            body = json.loads(await request.body() or b"{}")
        except ValueError:
            return _misuse('clock: body must be JSON, e.g. {"advance_ms": 1000} or {"set": "2026-01-01T00:00:00Z"}')
        if not isinstance(body, dict) or len(body.keys() & {"advance_ms", "set"}) != 1 or len(body) != 1:
            return _misuse('clock: send exactly one of {"advance_ms": N} or {"set": "<RFC 3339>"}')
        with backend.lock:
            if "advance_ms" in body:
                step = body["advance_ms"]
                if not isinstance(step, int) or isinstance(step, bool) or step < 0:
                    return _misuse("clock: advance_ms must be a non-negative integer of milliseconds")
                backend.clock.advance(ms=step)
            else:
                try:
                    backend.clock.set(parse_timestamp(body["set"]))
                except (ValueError, TypeError):
                    return _misuse("clock: set must be an RFC 3339 timestamp with an offset, e.g. 2026-01-01T00:00:00Z")
        return json_response(clock_json(backend.clock))

    async def journal(request: Request) -> Response:
        return json_response(journal_json(harness.journal))

    async def faults(request: Request) -> Response:
        if request.method == "DELETE":
            harness.faults.clear()
            return json_response({"faults": 0})
        try:
            fault = Fault.from_json(json.loads(await request.body() or b"null"))
        except ValueError:
            return _misuse('faults: body must be JSON, e.g. {"kind": "error", "status": 503, "count": 1}')
        except UsageError as exc:
            return _misuse(f"faults: {exc}")
        harness.faults.add(fault)
        return json_response({"faults": len(harness.faults)})

    return [
        *snapshots.routes(harness),
        Route("/_mock/journal", journal, methods=["GET"]),
        Route("/_mock/faults", faults, methods=["POST", "DELETE"]),
        Route("/_mock/health", health, methods=["GET"]),
        Route("/_mock/reset", reset, methods=["POST"]),
        Route("/_mock/clock", clock, methods=["GET", "POST"]),
    ]
