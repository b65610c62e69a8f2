"""A mixed concurrent workload over real HTTP (issue 15), then its acknowledged writes replayed one by one, in the
order the server's journal gives, against a fresh backend built alike (same seed, frozen clock, ids and secret
source): every replayed answer and the final visible state must equal the live ones, ids, secrets and timestamps
included. A write the server let interleave with another would leave a state no sequential order explains."""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from concurrency import Req, Rig, fresh_backend, in_process

APPS = "/api-auth/apps"
SCHEMES = "/api-auth/rate-limit-schemes"
APP_SLUGS = ["a0", "a1", "a2", "b0", "b1", "b2", "b3"]
SCHEME_SLUGS = ["s1", "s2", "s3", "s4"]
KINDS = {
    "app": 3,
    "key": 4,
    "patch app": 3,
    "delete app": 0.5,
    "scheme": 2,
    "patch scheme": 2,
    "delete scheme": 1,
    "rotate": 1.5,
    "revoke": 1,
}
"""How often each kind of write is drawn: few app deletes, since a deleted app's slug stays taken."""
RULE = {"unit": "minute", "duration": 1, "max_requests": 10}


@pytest.fixture(params=[1, 2, 3])
def rig(request: pytest.FixtureRequest) -> Iterator[Rig]:
    started = Rig(request.param)
    yield started
    started.stop()


def set_up(rig: Rig) -> tuple[list[Req], list[str]]:
    """Schemes s1, s2; apps a0-a2 (a1 on s1); two keys each: the requests, and the key paths."""
    reqs = [
        rig.tagged("POST", SCHEMES, {"slug": "s1", "name": "S1", "rules": [RULE]}),
        rig.tagged("POST", SCHEMES, {"slug": "s2", "name": "S2", "rules": [{**RULE, "mode": "per_key"}]}),
    ]
    for slug in APP_SLUGS[:3]:
        app = {"app_slug": slug, "name": slug.upper(), "key_prefix": f"sk_{slug}"}
        reqs.append(rig.tagged("POST", APPS, {**app, "rate_limit_scheme_slug": "s1"} if slug == "a1" else app))
    for slug in APP_SLUGS[:3]:
        reqs += [rig.tagged("POST", f"{APPS}/{slug}/keys", {"name": f"{slug}-{i}"}) for i in range(2)]
    answers = rig.send(reqs)
    assert all(a.status_code == 200 for a in answers), [a.text for a in answers]
    keys = [f"{r.path}/{a.json()['id']}" for r, a in zip(reqs, answers, strict=True) if r.path.endswith("/keys")]
    return reqs, keys


def workload(rig: Rig, keys: list[str], n: int) -> list[Req]:
    """``n`` writes of every kind over a few apps, schemes and keys, many of them bound to clash."""
    rng = random.Random(rig.seed)
    reqs = []
    for i in range(n):
        slug, scheme = rng.choice(APP_SLUGS), rng.choice(SCHEME_SLUGS)
        (kind,) = rng.choices(list(KINDS), weights=list(KINDS.values()))
        if kind == "app":
            body = {"app_slug": slug, "name": f"App {i}", "key_prefix": "sk_live", "rate_limit_scheme_slug": scheme}
            reqs.append(rig.tagged("POST", APPS, body))
        elif kind == "key":
            reqs.append(rig.tagged("POST", f"{APPS}/{slug}/keys", {"name": f"k{i}", "metadata": {"n": i}}))
        elif kind == "patch app":
            body = rng.choice([{"name": f"Renamed {i}"}, {"description": f"d{i}"}, {"rate_limit_scheme_slug": scheme}])
            reqs.append(rig.tagged("PATCH", f"{APPS}/{slug}", body))
        elif kind == "delete app":
            reqs.append(rig.tagged("DELETE", f"{APPS}/{slug}"))
        elif kind == "scheme":
            reqs.append(rig.tagged("POST", SCHEMES, {"slug": scheme, "name": f"S {i}", "rules": [RULE]}))
        elif kind == "patch scheme":
            rule = {**RULE, "max_requests": i + 1}
            reqs.append(rig.tagged("PATCH", f"{SCHEMES}/{scheme}", rng.choice([{"name": f"S {i}"}, {"rules": [rule]}])))
        elif kind == "delete scheme":
            reqs.append(rig.tagged("DELETE", f"{SCHEMES}/{scheme}"))
        elif kind == "rotate":
            reqs.append(rig.tagged("POST", f"{rng.choice(keys)}/rotate", {}))
        else:
            reqs.append(rig.tagged("POST", f"{rng.choice(keys)}/revoke", {"reason": f"r{i}"}))
    return reqs


def visible(client: httpx.Client) -> dict[str, Any]:
    """Everything a caller can read of deployment 1's apps, keys and schemes."""
    reads = [f"{APPS}?include_inactive=true&limit=1000", SCHEMES]
    for slug in APP_SLUGS:
        reads += [f"{APPS}/{slug}", f"{APPS}/{slug}/keys", f"{APPS}/{slug}/keys?include_inactive=true"]
    reads += [f"{SCHEMES}/{slug}" for slug in SCHEME_SLUGS]
    answers = {path: client.get(path) for path in reads}
    return {path: (a.status_code, a.json()) for path, a in answers.items()}


def answer(response: httpx.Response) -> tuple[int, Any]:
    return response.status_code, response.json() if response.content else None


def test_acknowledged_writes_replayed_in_journal_order_give_the_same_answers_and_state(rig: Rig) -> None:
    setup, keys = set_up(rig)
    wave = workload(rig, keys, 160)
    answers = rig.wave(wave)
    acknowledged = {r.tag: a for r, a in zip(wave, answers, strict=True) if a.is_success}
    assert 20 < len(acknowledged) < len(wave), "a workload with neither clashes nor successes shows little"
    with rig.client() as client:
        live = visible(client)
    replay = [r for r in rig.journal_order([*setup, *wave]) if r in setup or r.tag in acknowledged]
    with in_process(fresh_backend(rig.seed)) as client:
        for req in replay:
            again = client.request(req.method, req.path, **req.send_kwargs())
            if req.tag in acknowledged:
                assert answer(again) == answer(acknowledged[req.tag]), req
            else:
                assert again.status_code == 200, (req, again.text)
        assert visible(client) == live
