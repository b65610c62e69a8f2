"""Seeded state beyond what the create operations make: a scheme's or app's stored fields (ids, timestamps, an
app's activity and deletion), keys given by secret or by hash, and audit records. A snapshot of the state is a
seed, so everything a snapshot holds comes back in through here.

Problems are ``SeedError``s whose ``where`` is relative to the entry (``.key_id``); the caller names the entry.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..errors import SeedError
from ..ids import sha256_hex
from .keys import jsonb
from .scope import key_context
from .state import App, AuditRecord, Deployment, Key, RuleState, Scheme

if TYPE_CHECKING:
    from ..seed import AppStateSeed, AuditSeed, KeySeed, SchemeStateSeed

_CONTEXT_FIELDS = frozenset(
    {
        "owner_user_id",
        "organization_id",
        "workspace_id",
        "organization_membership_id",
        "workspace_membership_id",
        "org_role_permissions",
        "workspace_role_permissions",
    }
)


def _problem(where: str, problem: str) -> SeedError:
    return SeedError("seed", where, problem)


def apply_scheme_state(scheme: Scheme, state: SchemeStateSeed) -> None:
    """A seeded scheme's stored timestamps (its id was given to the create operation)."""
    if state.created_at is not None:
        scheme.created_at = state.created_at
    scheme.updated_at = state.updated_at or state.created_at or scheme.updated_at


def apply_app_state(d: Deployment, app: App, state: AppStateSeed) -> None:
    """A seeded app's stored timestamps, activity and soft deletion."""
    if state.created_at is not None:
        d.redate_app(app, state.created_at)
    app.updated_at = state.updated_at or state.created_at or app.updated_at
    app.is_active = state.is_active
    app.deleted_at = state.deleted_at


def has_key(d: Deployment, k: KeySeed) -> bool:
    """Whether the deployment already holds this seeded key (by id, or by the hash of its secret)."""
    key_hash = sha256_hex(k.secret) if k.secret is not None else k.key_hash
    return (k.id is not None and k.id in d.keys) or key_hash in d.keys_by_hash


def add_key(d: Deployment, app: App, k: KeySeed) -> Key:
    """Add a seeded key to ``app``; only the SHA-256 of a given secret is kept."""
    if k.secret is not None:
        key_hash, suffix, prefix = sha256_hex(k.secret), k.secret[-8:], k.secret[:-44]
    else:
        assert k.key_hash is not None and k.key_suffix is not None  # KeySeed ensures it
        key_hash, suffix, prefix = k.key_hash, k.key_suffix, app.key_prefix
    if k.id is not None and k.id in d.keys:
        raise _problem(".id", f"key id {k.id} is used twice")
    if key_hash in d.keys_by_hash:
        raise _problem(".secret" if k.secret is not None else ".key_hash", "the same key is seeded twice")
    given = k.model_fields_set
    context = key_context(d, app) if not _CONTEXT_FIELDS <= given else None
    now = d.now()
    created = k.created_at or now
    key = Key(
        id=k.id if k.id is not None else d.ids.snowflake(),
        deployment_id=d.id,
        app_slug=app.app_slug,
        name=k.name,
        key_prefix=k.key_prefix if k.key_prefix is not None else prefix,
        key_suffix=suffix,
        key_hash=key_hash,
        permissions=list(k.permissions),
        metadata=jsonb(k.metadata),
        rate_limit_scheme_slug=(
            k.rate_limit_scheme_slug if "rate_limit_scheme_slug" in given else app.rate_limit_scheme_slug
        ),
        owner_user_id=k.owner_user_id if context is None else app.user_id,
        organization_id=k.organization_id if context is None else context.organization_id,
        workspace_id=k.workspace_id if context is None else context.workspace_id,
        organization_membership_id=(
            k.organization_membership_id if context is None else context.organization_membership_id
        ),
        workspace_membership_id=k.workspace_membership_id if context is None else context.workspace_membership_id,
        org_role_permissions=list(k.org_role_permissions if context is None else context.org_role_permissions),
        workspace_role_permissions=list(
            k.workspace_role_permissions if context is None else context.workspace_role_permissions
        ),
        expires_at=k.expires_at,
        created_at=created,
        updated_at=k.updated_at or k.revoked_at or created,
        seq=d.next_seq(),
        last_used_at=k.last_used_at,
        is_active=k.is_active if k.is_active is not None else k.revoked_at is None,
        revoked_at=k.revoked_at,
        revoked_reason=k.revoked_reason,
    )
    d.add_key(key)
    return key


def add_audit(d: Deployment, r: AuditSeed) -> AuditRecord:
    """Append a seeded gateway decision; its app and key must be seeded in the same deployment."""
    if r.app_slug not in d.apps:
        raise _problem(".app_slug", f"app {r.app_slug!r} is not seeded in this deployment")
    key = d.keys.get(r.key_id)
    if key is None or key.app_slug != r.app_slug:
        raise _problem(".key_id", f"key {r.key_id} is not a seeded key of app {r.app_slug!r}")
    record = AuditRecord(
        request_id=r.request_id if r.request_id is not None else f"req_{d.ids.snowflake()}",
        deployment_id=d.id,
        app_slug=r.app_slug,
        key_id=r.key_id,
        key_name=r.key_name if r.key_name is not None else key.name,
        outcome=r.outcome,
        blocked_by_rule=r.blocked_by_rule,
        client_ip=r.client_ip,
        path=r.path,
        user_agent=r.user_agent,
        rate_limits=tuple(RuleState(s.rule, s.remaining, s.limit) for s in r.rate_limits),
        timestamp=r.timestamp,
    )
    d.add_audit(record)
    return record
