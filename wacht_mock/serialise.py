"""Production's JSON for apps, schemes and keys: field order, string versus number ids, and which nulls are
omitted and which are present (backend-behaviour.md §2.4, §3)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from .domain.apps import AppPage, AppView
from .domain.keys import IssuedKey, KeyView
from .domain.state import Key, RateLimitRule, Scheme
from .models import format_timestamp


def dumps(body: object) -> bytes:
    """Compact JSON as serde_json writes it."""
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def _ts(value: datetime | None) -> str | None:
    return format_timestamp(value) if value is not None else None


def _put_id(body: dict[str, Any], name: str, value: int | None) -> None:
    if value is not None:
        body[name] = str(value)


def rule_json(r: RateLimitRule) -> dict[str, Any]:
    """A rate-limit rule; ``mode`` and ``endpoints`` are omitted when null, ``priority`` always present."""
    body: dict[str, Any] = {"unit": r.unit, "duration": r.duration, "max_requests": r.max_requests}
    if r.mode is not None:
        body["mode"] = r.mode
    if r.endpoints is not None:
        body["endpoints"] = list(r.endpoints)
    body["priority"] = r.priority
    return body


def app_json(v: AppView) -> dict[str, Any]:
    """An ApiAuthApp (no ``id``; string ids; user/org/workspace/scheme slug omitted when null)."""
    a = v.app
    body: dict[str, Any] = {"deployment_id": str(a.deployment_id)}
    _put_id(body, "user_id", a.user_id)
    _put_id(body, "organization_id", a.organization_id)
    _put_id(body, "workspace_id", a.workspace_id)
    body.update(
        app_slug=a.app_slug,
        name=a.name,
        description=a.description,
        is_active=a.is_active,
        key_prefix=a.key_prefix,
        permissions=list(a.permissions),
        resources=list(a.resources),
        rate_limits=[rule_json(r) for r in v.rate_limits],
    )
    if a.rate_limit_scheme_slug is not None:
        body["rate_limit_scheme_slug"] = a.rate_limit_scheme_slug
    body.update(created_at=_ts(a.created_at), updated_at=_ts(a.updated_at), deleted_at=_ts(a.deleted_at))
    return body


def app_page_json(page: AppPage) -> dict[str, Any]:
    """The app list envelope at HEAD: ``{data, has_more, limit, offset}``."""
    return {
        "data": [app_json(v) for v in page.data],
        "has_more": page.has_more,
        "limit": page.limit,
        "offset": page.offset,
    }


def scheme_json(s: Scheme) -> dict[str, Any]:
    """A RateLimitScheme; its ``id`` and ``deployment_id`` are JSON numbers."""
    return {
        "id": s.id,
        "deployment_id": s.deployment_id,
        "slug": s.slug,
        "name": s.name,
        "description": s.description,
        "rules": [rule_json(r) for r in s.rules],
        "created_at": _ts(s.created_at),
        "updated_at": _ts(s.updated_at),
    }


def key_json(k: Key, rate_limits: tuple[RateLimitRule, ...]) -> dict[str, Any]:
    """An ApiKey (the hash is never written)."""
    body: dict[str, Any] = {
        "id": str(k.id),
        "deployment_id": str(k.deployment_id),
        "app_slug": k.app_slug,
        "name": k.name,
        "key_prefix": k.key_prefix,
        "key_suffix": k.key_suffix,
        "permissions": list(k.permissions),
        "metadata": k.metadata,
        "rate_limits": [rule_json(r) for r in rate_limits],
    }
    if k.rate_limit_scheme_slug is not None:
        body["rate_limit_scheme_slug"] = k.rate_limit_scheme_slug
    _put_id(body, "owner_user_id", k.owner_user_id)
    _put_id(body, "organization_id", k.organization_id)
    _put_id(body, "workspace_id", k.workspace_id)
    _put_id(body, "organization_membership_id", k.organization_membership_id)
    _put_id(body, "workspace_membership_id", k.workspace_membership_id)
    body.update(
        org_role_permissions=list(k.org_role_permissions),
        workspace_role_permissions=list(k.workspace_role_permissions),
        expires_at=_ts(k.expires_at),
        last_used_at=_ts(k.last_used_at),
        is_active=k.is_active,
        created_at=_ts(k.created_at),
        updated_at=_ts(k.updated_at),
        revoked_at=_ts(k.revoked_at),
        revoked_reason=k.revoked_reason,
    )
    return body


def key_view_json(v: KeyView) -> dict[str, Any]:
    """A key as listed, with its resolved ``rate_limits``."""
    return key_json(v.key, v.rate_limits)


def issued_key_json(issued: IssuedKey) -> dict[str, Any]:
    """ApiKeyWithSecret: the key's fields flattened, ``rate_limits: []``, then ``secret``."""
    body = key_json(issued.key, ())
    body["secret"] = issued.secret
    return body
