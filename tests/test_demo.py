"""``wacht-mock serve --demo``: a realistic tenant, the same for the same now, with traffic over the past week."""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta

import httpx
from conftest import T0
from serve_subprocess import start
from state_helpers import check, ok

from wacht_mock import WachtMock
from wacht_mock.demo import demo_seed
from wacht_mock.models import parse_timestamp


def test_the_demo_is_the_same_for_the_same_now_and_moves_with_it() -> None:
    assert demo_seed(T0) == demo_seed(T0)
    later, _ = demo_seed(T0 + timedelta(days=1))
    assert later != demo_seed(T0)[0]


def test_the_demo_has_apps_schemes_a_dozen_varied_keys_and_a_week_of_decisions() -> None:
    document, working = demo_seed(T0)
    mock = WachtMock(seed=document, now=T0)
    d = mock.backend.deployment(1)
    assert len([a for a in d.apps.values() if a.deleted_at is None]) >= 3 and len(d.schemes) >= 2
    keys = list(d.keys.values())
    assert len(keys) == 12
    assert len([k for k in keys if k.expires_at is not None and k.expires_at < T0]) >= 2
    assert [k.revoked_reason for k in keys if not k.is_active].count("Rotated") == 1
    assert len([k for k in keys if not k.is_active and k.revoked_reason != "Rotated"]) == 1
    assert 200 <= len(d.audit) <= 1000
    assert all(T0 - timedelta(days=7) <= r.timestamp <= T0 for r in d.audit)
    assert {r.outcome for r in d.audit} == {"VALID", "BLOCKED"}
    assert (
        min(len({r.path for r in d.audit}), len({r.client_ip for r in d.audit}), len({r.user_agent for r in d.audit}))
        >= 5
    )
    with mock.client() as http:
        analytics = ok(http.get("/api-auth/apps/billing-api/audit/analytics"))
        days = ok(http.get("/api-auth/apps/billing-api/audit/timeseries?interval=day"))["data"]
        assert analytics["allowed_requests"] > 0 and analytics["blocked_requests"] > 0
        assert len(days) >= 7
        for key in working:  # every printed key works
            assert ok(check(http, key.secret))["identity"]["app_slug"] == key.app_slug


def test_serve_demo_prints_working_keys() -> None:
    server = start("--demo", lines=12)
    try:
        assert server.banner[3] == "  demo keys (POST /v1/authz/check with one as principal.value):"
        secret = server.banner[4].rsplit(": ", 1)[1]
        with httpx.Client(base_url=server.url, timeout=10) as http:
            assert ok(check(http, secret))["allowed"] is True
            backend = {"authorization": "Bearer " + server.banner[1].rsplit(" ", 1)[1]}
            assert len(ok(http.get("/api-auth/apps/billing-api/audit/logs", headers=backend))["data"]) >= 50
    finally:
        server.stop()


def test_demo_with_seed_is_a_one_line_usage_error() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "wacht_mock", "serve", "--demo", "--seed", "x.yaml"], capture_output=True, text=True
    )
    assert done.returncode == 2
    assert (
        done.stderr == "wacht-mock: error: argument --seed: not allowed with argument --demo (see wacht-mock --help)\n"
    )


def test_the_demo_timestamps_are_rfc3339() -> None:
    document, _ = demo_seed(T0)
    assert all(parse_timestamp(r["timestamp"]) <= T0 for r in document["deployments"][0]["audit"])
