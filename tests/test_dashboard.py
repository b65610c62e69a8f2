"""The dashboard at ``/_mock/``: the page and its assets as the mock serves them, and the data it polls
(``/_mock/dashboard.json``) computed from the state, the virtual clock, the journal and the faults.

The page in a real browser is tests/test_dashboard_browser.py.
"""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any

import httpx
import pytest
from conftest import T0, Mock, make_app, make_key, ok

from wacht_mock import Fault
from wacht_mock.models import format_timestamp

SCHEME = {"slug": "tight", "name": "Tight", "rules": [{"unit": "minute", "duration": 1, "max_requests": 1}]}


def check(api: httpx.Client, secret: str) -> dict[str, Any]:
    body = {"principal": {"type": "api_key", "value": secret}, "resource": "/orders", "method": "GET"}
    return ok(api.post("/v1/authz/check", json=body))


def data(api: httpx.Client) -> dict[str, Any]:
    response = api.get("/_mock/dashboard.json")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    body: dict[str, Any] = response.json()
    return body


def the_app(body: dict[str, Any], slug: str, deployment: int = 1) -> dict[str, Any]:
    dep = next(d for d in body["deployments"] if d["id"] == deployment)
    app: dict[str, Any] = next(a for a in dep["apps"] if a["app_slug"] == slug)
    return app


@pytest.fixture
def tenant(mock: Mock, api: httpx.Client) -> dict[str, str]:
    """Deployment 1 with a rate-limited app, three keys (active, expiring, revoked) and two gateway decisions."""
    ok(api.post("/api-auth/rate-limit-schemes", json=SCHEME))
    make_app(api, "orders", key_prefix="ord", rate_limit_scheme_slug="tight")
    live = make_key(api, "orders", name="Live")
    soon = make_key(api, "orders", name="Soon", expires_at=format_timestamp(T0 + timedelta(minutes=5)))
    gone = make_key(api, "orders", name="Gone")
    ok(api.post(f"/api-auth/apps/orders/keys/{gone['id']}/revoke", json={"reason": "leaked"}))
    assert check(api, live["secret"])["allowed"] is True
    assert check(api, live["secret"])["allowed"] is False  # the scheme allows one a minute
    return {"live": live["secret"], "soon": soon["secret"], "gone": gone["secret"]}


def test_dashboard_json_shows_plan_secret_schemes_apps_and_keys(mock: Mock, api: httpx.Client, tenant: Any) -> None:
    body = data(api)
    assert body["clock"] == {"now": format_timestamp(T0), "ticking": False}
    assert [d["id"] for d in body["deployments"]] == [1, 2, 3, 4, 5]
    dep = body["deployments"][0]
    assert (dep["plan"], dep["secret"]) == ("growth", mock.secret(1))
    assert dep["schemes"] == [
        {
            "slug": "tight",
            "name": "Tight",
            "description": None,
            "rules": [{"unit": "minute", "duration": 1, "max_requests": 1, "priority": 0}],
        }
    ]
    app = the_app(body, "orders")
    assert (app["name"], app["key_prefix"], app["rate_limit_scheme_slug"], app["deleted"]) == (
        "orders",
        "ord",
        "tight",
        False,
    )
    keys = {k["name"]: k for k in app["keys"]}
    assert [k["name"] for k in app["keys"]] == ["Gone", "Soon", "Live"]  # newest first
    assert {name: k["state"] for name, k in keys.items()} == {"Live": "active", "Soon": "active", "Gone": "revoked"}
    assert keys["Gone"]["revoked_reason"] == "leaked"
    assert keys["Soon"]["expires_at"] == format_timestamp(T0 + timedelta(minutes=5))


def test_dashboard_json_never_carries_a_key_secret_or_hash(mock: Mock, api: httpx.Client, tenant: Any) -> None:
    text = api.get("/_mock/dashboard.json").text + api.get("/_mock/").text
    for secret in tenant.values():
        assert secret not in text
        assert secret[len("ord_") :] not in text
    for key in mock.backend.deployment(1).keys.values():
        assert key.key_hash not in text
        assert f"{key.key_prefix}" in text and key.key_suffix in text


def test_key_state_follows_the_virtual_clock(api: httpx.Client, tenant: Any) -> None:
    assert {k["name"]: k["state"] for k in the_app(data(api), "orders")["keys"]}["Soon"] == "active"
    ok(api.post("/_mock/clock", json={"advance_ms": 5 * 60_000}))
    assert {k["name"]: k["state"] for k in the_app(data(api), "orders")["keys"]}["Soon"] == "active"  # at the instant
    ok(api.post("/_mock/clock", json={"advance_ms": 1}))
    assert {k["name"]: k["state"] for k in the_app(data(api), "orders")["keys"]}["Soon"] == "expired"


