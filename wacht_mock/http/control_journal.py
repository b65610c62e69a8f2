"""``GET /_mock/journal``: the request journal over the control plane, paged.

``{"entries": [...]}``, always oldest first. Without parameters: every entry the ring keeps. ``limit=N`` gives
the newest N; ``before=ID`` only entries older than that id (pass the first entry's id of one page to get the
page before it); ``after=ID`` only entries newer than that id (what a live view polls for).
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from ..harness import Harness
from .control_json import journal_json
from .guard import ControlMisuse, answers_misuse
from .responses import json_response

_PARAMETERS = ("limit", "before", "after")


def routes(harness: Harness) -> list[BaseRoute]:
    """The journal route of one harness."""

    async def journal(request: Request) -> Response:
        unknown = sorted(set(request.query_params) - set(_PARAMETERS))
        if unknown:
            raise ControlMisuse(400, f"journal: unknown parameter {unknown[0]!r}; parameters are limit, before, after")
        limit, before, after = (_number(request, name) for name in _PARAMETERS)
        return json_response(journal_json(harness.journal.page(limit, before=before, after=after)))

    return [Route("/_mock/journal", answers_misuse(journal), methods=["GET"])]


def _number(request: Request, name: str) -> int | None:
    text = request.query_params.get(name)
    if text is None:
        return None
    least = 1 if name == "limit" else 0
    if not (text.isascii() and text.isdigit() and len(text) <= 18 and int(text) >= least):
        kind = "a positive" if least else "a non-negative"
        raise ControlMisuse(400, f"journal: {name} must be {kind} integer, got {text!r}")
    return int(text)
