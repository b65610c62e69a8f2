"""``wacht-mock serve --demo``: a realistic tenant, so every page of a frontend has something to show.

Built in code relative to the clock's now, and deterministic: the same ``now`` gives the same document (keys'
secrets are derived from their names, and the traffic's variety comes from arithmetic, not from randomness).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from .ids import b64url
from .models import format_timestamp, parse_timestamp

_ID_BASE = 7_351_100_000_000_000_000
_DECISIONS = 420
_PATHS = (
    "GET /v1/invoices",
    "POST /v1/invoices",
    "GET /v1/customers",
    "GET /v1/customers/42",
    "PATCH /v1/customers/42",
    "GET /v1/search",
    "DELETE /v1/invoices/7",
    "GET /v1/reports/monthly",
)
_AGENTS = (
    "acme-billing/2.4.1 (+https://acme.example)",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 Safari/605.1.15",
    "python-httpx/0.27.0",
    "curl/8.5.0",
    "node-fetch/1.0 (+https://github.com/bitinn/node-fetch)",
)


@dataclass(frozen=True, slots=True)
class DemoKey:
    """A key of the demo whose secret works at the gateway (printed at start)."""

    app_slug: str
    name: str
    secret: str


def _secret(prefix: str, name: str) -> str:
    return f"{prefix}_{b64url(hashlib.sha256(f'wacht-mock demo key {name}'.encode()).digest())}"


def _ts(instant: datetime) -> str:
    return format_timestamp(instant)


# app slug -> (name, key prefix, scheme, extra fields); keys: (name, app, age in days, expires in days or None,
# state: "active" | "revoked" | "rotated"; a rotated key is followed by its replacement, named "<name> (rotated)").
_APPS: tuple[tuple[str, str, str, str | None, dict[str, Any]], ...] = (
    ("billing-api", "Billing API", "sk_live", "standard", {"description": "Invoices and payments"}),
    ("search-api", "Search API", "sk_search", "free", {"description": "Full-text search for customers"}),
    ("partner-portal", "Partner portal", "pk_partner", "partner", {"user_id": 11, "organization_id": 21}),
    ("legacy-export", "Legacy export", "sk_legacy", None, {"description": "Nightly CSV export (paused)"}),
)
_KEYS: tuple[tuple[str, str, int, int | None, str], ...] = (
    ("Production server", "billing-api", 40, None, "active"),
    ("CI runner", "billing-api", 21, 90, "active"),
    ("Staging", "billing-api", 30, -2, "active"),
    ("Mobile app v2", "billing-api", 25, None, "rotated"),
    ("Leaked laptop key", "billing-api", 20, None, "revoked"),
    ("Web frontend", "search-api", 35, None, "active"),
    ("Batch indexer", "search-api", 12, 30, "active"),
    ("Free trial", "search-api", 14, -5, "active"),
    ("Acme integration", "partner-portal", 18, None, "active"),
    ("Acme sandbox", "partner-portal", 9, 60, "active"),
    ("Old exporter", "legacy-export", 60, None, "active"),
)


def demo_seed(now: datetime) -> tuple[dict[str, Any], list[DemoKey]]:
    """The demo's seed document and the keys whose secrets authenticate at the gateway."""
    keys: list[dict[str, Any]] = []
    working: list[DemoKey] = []
    prefixes = {slug: prefix for slug, _, prefix, _, _ in _APPS}
    for n, (name, app, age, expires, state) in enumerate(_KEYS):
        created = now - timedelta(days=age, hours=n)
        entry: dict[str, Any] = {
            "id": _ID_BASE + 2 * n * 1_000_003,
            "name": name,
            "secret": _secret(prefixes[app], name),
            "permissions": ["invoices:read", "invoices:write"] if app == "billing-api" else [],
            "metadata": {"team": "platform" if n % 2 else "growth", "env": "production"},
            "expires_at": _ts(now + timedelta(days=expires)) if expires is not None else None,
            "created_at": _ts(created),
            "_app": app,
        }
        if state in ("revoked", "rotated"):
            gone = now - timedelta(days=age // 3)
            entry.update(revoked_at=_ts(gone), updated_at=_ts(gone))
            entry["revoked_reason"] = "Rotated" if state == "rotated" else "Leaked on a lost laptop"
        keys.append(entry)
        if state == "rotated":
            replacement = {
                **entry,
                "id": entry["id"] + 1_000_003,
                "secret": _secret(prefixes[app], name + " (rotated)"),
                "created_at": entry["revoked_at"],
            }
            for field in ("revoked_at", "updated_at", "revoked_reason"):
                replacement.pop(field)
            keys.append(replacement)
        for key in keys[-2:] if state == "rotated" else keys[-1:]:
            usable = "revoked_at" not in key and (expires is None or expires > 0)
            if usable and app != "legacy-export":
                working.append(DemoKey(app, key["name"], key["secret"]))
    apps: list[dict[str, Any]] = []
    for slug, app_name, prefix, scheme, extra in _APPS:
        app_keys = [{k: v for k, v in key.items() if k != "_app"} for key in keys if key["_app"] == slug]
        entry = {"app_slug": slug, "name": app_name, "key_prefix": prefix, **extra, "keys": app_keys}
        if scheme is not None:
            entry["rate_limit_scheme_slug"] = scheme
        entry["created_at"] = _ts(now - timedelta(days=70 - 5 * len(apps)))
        entry["is_active"] = slug != "legacy-export"
        apps.append(entry)
    apps.append(
        {
            "app_slug": "old-reports",
            "name": "Old reports",
            "key_prefix": "sk_reports",
            "created_at": _ts(now - timedelta(days=90)),
            "deleted_at": _ts(now - timedelta(days=45)),
        }
    )
    deployment = {
        "id": 1,
        "plan": "growth",
        "users": [{"id": 11}, {"id": 12}],
        "organizations": [{"id": 21}],
        "workspaces": [{"id": 31, "organization_id": 21}],
        "memberships": [
            {"id": 41, "user_id": 11, "organization_id": 21, "permissions": ["org:read", "billing:read"]},
            {"id": 42, "user_id": 11, "workspace_id": 31, "permissions": ["ws:write"]},
        ],
        "rate_limit_schemes": _schemes(now),
        "apps": apps,
        "audit": _traffic(now, keys),
    }
    return {"deployments": [deployment, {"id": 2, "plan": "starter"}]}, working


def _rule(unit: str, duration: int, max_requests: int, priority: int = 0) -> dict[str, Any]:
    return {"unit": unit, "duration": duration, "max_requests": max_requests, "priority": priority}


def _schemes(now: datetime) -> list[dict[str, Any]]:
    schemes: list[dict[str, Any]] = [
        {"slug": "free", "name": "Free", "description": "For trials", "rules": [_rule("minute", 1, 60)]},
        {
            "slug": "standard",
            "name": "Standard",
            "description": "Paying customers",
            "rules": [_rule("second", 1, 20), _rule("hour", 1, 10_000, priority=1)],
        },
        {"slug": "partner", "name": "Partner", "rules": [_rule("minute", 1, 600), _rule("calendar_day", 1, 100_000)]},
    ]
    made = _ts(now - timedelta(days=80))
    return [{**scheme, "created_at": made} for scheme in schemes]


def _traffic(now: datetime, keys: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A week of decisions, oldest first, each by a key that could be used at that moment."""
    start = now - timedelta(days=7)
    step = timedelta(days=7) / _DECISIONS
    records = []
    for i in range(_DECISIONS):
        at = start + step * i + timedelta(seconds=(i * 7919) % 600)
        usable = [k for k in keys if _usable(k, at) and k["_app"] != "legacy-export"]
        key = usable[(i * 31) % len(usable)]
        path = _PATHS[(i * 13) % len(_PATHS)]
        blocked = i % 11 == 5 or (i % 17 == 3 and path.startswith("DELETE"))
        reason = ("permission_denied" if path.startswith("DELETE") else "60/60s") if blocked else None
        records.append(
            {
                "app_slug": key["_app"],
                "key_id": key["id"],
                "outcome": "BLOCKED" if blocked else "VALID",
                "blocked_by_rule": reason,
                "client_ip": f"203.0.113.{(i * 37) % 250 + 1}",
                "path": path,
                "user_agent": _AGENTS[(i * 7) % len(_AGENTS)],
                "rate_limits": [] if reason == "permission_denied" else [_rule_state(i, blocked)],
                "timestamp": _ts(at),
            }
        )
    return records


def _rule_state(i: int, blocked: bool) -> dict[str, Any]:
    return {"rule": "60/60s", "remaining": 0 if blocked else (i * 3) % 60, "limit": 60}


def _usable(key: dict[str, Any], at: datetime) -> bool:
    if parse_timestamp(key["created_at"]) > at:
        return False
    for field in ("revoked_at", "expires_at"):
        if key.get(field) is not None and parse_timestamp(key[field]) <= at:
            return False
    return True
