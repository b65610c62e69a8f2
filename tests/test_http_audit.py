"""HTTP contract of the audit endpoints with no traffic yet (backend-behaviour.md §2.2, §11)."""

from __future__ import annotations

import base64
from typing import Any

import httpx
import pytest
from conftest import Mock, error

APP = "/api-auth/apps/app1"
LOGS = f"{APP}/audit/logs"
ANALYTICS = f"{APP}/audit/analytics"
TIMESERIES = f"{APP}/audit/timeseries"
APP_NOT_FOUND = error(404, "API key app not found")
BAD_REQUEST = error(400, "Bad request")
INVALID_CURSOR = error(400, "invalid cursor")

EMPTY_LOGS = {"data": [], "limit": 100, "has_more": False, "next_cursor": None}
EMPTY_ANALYTICS = {
    "total_requests": 0,
    "allowed_requests": 0,
    "blocked_requests": 0,
    "success_rate": 0.0,
    "keys_used_24h": 0,
}


def cursor(text: str) -> str:
    """A cursor as production writes it: base64url without padding."""
    return base64.urlsafe_b64encode(text.encode()).rstrip(b"=").decode()


# DateTime::from_timestamp_millis accepts -262143-01-01T00:00:00Z ..= +262142-12-31T23:59:59.999Z (chrono 0.4.35+).
CHRONO_MIN_MS = -8_334_601_228_800_000
CHRONO_MAX_MS = 8_210_266_876_799_999
_B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
VALID = cursor("1|req")  # "MXxyZXE": 7 characters, so its last one carries 2 unused bits
# The same bytes with a non-zero unused bit: lenient decoders accept it, Rust's base64 engine does not.
NON_CANONICAL = VALID[:-1] + _B64[_B64.index(VALID[-1]) + 1]


@pytest.fixture
def app(api: httpx.Client) -> httpx.Client:
    """Deployment 1 with the app ``app1``; returns the client."""
    resp = api.post("/api-auth/apps", json={"app_slug": "app1", "name": "App", "key_prefix": "sk_live"})
    assert resp.status_code == 200, resp.text
    return api


# Logs


def test_get_api_audit_logs_empty(app: httpx.Client) -> None:
    resp = app.get(LOGS)
    assert resp.status_code == 200
    assert resp.json() == EMPTY_LOGS
    assert list(resp.json()) == ["data", "limit", "has_more", "next_cursor"]


@pytest.mark.parametrize(
    ("limit", "echoed"),
    [("0", 1), ("1", 1), ("50", 50), ("1000", 1000), ("1001", 1000), ("5000", 1000), ("4294967295", 1000)],
)
def test_get_api_audit_logs_clamps_limit(app: httpx.Client, limit: str, echoed: int) -> None:
    resp = app.get(LOGS, params={"limit": limit})
    assert (resp.status_code, resp.json()) == (200, {**EMPTY_LOGS, "limit": echoed})


@pytest.mark.parametrize(
    "params",
    [
        pytest.param({"outcome": "allowed"}, id="outcome-allowed"),
        pytest.param({"outcome": "blocked"}, id="outcome-blocked"),
        pytest.param({"outcome": "bogus"}, id="outcome-unknown-ignored"),
        pytest.param({"offset": "10"}, id="offset"),
        pytest.param({"key_id": "7351234567890123456"}, id="key-id"),
        pytest.param({"key_id": "-5"}, id="key-id-negative"),
        pytest.param({"start_date": "2026-06-01T00:00:00Z", "end_date": "2026-06-12T00:00:00.5Z"}, id="dates"),
        pytest.param({"start_date": "2026-06-01T00:00:00+02:00"}, id="encoded-plus-offset"),
        pytest.param({"end_date": "2026-06-01T00:00:00-02:00"}, id="end-date-alone"),
        pytest.param({"cursor_ts": "2026-06-01T00:00:00Z", "cursor_id": "req_1"}, id="cursor-ts-and-id"),
        pytest.param({"cursor_id": ""}, id="cursor-id-empty"),
        pytest.param({"cursor": cursor("1781259630123|req_7351")}, id="cursor"),
        pytest.param({"cursor": cursor("0|")}, id="cursor-epoch-empty-id"),
        pytest.param({"cursor": cursor("-5|a|b")}, id="cursor-negative-ms-pipe-in-id"),
        pytest.param({"cursor": cursor(f"{CHRONO_MIN_MS}|x")}, id="cursor-chrono-min"),
        pytest.param({"cursor": cursor(f"{CHRONO_MAX_MS}|x")}, id="cursor-chrono-max"),
        pytest.param({"cursor": cursor("1|x"), "cursor_ts": "2026-06-01T00:00:00Z"}, id="cursor-overrides-ts"),
        pytest.param({"unknown": "whatever"}, id="unknown-param"),
    ],
)
def test_get_api_audit_logs_accepts_query(app: httpx.Client, params: dict[str, str]) -> None:
    resp = app.get(LOGS, params=params)
    assert (resp.status_code, resp.json()) == (200, EMPTY_LOGS)


