"""The backend API's operations, each declared beside its handler: parse (path → query → body, production's
extractor order), call the domain, serialise. Handlers are synchronous and run under the backend's lock.

Each handler imports its request model (pydantic) itself: ``serve`` answers its first request sooner without them,
and the first call that needs one loads them."""

from __future__ import annotations

from typing import Any

from ..domain import apps, audit, keys, rate_limit_schemes
from .axum import Query, parse_body, path_i64
from .operations import Call, Reply, operation
from .responses import (
    analytics_json,
    app_json,
    app_page_json,
    issued_key_json,
    key_view_json,
    logs_page_json,
    scheme_json,
    timeseries_json,
)

APPS = "/api-auth/apps"
APP = "/api-auth/apps/{app_slug}"
SCHEMES = "/api-auth/rate-limit-schemes"
SCHEME = "/api-auth/rate-limit-schemes/{slug}"
KEYS = "/api-auth/apps/{app_slug}/keys"
KEY = "/api-auth/apps/{app_slug}/keys/{key_id}"
AUDIT = "/api-auth/apps/{app_slug}/audit"


def _ok(body: Any) -> Reply:
    return Reply(200, body)


# Apps


@operation("GET", APPS, "listApiAuthApps")
def list_api_auth_apps(c: Call) -> Reply:
    from ..models import ListApiAuthAppsQuery

    q = Query(c.query)
    query = ListApiAuthAppsQuery(
        include_inactive=q.flag("include_inactive") or False,
        limit=_default(q.i32("limit"), 50),
        offset=_default(q.i32("offset"), 0),
        search=q.text("search"),
    )
    q.done()
    return _ok(app_page_json(apps.list_api_auth_apps(c.deployment, query)))


@operation("POST", APPS, "createApiAuthApp", body=True)
def create_api_auth_app(c: Call) -> Reply:
    from ..models import CreateApiAuthAppRequest

    req = parse_body(c.content_type, c.body, CreateApiAuthAppRequest)
    return _ok(app_json(apps.create_api_auth_app(c.deployment, req)))


@operation("GET", APP, "getApiAuthApp")
def get_api_auth_app(c: Call) -> Reply:
    return _ok(app_json(apps.get_api_auth_app(c.deployment, c.path["app_slug"])))


@operation("PATCH", APP, "updateApiAuthApp", body=True)
def update_api_auth_app(c: Call) -> Reply:
    from ..models import UpdateApiAuthAppRequest

    slug = c.path["app_slug"]
    req = parse_body(c.content_type, c.body, UpdateApiAuthAppRequest)
    return _ok(app_json(apps.update_api_auth_app(c.deployment, slug, req)))


@operation("DELETE", APP, "deleteApiAuthApp")
def delete_api_auth_app(c: Call) -> Reply:
    apps.delete_api_auth_app(c.deployment, c.path["app_slug"])
    return _ok({})


# Rate-limit schemes


@operation("GET", SCHEMES, "listRateLimitSchemes")
def list_rate_limit_schemes(c: Call) -> Reply:
    schemes = rate_limit_schemes.list_rate_limit_schemes(c.deployment)
    return _ok({"schemes": [scheme_json(s) for s in schemes], "total": len(schemes)})


@operation("POST", SCHEMES, "createRateLimitScheme", body=True)
def create_rate_limit_scheme(c: Call) -> Reply:
    from ..models import CreateRateLimitSchemeRequest

    req = parse_body(c.content_type, c.body, CreateRateLimitSchemeRequest)
    return _ok(scheme_json(rate_limit_schemes.create_rate_limit_scheme(c.deployment, req)))


@operation("GET", SCHEME, "getRateLimitScheme")
def get_rate_limit_scheme(c: Call) -> Reply:
    return _ok(scheme_json(rate_limit_schemes.get_rate_limit_scheme(c.deployment, c.path["slug"])))


@operation("PATCH", SCHEME, "updateRateLimitScheme", body=True)
def update_rate_limit_scheme(c: Call) -> Reply:
    from ..models import UpdateRateLimitSchemeRequest

    slug = c.path["slug"]
    req = parse_body(c.content_type, c.body, UpdateRateLimitSchemeRequest)
    return _ok(scheme_json(rate_limit_schemes.update_rate_limit_scheme(c.deployment, slug, req)))


@operation("DELETE", SCHEME, "deleteRateLimitScheme")
def delete_rate_limit_scheme(c: Call) -> Reply:
    """204, no body."""
    rate_limit_schemes.delete_rate_limit_scheme(c.deployment, c.path["slug"])
    return Reply(204, None)


# Keys


@operation("GET", KEYS, "listApiKeys")
def list_api_keys(c: Call) -> Reply:
    slug = c.path["app_slug"]
    q = Query(c.query)
    include_inactive = q.flag("include_inactive") or False
    q.done()
    views = keys.list_api_keys(c.deployment, slug, include_inactive=include_inactive)
    return _ok({"keys": [key_view_json(v) for v in views]})


@operation("POST", KEYS, "createApiKey", body=True)
def create_api_key(c: Call) -> Reply:
    from ..models import CreateApiKeyRequest

    slug = c.path["app_slug"]
    req = parse_body(c.content_type, c.body, CreateApiKeyRequest)
    return _ok(issued_key_json(keys.create_api_key(c.deployment, slug, req)))


@operation("POST", KEY + "/revoke", "revokeApiKeyForApp", body=True)
def revoke_api_key_for_app(c: Call) -> Reply:
    """A JSON body is required, ``{}`` is enough."""
    from ..models import RevokeApiKeyRequest

    slug, key_id = c.path["app_slug"], path_i64(c.path["key_id"])
    req = parse_body(c.content_type, c.body, RevokeApiKeyRequest)
    keys.revoke_api_key_for_app(c.deployment, slug, key_id, req)
    return _ok({})


@operation("POST", KEY + "/rotate", "rotateApiKeyForApp")
def rotate_api_key_for_app(c: Call) -> Reply:
    """Any body, any content type."""
    slug, key_id = c.path["app_slug"], path_i64(c.path["key_id"])
    return _ok(issued_key_json(keys.rotate_api_key_for_app(c.deployment, slug, key_id)))


# Audit


def _audit_filter(q: Query) -> dict[str, Any]:
    return {"start_date": q.timestamp("start_date"), "end_date": q.timestamp("end_date"), "key_id": q.i64("key_id")}


@operation("GET", AUDIT + "/logs", "getApiAuditLogs")
def get_api_audit_logs(c: Call) -> Reply:
    slug = c.path["app_slug"]
    q = Query(c.query)
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


@operation("GET", AUDIT + "/analytics", "getApiAuditAnalytics")
def get_api_audit_analytics(c: Call) -> Reply:
    slug = c.path["app_slug"]
    q = Query(c.query)
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


@operation("GET", AUDIT + "/timeseries", "getApiAuditTimeseries")
def get_api_audit_timeseries(c: Call) -> Reply:
    slug = c.path["app_slug"]
    q = Query(c.query)
    query = audit.AuditTimeseriesQuery(**_audit_filter(q), interval=q.text("interval"))
    q.done()
    return _ok(timeseries_json(audit.get_api_audit_timeseries(c.deployment, slug, query)))


def _default(value: int | None, default: int) -> int:
    return default if value is None else value
