"""Audit details of backend-behaviour.md §15.5, as production's queries compute them over microsecond rows
(queries/src/api_key_audit.rs at 14c45dc7): ``cursor_id`` without ``cursor_ts`` adds no keyset condition,
``next_cursor`` carries the last row's time in whole milliseconds (``timestamp_millis``), and ``week`` buckets start
on Sunday (ClickHouse ``toStartOfWeek``, mode 0).

The mock already answered these; the tests guard them and check that the named rules fire.
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from conftest import Mock, ok

from wacht_mock import Firing, VirtualClock

LOGS = "/api-auth/apps/billing/audit/logs"
TIMESERIES = "/api-auth/apps/billing/audit/timeseries"


def _at(day: int, hour: int, minute: int, second: int, micros: int) -> datetime:
    return datetime(2026, 6, day, hour, minute, second, micros, tzinfo=UTC)


@pytest.fixture
def decide(api: httpx.Client, gw: httpx.Client, clock: VirtualClock) -> Any:
    """A function that records one allowed decision at an instant and returns its request id."""
    ok(api.post("/api-auth/apps", json={"app_slug": "billing", "name": "Billing", "key_prefix": "sk_live"}))
    secret = ok(api.post("/api-auth/apps/billing/keys", json={"name": "K"}))["secret"]

    def at(instant: datetime) -> str:
        clock.set(instant)
        body = {"principal": {"type": "api_key", "value": secret}, "resource": "/a", "method": "GET"}
        return str(ok(gw.post("/v1/authz/check", json=body))["request_id"])

    return at


def _fired(mock: Mock, rule_id: str) -> bool:
    return Firing(rule_id, "applied") in mock.harness.journal.entries[-1].rules


def test_next_cursor_is_milliseconds_so_the_rest_of_that_millisecond_is_skipped(
    mock: Mock, api: httpx.Client, decide: Any, clock: VirtualClock
) -> None:
    a = decide(_at(12, 10, 0, 0, 122999))
    b = decide(_at(12, 10, 0, 0, 123000))
    c = decide(_at(12, 10, 0, 0, 123200))
    d = decide(_at(12, 10, 0, 0, 123456))
    e = decide(_at(12, 10, 0, 0, 124000))
    assert a < b < c < d < e
    clock.set(_at(12, 11, 0, 0, 0))
    first = ok(api.get(LOGS, params={"limit": "2"}))
    assert [r["request_id"] for r in first["data"]] == [e, d]
    assert first["data"][1]["timestamp"] == "2026-06-12T10:00:00.123456Z"
    assert first["has_more"] is True
    # "<epoch ms>|<request id>": 2026-06-12T10:00:00.123Z, the microseconds dropped
    padded = first["next_cursor"] + "=" * (-len(first["next_cursor"]) % 4)
    assert base64.urlsafe_b64decode(padded).decode() == f"1781258400123|{d}"
    assert _fired(mock, "audit.logs.next_cursor_millisecond_precision")
    # timestamp < .123000, or exactly .123000 with a smaller id: c (.123200) is never shown
    second = ok(api.get(LOGS, params={"limit": "2", "cursor": first["next_cursor"]}))
    assert [r["request_id"] for r in second["data"]] == [b, a]
    assert second["has_more"] is False
    # the same keyset spelled as cursor_ts + cursor_id
    spelled = ok(api.get(LOGS, params={"limit": "2", "cursor_ts": "2026-06-12T10:00:00.123Z", "cursor_id": d}))
    assert spelled == second


def test_cursor_id_alone_is_ignored_and_the_offset_applies(mock: Mock, api: httpx.Client, decide: Any) -> None:
    ids = [decide(_at(12, 10, 0, second, 0)) for second in range(4)]
    newest_first = ids[::-1]
    for cursor_id in (ids[0], ids[3], "", "req_0", "zzz"):
        page = ok(api.get(LOGS, params={"cursor_id": cursor_id, "offset": "1", "limit": "2"}))
        assert [r["request_id"] for r in page["data"]] == newest_first[1:3]
        assert page["has_more"] is True
        assert _fired(mock, "audit.logs.cursor_id_alone_ignored")
    assert ok(api.get(LOGS, params={"offset": "1", "limit": "2"}))["data"] == page["data"]
    assert not _fired(mock, "audit.logs.cursor_id_alone_ignored")


def test_weeks_start_on_sunday_at_midnight(mock: Mock, api: httpx.Client, decide: Any, clock: VirtualClock) -> None:
    decide(_at(6, 23, 59, 59, 999999))  # Saturday 2026-06-06: the week of Sunday 2026-05-31
    decide(_at(7, 0, 0, 0, 0))  # Sunday 2026-06-07: a new week
    decide(_at(8, 0, 0, 0, 0))  # Monday: still the week of 2026-06-07 (not an ISO week)
    decide(_at(13, 23, 59, 59, 999999))  # the next Saturday: still that week
    clock.set(_at(14, 0, 0, 0, 0))
    buckets = ok(api.get(TIMESERIES, params={"interval": "week"}))["data"]
    assert [(b["timestamp"], b["total_requests"]) for b in buckets] == [
        ("2026-05-31T00:00:00Z", 1),
        ("2026-06-07T00:00:00Z", 3),
    ]
    assert _fired(mock, "audit.timeseries.weeks_start_on_sunday")
