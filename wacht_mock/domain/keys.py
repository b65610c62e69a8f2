"""API keys: ``listApiKeys``, ``createApiKey``, ``revokeApiKeyForApp``, ``rotateApiKeyForApp``
(backend-behaviour.md §6, §7.2-7.3, §8)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ..ids import sha256_hex
from ..rules import rule
from ..timestamps import PG_END_US, PG_MIN_US, Instant, micros_of
from .apps import find_app
from .jsonb import number
from .postgres import check_bound
from .rate_limit_schemes import rules_for
from .scope import KeyContext, key_context
from .state import App, Deployment, Key, RateLimitRule

if TYPE_CHECKING:
    from ..models import CreateApiKeyRequest, RevokeApiKeyRequest

_KEY_SRC = "commands/src/api_key/key_commands"

KEY_NOT_FOUND = rule("keys.lookup.not_found", "platform/src/application/api_key_key.rs", 404, "API key not found")
REVOKE_ONLY_ACTIVE = rule(
    "keys.revoke.only_active", f"{_KEY_SRC}/revoke.rs", 404, "API key not found or already revoked"
)
ROTATE_ONLY_ACTIVE = rule("keys.rotate.only_active", f"{_KEY_SRC}/rotate.rs", 404, "API key not found or inactive")
ROTATE_NEEDS_ACTIVE_APP = rule(
    "keys.rotate.requires_active_app", f"{_KEY_SRC}/rotate.rs", 404, "API key app not found or inactive"
)
LIST_ACTIVE_ONLY = rule("keys.list.active_unless_include_inactive", "queries/src/api_key.rs:273-309")
SECRET_FORMAT = rule("keys.secret.prefix_underscore_43_base64url", f"{_KEY_SRC}/create.rs:87-114")
WRITE_RESPONSE_EMPTY_RATE_LIMITS = rule(
    "keys.create_and_rotate_respond_with_empty_rate_limits", f"{_KEY_SRC}/shared.rs:47"
)
ROTATE_KEEPS_OLD_PREFIX = rule("keys.rotate.copies_old_key_fields", f"{_KEY_SRC}/rotate.rs")
# sqlx sends the expiry as microseconds since 2000; Postgres's timestamptz_recv refuses what lies before 4714 BC
# (22008), which production answers as any database error. chrono's upper end lies inside Postgres's range.
EXPIRY_IN_POSTGRES_RANGE = rule(
    "keys.create.expires_at_within_postgres_timestamptz",
    "postgres src/backend/utils/adt/timestamp.c timestamptz_recv",
    500,
    "Something went wrong",
)
# Revoke and insert run in one transaction: one NOW() for the old key's revoked_at and the new key's created_at.
ROTATION_ONE_NOW = rule("keys.rotation_one_transaction_one_now", f"{_KEY_SRC}/rotate.rs")


@dataclass(frozen=True, slots=True)
class KeyView:
    """A key as a list returns it, with ``rate_limits`` resolved from the key's own scheme slug."""

    key: Key
    rate_limits: tuple[RateLimitRule, ...]


@dataclass(frozen=True, slots=True)
class IssuedKey:
    """A key as create and rotate return it: the row, its one-time secret, and ``rate_limits: []``."""

    key: Key
    secret: str


def list_api_keys(d: Deployment, app_slug: str, *, include_inactive: bool = False) -> list[KeyView]:
    """``listApiKeys``: newest first; inactive (revoked or rotated) keys only with ``include_inactive``."""
    find_app(d, app_slug)
    LIST_ACTIVE_ONLY.applied()
    keys = [k for k in d.app_keys(app_slug).newest_first() if include_inactive or k.is_active]
    return [KeyView(k, rules_for(d, k.rate_limit_scheme_slug)) for k in keys]


def create_api_key(d: Deployment, app_slug: str, req: CreateApiKeyRequest) -> IssuedKey:
    """``createApiKey``: inactive apps are accepted; user-owned apps snapshot the owner's role permissions."""
    app = find_app(d, app_slug)
    context = key_context(d, app)
    check_bound(req.name, req.permissions, req.metadata)
    metadata = {} if req.metadata is None else jsonb(req.metadata)
    if req.expires_at is not None:
        EXPIRY_IN_POSTGRES_RANGE.check(PG_MIN_US <= micros_of(req.expires_at) < PG_END_US)
    return _issue(
        d,
        app,
        name=req.name,
        key_prefix=app.key_prefix,
        permissions=list(req.permissions or []),
        metadata=metadata,
        expires_at=req.expires_at,
        rate_limit_scheme_slug=app.rate_limit_scheme_slug,
        context=context,
    )


