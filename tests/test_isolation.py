"""Tenant isolation (issue 15): nothing a request made with deployment A's secret gets back depends on what
deployment B holds, and B's state is the same afterwards.

Two mocks differ only in B: in one B's schemes, apps, keys and audit records are live; in the other the same
were made (so both consumed the same ids) and then taken away (keys revoked, apps and scheme deleted). Hypothesis
sends the same requests as A to both, on every backend route, with B's slugs, key ids and scheme slug among the
identifiers it tries: A's answers must be byte-for-byte the same in both, and B's visible state unchanged.
"""

from __future__ import annotations

import re
from typing import Any

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wacht_mock import WachtMock

SEED = {"deployments": [{"id": 1, "plan": "growth"}, {"id": 2, "plan": "growth"}]}
NOW = "2026-06-01T12:00:00Z"
B_APPS = ("b-billing", "shared")
B_SCHEME = "b-scheme"


def _b_world(mock: WachtMock, *, taken_away: bool) -> dict[str, list[str]]:
    """Fill deployment 2 (B); with ``taken_away`` remove it all again. Returns B's identifiers."""
    b = mock.client(deployment=2)
    rules = [{"unit": "minute", "duration": 1, "max_requests": 5}]
    b.post("/api-auth/rate-limit-schemes", json={"slug": B_SCHEME, "name": "B", "rules": rules}).raise_for_status()
    key_ids, secrets = [], []
    for slug in B_APPS:
        app = {"app_slug": slug, "name": slug, "key_prefix": "sk_b", "rate_limit_scheme_slug": B_SCHEME}
        b.post("/api-auth/apps", json=app).raise_for_status()
        key = b.post(f"/api-auth/apps/{slug}/keys", json={"name": "b"}).json()
        key_ids.append(str(key["id"]))
        secrets.append(key["secret"])
    gateway = httpx.Client(transport=mock.transport(), base_url=mock.gateway_url)
    for secret in secrets:
        check = {"principal": {"type": "api_key", "value": secret}, "resource": "/b", "method": "GET"}
        gateway.post("/v1/authz/check", json=check).raise_for_status()
    if taken_away:
        for slug, key_id in zip(B_APPS, key_ids, strict=True):
            b.post(f"/api-auth/apps/{slug}/keys/{key_id}/revoke", json={}).raise_for_status()
            b.delete(f"/api-auth/apps/{slug}").raise_for_status()
        b.delete(f"/api-auth/rate-limit-schemes/{B_SCHEME}").raise_for_status()
    return {"slug": [*B_APPS, "a-app", "nope"], "key_id": [*key_ids, "1", "999999999"], "scheme": [B_SCHEME, "x"]}


def _b_state(mock: WachtMock) -> list[bytes]:
    """What B itself can see: its apps, schemes, each app's keys and audit logs."""
    b = mock.client(deployment=2)
    seen = [b.get("/api-auth/apps?include_inactive=true").content, b.get("/api-auth/rate-limit-schemes").content]
    for slug in B_APPS:
        seen += [b.get(f"/api-auth/apps/{slug}/keys").content, b.get(f"/api-auth/apps/{slug}/audit/logs").content]
    return seen


def _world(taken_away: bool) -> tuple[WachtMock, dict[str, list[str]]]:
    mock = WachtMock(seed=SEED, now=NOW)
    ids = _b_world(mock, taken_away=taken_away)
    a = mock.client(deployment=1)
    a.post("/api-auth/apps", json={"app_slug": "a-app", "name": "A", "key_prefix": "sk_a"}).raise_for_status()
    a.post("/api-auth/apps/a-app/keys", json={"name": "a"}).raise_for_status()
    return mock, ids


_SECRET_FIELDS = re.compile(rb'"(secret|key_suffix)":"[^"]*"')


def _unsecret(body: bytes) -> bytes:
    """A body with key secrets (random in each world, as production's are) and their suffixes blanked."""
    return _SECRET_FIELDS.sub(rb'"\1":""', body)


ROUTES = [
    ("GET", "/api-auth/apps?search={slug}&include_inactive=true"),
    ("POST", "/api-auth/apps"),
    ("GET", "/api-auth/apps/{slug}"),
    ("PATCH", "/api-auth/apps/{slug}"),
    ("DELETE", "/api-auth/apps/{slug}"),
    ("GET", "/api-auth/rate-limit-schemes"),
    ("POST", "/api-auth/rate-limit-schemes"),
    ("GET", "/api-auth/rate-limit-schemes/{scheme}"),
    ("PATCH", "/api-auth/rate-limit-schemes/{scheme}"),
    ("DELETE", "/api-auth/rate-limit-schemes/{scheme}"),
    ("GET", "/api-auth/apps/{slug}/keys?include_inactive=true"),
    ("POST", "/api-auth/apps/{slug}/keys"),
    ("POST", "/api-auth/apps/{slug}/keys/{key_id}/revoke"),
    ("POST", "/api-auth/apps/{slug}/keys/{key_id}/rotate"),
    ("GET", "/api-auth/apps/{slug}/audit/logs"),
    ("GET", "/api-auth/apps/{slug}/audit/analytics"),
    ("GET", "/api-auth/apps/{slug}/audit/timeseries"),
]


@st.composite
def _requests(draw: st.DrawFn) -> list[tuple[str, str, dict[str, Any] | None]]:
    """A few requests as A, each a route filled with identifiers drawn by index from both worlds' pools."""
    out = []
    for _ in range(draw(st.integers(1, 6))):
        method, template = draw(st.sampled_from(ROUTES))
        picks = {name: draw(st.integers(0, 3)) for name in ("slug", "key_id", "scheme")}
        slug = draw(st.sampled_from([*B_APPS, "a-app", "fresh"]))
        body = {
            "app_slug": slug,
            "slug": draw(st.sampled_from([B_SCHEME, "a-scheme"])),
            "name": "A",
            "key_prefix": "sk_a",
            "rules": [{"unit": "minute", "duration": 1, "max_requests": 3}],
            "rate_limit_scheme_slug": draw(st.sampled_from([B_SCHEME, None])),
        }
        out.append((method, template, {"picks": picks, "body": body if method in ("POST", "PATCH") else None}))
    return out


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_requests())
def test_nothing_of_b_reaches_a_and_a_changes_nothing_of_b(
    requests: list[tuple[str, str, dict[str, Any]]],
) -> None:
    (live, live_ids), (gone, gone_ids) = _world(taken_away=False), _world(taken_away=True)
    assert live_ids == gone_ids  # the same ids were handed out in both worlds
    b_before = _b_state(live)
    a_live, a_gone = live.client(deployment=1), gone.client(deployment=1)
    for method, template, extra in requests:
        fields = {name: live_ids[name][i % len(live_ids[name])] for name, i in extra["picks"].items()}
        url = template.format(**fields)
        live_answer, gone_answer = (client.request(method, url, json=extra["body"]) for client in (a_live, a_gone))
        assert live_answer.status_code == gone_answer.status_code, (method, url)
        assert _unsecret(live_answer.content) == _unsecret(gone_answer.content), (method, url)
    assert _b_state(live) == b_before
