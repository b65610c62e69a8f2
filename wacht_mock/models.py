"""Wire shapes: the request bodies production accepts and the JSON it answers with.

Request models copy serde's strictness (no coercion between strings, numbers and booleans; unknown fields
ignored; ``null`` for an optional field means absent). Responses are built as plain dicts in production's
field order, with its per-field choice between "omitted when null" and "present as null".
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, PlainValidator

from .timestamps import Instant, parse_instant
from .timestamps import format_timestamp as format_timestamp  # re-exported: callers import them from here
from .timestamps import parse_timestamp as parse_timestamp
from .wire import I32_MAX as I32_MAX
from .wire import I32_MIN as I32_MIN
from .wire import I64_MAX as I64_MAX
from .wire import I64_MIN as I64_MIN
from .wire import MODES as MODES
from .wire import PLANS as PLANS
from .wire import UNITS as UNITS
from .wire import Mode as Mode
from .wire import Plan as Plan
from .wire import Unit as Unit
from .wire import parse_i64 as parse_i64


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


def _timestamp(value: object) -> Instant:
    if isinstance(value, str):
        return parse_instant(value)
    raise ValueError("expected an RFC 3339 string")


FlexibleI64 = Annotated[int, PlainValidator(_flexible_i64)]
I32 = Annotated[int, PlainValidator(_i32)]
Timestamp = Annotated[Instant, PlainValidator(_timestamp)]


class _Body(BaseModel):
    # The validators are built on the first request that needs one, not while ``serve`` starts.
    model_config = ConfigDict(strict=True, extra="ignore", frozen=True, defer_build=True)


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
