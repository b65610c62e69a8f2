"""One handler per vendor operation: parse (path → query → body, production's extractor order), call the
domain, serialise. Handlers are synchronous and run under the backend's lock."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .domain import apps, audit, keys, rate_limit_schemes
from .domain.state import Deployment
from .framework import Query, parse_body, path_i64, path_param
from .models import (
    CreateApiAuthAppRequest,
    CreateApiKeyRequest,
    CreateRateLimitSchemeRequest,
    ListApiAuthAppsQuery,
    RevokeApiKeyRequest,
    UpdateApiAuthAppRequest,
    UpdateRateLimitSchemeRequest,
)
from .serialise import (
    analytics_json,
    app_json,
    app_page_json,
    issued_key_json,
    key_view_json,
    logs_page_json,
    scheme_json,
    timeseries_json,
)


@dataclass(frozen=True, slots=True)
class Call:
    """One request as a handler sees it: the caller's deployment, raw path captures, query and body."""

    deployment: Deployment
    params: tuple[str, ...]
    query_string: str
    content_type: str | None
    body: bytes


@dataclass(frozen=True, slots=True)
class Reply:
    """A success answer: status and JSON body (None for an empty body)."""

    status: int
    body: Any


def _ok(body: Any) -> Reply:
    return Reply(200, body)


# Apps


def list_api_auth_apps(c: Call) -> Reply:
    """GET /api-auth/apps"""
    q = Query(c.query_string)
    query = ListApiAuthAppsQuery(
        include_inactive=q.flag("include_inactive") or False,
        limit=_default(q.i32("limit"), 50),
        offset=_default(q.i32("offset"), 0),
        search=q.text("search"),
    )
    q.done()
    return _ok(app_page_json(apps.list_api_auth_apps(c.deployment, query)))


def create_api_auth_app(c: Call) -> Reply:
    """POST /api-auth/apps"""
    req = parse_body(c.content_type, c.body, CreateApiAuthAppRequest)
    return _ok(app_json(apps.create_api_auth_app(c.deployment, req)))


def get_api_auth_app(c: Call) -> Reply:
    """GET /api-auth/apps/{app_slug}"""
    return _ok(app_json(apps.get_api_auth_app(c.deployment, path_param(c.params[0]))))


def update_api_auth_app(c: Call) -> Reply:
    """PATCH /api-auth/apps/{app_slug}"""
    slug = path_param(c.params[0])
    req = parse_body(c.content_type, c.body, UpdateApiAuthAppRequest)
    return _ok(app_json(apps.update_api_auth_app(c.deployment, slug, req)))


def delete_api_auth_app(c: Call) -> Reply:
    """DELETE /api-auth/apps/{app_slug}"""
    apps.delete_api_auth_app(c.deployment, path_param(c.params[0]))
    return _ok({})


# Rate-limit schemes


def list_rate_limit_schemes(c: Call) -> Reply:
    """GET /api-auth/rate-limit-schemes"""
    schemes = rate_limit_schemes.list_rate_limit_schemes(c.deployment)
    return _ok({"schemes": [scheme_json(s) for s in schemes], "total": len(schemes)})


def create_rate_limit_scheme(c: Call) -> Reply:
    """POST /api-auth/rate-limit-schemes"""
    req = parse_body(c.content_type, c.body, CreateRateLimitSchemeRequest)
    return _ok(scheme_json(rate_limit_schemes.create_rate_limit_scheme(c.deployment, req)))


def get_rate_limit_scheme(c: Call) -> Reply:
    """GET /api-auth/rate-limit-schemes/{slug}"""
    return _ok(scheme_json(rate_limit_schemes.get_rate_limit_scheme(c.deployment, path_param(c.params[0]))))


def update_rate_limit_scheme(c: Call) -> Reply:
    """PATCH /api-auth/rate-limit-schemes/{slug}"""
    slug = path_param(c.params[0])
    req = parse_body(c.content_type, c.body, UpdateRateLimitSchemeRequest)
    return _ok(scheme_json(rate_limit_schemes.update_rate_limit_scheme(c.deployment, slug, req)))