@pytest.mark.parametrize(
    "query",
    [
        pytest.param("limit=-1", id="limit-negative"),
        pytest.param("limit=abc", id="limit-text"),
        pytest.param("limit=", id="limit-empty"),
        pytest.param("limit=1.5", id="limit-float"),
        pytest.param("limit=4294967296", id="limit-over-u32"),
        pytest.param("limit=1&limit=2", id="limit-twice"),
        pytest.param("offset=-1", id="offset-negative"),
        pytest.param("key_id=abc", id="key-id-text"),
        pytest.param("key_id=1.5", id="key-id-float"),
        pytest.param("key_id=9223372036854775808", id="key-id-overflow"),
        pytest.param("start_date=garbage", id="start-date-garbage"),
        pytest.param("start_date=2026-06-01", id="start-date-date-only"),
        pytest.param("start_date=2026-06-01T00:00:00", id="start-date-no-offset"),
        pytest.param("start_date=2026-06-01T00:00:00+02:00", id="start-date-unencoded-plus"),
        pytest.param("end_date=yesterday", id="end-date-garbage"),
        pytest.param("cursor_ts=1", id="cursor-ts-number"),
    ],
)
def test_get_api_audit_logs_bad_query_is_400(app: httpx.Client, query: str) -> None:
    resp = app.get(f"{LOGS}?{query}")
    assert (resp.status_code, resp.json()) == (400, BAD_REQUEST)


@pytest.mark.parametrize(
    "value",
    [
        pytest.param("!!!", id="not-base64"),
        pytest.param(cursor("no pipe here"), id="no-pipe"),
        pytest.param(cursor("abc|req"), id="ms-not-integer"),
        pytest.param(cursor("1.5|req"), id="ms-float"),
        pytest.param(cursor("|req"), id="ms-empty"),
        pytest.param(cursor("99999999999999999999|req"), id="ms-overflow"),
        pytest.param(cursor(f"{CHRONO_MAX_MS + 1}|req"), id="ms-just-beyond-chrono-range"),
        pytest.param(cursor(f"{CHRONO_MIN_MS - 1}|req"), id="ms-just-before-chrono-range"),
        pytest.param(cursor("9223372036854775807|req"), id="ms-beyond-chrono-range"),
        pytest.param(cursor("-9223372036854775808|req"), id="ms-before-chrono-range"),
        pytest.param(VALID + "=", id="padded"),
        pytest.param("A", id="one-char"),
        pytest.param(VALID[:3] + "!" + VALID[3:], id="foreign-char-inside"),
        pytest.param(cursor("1|x") + "!!!!", id="foreign-chars-a-lenient-decoder-skips"),
        pytest.param(cursor("1|x")[:2] + "  " + cursor("1|x")[2:] + "..", id="spaces-and-dots"),
        pytest.param(cursor("1|???").replace("_", "/"), id="standard-alphabet-slash"),
        pytest.param(cursor("1|>>>").replace("-", "+"), id="standard-alphabet-plus"),
        pytest.param(NON_CANONICAL, id="non-canonical-trailing-bits"),
        pytest.param(base64.urlsafe_b64encode(b"\xff\xfe|x").rstrip(b"=").decode(), id="not-utf8"),
    ],
)
def test_get_api_audit_logs_invalid_cursor(app: httpx.Client, value: str) -> None:
    resp = app.get(LOGS, params={"cursor": value})
    assert (resp.status_code, resp.json()) == (400, INVALID_CURSOR)


