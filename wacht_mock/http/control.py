"""The control plane under ``/_mock/``: health, reset, the virtual clock, the journal and faults.

Never under a vendor path. Misuse gets a 400 in the same envelope, with a message naming the problem; what every
control-plane request must carry (Host, admin token, JSON writes, a capped body) is checked in ``guard``.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from ..clock import VirtualClock
from ..harness import Harness
from ..timestamps import format_timestamp, parse_timestamp
from . import control_faults, control_journal, dashboard, openapi, snapshots
from .axum import normaliser_message
from .control_json import clock_json
from .guard import ControlMisuse, answers_misuse, read_json
from .responses import error_response, json_response

PREFIX = "/_mock/"
PATHS = (
    frozenset(
        {
            "/_mock/health",
            "/_mock/reset",
            "/_mock/clock",
            "/_mock/journal",
            "/_mock/faults",
            "/_mock/openapi.yaml",
            "/_mock/openapi.json",
            "/_mock/state",
        }
    )
    | dashboard.PATHS
)
_PATTERNS = (re.compile(r"/_mock/faults/\d+"),)

CLOCK_MIN = datetime(1970, 1, 1, tzinfo=UTC)
CLOCK_MAX = datetime(9000, 1, 1, tzinfo=UTC)
"""The control plane keeps the clock in [1970, 9000): far from datetime's year 1 and 9999, so no expiry, window
or ticking clock can run past them."""


CLOCK_FIELDS = frozenset({"advance_ms", "advance_seconds", "set"})
"""``POST /_mock/clock`` takes one: a step in milliseconds or in seconds (as ``advance(ms=..., seconds=...)``), or
an instant."""
CLOCK_SPAN_SECONDS = (CLOCK_MAX - CLOCK_MIN).total_seconds()


def _misuse(message: str) -> Response:
    return error_response(400, message)


def leftover(path: str) -> Response:
    """A control-plane path that no route took (unknown path, wrong method): not vendor traffic, not journaled."""
    status = 405 if path in PATHS or any(p.fullmatch(path) for p in _PATTERNS) else 404
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
        body = await read_json(
            request,
            invalid='clock: body must be JSON, e.g. {"advance_ms": 1000} or {"set": "2026-01-01T00:00:00Z"}',
            empty={},
        )
        if not isinstance(body, dict) or len(body.keys() & CLOCK_FIELDS) != 1 or len(body) != 1:
            raise ControlMisuse(
                400, 'clock: send exactly one of {"advance_ms": N}, {"advance_seconds": S} or {"set": "<RFC 3339>"}'
            )
        with backend.lock:
            if "advance_ms" in body:
                _advance(backend.clock, body["advance_ms"])
            elif "advance_seconds" in body:
                _advance(backend.clock, _milliseconds(body["advance_seconds"]), "advance_seconds")
            else:
                backend.clock.set(_instant(body["set"]))
        return json_response(clock_json(backend.clock))

    return [
        *control_journal.routes(harness),
        *control_faults.routes(harness),
        *openapi.routes(),
        *snapshots.routes(harness),
        Route("/_mock/health", health, methods=["GET"]),
        Route("/_mock/reset", answers_misuse(reset), methods=["POST"]),
        Route("/_mock/clock", answers_misuse(clock), methods=["GET", "POST"]),
        *dashboard.routes(harness),
    ]


def _range() -> str:
    return f"{format_timestamp(CLOCK_MIN)} to {format_timestamp(CLOCK_MAX)}"


def _instant(text: Any) -> datetime:
    try:
        instant = parse_timestamp(text)
    except (ValueError, TypeError, OverflowError):  # OverflowError: an offset that moves it past year 1 or 9999
        raise ControlMisuse(
            400, "clock: set must be an RFC 3339 timestamp with an offset, e.g. 2026-01-01T00:00:00Z"
        ) from None
    if not CLOCK_MIN <= instant < CLOCK_MAX:
        raise ControlMisuse(400, f"clock: set must be from {_range()}, got {text}")
    return instant


def _milliseconds(seconds: Any) -> int:
    """``advance_seconds`` as whole milliseconds (the clock's own step); a number of seconds, fractions allowed."""
    if isinstance(seconds, bool) or not isinstance(seconds, int | float) or not 0 <= seconds < CLOCK_SPAN_SECONDS:
        raise ControlMisuse(400, "clock: advance_seconds must be a non-negative number of seconds")
    return round(seconds * 1000)


def _advance(clock: VirtualClock, step: Any, field: str = "advance_ms") -> None:
    if not isinstance(step, int) or isinstance(step, bool) or step < 0:
        raise ControlMisuse(400, "clock: advance_ms must be a non-negative integer of milliseconds")
    room = (CLOCK_MAX - clock.now()) // timedelta(milliseconds=1)
    if step >= room:
        shown = step if field == "advance_ms" else step / 1000
        raise ControlMisuse(400, f"clock: {field} {shown} would move the clock past {format_timestamp(CLOCK_MAX)}")
    clock.advance(ms=step)
