"""The control plane's JSON bodies: the virtual clock, the journal and the active faults.

These are wacht-mock's own shapes (DESIGN.md, the control plane), written with the same serde_json spelling as
the vendor bodies in ``responses``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from ..clock import VirtualClock
from ..journal import JournalEntry
from ..timestamps import format_timestamp

if TYPE_CHECKING:
    from ..faults import Fault  # faults.py reads responses.py: a runtime import would be a cycle


def clock_json(clock: VirtualClock) -> dict[str, Any]:
    """``{now, ticking}``."""
    return {"now": format_timestamp(clock.now()), "ticking": clock.ticking}


def journal_entry_json(e: JournalEntry) -> dict[str, Any]:
    """One journal entry: its id, time, operation, request (path, query, headers, body), answer (status, body),
    fault and the rules that fired. Bodies are JSON when they parse, else text, else null; the journal redacted
    every secret when it recorded the entry."""
    headers: dict[str, str] = {}
    for name, value in e.headers:
        headers[name] = f"{headers[name]}, {value}" if name in headers else value
    return {
        "id": e.id,
        "at": format_timestamp(e.at) if e.at is not None else None,
        "operation": e.operation,
        "method": e.method,
        "path": e.path,
        "query": e.query,
        "url": e.url,
        "headers": headers,
        "request_body": _body_json(e.body),
        "status": e.status,
        "response_body": _body_json(e.response_body),
        "message": e.message,
        "fault": e.fault,
        "rules": [{"rule": f.rule_id, "outcome": f.outcome} for f in e.rules],
    }


def _body_json(body: bytes) -> Any:
    """A recorded body as the journal's JSON shows it: parsed JSON, else its text, else null when empty."""
    if not body:
        return None
    try:
        return json.loads(body)
    except ValueError:
        return body.decode("utf-8", errors="replace")


def journal_json(entries: Iterable[JournalEntry]) -> dict[str, Any]:
    """``{entries: [...]}``."""
    return {"entries": [journal_entry_json(e) for e in entries]}


def faults_json(faults: Iterable[Fault]) -> dict[str, Any]:
    """``{faults: [...]}``: each active fault's id, fields, how often it fired and what remains (``count`` faults)."""
    return {
        "faults": [
            {
                "id": f.id,
                "kind": f.kind,
                "operation": f.operation,
                "status": f.status if f.kind == "error" else None,
                "message": f.message,
                "latency_ms": f.latency_ms if f.kind == "latency" else None,
                "count": f.count,
                "ratio": f.ratio,
                "seed": f.seed,
                "fired": f.fired,
                "remaining": f.remaining,
            }
            for f in faults
        ]
    }
