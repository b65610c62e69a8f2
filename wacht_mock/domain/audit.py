"""Audit reads: ``getApiAuditLogs``, ``getApiAuditAnalytics``, ``getApiAuditTimeseries`` (backend-behaviour.md §11),
computed from the decisions the gateway recorded, as production's ClickHouse queries compute them.

Production's top lists have no tie-break (ClickHouse order is arbitrary); the mock breaks ties by first
appearance. Times are the virtual clock's; the default windows start at ``now`` truncated to the second.
"""

from __future__ import annotations

import base64
import binascii
import re
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import islice
from typing import TypeVar

from ..ids import b64url
from ..rules import rule
from ..timestamps import Instant, micros_of
from ..wire import parse_i64
from .apps import find_app
from .state import AuditRecord, Deployment, epoch_ms, epoch_us

_SRC = "platform/src/application/api_key_audit.rs"
_QUERIES = "queries/src/api_key_audit.rs"

INVALID_CURSOR = rule("audit.logs.cursor_decodes", _SRC, 400, "invalid cursor")
LOGS_LIMIT_CLAMPED = rule("audit.logs.limit_clamped_1_to_1000", _QUERIES)
DEFAULT_WINDOW = rule("audit.default_window_7_days_logs_30_days_others", _QUERIES)
END_DATE_NEEDS_START = rule("audit.end_date_applies_only_with_start_date", _QUERIES)
CURSOR_KEYSET = rule("audit.logs.cursor_is_keyset_before_and_disables_offset", _QUERIES)
NEXT_CURSOR_WHENEVER_DATA = rule("audit.logs.next_cursor_whenever_data", _QUERIES)
TOP_LIMIT_CLAMPED = rule("audit.analytics.top_limit_clamped_1_to_50", _QUERIES)
OPTIONAL_SECTIONS = rule("audit.analytics.optional_sections_only_when_asked", _QUERIES)
KEYS_USED_24H_UNFILTERED = rule("audit.analytics.keys_used_24h_ignores_filters", _QUERIES)
RATE_LIMIT_STATS_PREFIX = rule("audit.analytics.rate_limit_stats_count_rate_limit_prefix_only", _QUERIES)
INTERVAL_NORMALISED = rule("audit.timeseries.unknown_interval_is_hour", _SRC)
# §15.5: the keyset condition needs cursor_ts; cursor_id without it adds nothing (and offset still applies).
CURSOR_ID_ALONE_IGNORED = rule("audit.logs.cursor_id_alone_ignored", f"{_QUERIES}:75-84, 96-98")
# §15.5: next_cursor carries timestamp_millis() (floored); compared against microsecond rows, a cursor from a row
# with sub-millisecond digits skips the rows after it in that millisecond (and at its own microsecond).
NEXT_CURSOR_MILLIS = rule(
    "audit.logs.next_cursor_millisecond_precision", f"{_QUERIES}:130-136 + {_SRC}:17-35 (from_timestamp_millis)"
)
# §15.5: ClickHouse toStartOfWeek without a mode is mode 0, weeks starting on Sunday.
WEEKS_START_SUNDAY = rule("audit.timeseries.weeks_start_on_sunday", f"{_QUERIES}:382-388 (toStartOfWeek, mode 0)")

_K = TypeVar("_K")
INTERVALS = ("minute", "hour", "day", "week", "month")
ALLOWED = frozenset({"allowed", "ALLOWED", "VALID"})
BLOCKED = frozenset({"blocked", "BLOCKED", "RATE_LIMITED"})

_B64URL_NO_PAD = re.compile(r"[A-Za-z0-9_-]*")
# chrono 0.4.35+ DateTime<Utc> range: -262143-01-01T00:00:00Z ..= +262142-12-31T23:59:59.999Z, in epoch ms.
_CHRONO_MIN_MS = -8_334_601_228_800_000
_CHRONO_MAX_MS = 8_210_266_876_799_999


@dataclass(frozen=True, slots=True)
class AuditFilter:
    """The filters every audit read shares."""

    start_date: Instant | None = None
    end_date: Instant | None = None
    key_id: int | None = None


