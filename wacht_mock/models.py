"""Wire shapes: the request bodies production accepts and the JSON it answers with.

Request models copy serde's strictness (no coercion between strings, numbers and booleans; unknown fields
ignored; ``null`` for an optional field means absent). Responses are built as plain dicts in production's
field order, with its per-field choice between "omitted when null" and "present as null".
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone
from typing import Annotated, Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, PlainValidator

I64_MIN, I64_MAX = -(2**63), 2**63 - 1
I32_MIN, I32_MAX = -(2**31), 2**31 - 1
_INT_TEXT = re.compile(r"[+-]?[0-9]+")


def parse_i64(text: str) -> int:
    """Parse like Rust's ``str::parse::<i64>``: optional sign, ASCII digits, in range; else ValueError."""
    if not _INT_TEXT.fullmatch(text):
        raise ValueError(f"invalid digit in {text!r}")
    value = int(text)
    if not I64_MIN <= value <= I64_MAX:
        raise ValueError("number too large to fit in target type")
    return value


def _flexible_i64(value: object) -> int:
    if isinstance(value, str):
        return parse_i64(value)
    if isinstance(value, int) and not isinstance(value, bool) and I64_MIN <= value <= I64_MAX:
        return value
    raise ValueError("expected an integer or a string holding one")


def _i32(value: object) -> int:
    if isinstance(value, int) and not isinstance(value, bool) and I32_MIN <= value <= I32_MAX:
        return value
    raise ValueError("expected a 32-bit integer")


_RFC3339 = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:([Zz])|([+-])(\d{2}):(\d{2}))"
)


_PG_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


def parse_timestamp(text: str) -> datetime:
    """Parse an RFC 3339 timestamp with an offset into UTC at microsecond precision, as stored by production."""
    if not isinstance(text, str):
        raise TypeError("expected an RFC 3339 string")
    match = _RFC3339.fullmatch(text)
    if not match:
        raise ValueError(f"invalid RFC 3339 timestamp {text!r}")
    year, month, day, hour, minute, second = (int(g) for g in match.groups()[:6])
    fraction, zulu, sign, off_h, off_m = match.groups()[6:]
    offset = timedelta()
    if not zulu:
        if int(off_h) > 23 or int(off_m) > 59:
            raise ValueError("offset out of range")
        offset = timedelta(hours=int(off_h), minutes=int(off_m)) * (1 if sign == "+" else -1)
    base = datetime(year, month, day, hour, minute, second, tzinfo=timezone(offset)).astimezone(UTC)
    nanos = int((fraction or "0")[:9].ljust(9, "0"))
    # sqlx stores microseconds since 2000-01-01, truncating toward that epoch.
    micros = nanos // 1000 + (1 if base < _PG_EPOCH and nanos % 1000 else 0)
    return base + timedelta(microseconds=micros)


def format_timestamp(instant: datetime) -> str:
    """RFC 3339 UTC with ``Z`` and the shortest exact fraction of 0, 3 or 6 digits (chrono ``AutoSi``)."""
    utc = instant.astimezone(UTC)
    text = utc.strftime("%Y-%m-%dT%H:%M:%S")
    micros = utc.microsecond
    if micros == 0:
        return text + "Z"
    if micros % 1000 == 0:
        return f"{text}.{micros // 1000:03d}Z"
    return f"{text}.{micros:06d}Z"


def _timestamp(value: object) -> datetime:
    if isinstance(value, str):
        return parse_timestamp(value)
    raise ValueError("expected an RFC 3339 string")


FlexibleI64 = Annotated[int, PlainValidator(_flexible_i64)]
I32 = Annotated[int, PlainValidator(_i32)]
Timestamp = Annotated[datetime, PlainValidator(_timestamp)]
Unit = Literal["millisecond", "second", "minute", "hour", "day", "calendar_day", "month", "calendar_month"]
Mode = Literal["per_app", "per_key", "per_key_and_ip", "per_app_and_ip"]
Plan = Literal["growth", "pro", "starter", "none"]
UNITS: tuple[Unit, ...] = get_args(Unit)
MODES: tuple[Mode, ...] = get_args(Mode)
PLANS: tuple[Plan, ...] = get_args(Plan)


class _Body(BaseModel):
    model_config = ConfigDict(strict=True, extra="ignore", frozen=True)


class RateLimitRuleInput(_Body):
    """One rate-limit rule as sent in a scheme's ``rules``."""

    unit: Unit
    duration: I32
    max_requests: I32
    mode: Mode | None = None
    endpoints: list[str] | None = None
    priority: I32 = 0  # `#[serde(default)] i32`: absent means 0, an explicit null is a 422


class CreateApiAuthAppRequest(_Body):
    """Body of ``POST /api-auth/apps``."""

    app_slug: str
    name: str
    key_prefix: str
    description: str | None = None
    user_id: FlexibleI64 | None = None
    organization_id: FlexibleI64 | None = None
    workspace_id: FlexibleI64 | None = None
    rate_limit_scheme_slug: str | None = None
    permissions: list[str] | None = None
    resources: list[str] | None = None


class UpdateApiAuthAppRequest(_Body):
    """Body of ``PATCH /api-auth/apps/{app_slug}``; every field optional, null means unchanged."""

    organization_id: FlexibleI64 | None = None
    workspace_id: FlexibleI64 | None = None
    name: str | None = None
    key_prefix: str | None = None
    description: str | None = None
    is_active: bool | None = None
    rate_limit_scheme_slug: str | None = None
    permissions: list[str] | None = None
    resources: list[str] | None = None


class CreateRateLimitSchemeRequest(_Body):
    """Body of ``POST /api-auth/rate-limit-schemes``."""

    slug: str
    name: str
    description: str | None = None
    rules: list[RateLimitRuleInput]


class UpdateRateLimitSchemeRequest(_Body):
    """Body of ``PATCH /api-auth/rate-limit-schemes/{slug}``."""

    name: str | None = None
    description: str | None = None
    rules: list[RateLimitRuleInput] | None = None


class CreateApiKeyRequest(_Body):
    """Body of ``POST /api-auth/apps/{app_slug}/keys``."""

    name: str
    permissions: list[str] | None = None
    metadata: Any = None
    expires_at: Timestamp | None = None


class RevokeApiKeyRequest(_Body):
    """Body of ``POST .../keys/{key_id}/revoke``; ``key_id`` is parsed and then ignored, as in production."""

    reason: str | None = None
    key_id: FlexibleI64 | None = None


class ListApiAuthAppsQuery(_Body):
    """Query of ``GET /api-auth/apps``."""

    include_inactive: bool = False
    limit: int = Field(default=50)
    offset: int = Field(default=0)
    search: str | None = None


REQUEST_MODELS: tuple[type[BaseModel], ...] = (
    CreateApiAuthAppRequest,
    UpdateApiAuthAppRequest,
    CreateRateLimitSchemeRequest,
    UpdateRateLimitSchemeRequest,
    CreateApiKeyRequest,
    RevokeApiKeyRequest,
)