def revoke_api_key_for_app(d: Deployment, app_slug: str, key_id: int, req: RevokeApiKeyRequest) -> None:
    """``revokeApiKeyForApp``: soft revoke of an active key of this app; not idempotent."""
    key = _find_key(d, app_slug, key_id)
    check_bound(req.reason)
    REVOKE_ONLY_ACTIVE.check(key.is_active)
    _deactivate(d, key, req.reason, d.now())


def rotate_api_key_for_app(d: Deployment, app_slug: str, key_id: int) -> IssuedKey:
    """``rotateApiKeyForApp``: revoke the old key with reason 'Rotated' and issue a copy with a new id and secret."""
    old = _find_key(d, app_slug, key_id)
    ROTATE_ONLY_ACTIVE.check(old.is_active)
    app = d.apps[old.app_slug]
    ROTATE_NEEDS_ACTIVE_APP.check(app.deleted_at is None and app.is_active)
    context = key_context(d, app)
    ROTATION_ONE_NOW.applied()
    now = d.now()
    _deactivate(d, old, "Rotated", now)
    ROTATE_KEEPS_OLD_PREFIX.applied()
    return _issue(
        d,
        app,
        name=old.name,
        key_prefix=old.key_prefix,
        permissions=list(old.permissions),
        metadata=old.metadata,
        expires_at=old.expires_at,
        rate_limit_scheme_slug=old.rate_limit_scheme_slug,
        context=context,
        now=now,
    )


def jsonb(value: Any) -> Any:
    """JSON as Postgres ``jsonb`` gives it back: object keys shorter first, then in byte order, at every depth;
    numbers as ``numeric`` hands them back to serde_json (``jsonb.number``)."""
    if isinstance(value, dict):
        ordered = sorted(value.items(), key=lambda kv: (len(kv[0].encode()), kv[0].encode()))
        return {k: jsonb(v) for k, v in ordered}
    if isinstance(value, list):
        return [jsonb(v) for v in value]
    if isinstance(value, int | float):
        return number(value)
    return value


def _find_key(d: Deployment, app_slug: str, key_id: int) -> Key:
    find_app(d, app_slug)
    key = d.keys.get(key_id)
    return KEY_NOT_FOUND.found(key if key is not None and key.app_slug == app_slug else None)


def _deactivate(d: Deployment, key: Key, reason: str | None, now: datetime) -> None:
    key.is_active = False
    key.revoked_at = now
    key.revoked_reason = reason
    key.updated_at = now
    d.touch("key", key.id)


def _issue(
    d: Deployment,
    app: App,
    *,
    name: str,
    key_prefix: str,
    permissions: list[str],
    metadata: Any,
    expires_at: Instant | None,
    rate_limit_scheme_slug: str | None,
    context: KeyContext,
    now: datetime | None = None,
) -> IssuedKey:
    SECRET_FORMAT.applied()
    WRITE_RESPONSE_EMPTY_RATE_LIMITS.applied()
    secret = f"{key_prefix}_{d.ids.secret_body()}"
    now = d.now() if now is None else now
    key = Key(
        id=d.ids.snowflake(),
        deployment_id=d.id,
        app_slug=app.app_slug,
        name=name,
        key_prefix=key_prefix,
        key_suffix=secret[-8:],
        key_hash=sha256_hex(secret),
        permissions=permissions,
        metadata=metadata,
        rate_limit_scheme_slug=rate_limit_scheme_slug,
        owner_user_id=app.user_id,
        organization_id=context.organization_id,
        workspace_id=context.workspace_id,
        organization_membership_id=context.organization_membership_id,
        workspace_membership_id=context.workspace_membership_id,
        org_role_permissions=list(context.org_role_permissions),
        workspace_role_permissions=list(context.workspace_role_permissions),
        expires_at=expires_at,
        created_at=now,
        updated_at=now,
        seq=d.next_seq(),
    )
    d.add_key(key)
    d.touch("key", key.id)
    return IssuedKey(key, secret)