def test_get_api_audit_logs_empty_cursor_is_invalid(app: httpx.Client) -> None:
    # base64 of "" decodes to "", which has no '|'.
    assert app.get(f"{LOGS}?cursor=").json() == INVALID_CURSOR


def test_get_api_audit_logs_cursor_is_checked_after_the_app(api: httpx.Client) -> None:
    resp = api.get("/api-auth/apps/missing/audit/logs", params={"cursor": "!!!"})
    assert (resp.status_code, resp.json()) == (404, APP_NOT_FOUND)


def test_get_api_audit_logs_query_is_checked_before_the_app(api: httpx.Client) -> None:
    assert api.get("/api-auth/apps/missing/audit/logs?limit=-1").json() == BAD_REQUEST


# Analytics


def test_get_api_audit_analytics_empty(app: httpx.Client) -> None:
    resp = app.get(ANALYTICS)
    assert resp.status_code == 200
    assert resp.json() == EMPTY_ANALYTICS
    assert list(resp.json()) == list(EMPTY_ANALYTICS)
    assert '"success_rate":0.0' in resp.text


SECTIONS = {
    "include_top_keys": {"top_keys": []},
    "include_top_paths": {"top_paths": []},
    "include_blocked_reasons": {"blocked_reasons": []},
    "include_rate_limits": {"rate_limit_stats": {"total_hits": 0, "percentage_of_blocked": 0.0}},
}


@pytest.mark.parametrize("flag", list(SECTIONS))
def test_get_api_audit_analytics_optional_section_only_when_asked(app: httpx.Client, flag: str) -> None:
    resp = app.get(ANALYTICS, params={flag: "true"})
    assert (resp.status_code, resp.json()) == (200, {**EMPTY_ANALYTICS, **SECTIONS[flag]})
    assert app.get(ANALYTICS, params={flag: "false"}).json() == EMPTY_ANALYTICS


def test_get_api_audit_analytics_all_sections_in_order(app: httpx.Client) -> None:
    resp = app.get(ANALYTICS, params={flag: "true" for flag in reversed(list(SECTIONS))})
    body = resp.json()
    expected: dict[str, Any] = dict(EMPTY_ANALYTICS)
    for section in SECTIONS.values():
        expected.update(section)
    assert body == expected
    assert list(body) == list(expected)
    assert list(body["rate_limit_stats"]) == ["total_hits", "percentage_of_blocked"]
    assert '"percentage_of_blocked":0.0' in resp.text


@pytest.mark.parametrize(
    "params",
    [
        pytest.param({"top_limit": "0"}, id="top-limit-zero"),
        pytest.param({"top_limit": "500"}, id="top-limit-large"),
        pytest.param({"key_id": "12"}, id="key-id"),
        pytest.param({"start_date": "2026-06-01T00:00:00Z", "end_date": "2026-06-30T00:00:00Z"}, id="dates"),
        pytest.param({"interval": "day"}, id="unknown-param"),
    ],
)
def test_get_api_audit_analytics_accepts_query(app: httpx.Client, params: dict[str, str]) -> None:
    assert app.get(ANALYTICS, params=params).json() == EMPTY_ANALYTICS


