"""The control plane's JSON bodies: the virtual clock, the journal and the active faults.

These are wacht-mock's own shapes (DESIGN.md, the control plane), written with the same serde_json spelling as
the vendor bodies in ``responses``.
"""

from __future__ import annotations

import json
import re
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


# Nesting the journal shows as JSON. Deeper bodies (production's serde stops at 128 levels in a known field, but
# skips an unknown field's value at any depth) stay text: parsing or writing them would recurse past Python's limit.
JOURNAL_JSON_DEPTH = 500


def _body_json(body: bytes) -> Any:
    """A recorded body as the journal's JSON shows it: parsed JSON, else its text, else null when empty."""
    if not body:
        return None
    try:
        value = json.loads(body)
    except (ValueError, RecursionError):
        return body.decode("utf-8", errors="replace")
    if body.count(b"[") + body.count(b"{") > JOURNAL_JSON_DEPTH and _depth(value) > JOURNAL_JSON_DEPTH:
        return body.decode("utf-8", errors="replace")
    if _SURROGATE_ESCAPE.search(body) and not _utf8(value):
        return body.decode("utf-8", errors="replace")  # a lone surrogate escape: JSON text no UTF-8 can carry
    return value


_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")


def _utf8(value: Any) -> bool:
    try:
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _depth(value: Any) -> int:
    """How deep arrays and objects nest in ``value`` (without recursion)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else None
        if children is not None:
            deepest = max(deepest, level)
            stack.extend((child, level + 1) for child in children)
    return deepest


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
