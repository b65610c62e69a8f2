"""Concurrency over real HTTP (issue 15): waves of requests held at a gate until all are inside the server, then
let through together. Whatever order the server runs them in, the outcome must be production's: one winner of a
unique slug, exactly N allows of an N-per-window limit, one winner of a rotate/revoke race. Each check runs on a
few seeds; the journal (each request's tag) says in which order the server ran them, and the first one run must
be the winner."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from concurrency import Req, Rig, error

APPS = "/api-auth/apps"
SCHEMES = "/api-auth/rate-limit-schemes"
CHECK = "/v1/authz/check"
ROTATE_LOST = error(404, "API key not found or inactive")
REVOKE_LOST = error(404, "API key not found or already revoked")


@pytest.fixture
def rigs() -> Iterator[Callable[[int], Rig]]:
    """Start a ``Rig`` for a seed; every one started is stopped after the test."""
    started: list[Rig] = []

    def start(seed: int) -> Rig:
        started.append(Rig(seed))
        return started[-1]

    yield start
    for rig in started:
        rig.stop()


def ok(response: httpx.Response) -> Any:
    assert response.status_code == 200, response.text
    return response.json()


def by_status(answers: list[httpx.Response]) -> Counter[int]:
    return Counter(a.status_code for a in answers)


def winner(rig: Rig, reqs: list[Req], answers: list[httpx.Response]) -> Req:
    """The one request answered 200, which must be the first the server ran."""
    won = [r for r, a in zip(reqs, answers, strict=True) if a.status_code == 200]
    assert len(won) == 1, [a.status_code for a in answers]
    assert rig.journal_order(reqs)[0] == won[0]
    return won[0]


@pytest.mark.parametrize(("seed", "n"), [(1, 200), (2, 120), (3, 60)])
def test_same_slug_creates_have_one_winner_and_the_rest_get_productions_409(
    rigs: Callable[[int], Rig], seed: int, n: int
) -> None:
    rig = rigs(seed)
    body = {"app_slug": "shop", "key_prefix": "sk_live"}
    reqs = [rig.tagged("POST", APPS, {**body, "name": f"Shop {i}"}) for i in range(n)]
    answers = rig.wave(reqs)
    assert by_status(answers) == {200: 1, 409: n - 1}
    assert {a.content for a in answers if a.status_code == 409} == {
        b'{"errors":[{"message":"Resource already exists","code":409}]}'
    }
    assert all(a.headers["content-type"] == "application/json" for a in answers)
    won = winner(rig, reqs, answers)
    with rig.client() as client:
        listed = ok(client.get(APPS, params={"include_inactive": "true", "limit": 100}))
    assert [(a["app_slug"], a["name"]) for a in listed["data"]] == [("shop", won.json["name"])]


@pytest.mark.parametrize(("seed", "limit", "checks"), [(1, 1, 80), (2, 40, 120), (3, 100, 180)])
def test_a_limit_of_n_per_window_allows_exactly_n_of_concurrent_checks(
    rigs: Callable[[int], Rig], seed: int, limit: int, checks: int
) -> None:
    rig = rigs(seed)
    rule = {"unit": "minute", "duration": 1, "max_requests": limit}
    with rig.client() as client:
        ok(client.post(SCHEMES, json={"slug": "s", "name": "S", "rules": [rule]}))
        ok(
            client.post(
                APPS, json={"app_slug": "shop", "name": "Shop", "key_prefix": "sk_live", "rate_limit_scheme_slug": "s"}
            )
        )
        secret = ok(client.post(f"{APPS}/shop/keys", json={"name": "k"}))["secret"]
    check = {"principal": {"type": "api_key", "value": secret}, "resource": "/orders", "method": "GET"}
    reqs = [rig.tagged("POST", CHECK, check) for _ in range(checks)]
    decisions = [ok(a) for a in rig.wave(reqs)]  # the frozen virtual clock keeps every check in one window
    name = f"{limit}/60s"
    verdicts = Counter((d["allowed"], d["reason"], d["blocked_rule"], d["retry_after"]) for d in decisions)
    assert verdicts == {(True, None, None, None): limit, (False, "rate_limited", name, 60_000): checks - limit}
    allowed = [d for d in decisions if d["allowed"]]
    assert sorted(d["rate_limits"][0]["remaining"] for d in allowed) == list(range(limit))
    # The server ran the allowed ones first, counting down.
    decision_of = {r.tag: d for r, d in zip(reqs, decisions, strict=True)}
    in_order = [decision_of[r.tag] for r in rig.journal_order(reqs)]
    assert [d["allowed"] for d in in_order] == [True] * limit + [False] * (checks - limit)
    assert [d["rate_limits"][0]["remaining"] for d in in_order[:limit]] == list(range(limit - 1, -1, -1))
    # The audit holds one row per check, with the outcome each caller was told.
    with rig.client() as client:
        rows = ok(client.get(f"{APPS}/shop/audit/logs", params={"limit": 1000}))["data"]
        totals = ok(client.get(f"{APPS}/shop/audit/analytics"))
    told = {d["request_id"]: ("VALID", None) if d["allowed"] else ("BLOCKED", name) for d in decisions}
    assert {r["request_id"]: (r["outcome"], r["blocked_by_rule"]) for r in rows} == told
    assert len(rows) == checks
    assert (totals["total_requests"], totals["allowed_requests"], totals["blocked_requests"]) == (
        checks,
        limit,
        checks - limit,
    )


@pytest.mark.parametrize(("seed", "rotates", "revokes"), [(1, 30, 30), (2, 60, 0), (3, 0, 60), (4, 5, 55)])
def test_concurrent_rotates_and_revokes_of_one_key_have_one_winner(
    rigs: Callable[[int], Rig], seed: int, rotates: int, revokes: int
) -> None:
    rig = rigs(seed)
    with rig.client() as client:
        ok(client.post(APPS, json={"app_slug": "shop", "name": "Shop", "key_prefix": "sk_live"}))
        key = ok(client.post(f"{APPS}/shop/keys", json={"name": "k", "permissions": ["read"]}))
    path = f"{APPS}/shop/keys/{key['id']}"
    reqs = [rig.tagged("POST", f"{path}/rotate", {}) for _ in range(rotates)]
    reqs += [rig.tagged("POST", f"{path}/revoke", {"reason": f"r{i}"}) for i in range(revokes)]
    reqs = reqs[::2] + reqs[1::2]  # rotates and revokes interleaved in the order sent
    answers = rig.wave(reqs)
    won = winner(rig, reqs, answers)
    for req, answer in zip(reqs, answers, strict=True):
        if req is not won:
            assert (answer.status_code, answer.json()) == (404, ROTATE_LOST if "rotate" in req.path else REVOKE_LOST)
    answer = answers[reqs.index(won)]
    with rig.client() as client:
        keys = ok(client.get(f"{APPS}/shop/keys", params={"include_inactive": "true"}))["keys"]
        active = ok(client.get(f"{APPS}/shop/keys"))["keys"]
    old = next(k for k in keys if k["id"] == key["id"])
    assert old["is_active"] is False
    if won.path.endswith("/rotate"):
        new = answer.json()
        assert old["revoked_reason"] == "Rotated"
        assert [(k["id"], k["name"], k["permissions"]) for k in active] == [(new["id"], "k", ["read"])]
        assert len(keys) == 2
    else:
        assert answer.json() == {}
        assert old["revoked_reason"] == won.json["reason"]
        assert (active, len(keys)) == ([], 1)
