"""Audit reads over real gateway traffic (backend-behaviour.md §11, /tmp/notes/audit.md): a scripted sequence of
decisions by two keys of one app, then logs, analytics and timeseries compared with values worked out by hand."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple

import httpx
import pytest
from conftest import Mock, ok

from wacht_mock import VirtualClock

APP = "/api-auth/apps/shop"
LOGS = f"{APP}/audit/logs"
ANALYTICS = f"{APP}/audit/analytics"
TIMESERIES = f"{APP}/audit/timeseries"
CHECK = "/v1/authz/check"

# Scheme "s": 2 per minute per key and path on /orders ("2/60s"); 100 per day per app on /users ("100/86400s").
RULES = [
    {"unit": "minute", "duration": 1, "max_requests": 2, "mode": "per_key", "endpoints": ["/orders"]},
    {"unit": "day", "duration": 1, "max_requests": 100, "endpoints": ["/users"]},
]
NAMES = {"A": "Alpha", "B": "Beta"}


def orders(remaining: int) -> list[dict[str, Any]]:
    return [{"rule": "2/60s", "remaining": remaining, "limit": 2}]


def users(remaining: int) -> list[dict[str, Any]]:
    return [{"rule": "100/86400s", "remaining": remaining, "limit": 100}]


class Event(NamedTuple):
    """One gateway check and the audit row it must leave (worked out by hand)."""

    at: datetime
    key: str
    method: str
    resource: str
    user_agent: str
    client_ip: str
    required: list[str] | None
    outcome: str
    blocked_by_rule: str | None
    path: str
    rate_limits: list[dict[str, Any]]
    timestamp: str
    epoch_ms: int


def _t(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0, micros: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, micros, tzinfo=UTC)


_T0 = _t(2026, 6, 12, 10, 20, 30, 123456)  # conftest's T0, a Friday
EVENTS = [
    # 0: a Sunday, one millisecond before midnight; outside the 7-day logs window at read time, inside the 30 days
    Event(_t(2026, 5, 31, 23, 59, 59, 999000), "A", "GET", "/users", "curl/8", "10.0.0.1", None,
          "VALID", None, "GET /users", users(99), "2026-05-31T23:59:59.999Z", 1780271999999),
    # 1: exactly on the 7-day boundary at read time; no rule matches /health
    Event(_t(2026, 6, 6, 0, 1, 0), "A", "DELETE", "/health", "curl/8", "10.0.0.1", None,
          "VALID", None, "DELETE /health", [], "2026-06-06T00:01:00Z", 1780704060000),
    Event(_T0, "A", "GET", "/orders", "curl/8", "10.0.0.1", None,
          "VALID", None, "GET /orders", orders(1), "2026-06-12T10:20:30.123456Z", 1781259630123),
    Event(_T0 + timedelta(seconds=1), "A", " post ", "orders?page=2", "curl/8", "10.0.0.1", None,
          "VALID", None, "POST /orders", orders(0), "2026-06-12T10:20:31.123456Z", 1781259631123),
    Event(_T0 + timedelta(seconds=2), "A", "GET", "/orders", "curl/8", "10.0.0.1", None,
          "BLOCKED", "2/60s", "GET /orders", orders(0), "2026-06-12T10:20:32.123456Z", 1781259632123),
    Event(_T0 + timedelta(seconds=3), "B", "GET", "/orders", "sdk/1", "10.0.0.2", None,
          "VALID", None, "GET /orders", orders(1), "2026-06-12T10:20:33.123456Z", 1781259633123),
    Event(_T0 + timedelta(seconds=4), "B", "GET", "/users", "sdk/1", "10.0.0.2", ["admin"],
          "BLOCKED", "permission_denied", "GET /users", [], "2026-06-12T10:20:34.123456Z", 1781259634123),
    # 7: event 0 is more than a day old, so the per-app /users counter is empty again
    Event(_T0 + timedelta(seconds=5), "A", "GET", "/users", "curl/8", "10.0.0.1", ["read"],
          "VALID", None, "GET /users", users(99), "2026-06-12T10:20:35.123456Z", 1781259635123),
    # 8, 9: the next hour, at the same instant (ordered by request id)
    Event(_t(2026, 6, 12, 11, 5, 0, 500000), "B", "POST", "/orders", "sdk/2", "10.0.0.3", None,
          "VALID", None, "POST /orders", orders(1), "2026-06-12T11:05:00.500Z", 1781262300500),
    Event(_t(2026, 6, 12, 11, 5, 0, 500000), "A", "GET", "/users", "curl/8", "10.0.0.1", None,
          "VALID", None, "GET /users", users(98), "2026-06-12T11:05:00.500Z", 1781262300500),
    # 10-13: the next day (a Saturday)
    Event(_t(2026, 6, 13), "A", "GET", "/orders", "curl/8", "10.0.0.1", None,
          "VALID", None, "GET /orders", orders(1), "2026-06-13T00:00:00Z", 1781308800000),
    Event(_t(2026, 6, 13, 0, 1, 0, 250000), "B", "GET", "/orders", "sdk/2", "10.0.0.3", None,
          "VALID", None, "GET /orders", orders(1), "2026-06-13T00:01:00.250Z", 1781308860250),
    Event(_t(2026, 6, 13, 0, 1, 0, 250000), "B", "GET", "/orders", "sdk/2", "10.0.0.3", None,
          "VALID", None, "GET /orders", orders(0), "2026-06-13T00:01:00.250Z", 1781308860250),
    Event(_t(2026, 6, 13, 0, 1, 0, 250000), "B", "GET", "/orders", "sdk/2", "10.0.0.3", None,
          "BLOCKED", "2/60s", "GET /orders", orders(0), "2026-06-13T00:01:00.250Z", 1781308860250),
]  # fmt: skip
READ_AT = _t(2026, 6, 13, 0, 1, 0, 900000)  # logs window from 2026-06-06T00:01:00Z, 30 days from 2026-05-14T00:01:00Z


@dataclass
class Traffic:
    """What the script produced: request ids by event, key ids by key letter, and the clients."""

    api: httpx.Client
    gw: httpx.Client
    clock: VirtualClock
    request_ids: list[str]
    key_ids: dict[str, str]
    secrets: dict[str, str]

    def row(self, n: int) -> dict[str, Any]:
        e = EVENTS[n]
        return {
            "request_id": self.request_ids[n],
            "deployment_id": "1",
            "app_slug": "shop",
            "key_id": self.key_ids[e.key],
            "key_name": NAMES[e.key],
            "outcome": e.outcome,
            "blocked_by_rule": e.blocked_by_rule,
            "client_ip": e.client_ip,
            "path": e.path,
            "user_agent": e.user_agent,
            "rate_limits": e.rate_limits,
            "timestamp": e.timestamp,
        }

    def rows(self, *ns: int) -> list[dict[str, Any]]:
        return [self.row(n) for n in ns]

    def cursor(self, n: int) -> str:
        """``base64url("<epoch ms>|<request id>")`` without padding."""
        text = f"{EVENTS[n].epoch_ms}|{self.request_ids[n]}"
        return base64.urlsafe_b64encode(text.encode()).rstrip(b"=").decode()

    def page(self, *ns: int, limit: int = 100, has_more: bool = False) -> dict[str, Any]:
        return {
            "data": self.rows(*ns),
            "limit": limit,
            "has_more": has_more,
            "next_cursor": self.cursor(ns[-1]) if ns else None,
        }


def _check_body(secret: str, e: Event) -> dict[str, Any]:
    body: dict[str, Any] = {
        "principal": {"type": "api_key", "value": secret},
        "resource": e.resource,
        "method": e.method,
        "user_agent": e.user_agent,
        "client_ip": e.client_ip,
    }
    if e.required is not None:
        body["required_permissions"] = e.required
    return body


@pytest.fixture
def traffic(mock: Mock, api: httpx.Client, clock: VirtualClock) -> Iterator[Traffic]:
    """Run the script (asserting every decision on the way) and leave the clock at READ_AT."""
    clock.set(_t(2026, 5, 31, 23))
    ok(api.post("/api-auth/rate-limit-schemes", json={"slug": "s", "name": "S", "rules": RULES}))
    app = {"app_slug": "shop", "name": "Shop", "key_prefix": "sk_live", "rate_limit_scheme_slug": "s"}
    ok(api.post("/api-auth/apps", json=app))
    a = ok(api.post(f"{APP}/keys", json={"name": "Alpha", "permissions": ["read"]}))
    b = ok(api.post(f"{APP}/keys", json={"name": "Beta"}))
    secrets = {"A": a["secret"], "B": b["secret"]}
    request_ids: list[str] = []
    with mock.client(None) as gw:
        for n, e in enumerate(EVENTS):
            clock.set(e.at)
            decision = ok(gw.post(CHECK, json=_check_body(secrets[e.key], e)))
            got = (decision["allowed"], decision["blocked_rule"], decision["rate_limits"])
            assert got == (e.outcome == "VALID", e.blocked_by_rule, e.rate_limits), f"event {n}"
            request_ids.append(decision["request_id"])
            if n == 7:  # early exits, none of which is audited
                assert gw.post(CHECK, json={**_check_body(secrets["A"], e), "method": "TRACE"}).status_code == 400
                assert gw.post(CHECK, json={**_check_body(secrets["A"], e), "resource": " ?q"}).status_code == 400
                unknown = _check_body("sk_live_" + "x" * 43, e)
                assert gw.post(CHECK, json=unknown).text == "Invalid API key"
        clock.set(READ_AT)
        yield Traffic(api, gw, clock, request_ids, {"A": a["id"], "B": b["id"]}, secrets)


# Logs


def test_logs_default_is_the_last_7_days_newest_first_then_request_id_descending(traffic: Traffic) -> None:
    resp = traffic.api.get(LOGS)
    # 13 rows: event 0 is older than 7 days; the three early exits left nothing; 11 before 10:20 (same instant:
    # the larger request id first), 9 before 8.
    assert ok(resp) == traffic.page(13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1)
    assert list(resp.json()["data"][0]) == list(traffic.row(13))
    assert traffic.request_ids[13] > traffic.request_ids[12] > traffic.request_ids[11]


def test_logs_paging_with_limit_2_follows_next_cursor_until_has_more_is_false(traffic: Traffic) -> None:
    expected_pages = [(13, 12), (11, 10), (9, 8), (7, 6), (5, 4), (3, 2), (1,)]
    params: dict[str, str] = {"limit": "2"}
    for i, page in enumerate(expected_pages):
        body = ok(traffic.api.get(LOGS, params=params))
        assert body == traffic.page(*page, limit=2, has_more=i < len(expected_pages) - 1), f"page {i}"
        params["cursor"] = body["next_cursor"]
    # the last page's cursor (always set when there is data) leads to an empty page
    assert ok(traffic.api.get(LOGS, params=params)) == {"data": [], "limit": 2, "has_more": False, "next_cursor": None}


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        pytest.param({"outcome": "allowed"}, (12, 11, 10, 9, 8, 7, 5, 3, 2, 1), id="allowed"),
        pytest.param({"outcome": "blocked"}, (13, 6, 4), id="blocked"),
        pytest.param({"outcome": "BLOCKED"}, (13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1), id="unknown-outcome"),
        pytest.param({"key_id": "A"}, (10, 9, 7, 4, 3, 2, 1), id="key-a"),
        pytest.param({"key_id": "B"}, (13, 12, 11, 8, 6, 5), id="key-b"),
        pytest.param({"key_id": "A", "outcome": "blocked"}, (4,), id="key-a-blocked"),
        pytest.param({"key_id": "B", "outcome": "allowed", "limit": "2"}, (12, 11, 8, 5), id="key-b-allowed-limit"),
        pytest.param(
            {"start_date": "2026-06-12T11:05:00.5Z", "end_date": "2026-06-13T00:00:00Z"}, (10, 9, 8), id="inclusive"
        ),
        pytest.param(
            {"start_date": "2026-06-12T11:05:00.500001Z", "end_date": "2026-06-12T23:59:59.999999Z"}, (), id="between"
        ),
        pytest.param(
            {"end_date": "2026-06-12T00:00:00Z"}, (13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1), id="end-date-alone"
        ),
        pytest.param({"start_date": "2026-06-13T00:00:00Z"}, (13, 12, 11, 10), id="start-date-alone"),
        pytest.param(
            {"start_date": "2026-05-31T23:59:59.999Z"},
            (13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0),
            id="start-date-reaches-back",
        ),
        pytest.param({"start_date": "2026-05-31T23:59:59.999001Z"}, tuple(range(13, 0, -1)), id="start-date-micros"),
        pytest.param({"start_date": "2026-06-14T00:00:00Z"}, (), id="future"),
    ],
)
def test_logs_filters(traffic: Traffic, params: dict[str, str], expected: tuple[int, ...]) -> None:
    query = {k: traffic.key_ids[v] if k == "key_id" else v for k, v in params.items()}
    limit = int(params.get("limit", "100"))
    shown = expected[:limit]
    assert ok(traffic.api.get(LOGS, params=query)) == traffic.page(*shown, limit=limit, has_more=len(expected) > limit)


def test_logs_offset_and_the_keyset_cursor_forms(traffic: Traffic) -> None:
    def logs(**params: str) -> dict[str, Any]:
        page: dict[str, Any] = ok(traffic.api.get(LOGS, params=params))
        return page

    rid9 = traffic.request_ids[9]
    assert logs(offset="11") == traffic.page(2, 1)
    assert logs(offset="10", limit="2") == traffic.page(3, 2, limit=2, has_more=True)
    assert logs(offset="13") == traffic.page()
    # a cursor is "strictly before (timestamp, request id)" and turns the offset off
    assert logs(cursor=traffic.cursor(9), offset="5") == traffic.page(8, 7, 6, 5, 4, 3, 2, 1)
    assert logs(cursor=traffic.cursor(8)) == traffic.page(7, 6, 5, 4, 3, 2, 1)
    assert logs(cursor_ts="2026-06-12T11:05:00.5Z", cursor_id=rid9) == traffic.page(8, 7, 6, 5, 4, 3, 2, 1)
    assert logs(cursor_ts="2026-06-12T11:05:00.5Z", offset="6") == traffic.page(7, 6, 5, 4, 3, 2, 1)
    # cursor_id alone is ignored (and the offset applies)
    assert logs(cursor_id=rid9, offset="12") == traffic.page(1)
    # a decoded cursor overrides cursor_ts and cursor_id
    assert logs(cursor=traffic.cursor(12), cursor_ts="2026-06-12T11:05:00.5Z", cursor_id=rid9) == traffic.page(
        11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1
    )


def test_logs_default_window_starts_at_now_truncated_to_the_second_minus_7_days(traffic: Traffic) -> None:
    # at READ_AT (00:01:00.900) the window starts at 2026-06-06T00:01:00Z exactly, so event 1 is in
    assert ok(traffic.api.get(LOGS, params={"key_id": traffic.key_ids["A"]}))["data"][-1] == traffic.row(1)
    traffic.clock.set(_t(2026, 6, 13, 0, 1, 0, 999999))
    assert ok(traffic.api.get(LOGS, params={"limit": "20"}))["data"][-1] == traffic.row(1)
    traffic.clock.set(_t(2026, 6, 13, 0, 1, 1))
    assert ok(traffic.api.get(LOGS)) == traffic.page(13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2)
    traffic.clock.set(_t(2026, 6, 20, 0, 1, 0, 250000))  # window from 2026-06-13T00:01:00Z
    assert ok(traffic.api.get(LOGS)) == traffic.page(13, 12, 11)
    traffic.clock.set(_t(2026, 6, 20, 0, 1, 1))
    assert ok(traffic.api.get(LOGS)) == traffic.page()


def test_later_early_exits_leave_no_rows(traffic: Traffic) -> None:
    before = ok(traffic.api.get(LOGS))
    body = _check_body(traffic.secrets["A"], EVENTS[2])
    assert traffic.gw.post(CHECK, json={**body, "resource": "#frag"}).status_code == 400
    assert traffic.gw.post(CHECK, json={**body, "principal": {"type": "api_key", "value": " "}}).status_code == 401
    assert traffic.gw.post(CHECK, json={**body, "principal": {"type": "api_key", "value": "short"}}).status_code == 401
    assert (
        traffic.gw.post(CHECK, json={**body, "principal": {"type": "oauth_access_token", "value": "t"}}).status_code
        == 401
    )
    ok(traffic.api.post(f"{APP}/keys/{traffic.key_ids['B']}/revoke", json={}))
    assert traffic.gw.post(CHECK, json=_check_body(traffic.secrets["B"], EVENTS[5])).status_code == 401
    assert traffic.gw.post(CHECK, content=b"{}", headers={"content-type": "application/json"}).status_code == 422
    assert ok(traffic.api.get(LOGS)) == before


# Analytics

TOTALS = {
    "total_requests": 14,
    "allowed_requests": 11,
    "blocked_requests": 3,
    "success_rate": 78.57142857142857,  # (11 / 14) * 100
    "keys_used_24h": 2,
}
TOP_PATHS = [
    {"path": "GET /orders", "total_requests": 7},
    {"path": "GET /users", "total_requests": 4},
    {"path": "POST /orders", "total_requests": 2},
    {"path": "DELETE /health", "total_requests": 1},
]
BLOCKED_REASONS = [
    {"blocked_by_rule": "2/60s", "count": 2, "percentage": 66.66666666666666},  # (2 / 3) * 100, not 200 / 3
    {"blocked_by_rule": "permission_denied", "count": 1, "percentage": 33.33333333333333},
]
RATE_LIMIT_STATS = {"total_hits": 0, "percentage_of_blocked": 0.0}  # the gateway never writes 'rate_limit:' rules
ALL = {
    "include_top_keys": "true",
    "include_top_paths": "true",
    "include_blocked_reasons": "true",
    "include_rate_limits": "true",
}


def top_keys(traffic: Traffic, limit: int = 10) -> list[dict[str, Any]]:
    return [
        {"key_id": traffic.key_ids["A"], "key_name": "Alpha", "total_requests": 8},
        {"key_id": traffic.key_ids["B"], "key_name": "Beta", "total_requests": 6},
    ][:limit]


def test_analytics_without_options_has_only_the_totals(traffic: Traffic) -> None:
    resp = traffic.api.get(ANALYTICS)
    assert ok(resp) == TOTALS
    assert list(resp.json()) == list(TOTALS)
    assert '"success_rate":78.57142857142857,' in resp.text
    off = {k: "false" for k in ALL}
    assert ok(traffic.api.get(ANALYTICS, params=off)) == TOTALS


def test_analytics_each_optional_section_alone(traffic: Traffic) -> None:
    assert ok(traffic.api.get(ANALYTICS, params={"include_top_keys": "true"})) == {
        **TOTALS,
        "top_keys": top_keys(traffic),
    }
    assert ok(traffic.api.get(ANALYTICS, params={"include_top_paths": "true"})) == {**TOTALS, "top_paths": TOP_PATHS}
    resp = traffic.api.get(ANALYTICS, params={"include_blocked_reasons": "true"})
    assert ok(resp) == {**TOTALS, "blocked_reasons": BLOCKED_REASONS}
    assert '"percentage":66.66666666666666}' in resp.text
    assert ok(traffic.api.get(ANALYTICS, params={"include_rate_limits": "true"})) == {
        **TOTALS,
        "rate_limit_stats": RATE_LIMIT_STATS,
    }


def test_analytics_all_sections_together_in_order(traffic: Traffic) -> None:
    resp = traffic.api.get(ANALYTICS, params=ALL)
    expected = {
        **TOTALS,
        "top_keys": top_keys(traffic),
        "top_paths": TOP_PATHS,
        "blocked_reasons": BLOCKED_REASONS,
        "rate_limit_stats": RATE_LIMIT_STATS,
    }
    assert ok(resp) == expected
    assert list(resp.json()) == list(expected)
    assert list(resp.json()["rate_limit_stats"]) == ["total_hits", "percentage_of_blocked"]  # no empty top_rules


@pytest.mark.parametrize(("top_limit", "n"), [("0", 1), ("1", 1), ("2", 2), ("3", 3), ("50", 4), ("999", 4)])
def test_analytics_top_limit_cuts_every_list_but_not_the_percentages(traffic: Traffic, top_limit: str, n: int) -> None:
    assert ok(traffic.api.get(ANALYTICS, params={**ALL, "top_limit": top_limit})) == {
        **TOTALS,
        "top_keys": top_keys(traffic, n),
        "top_paths": TOP_PATHS[:n],
        "blocked_reasons": BLOCKED_REASONS[:n],
        "rate_limit_stats": RATE_LIMIT_STATS,
    }


def test_analytics_filters_apply_to_everything_but_keys_used_24h(traffic: Traffic) -> None:
    a = traffic.key_ids["A"]
    # (key A's paths tie, and production breaks ties arbitrarily, so top_paths is left out here)
    sections = {"include_top_keys": "true", "include_blocked_reasons": "true", "include_rate_limits": "true"}
    assert ok(traffic.api.get(ANALYTICS, params={**sections, "key_id": a})) == {
        "total_requests": 8,
        "allowed_requests": 7,
        "blocked_requests": 1,
        "success_rate": 87.5,
        "keys_used_24h": 2,
        "top_keys": [{"key_id": a, "key_name": "Alpha", "total_requests": 8}],
        "blocked_reasons": [{"blocked_by_rule": "2/60s", "count": 1, "percentage": 100.0}],
        "rate_limit_stats": RATE_LIMIT_STATS,
    }
    b = ok(traffic.api.get(ANALYTICS, params={"key_id": traffic.key_ids["B"]}))
    assert b == {
        "total_requests": 6,
        "allowed_requests": 4,
        "blocked_requests": 2,
        "success_rate": 66.66666666666666,  # (4 / 6) * 100
        "keys_used_24h": 2,
    }
    window = {"start_date": "2026-06-12T11:00:00Z", "end_date": "2026-06-12T23:59:59.999999Z"}
    assert ok(traffic.api.get(ANALYTICS, params=window)) == {
        "total_requests": 2,
        "allowed_requests": 2,
        "blocked_requests": 0,
        "success_rate": 100.0,
        "keys_used_24h": 2,
    }
    assert ok(traffic.api.get(ANALYTICS, params={"end_date": "2026-06-01T00:00:00Z"})) == TOTALS
    empty = traffic.api.get(ANALYTICS, params={**ALL, "start_date": "2026-07-01T00:00:00Z"})
    assert ok(empty) == {
        "total_requests": 0,
        "allowed_requests": 0,
        "blocked_requests": 0,
        "success_rate": 0.0,
        "keys_used_24h": 2,
        "top_keys": [],
        "top_paths": [],
        "blocked_reasons": [],
        "rate_limit_stats": RATE_LIMIT_STATS,
    }
    assert '"success_rate":0.0,' in empty.text


def test_keys_used_24h_counts_distinct_keys_since_now_truncated_to_the_second_minus_a_day(traffic: Traffic) -> None:
    def keys_used() -> int:
        used: int = ok(traffic.api.get(ANALYTICS, params={"key_id": traffic.key_ids["B"]}))["keys_used_24h"]
        return used

    traffic.clock.set(_t(2026, 6, 14, 0, 0, 0, 999999))  # from 2026-06-13T00:00:00Z: event 10 (A) and 11-13 (B)
    assert keys_used() == 2
    traffic.clock.set(_t(2026, 6, 14, 0, 0, 1))
    assert keys_used() == 1
    traffic.clock.set(_t(2026, 6, 14, 0, 1, 1))
    assert keys_used() == 0


def test_analytics_default_window_is_30_days(traffic: Traffic) -> None:
    # from 2026-05-31T23:59:59Z: event 0 (…59.999) is still in
    traffic.clock.set(_t(2026, 6, 30, 23, 59, 59, 999999))
    assert ok(traffic.api.get(ANALYTICS))["total_requests"] == 14
    traffic.clock.set(_t(2026, 7, 1))
    assert ok(traffic.api.get(ANALYTICS)) == {
        "total_requests": 13,
        "allowed_requests": 10,
        "blocked_requests": 3,
        "success_rate": 76.92307692307693,  # (10 / 13) * 100
        "keys_used_24h": 0,
    }


# Timeseries


def point(timestamp: str, total: int, allowed: int, blocked: int, rate: float) -> dict[str, Any]:
    return {
        "timestamp": timestamp,
        "total_requests": total,
        "allowed_requests": allowed,
        "blocked_requests": blocked,
        "success_rate": rate,
    }


HOURLY = [
    point("2026-05-31T23:00:00Z", 1, 1, 0, 100.0),
    point("2026-06-06T00:00:00Z", 1, 1, 0, 100.0),
    point("2026-06-12T10:00:00Z", 6, 4, 2, 66.66666666666666),
    point("2026-06-12T11:00:00Z", 2, 2, 0, 100.0),
    point("2026-06-13T00:00:00Z", 4, 3, 1, 75.0),
]


@pytest.mark.parametrize(
    ("interval", "echoed", "expected"),
    [
        (
            "minute",
            "minute",
            [
                point("2026-05-31T23:59:00Z", 1, 1, 0, 100.0),
                point("2026-06-06T00:01:00Z", 1, 1, 0, 100.0),
                point("2026-06-12T10:20:00Z", 6, 4, 2, 66.66666666666666),
                point("2026-06-12T11:05:00Z", 2, 2, 0, 100.0),
                point("2026-06-13T00:00:00Z", 1, 1, 0, 100.0),
                point("2026-06-13T00:01:00Z", 3, 2, 1, 66.66666666666666),
            ],
        ),
        ("hour", "hour", HOURLY),
        (None, "hour", HOURLY),
        ("bogus", "hour", HOURLY),
        ("Day", "hour", HOURLY),  # case-sensitive
        ("", "hour", HOURLY),
        (
            "day",
            "day",
            [
                point("2026-05-31T00:00:00Z", 1, 1, 0, 100.0),
                point("2026-06-06T00:00:00Z", 1, 1, 0, 100.0),
                point("2026-06-12T00:00:00Z", 8, 6, 2, 75.0),
                point("2026-06-13T00:00:00Z", 4, 3, 1, 75.0),
            ],
        ),
        (
            # weeks start on Sunday: 2026-05-31 (events 0 and 1, the Saturday), 2026-06-07 (the rest)
            "week",
            "week",
            [point("2026-05-31T00:00:00Z", 2, 2, 0, 100.0), point("2026-06-07T00:00:00Z", 12, 9, 3, 75.0)],
        ),
        (
            "month",
            "month",
            [
                point("2026-05-01T00:00:00Z", 1, 1, 0, 100.0),
                point("2026-06-01T00:00:00Z", 13, 10, 3, 76.92307692307693),
            ],
        ),
    ],
)
def test_timeseries_buckets(
    traffic: Traffic, interval: str | None, echoed: str, expected: list[dict[str, Any]]
) -> None:
    params = {} if interval is None else {"interval": interval}
    resp = traffic.api.get(TIMESERIES, params=params)
    assert ok(resp) == {"data": expected, "interval": echoed}
    assert list(resp.json()) == ["data", "interval"]


def test_timeseries_filters_and_default_window(traffic: Traffic) -> None:
    b = traffic.key_ids["B"]
    assert ok(traffic.api.get(TIMESERIES, params={"interval": "day", "key_id": b})) == {
        "data": [
            point("2026-06-12T00:00:00Z", 3, 2, 1, 66.66666666666666),
            point("2026-06-13T00:00:00Z", 3, 2, 1, 66.66666666666666),
        ],
        "interval": "day",
    }
    window = {"interval": "minute", "start_date": "2026-06-12T11:00:00Z", "end_date": "2026-06-13T00:00:00Z"}
    assert ok(traffic.api.get(TIMESERIES, params=window)) == {
        "data": [point("2026-06-12T11:05:00Z", 2, 2, 0, 100.0), point("2026-06-13T00:00:00Z", 1, 1, 0, 100.0)],
        "interval": "minute",
    }
    assert ok(traffic.api.get(TIMESERIES, params={"end_date": "2026-06-01T00:00:00Z"})) == {
        "data": HOURLY,
        "interval": "hour",
    }
    traffic.clock.set(_t(2026, 7, 1))  # the 30-day window now starts at 2026-06-01T00:00:00Z
    assert ok(traffic.api.get(TIMESERIES, params={"interval": "month"})) == {
        "data": [point("2026-06-01T00:00:00Z", 13, 10, 3, 76.92307692307693)],
        "interval": "month",
    }