@pytest.mark.parametrize(
    "query",
    [
        pytest.param("include_top_keys=yes", id="flag-yes"),
        pytest.param("include_top_paths=1", id="flag-one"),
        pytest.param("include_blocked_reasons=TRUE", id="flag-upper"),
        pytest.param("include_rate_limits=", id="flag-empty"),
        pytest.param("top_limit=-1", id="top-limit-negative"),
        pytest.param("top_limit=ten", id="top-limit-text"),
        pytest.param("key_id=x", id="key-id-text"),
        pytest.param("start_date=garbage", id="start-date-garbage"),
        pytest.param("end_date=2026-13-01T00:00:00Z", id="end-date-month-13"),
    ],
)
def test_get_api_audit_analytics_bad_query_is_400(app: httpx.Client, query: str) -> None:
    resp = app.get(f"{ANALYTICS}?{query}")
    assert (resp.status_code, resp.json()) == (400, BAD_REQUEST)


# Timeseries


@pytest.mark.parametrize(
    ("query", "interval"),
    [
        pytest.param("", "hour", id="default"),
        pytest.param("interval=minute", "minute", id="minute"),
        pytest.param("interval=hour", "hour", id="hour"),
        pytest.param("interval=day", "day", id="day"),
        pytest.param("interval=week", "week", id="week"),
        pytest.param("interval=month", "month", id="month"),
        pytest.param("interval=bogus", "hour", id="bogus"),
        pytest.param("interval=DAY", "hour", id="case-sensitive"),
        pytest.param("interval=%20day", "hour", id="not-trimmed"),
        pytest.param("interval=", "hour", id="empty"),
        pytest.param("interval=year", "hour", id="year"),
        pytest.param("interval=week&key_id=5&start_date=2026-06-01T00:00:00Z", "week", id="with-filters"),
    ],
)
def test_get_api_audit_timeseries_interval(app: httpx.Client, query: str, interval: str) -> None:
    resp = app.get(f"{TIMESERIES}?{query}")
    assert resp.status_code == 200
    assert resp.json() == {"data": [], "interval": interval}
    assert list(resp.json()) == ["data", "interval"]


@pytest.mark.parametrize(
    "query",
    [
        pytest.param("start_date=garbage", id="start-date"),
        pytest.param("end_date=2026-06-01", id="end-date"),
        pytest.param("key_id=1.5", id="key-id"),
        pytest.param("interval=day&interval=week", id="interval-twice"),
    ],
)
def test_get_api_audit_timeseries_bad_query_is_400(app: httpx.Client, query: str) -> None:
    resp = app.get(f"{TIMESERIES}?{query}")
    assert (resp.status_code, resp.json()) == (400, BAD_REQUEST)


# App lookup, shared by all three


@pytest.mark.parametrize("path", ["logs", "analytics", "timeseries"])
def test_audit_unknown_app_is_404(api: httpx.Client, path: str) -> None:
    resp = api.get(f"/api-auth/apps/missing/audit/{path}")
    assert (resp.status_code, resp.json()) == (404, APP_NOT_FOUND)


@pytest.mark.parametrize("path", ["logs", "analytics", "timeseries"])
def test_audit_deleted_app_is_404(app: httpx.Client, path: str) -> None:
    assert app.delete(APP).json() == {}
    resp = app.get(f"{APP}/audit/{path}")
    assert (resp.status_code, resp.json()) == (404, APP_NOT_FOUND)


@pytest.mark.parametrize("path", ["logs", "analytics", "timeseries"])
def test_audit_inactive_app_works(app: httpx.Client, path: str) -> None:
    assert app.patch(APP, json={"is_active": False}).status_code == 200
    assert app.get(f"{APP}/audit/{path}").status_code == 200


@pytest.mark.parametrize("path", ["logs", "analytics", "timeseries"])
def test_audit_app_of_another_deployment_is_404(mock: Mock, app: httpx.Client, path: str) -> None:
    with mock.client(5) as other:
        assert other.get(f"{APP}/audit/{path}").json() == APP_NOT_FOUND


@pytest.mark.parametrize("path", ["logs", "analytics", "timeseries"])
def test_audit_wrong_method_is_405(app: httpx.Client, path: str) -> None:
    resp = app.post(f"{APP}/audit/{path}", json={})
    assert (resp.status_code, resp.json()) == (405, error(405, "Method not allowed"))
