"""Timestamps as chrono 0.4.42 reads and writes them and Postgres stores them (backend-behaviour.md §15.2): the relaxed
RFC 3339 parser for body and query fields, 4-digit years on output, and instants beyond Python's years 1 to 9999."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from conftest import Mock, make_app, make_key, ok

from wacht_mock import Backend, Firing, parse_seed
from wacht_mock.store import snapshot
from wacht_mock.timestamps import FarInstant, format_timestamp, parse_instant

APPS = "/api-auth/apps"
LOGS = f"{APPS}/app1/audit/logs"
SERVER_ERROR = {"errors": [{"message": "Something went wrong", "code": 500}]}


@pytest.mark.parametrize(
    ("sent", "stored"),
    [
        pytest.param("2027-01-02T03:04:05Z", "2027-01-02T03:04:05Z", id="strict"),
        pytest.param("2027-1-2T3:4:5Z", "2027-01-02T03:04:05Z", id="no-padding"),
        pytest.param("2027-01-02 03:04:05z", "2027-01-02T03:04:05Z", id="space-separator-lower-z"),
        pytest.param("2027-01-02t03:04:05Z", "2027-01-02T03:04:05Z", id="lower-t"),
        pytest.param("  2027 - 01 -02T03: 04 :05  Z  ", "2027-01-02T03:04:05Z", id="spaces-everywhere"),
        pytest.param("2027-01-02T03:04:05UTC", "2027-01-02T03:04:05Z", id="utc"),
        pytest.param("2027-01-02T03:04:05 uTc", "2027-01-02T03:04:05Z", id="utc-any-case"),
        pytest.param("2027-01-02T03:04:05+0130", "2027-01-02T01:34:05Z", id="offset-without-colon"),
        pytest.param("2027-01-02T03:04:05+01 :: 30", "2027-01-02T01:34:05Z", id="offset-colons-and-spaces"),
        pytest.param("2027-01-02T03:04:05\u221201:00", "2027-01-02T04:04:05Z", id="unicode-minus"),
        pytest.param("+2027-01-02T03:04:05Z", "2027-01-02T03:04:05Z", id="signed-year"),
        pytest.param("+12027-01-02T03:04:05Z", "+12027-01-02T03:04:05Z", id="five-digit-year"),
        pytest.param("-0044-03-15T12:00:00Z", "-0044-03-15T12:00:00Z", id="negative-year"),
        pytest.param("0005-01-01T00:00:00Z", "0005-01-01T00:00:00Z", id="year-5-padded"),
        pytest.param("5-01-01T00:00:00Z", "0005-01-01T00:00:00Z", id="year-5-unpadded"),
        pytest.param("0001-01-01T00:00:00+01:00", "0000-12-31T23:00:00Z", id="offset-into-year-0"),
        pytest.param("9999-12-31T23:59:59-01:00", "+10000-01-01T00:59:59Z", id="offset-into-year-10000"),
        pytest.param("2027-01-02T03:04:05.1234567891Z", "2027-01-02T03:04:05.123456Z", id="many-digits"),
        pytest.param("2016-12-31T23:59:60.5Z", "2017-01-01T00:00:00.500Z", id="leap-second"),
        pytest.param("-262143-01-01T00:00:00Z", "-262143-01-01T00:00:00Z", id="chrono-min"),
        pytest.param("+262142-12-31T23:59:59.999999999Z", "+262142-12-31T23:59:59.999999Z", id="chrono-max"),
    ],
)
def test_parse_rfc3339_relaxed(sent: str, stored: str) -> None:
    assert format_timestamp(parse_instant(sent)) == stored


@pytest.mark.parametrize(
    "sent",
    [
        pytest.param("2027-01-02T03:04:05", id="no-offset"),
        pytest.param("12027-01-02T03:04:05Z", id="unsigned-five-digit-year"),
        pytest.param("2027-02-29T00:00:00Z", id="no-such-day"),
        pytest.param("2027-01-02T24:00:00Z", id="hour-24"),
        pytest.param("2027-01-02T03:04:05+24:00", id="offset-a-day"),
        pytest.param("2027-01-02T03:04:05+01", id="offset-without-minutes"),
        pytest.param("2027-01-02T03:04:05+ 01:00", id="space-after-sign"),
        pytest.param("2027-01-02T03:04:05+01:60", id="offset-minutes-60"),
        pytest.param("2027-01-02T03:04:05.Z", id="empty-fraction"),
        pytest.param("2027-01-02T03:04:05Zx", id="trailing"),
        pytest.param("2027-01-02 T03:04:05Z", id="space-before-t"),
        pytest.param("\x1c2027-01-02T03:04:05Z", id="python-only-whitespace"),
        pytest.param("-262144-12-31T23:59:59Z", id="before-chrono-min"),
        pytest.param("-262143-01-01T00:00:00+01:00", id="offset-before-chrono-min"),
        pytest.param("+262143-01-01T00:00:00Z", id="after-chrono-max"),
    ],
)
def test_parse_rfc3339_relaxed_refuses(sent: str) -> None:
    with pytest.raises(ValueError):
        parse_instant(sent)


def test_far_instants_compare_with_datetimes() -> None:
    now = datetime(2026, 6, 12, tzinfo=UTC)
    past, future = parse_instant("-0001-01-01T00:00:00Z"), parse_instant("+10000-01-01T00:00:00Z")
    assert isinstance(past, FarInstant) and isinstance(future, FarInstant)
    assert past < now < future and future > now > past and past <= now <= future


@pytest.mark.parametrize(
    ("sent", "shown"),
    [
        pytest.param("2027-1-2 3:4:5 +0000", "2027-01-02T03:04:05Z", id="relaxed"),
        pytest.param("0005-01-01T00:00:00Z", "0005-01-01T00:00:00Z", id="year-5"),
        pytest.param("0001-01-01T00:00:00Z", "0001-01-01T00:00:00Z", id="year-1"),
        pytest.param("0001-01-01T00:00:00+01:00", "0000-12-31T23:00:00Z", id="year-0"),
        pytest.param("9999-12-31T23:59:59Z", "9999-12-31T23:59:59Z", id="year-9999"),
        pytest.param("9999-12-31T23:59:59-01:00", "+10000-01-01T00:59:59Z", id="year-10000"),
        pytest.param("-4713-11-24T00:00:00Z", "-4713-11-24T00:00:00Z", id="postgres-min"),
    ],
)
def test_create_api_key_expires_at_as_chrono_reads_and_writes_it(api: httpx.Client, sent: str, shown: str) -> None:
    make_app(api)
    key = make_key(api, expires_at=sent)
    assert key["expires_at"] == shown
    rotated = ok(api.post(f"{APPS}/app1/keys/{key['id']}/rotate", json={}))
    assert rotated["expires_at"] == shown
    listed = ok(api.get(f"{APPS}/app1/keys", params={"include_inactive": "true"}))
    assert [k["expires_at"] for k in listed["keys"]] == [shown, shown]


def test_create_api_key_expires_at_before_postgres_range_is_500(api: httpx.Client) -> None:
    make_app(api)
    resp = api.post(f"{APPS}/app1/keys", json={"name": "k", "expires_at": "-4713-11-23T23:59:59.999999Z"})
    assert (resp.status_code, resp.json()) == (500, SERVER_ERROR)
    assert ok(api.get(f"{APPS}/app1/keys"))["keys"] == []


@pytest.mark.parametrize(
    ("expires_at", "allowed"),
    [
        pytest.param("0001-01-01T00:00:00+01:00", False, id="year-0"),
        pytest.param("-262143-01-01T00:00:00Z", None, id="before-postgres"),
        pytest.param("9999-12-31T23:59:59-01:00", True, id="year-10000"),
        pytest.param("+262142-12-31T23:59:59Z", True, id="chrono-max"),
    ],
)
def test_gateway_expiry_beyond_python_years(
    api: httpx.Client, gw: httpx.Client, expires_at: str, allowed: bool | None
) -> None:
    make_app(api)
    resp = api.post(f"{APPS}/app1/keys", json={"name": "k", "expires_at": expires_at})
    if allowed is None:
        assert resp.status_code == 500
        return
    secret = ok(resp)["secret"]
    answer = gw.post(
        "/v1/authz/check", json={"principal": {"type": "api_key", "value": secret}, "resource": "/x", "method": "GET"}
    )
    assert answer.status_code == (200 if allowed else 401), answer.text
    assert answer.json()["allowed"] is allowed


def test_far_expiry_survives_a_snapshot(mock: Mock, api: httpx.Client) -> None:
    make_app(api)
    make_key(api, expires_at="+10000-01-01T00:00:00Z")
    make_key(api, expires_at="-0001-01-01T00:00:00Z")
    doc = snapshot.export_state(mock.backend)
    again = Backend(parse_seed(doc), clock=mock.backend.clock)
    assert snapshot.export_state(again) == doc
    keys: list[dict[str, Any]] = doc["deployments"][0]["apps"][0]["keys"]
    assert sorted(k["expires_at"] for k in keys) == ["+10000-01-01T00:00:00Z", "-0001-01-01T00:00:00Z"]


@pytest.fixture
def audited(api: httpx.Client, gw: httpx.Client) -> httpx.Client:
    """App ``app1`` with one audited gateway decision at the virtual now (2026-06-12T10:20:30.123456Z)."""
    make_app(api)
    secret = make_key(api)["secret"]
    ok(
        gw.post(
            "/v1/authz/check",
            json={"principal": {"type": "api_key", "value": secret}, "resource": "/x", "method": "GET"},
        )
    )
    return api


@pytest.mark.parametrize(
    ("params", "rows"),
    [
        pytest.param({"start_date": "2026-6-1 0:0:0 utc"}, 1, id="start-relaxed"),
        pytest.param({"start_date": "2026-06-13T00:00:00+0000"}, 0, id="start-relaxed-after"),
        pytest.param({"start_date": "0001-01-01T00:00:00+01:00"}, 1, id="start-year-0"),
        pytest.param({"start_date": "-262143-01-01T00:00:00Z"}, 1, id="start-chrono-min"),
        pytest.param({"start_date": "9999-12-31T23:59:59-01:00"}, 0, id="start-year-10000"),
        pytest.param({"start_date": "2026-06-01T00:00:00Z", "end_date": "9999-12-31T23:59:59-01:00"}, 1, id="end-far"),
        pytest.param(
            {"start_date": "-0001-01-01T00:00:00Z", "end_date": "0001-01-01T00:00:00+01:00"}, 0, id="end-year-0"
        ),
        pytest.param({"cursor_ts": "9999-12-31T23:59:59-01:00"}, 1, id="cursor-year-10000"),
        pytest.param({"cursor_ts": "+262142-12-31T23:59:59Z"}, 1, id="cursor-chrono-max"),
        pytest.param({"cursor_ts": "0001-01-01T00:00:00+01:00"}, 0, id="cursor-year-0"),
        pytest.param({"cursor_ts": " 2026-06-12 10:20:31 \u221200:00 "}, 1, id="cursor-relaxed"),
    ],
)
def test_audit_query_timestamps_as_chrono_reads_them(audited: httpx.Client, params: dict[str, str], rows: int) -> None:
    assert len(ok(audited.get(LOGS, params=params))["data"]) == rows
    if "cursor_ts" not in params:
        for route in ("analytics", "timeseries"):
            assert ok(audited.get(f"{APPS}/app1/audit/{route}", params=params))


# §15.2, form by form and field by field: each relaxed spelling of 2026-06-12T10:20:31Z (a second after the audited
# decision) and of 10:20:30Z (just before it), read by the one parser behind expires_at, start_date, end_date and
# cursor_ts, lands on that instant.
RELAXED_FORMS = {
    "no-padding": "2026-6-12T10:20:{s}Z",
    "signed-year": "+2026-06-12T10:20:{s}Z",
    "utc-any-case": "2026-06-12T10:20:{s}uTc",
    "spaces-between-and-around": "  2026 - 06 -12T10: 20 :{s}  Z ",
    "offset-without-colon": "2026-06-12T11:20:{s}+0100",
    "unicode-minus": "2026-06-12T09:20:{s}\u221201:00",
}


@pytest.mark.parametrize("form", RELAXED_FORMS.values(), ids=RELAXED_FORMS.keys())
def test_every_relaxed_form_in_every_timestamp_field(mock: Mock, audited: httpx.Client, form: str) -> None:
    before, after = form.format(s="30"), form.format(s="31")
    key = make_key(audited, expires_at=after)
    assert key["expires_at"] == "2026-06-12T10:20:31Z"
    assert Firing("timestamps.parse_rfc3339_relaxed", "applied") in mock.harness.journal.entries[-1].rules
    # start_date: rows at or after it; end_date (with a start): rows before it; cursor_ts: rows before it
    for params, rows in (
        ({"start_date": before}, 1),
        ({"start_date": after}, 0),
        ({"start_date": "2026-06-01T00:00:00Z", "end_date": after}, 1),
        ({"start_date": "2026-06-01T00:00:00Z", "end_date": before}, 0),
        ({"cursor_ts": after}, 1),
        ({"cursor_ts": before}, 0),
    ):
        assert len(ok(audited.get(LOGS, params=params))["data"]) == rows, params
        assert Firing("timestamps.parse_rfc3339_relaxed", "applied") in mock.harness.journal.entries[-1].rules


@pytest.mark.parametrize(
    ("sent", "fired"),
    [
        pytest.param("0005-01-01T00:00:00Z", True, id="year-5-zero-padded"),
        pytest.param("9999-12-31T23:59:59-01:00", True, id="year-10000-signed"),
        pytest.param("2027-01-02T03:04:05Z", False, id="year-2027-as-python-prints-it"),
    ],
)
def test_the_4_digit_year_names_its_rule(mock: Mock, api: httpx.Client, sent: str, fired: bool) -> None:
    make_app(api)
    make_key(api, expires_at=sent)
    rule = Firing("timestamps.year_written_with_4_digits", "applied")
    assert (rule in mock.harness.journal.entries[-1].rules) is fired
