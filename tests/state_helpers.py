"""A populated state and the reads that show it, shared by the snapshot and the state-file tests: apps (one
deleted, one inactive, one user-owned), schemes (one updated, one deleted), keys (active, revoked, rotated,
expired) and gateway decisions (allowed, rate limited, permission denied)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx

CHECK = "/v1/authz/check"
RULES = [{"unit": "minute", "duration": 1, "max_requests": 2}]


def ok(response: httpx.Response) -> Any:
    assert 200 <= response.status_code < 300, (response.status_code, response.text)
    return response.json() if response.content else None


def check(http: httpx.Client, secret: str, resource: str = "/v1/things", **fields: Any) -> httpx.Response:
    """One gateway check with an API key."""
    body = {"principal": {"type": "api_key", "value": secret}, "resource": resource, "method": "GET", **fields}
    return http.post(CHECK, json=body, headers={"user-agent": "state-test/1.0"})


def populate(http: httpx.Client, advance_ms: Callable[[int], None]) -> dict[str, str]:
    """Fill deployment 1 of conftest's SEED over HTTP; returns the secrets of the keys still working."""
    ok(http.post("/api-auth/rate-limit-schemes", json={"slug": "std", "name": "Standard", "rules": RULES}))
    ok(http.post("/api-auth/rate-limit-schemes", json={"slug": "other", "name": "Other", "rules": RULES}))
    ok(http.patch("/api-auth/rate-limit-schemes/other", json={"description": "changed", "rules": RULES * 2}))
    ok(http.post("/api-auth/rate-limit-schemes", json={"slug": "tmp", "name": "Temporary", "rules": RULES}))
    ok(http.delete("/api-auth/rate-limit-schemes/tmp"))
    app = {"name": "A", "key_prefix": "sk_a", "permissions": ["read"], "resources": ["/v1/*"]}
    ok(http.post("/api-auth/apps", json={"app_slug": "a", "rate_limit_scheme_slug": "std", **app}))
    ok(http.post("/api-auth/apps", json={"app_slug": "b", "name": "B", "key_prefix": "sk_b"}))
    ok(http.post("/api-auth/apps", json={"app_slug": "c", "name": "C", "key_prefix": "sk_c"}))
    owned = {"app_slug": "u", "name": "U", "key_prefix": "pk_u", "user_id": 11, "workspace_id": 31}
    ok(http.post("/api-auth/apps", json=owned))
    advance_ms(1500)
    k1 = ok(http.post("/api-auth/apps/a/keys", json={"name": "k1", "metadata": {"team": "x", "n": [1, {"b": 2}]}}))
    soon = ok(http.get("/_mock/clock"))["now"]
    k2 = ok(http.post("/api-auth/apps/a/keys", json={"name": "k2", "permissions": ["read"], "expires_at": soon}))
    k3 = ok(http.post("/api-auth/apps/a/keys", json={"name": "k3"}))
    k4 = ok(http.post("/api-auth/apps/b/keys", json={"name": "k4"}))
    ku = ok(http.post("/api-auth/apps/u/keys", json={"name": "ku"}))
    ok(http.post(f"/api-auth/apps/a/keys/{k3['id']}/revoke", json={"reason": "leaked"}))
    k4b = ok(http.post(f"/api-auth/apps/b/keys/{k4['id']}/rotate"))
    ok(http.patch("/api-auth/apps/b", json={"is_active": False, "description": "paused"}))
    ok(http.delete("/api-auth/apps/c"))
    for _ in range(3):  # the third is rate limited by std (2 a minute)
        ok(check(http, k1["secret"]))
        advance_ms(10)
    ok(check(http, k1["secret"], required_permissions=["admin"]))
    ok(check(http, ku["secret"], client_ip="198.51.100.7"))
    advance_ms(60_000)
    assert check(http, k2["secret"]).status_code == 401  # expired: not audited
    ok(http.patch("/api-auth/apps/a", json={"rate_limit_scheme_slug": "other"}))
    ok(check(http, k1["secret"], "/v1/other"))
    return {"k1": k1["secret"], "ku": ku["secret"], "k4b": k4b["secret"]}


def reads(http: httpx.Client) -> dict[str, Any]:
    """Every backend GET that shows deployment 1's state, by path: status and body."""
    paths = ["/api-auth/apps?include_inactive=true", "/api-auth/apps", "/api-auth/rate-limit-schemes"]
    paths += [f"/api-auth/rate-limit-schemes/{s}" for s in ("std", "other", "tmp")]
    for slug in ("a", "b", "c", "u"):
        paths += [f"/api-auth/apps/{slug}", f"/api-auth/apps/{slug}/keys?include_inactive=true"]
        audit = f"/api-auth/apps/{slug}/audit"
        paths += [f"{audit}/logs", f"{audit}/logs?limit=2", f"{audit}/timeseries?interval=minute"]
        paths.append(
            f"{audit}/analytics?include_top_keys=true&include_top_paths=true&include_blocked_reasons=true"
            "&include_rate_limits=true"
        )
    out: dict[str, Any] = {}
    for path in paths:
        response = http.get(path)
        out[path] = (response.status_code, response.json() if response.content else None)
    cursor = out["/api-auth/apps/a/audit/logs?limit=2"][1]["next_cursor"]
    follow = http.get(f"/api-auth/apps/a/audit/logs?limit=2&cursor={cursor}")
    out["cursor page"] = (follow.status_code, follow.json())
    return out