def test_app_audit_counts_chart_and_recent_decisions(api: httpx.Client, tenant: Any) -> None:
    audit = the_app(data(api), "orders")["audit"]
    assert (audit["allowed"], audit["blocked"]) == (1, 1)
    chart = audit["chart"]
    assert chart["span_hours"] == 1
    assert len(chart["allowed"]) == len(chart["blocked"]) == 24
    assert (sum(chart["allowed"]), sum(chart["blocked"])) == (1, 1)
    assert chart["allowed"][-1] == chart["blocked"][-1] == 1  # both happened now
    assert [(r["outcome"], r["allowed"]) for r in audit["recent"]] == [("BLOCKED", False), ("VALID", True)]
    assert audit["recent"][0]["blocked_by_rule"] == "1/60s"
    assert audit["recent"][0]["key_name"] == "Live"

    ok(api.post("/_mock/clock", json={"advance_ms": 3 * 3_600_000 + 1}))
    chart = the_app(data(api), "orders")["audit"]["chart"]
    assert chart["span_hours"] == 4  # from the first decision, rounded up to whole hours
    # 4 h in 24 buckets of 10 min: a decision 3 h and 1 ms ago falls in the bucket of 50-60 min after the start
    assert chart["allowed"] == [0] * 5 + [1] + [0] * 18
    assert chart["blocked"] == [0] * 5 + [1] + [0] * 18


def test_journal_is_newest_first_with_the_rules_that_fired(api: httpx.Client, tenant: Any) -> None:
    api.get("/api-auth/apps/nope")
    journal = data(api)["journal"]
    assert journal["total"] == 9
    newest = journal["entries"][0]
    assert (newest["method"], newest["path"], newest["status"], newest["operation"]) == (
        "GET",
        "/api-auth/apps/nope",
        404,
        "getApiAuthApp",
    )
    assert {"rule": "apps.lookup.not_found", "outcome": "deny"} in newest["rules"]
    assert journal["entries"][-1]["operation"] == "createRateLimitScheme"


def test_faults_listed_while_active_and_gone_once_spent(mock: Mock, api: httpx.Client) -> None:
    mock.harness.faults.add(Fault("error", operation="listApiAuthApps", status=503, count=2))
    mock.harness.faults.add(Fault("latency", latency_ms=5, ratio=0.0))
    faults = data(api)["faults"]
    assert faults == api.get("/_mock/faults").json()["faults"]  # the page lists what the control plane lists
    assert [(f["kind"], f["operation"], f["status"], f["latency_ms"], f["fired"]) for f in faults] == [
        ("error", "listApiAuthApps", 503, None, 0),
        ("latency", None, None, 5, 0),
    ]
    assert [(f["count"], f["remaining"], f["ratio"]) for f in faults] == [(2, 2, None), (None, None, 0.0)]
    assert api.get("/api-auth/apps").status_code == 503
    assert data(api)["faults"][0]["remaining"] == 1
    assert api.get("/api-auth/apps").status_code == 503
    assert [f["kind"] for f in data(api)["faults"]] == ["latency"]


def test_operations_for_the_fault_form(api: httpx.Client) -> None:
    operations = data(api)["operations"]
    assert operations == sorted(operations)
    assert {"createApiKey", "checkAuthz", "listApiAuthApps"} <= set(operations)


def test_page_is_served_with_its_data_and_loads_nothing_from_elsewhere(api: httpx.Client, tenant: Any) -> None:
    page = api.get("/_mock/")
    assert page.status_code == 200
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    assert "default-src 'self'" in page.headers["content-security-policy"]
    assert not re.search(r"(src|href)=\"(https?:)?//", page.text)
    embedded = re.search(r'<script type="application/json" id="initial-data">(.*?)</script>', page.text, re.S)
    assert embedded is not None
    initial = json.loads(embedded.group(1))
    assert the_app(initial, "orders")["name"] == "orders"
    for asset, media in [("dashboard.css", "text/css"), ("dashboard.js", "text/javascript")]:
        response = api.get(f"/_mock/assets/{asset}")
        assert response.status_code == 200
        assert response.headers["content-type"].startswith(media)
        assert "http://" not in response.text.replace("http://www.w3.org/2000/svg", "")
        assert "https://" not in response.text


def test_embedded_data_cannot_close_the_script_element(api: httpx.Client) -> None:
    make_app(api, "evil", name="</script><script>alert(1)</script><!--")
    page = api.get("/_mock/").text
    assert page.count("</script>") == 2  # the page's own script tag and the data's, nothing from the data
    assert "<!--" not in page
    embedded = re.search(r'id="initial-data">(.*?)</script>', page, re.S)
    assert embedded is not None
    assert the_app(json.loads(embedded.group(1)), "evil")["name"] == "</script><script>alert(1)</script><!--"


def test_misuse_of_dashboard_paths(api: httpx.Client) -> None:
    missing = api.get("/_mock/assets/secrets.txt")
    assert missing.status_code == 404
    assert missing.json() == {"errors": [{"message": "Not found", "code": 404}]}
    wrong = api.post("/_mock/", content=b"{}", headers={"content-type": "application/json"})
    assert wrong.status_code == 405
    assert api.post("/_mock/dashboard.json", json={}).status_code == 405
    bare = api.get("/_mock", follow_redirects=False)
    assert (bare.status_code, bare.headers["location"]) == (308, "/_mock/")
