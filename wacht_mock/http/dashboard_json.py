"""The dashboard's data: one JSON document computed from a harness (its backend, journal and faults).

Never a key secret (prefix and suffix only, as the vendor's own list does); the backend secret is included,
as ``serve`` prints it at start, and the page masks it. Every instant comes from the mock's virtual clock, so
a key's state (active, revoked, expired) is what the gateway would decide now.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from ..domain.audit import ALLOWED, BLOCKED
from ..domain.state import App, AuditRecord, Deployment, Key
from ..faults import operation_names
from ..harness import Harness
from ..timestamps import Instant, format_timestamp
from .control_json import clock_json, faults_json, journal_entry_json
from .responses import rule_json

JOURNAL_SHOWN = 200
RECENT_DECISIONS = 8
CHART_BUCKETS = 24
_HOUR = timedelta(hours=1)


def _ts(value: Instant | None) -> str | None:
    return format_timestamp(value) if value is not None else None


def key_state(key: Key, now: datetime) -> str:
    """``revoked``, ``expired`` or ``active``, as the gateway would judge the key at ``now``."""
    if not key.is_active:
        return "revoked"
    if key.expires_at is not None and key.expires_at < now:
        return "expired"
    return "active"


def dashboard_key_json(key: Key, now: datetime) -> dict[str, Any]:
    """A key as the dashboard shows it: never its secret or hash, only prefix and suffix."""
    return {
        "id": str(key.id),
        "name": key.name,
        "key_prefix": key.key_prefix,
        "key_suffix": key.key_suffix,
        "state": key_state(key, now),
        "permissions": list(key.permissions),
        "rate_limit_scheme_slug": key.rate_limit_scheme_slug,
        "expires_at": _ts(key.expires_at),
        "created_at": _ts(key.created_at),
        "last_used_at": _ts(key.last_used_at),
        "revoked_at": _ts(key.revoked_at),
        "revoked_reason": key.revoked_reason,
    }


def chart_json(records: Sequence[AuditRecord], now: datetime) -> dict[str, Any]:
    """Allowed and blocked decisions in ``CHART_BUCKETS`` equal buckets ending now, over a span from the first
    record rounded up to whole hours (so the chart's shape changes only when the data does)."""
    first = min((r.timestamp for r in records), default=now)
    hours = max(-(-(now - first) // _HOUR), 1)
    span = hours * _HOUR
    start = now - span
    allowed = [0] * CHART_BUCKETS
    blocked = [0] * CHART_BUCKETS
    for r in records:
        index = min(max((r.timestamp - start) * CHART_BUCKETS // span, 0), CHART_BUCKETS - 1)
        if r.outcome in ALLOWED:
            allowed[index] += 1
        elif r.outcome in BLOCKED:
            blocked[index] += 1
    return {"span_hours": hours, "allowed": allowed, "blocked": blocked}


def decision_json(r: AuditRecord) -> dict[str, Any]:
    """One recent gateway decision."""
    return {
        "request_id": r.request_id,
        "timestamp": _ts(r.timestamp),
        "key_name": r.key_name,
        "outcome": r.outcome,
        "allowed": r.outcome in ALLOWED,
        "blocked_by_rule": r.blocked_by_rule,
        "path": r.path,
    }


def audit_summary_json(records: Sequence[AuditRecord], now: datetime) -> dict[str, Any]:
    """An app's audit: totals, the chart's buckets and the most recent decisions, newest first."""
    recent = sorted(reversed(records), key=lambda r: r.timestamp, reverse=True)[:RECENT_DECISIONS]
    return {
        "allowed": sum(r.outcome in ALLOWED for r in records),
        "blocked": sum(r.outcome in BLOCKED for r in records),
        "chart": chart_json(records, now),
        "recent": [decision_json(r) for r in recent],
    }


def dashboard_app_json(app: App, keys: Iterable[Key], audit: Sequence[AuditRecord], now: datetime) -> dict[str, Any]:
    """An app with its keys (newest first) and its audit."""
    return {
        "app_slug": app.app_slug,
        "name": app.name,
        "description": app.description,
        "key_prefix": app.key_prefix,
        "is_active": app.is_active,
        "deleted": app.deleted_at is not None,
        "rate_limit_scheme_slug": app.rate_limit_scheme_slug,
        "permissions": list(app.permissions),
        "keys": [dashboard_key_json(k, now) for k in sorted(keys, key=lambda k: k.seq, reverse=True)],
        "audit": audit_summary_json(audit, now),
    }


def deployment_json(d: Deployment, now: datetime) -> dict[str, Any]:
    """One deployment: plan, backend secret, schemes with their limits, apps with keys and audit."""
    keys: dict[str, list[Key]] = {}
    for key in d.keys.values():
        keys.setdefault(key.app_slug, []).append(key)
    audit: dict[str, list[AuditRecord]] = {}
    for record in d.audit:
        audit.setdefault(record.app_slug, []).append(record)
    apps = sorted(d.apps.values(), key=lambda a: a.seq)
    return {
        "id": d.id,
        "plan": d.plan,
        "secret": d.secret,
        "schemes": [
            {"slug": s.slug, "name": s.name, "description": s.description, "rules": [rule_json(r) for r in s.rules]}
            for s in sorted(d.schemes.values(), key=lambda s: s.seq)
        ],
        "apps": [dashboard_app_json(a, keys.get(a.app_slug, ()), audit.get(a.app_slug, []), now) for a in apps],
    }


def dashboard_json(harness: Harness) -> dict[str, Any]:
    """The whole dashboard document: clock, deployments, the newest journal entries first, active faults."""
    backend = harness.backend
    with backend.lock:
        now = backend.clock.now()
        deployments = [deployment_json(d, now) for d in sorted(backend.deployments.values(), key=lambda d: d.id)]
        clock = clock_json(backend.clock)
        clock["now"] = format_timestamp(now)
    journal = harness.journal
    shown = journal.page(JOURNAL_SHOWN)  # the newest only: the page is polled, the ring may hold thousands
    return {
        "clock": clock,
        "deployments": deployments,
        "journal": {
            "total": len(journal),
            "entries": [journal_entry_json(e) for e in reversed(shown)],
        },
        "faults": faults_json(harness.faults.active)["faults"],
        "operations": operation_names(),
    }
