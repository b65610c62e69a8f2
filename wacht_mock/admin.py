"""The control plane under ``/_mock``: health, reset, the virtual clock, the journal and faults.

Never under a vendor path. Misuse gets a 400 in the same envelope, with a message naming the problem.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from .domain.backend import Backend
from .errors import UsageError
from .faults import Fault
from .models import format_timestamp, parse_timestamp
from .serialise import dumps


def _json(body: Any, status: int = 200) -> Response:
    return Response(dumps(body), status, media_type="application/json")


def _misuse(message: str) -> Response:
    return _json({"errors": [{"message": message, "code": 400}]}, 400)


CONTROL_PATHS = frozenset({"/_mock/health", "/_mock/reset", "/_mock/clock", "/_mock/journal", "/_mock/faults"})


def admin_routes(backend: Backend) -> list[BaseRoute]:
    """Starlette routes for the control plane of ``backend``."""

    def clock_state() -> dict[str, Any]:
        return {"now": format_timestamp(backend.clock.now()), "ticking": backend.clock.ticking}

    async def health(request: Request) -> Response:
        return _json({"status": "ok", "deployments": sorted(backend.deployments)})

    async def reset(request: Request) -> Response:
        backend.reset()
        return _json({"reset": True})

    async def clock(request: Request) -> Response:
        if request.method == "GET":
            return _json(clock_state())
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
        return _json(clock_state())

    async def journal(request: Request) -> Response:
        entries = [
            {
                "operation": e.operation,
                "method": e.method,
                "path": e.path,
                "status": e.status,
                "message": e.message,
                "fault": e.fault,
                "rules": [{"rule": f.rule_id, "outcome": f.outcome} for f in e.rules],
            }
            for e in backend.journal
        ]
        return _json({"entries": entries})

    async def faults(request: Request) -> Response:
        if request.method == "DELETE":
            backend.faults.clear()
            return _json({"faults": 0})
        try:
            fault = Fault.from_json(json.loads(await request.body() or b"null"))
        except ValueError:
            return _misuse('faults: body must be JSON, e.g. {"kind": "error", "status": 503, "count": 1}')
        except UsageError as exc:
            return _misuse(f"faults: {exc}")
        backend.faults.add(fault)
        return _json({"faults": len(backend.faults)})

    return [
        Route("/_mock/journal", journal, methods=["GET"]),
        Route("/_mock/faults", faults, methods=["POST", "DELETE"]),
        Route("/_mock/health", health, methods=["GET"]),
        Route("/_mock/reset", reset, methods=["POST"]),
        Route("/_mock/clock", clock, methods=["GET", "POST"]),
    ]