@dataclass(frozen=True, slots=True)
class AuditLogsQuery(AuditFilter):
    """Query of ``getApiAuditLogs`` after parsing."""

    limit: int | None = None
    offset: int | None = None
    outcome: str | None = None
    cursor: str | None = None
    cursor_ts: Instant | None = None
    cursor_id: str | None = None


@dataclass(frozen=True, slots=True)
class AuditAnalyticsQuery(AuditFilter):
    """Query of ``getApiAuditAnalytics`` after parsing."""

    include_top_keys: bool = False
    include_top_paths: bool = False
    include_blocked_reasons: bool = False
    include_rate_limits: bool = False
    top_limit: int | None = None


@dataclass(frozen=True, slots=True)
class AuditTimeseriesQuery(AuditFilter):
    """Query of ``getApiAuditTimeseries`` after parsing."""

    interval: str | None = None


@dataclass(frozen=True, slots=True)
class LogsPage:
    """One page of audit logs."""

    data: list[AuditRecord]
    limit: int
    has_more: bool
    next_cursor: str | None


@dataclass(frozen=True, slots=True)
class TopKey:
    """A ``top_keys`` entry."""

    key_id: int
    key_name: str
    total_requests: int


@dataclass(frozen=True, slots=True)
class Share:
    """A counted group and its percentage of a total (``top_paths`` has no percentage: it is None)."""

    name: str
    count: int
    percentage: float | None = None


@dataclass(frozen=True, slots=True)
class RateLimitStats:
    """``rate_limit_stats``."""

    total_hits: int
    percentage_of_blocked: float
    top_rules: list[Share]


@dataclass(frozen=True, slots=True)
class Analytics:
    """The analytics answer; optional sections are None unless asked for."""

    total_requests: int
    allowed_requests: int
    blocked_requests: int
    success_rate: float
    keys_used_24h: int
    top_keys: list[TopKey] | None = None
    top_paths: list[Share] | None = None
    blocked_reasons: list[Share] | None = None
    rate_limit_stats: RateLimitStats | None = None


@dataclass(frozen=True, slots=True)
class Bucket:
    """One timeseries point."""

    timestamp: datetime
    total_requests: int
    allowed_requests: int
    blocked_requests: int

    @property
    def success_rate(self) -> float:
        """``(allowed / total) * 100``, unrounded, as production computes it."""
        return self.allowed_requests / self.total_requests * 100.0


@dataclass(frozen=True, slots=True)
class Timeseries:
    """The timeseries answer."""

    data: list[Bucket]
    interval: str


def decode_cursor(cursor: str) -> tuple[int, str]:
    """Decode ``base64url("<epoch_ms>|<request_id>")`` as production does, else 400 'invalid cursor'.

    Production's engine (``URL_SAFE_NO_PAD``) is strict where Python's decoder is lenient: no padding, no
    characters outside the URL-safe alphabet, and zero unused bits. The milliseconds must then fit chrono's
    ``DateTime::from_timestamp_millis``.
    """
    try:
        if not _B64URL_NO_PAD.fullmatch(cursor) or len(cursor) % 4 == 1:
            raise ValueError("not base64url without padding")
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        if b64url(raw) != cursor:
            raise ValueError("non-zero unused bits")
        millis_text, request_id = raw.decode("utf-8").split("|", 1)
        millis = parse_i64(millis_text)
        if not _CHRONO_MIN_MS <= millis <= _CHRONO_MAX_MS:
            raise ValueError("outside chrono's DateTime<Utc> range")
    except (ValueError, binascii.Error, UnicodeDecodeError):
        INVALID_CURSOR.deny()
    INVALID_CURSOR.allow()
    return millis, request_id


def _window(d: Deployment, f: AuditFilter, default_days: int) -> tuple[Instant, Instant | None]:
    """The date window: ``end_date`` only counts with ``start_date``."""
    if f.start_date is not None:
        if f.end_date is not None:
            END_DATE_NEEDS_START.applied()
        return f.start_date, f.end_date
    DEFAULT_WINDOW.applied()
    return d.now().replace(microsecond=0) - timedelta(days=default_days), None