def delete_rate_limit_scheme(c: Call) -> Reply:
    """DELETE /api-auth/rate-limit-schemes/{slug} — 204, no body."""
    rate_limit_schemes.delete_rate_limit_scheme(c.deployment, path_param(c.params[0]))
    return Reply(204, None)


# Keys


def list_api_keys(c: Call) -> Reply:
    """GET /api-auth/apps/{app_slug}/keys"""
    slug = path_param(c.params[0])
    q = Query(c.query_string)
    include_inactive = q.flag("include_inactive") or False
    q.done()
    views = keys.list_api_keys(c.deployment, slug, include_inactive=include_inactive)
    return _ok({"keys": [key_view_json(v) for v in views]})


def create_api_key(c: Call) -> Reply:
    """POST /api-auth/apps/{app_slug}/keys"""
    slug = path_param(c.params[0])
    req = parse_body(c.content_type, c.body, CreateApiKeyRequest)
    return _ok(issued_key_json(keys.create_api_key(c.deployment, slug, req)))


def revoke_api_key_for_app(c: Call) -> Reply:
    """POST /api-auth/apps/{app_slug}/keys/{key_id}/revoke — a JSON body is required, ``{}`` is enough."""
    slug, key_id = path_param(c.params[0]), path_i64(c.params[1])
    req = parse_body(c.content_type, c.body, RevokeApiKeyRequest)
    keys.revoke_api_key_for_app(c.deployment, slug, key_id, req)
    return _ok({})


def rotate_api_key_for_app(c: Call) -> Reply:
    """POST /api-auth/apps/{app_slug}/keys/{key_id}/rotate — any body, any content type."""
    slug, key_id = path_param(c.params[0]), path_i64(c.params[1])
    return _ok(issued_key_json(keys.rotate_api_key_for_app(c.deployment, slug, key_id)))


# Audit


def _audit_filter(q: Query) -> dict[str, Any]:
    return {"start_date": q.timestamp("start_date"), "end_date": q.timestamp("end_date"), "key_id": q.i64("key_id")}


def get_api_audit_logs(c: Call) -> Reply:
    """GET /api-auth/apps/{app_slug}/audit/logs"""
    slug = path_param(c.params[0])
    q = Query(c.query_string)
    query = audit.AuditLogsQuery(
        **_audit_filter(q),
        limit=q.u32("limit"),
        offset=q.u32("offset"),
        outcome=q.text("outcome"),
        cursor=q.text("cursor"),
        cursor_ts=q.timestamp("cursor_ts"),
        cursor_id=q.text("cursor_id"),
    )
    q.done()
    return _ok(logs_page_json(audit.get_api_audit_logs(c.deployment, slug, query)))


def get_api_audit_analytics(c: Call) -> Reply:
    """GET /api-auth/apps/{app_slug}/audit/analytics"""
    slug = path_param(c.params[0])
    q = Query(c.query_string)
    query = audit.AuditAnalyticsQuery(
        **_audit_filter(q),
        include_top_keys=q.flag("include_top_keys") or False,
        include_top_paths=q.flag("include_top_paths") or False,
        include_blocked_reasons=q.flag("include_blocked_reasons") or False,
        include_rate_limits=q.flag("include_rate_limits") or False,
        top_limit=q.u32("top_limit"),
    )
    q.done()
    return _ok(analytics_json(audit.get_api_audit_analytics(c.deployment, slug, query)))


def get_api_audit_timeseries(c: Call) -> Reply:
    """GET /api-auth/apps/{app_slug}/audit/timeseries"""
    slug = path_param(c.params[0])
    q = Query(c.query_string)
    query = audit.AuditTimeseriesQuery(**_audit_filter(q), interval=q.text("interval"))
    q.done()
    return _ok(timeseries_json(audit.get_api_audit_timeseries(c.deployment, slug, query)))


def _default(value: int | None, default: int) -> int:
    return default if value is None else value
