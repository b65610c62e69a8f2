"""Audit reads: ``getApiAuditLogs``, ``getApiAuditAnalytics``, ``getApiAuditTimeseries`` (backend-behaviour.md §11).

The gateway does not record decisions yet, so every app answers with production's shapes for an app with no
traffic; the app lookup, the clamps, the cursor check and the interval normalisation are already production's.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ..ids import b64url
from ..models import parse_i64
from ..rules import rule
from .apps import find_app
from .state import Deployment

_SRC = "platform/src/application/api_key_audit.rs"

INVALID_CURSOR = rule("audit.logs.cursor_decodes", _SRC, 400, "invalid cursor")
LOGS_LIMIT_CLAMPED = rule("audit.logs.limit_clamped_1_to_1000", "queries/src/api_key_audit.rs")
INTERVAL_NORMALISED = rule("audit.timeseries.unknown_interval_is_hour", _SRC)
OPTIONAL_SECTIONS = rule("audit.analytics.optional_sections_only_when_asked", "queries/src/api_key_audit.rs")

INTERVALS = ("minute", "hour", "day", "week", "month")

_B64URL_NO_PAD = re.compile(r"[A-Za-z0-9_-]*")
# chrono 0.4.35+ DateTime<Utc> range: -262143-01-01T00:00:00Z ..= +262142-12-31T23:59:59.999Z, in epoch ms.
_CHRONO_MIN_MS = -8_334_601_228_800_000
_CHRONO_MAX_MS = 8_210_266_876_799_999


@dataclass(frozen=True, slots=True)
class AuditLogsQuery:
    """Query of ``getApiAuditLogs`` after parsing."""

    limit: int | None = None
    offset: int | None = None
    outcome: str | None = None
    key_id: int | None = None
    start_date: datetime | None = None
    end_date: datetime | None = None
    cursor: str | None = None
    cursor_ts: datetime | None = None
    cursor_id: str | None = None


@dataclass(frozen=True, slots=True)
class AuditAnalyticsQuery:
    """Query of ``getApiAuditAnalytics`` after parsing."""

    start_date: datetime | None = None
    end_date: datetime | None = None
    key_id: int | None = None
    include_top_keys: bool = False
    include_top_paths: bool = False
    include_blocked_reasons: bool = False
    include_rate_limits: bool = False
    top_limit: int | None = None


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


def get_api_audit_logs(d: Deployment, app_slug: str, query: AuditLogsQuery) -> dict[str, Any]:
    """``getApiAuditLogs``: the app must exist; a given cursor must decode."""
    find_app(d, app_slug)
    if query.cursor is not None:
        decode_cursor(query.cursor)
    LOGS_LIMIT_CLAMPED.applied()
    limit = min(max(query.limit if query.limit is not None else 100, 1), 1000)
    return {"data": [], "limit": limit, "has_more": False, "next_cursor": None}


def get_api_audit_analytics(d: Deployment, app_slug: str, query: AuditAnalyticsQuery) -> dict[str, Any]:
    """``getApiAuditAnalytics``: totals, and each optional section only when asked for."""
    find_app(d, app_slug)
    body: dict[str, Any] = {
        "total_requests": 0,
        "allowed_requests": 0,
        "blocked_requests": 0,
        "success_rate": 0.0,
        "keys_used_24h": 0,
    }
    OPTIONAL_SECTIONS.applied()
    if query.include_top_keys:
        body["top_keys"] = []
    if query.include_top_paths:
        body["top_paths"] = []
    if query.include_blocked_reasons:
        body["blocked_reasons"] = []
    if query.include_rate_limits:
        body["rate_limit_stats"] = {"total_hits": 0, "percentage_of_blocked": 0.0}
    return body


def get_api_audit_timeseries(d: Deployment, app_slug: str, interval: str | None) -> dict[str, Any]:
    """``getApiAuditTimeseries``: the interval echoes its normalised value (unknown → ``hour``)."""
    find_app(d, app_slug)
    INTERVAL_NORMALISED.applied()
    return {"data": [], "interval": interval if interval in INTERVALS else "hour"}