def _rows(d: Deployment, app_slug: str, f: AuditFilter, default_days: int) -> list[AuditRecord]:
    """The app's rows inside the date window, by key, in the order they were recorded."""
    start, end = _window(d, f, default_days)
    return [
        r
        for r in d.audit_by_app.get(app_slug, ())
        if r.timestamp >= start and (end is None or r.timestamp <= end) and (f.key_id is None or r.key_id == f.key_id)
    ]


def _span(rows: list[AuditRecord], start: Instant, end: Instant | None) -> tuple[int, int]:
    """Positions ``[lo, hi)`` of the time-ordered ``rows`` with ``start <= timestamp <= end``."""
    lo = bisect_left(rows, start, key=_timestamp)
    return lo, len(rows) if end is None else bisect_right(rows, end, key=_timestamp)


def _timestamp(r: AuditRecord) -> datetime:
    return r.timestamp


def _percent(part: int, total: int) -> float:
    return part / total * 100.0 if total else 0.0


def _keyset_end(rows: list[AuditRecord], cursor_us: int, request_id: str | None) -> int:
    """The keyset condition over time-ordered ``rows``: the end of those older than the cursor, or as old with a
    smaller request id (only when an id is given)."""
    if request_id is None:
        return bisect_left(rows, cursor_us, key=lambda r: epoch_us(r.timestamp))
    return bisect_left(rows, (cursor_us, request_id), key=lambda r: (epoch_us(r.timestamp), r.request_id))


def _ranked(items: Iterable[_K], limit: int) -> list[tuple[_K, int]]:
    """Counts by descending frequency, ties in first-seen order (Counter keeps insertion order)."""
    return sorted(Counter(items).items(), key=lambda kv: -kv[1])[:limit]


def get_api_audit_logs(d: Deployment, app_slug: str, query: AuditLogsQuery) -> LogsPage:
    """``getApiAuditLogs``: newest first; a cursor is a keyset "before" (and disables ``offset``)."""
    find_app(d, app_slug)
    # Compared in integer microseconds: a cursor may name any instant chrono can hold, beyond Python's datetime.
    cursor_us = micros_of(query.cursor_ts) if query.cursor_ts is not None else None
    cursor_id = query.cursor_id
    if query.cursor is not None:
        millis, cursor_id = decode_cursor(query.cursor)
        cursor_us = millis * 1000
    if cursor_us is None and cursor_id is not None:
        CURSOR_ID_ALONE_IGNORED.applied()
    LOGS_LIMIT_CLAMPED.applied()
    limit = min(max(query.limit if query.limit is not None else 100, 1), 1000)
    by_time = d.audit_by_time.get(app_slug)
    ordered = by_time.rows if by_time is not None else []
    lo, hi = _span(ordered, *_window(d, query, 7))
    offset = query.offset or 0
    if cursor_us is not None:
        CURSOR_KEYSET.applied()
        hi = min(hi, _keyset_end(ordered, cursor_us, cursor_id))
        offset = 0
    wanted = {"allowed": ALLOWED, "blocked": BLOCKED}.get(query.outcome or "")
    matching = (
        ordered[i]
        for i in range(hi - 1, lo - 1, -1)
        if (query.key_id is None or ordered[i].key_id == query.key_id)
        and (wanted is None or ordered[i].outcome in wanted)
    )
    page = list(islice(matching, offset, offset + limit + 1))
    data = page[:limit]
    next_cursor = None
    if data:
        NEXT_CURSOR_WHENEVER_DATA.applied()
        NEXT_CURSOR_MILLIS.applied()
        last = data[-1]
        next_cursor = b64url(f"{epoch_ms(last.timestamp)}|{last.request_id}".encode())
    return LogsPage(data, limit, len(page) > limit, next_cursor)


def get_api_audit_analytics(d: Deployment, app_slug: str, query: AuditAnalyticsQuery) -> Analytics:
    """``getApiAuditAnalytics``: totals over the window; each optional section only when asked for."""
    find_app(d, app_slug)
    rows = _rows(d, app_slug, query, 30)
    allowed = sum(r.outcome in ALLOWED for r in rows)
    blocked = sum(r.outcome in BLOCKED for r in rows)
    KEYS_USED_24H_UNFILTERED.applied()
    since = d.now().replace(microsecond=0) - timedelta(hours=24)
    by_time = d.audit_by_time.get(app_slug)
    recent = by_time.rows if by_time is not None else []
    keys_used = len({r.key_id for r in recent[bisect_left(recent, since, key=_timestamp) :]})
    TOP_LIMIT_CLAMPED.applied()
    top = min(max(query.top_limit if query.top_limit is not None else 10, 1), 50)
    OPTIONAL_SECTIONS.applied()
    top_keys = top_paths = reasons = stats = None
    if query.include_top_keys:
        names: dict[int, str] = {}
        for r in rows:
            names.setdefault(r.key_id, r.key_name)
        top_keys = [TopKey(k, names[k], n) for k, n in _ranked((r.key_id for r in rows), top)]
    if query.include_top_paths:
        top_paths = [Share(path, n) for path, n in _ranked((r.path for r in rows), top)]
    if query.include_blocked_reasons:
        rules = [r.blocked_by_rule for r in rows if r.outcome in BLOCKED and r.blocked_by_rule is not None]
        reasons = [Share(name, n, _percent(n, len(rules))) for name, n in _ranked(rules, top)]
    if query.include_rate_limits:
        # Production filters on a 'rate_limit:' prefix the gateway never writes, so this stays empty.
        RATE_LIMIT_STATS_PREFIX.applied()
        hits = [
            r.blocked_by_rule
            for r in rows
            if r.outcome in BLOCKED and r.blocked_by_rule is not None and r.blocked_by_rule.startswith("rate_limit:")
        ]
        stats = RateLimitStats(
            len(hits),
            _percent(len(hits), blocked),
            [Share(name, n, _percent(n, len(hits))) for name, n in _ranked(hits, top)],
        )
    return Analytics(
        len(rows), allowed, blocked, _percent(allowed, len(rows)), keys_used, top_keys, top_paths, reasons, stats
    )


_BUCKETS: dict[str, Callable[[datetime], datetime]] = {
    "minute": lambda t: t.replace(second=0, microsecond=0),
    "hour": lambda t: t.replace(minute=0, second=0, microsecond=0),
    "day": lambda t: t.replace(hour=0, minute=0, second=0, microsecond=0),
    # ClickHouse toStartOfWeek, default mode 0: weeks start on Sunday.
    "week": lambda t: t.replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(days=(t.weekday() + 1) % 7),
    "month": lambda t: t.replace(day=1, hour=0, minute=0, second=0, microsecond=0),
}


def get_api_audit_timeseries(d: Deployment, app_slug: str, query: AuditTimeseriesQuery) -> Timeseries:
    """``getApiAuditTimeseries``: counts per bucket, ascending, empty buckets absent; unknown interval is hour."""
    find_app(d, app_slug)
    INTERVAL_NORMALISED.applied()
    interval = query.interval if query.interval in INTERVALS else "hour"
    assert interval is not None
    if interval == "week":
        WEEKS_START_SUNDAY.applied()
    by_time = d.audit_by_time.get(app_slug)
    ordered = by_time.rows if by_time is not None else []
    lo, hi = _span(ordered, *_window(d, query, 30))
    counts: dict[datetime, list[int]] = {}
    bucket: list[int] = []
    end: datetime | None = None  # the current bucket's end; rows come in time order, so most share a bucket
    for r in ordered[lo:hi]:
        if query.key_id is not None and r.key_id != query.key_id:
            continue
        if end is None or r.timestamp >= end:
            start = _BUCKETS[interval](r.timestamp)
            end = _next_bucket(interval, start)
            bucket = counts.setdefault(start, [0, 0, 0])
        bucket[0] += 1
        bucket[1] += r.outcome in ALLOWED
        bucket[2] += r.outcome in BLOCKED
    return Timeseries([Bucket(t, *n) for t, n in sorted(counts.items())], interval)


def _next_bucket(interval: str, start: datetime) -> datetime | None:
    """Where the bucket starting at ``start`` ends (None past the last instant a datetime holds)."""
    try:
        if interval == "month":
            return (start.replace(day=28) + timedelta(days=4)).replace(day=1)
        return start + _LENGTHS[interval]
    except OverflowError:
        return None


_LENGTHS = {
    "minute": timedelta(minutes=1),
    "hour": timedelta(hours=1),
    "day": timedelta(days=1),
    "week": timedelta(weeks=1),
}
