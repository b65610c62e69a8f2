"""Snapshots: the whole state as a document that is itself a valid seed (``GET /_mock/state``), and back
(``PUT /_mock/state``, ``serve --seed``).

A snapshot never holds a key's secret: keys are written by ``key_hash`` and ``key_suffix``. Rows are written in
their insertion order, which is how a seed gives it back, so ``export(import(export(s))) == export(s)``.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from ..domain.backend import Backend
from ..domain.state import App, AuditRecord, Deployment, Key, RateLimitRule, Scheme
from ..errors import SeedError
from ..timestamps import format_timestamp

if TYPE_CHECKING:
    from ..seed import Seed


def _ts(value: Any) -> str | None:
    return format_timestamp(value) if value is not None else None


def rule_doc(r: RateLimitRule) -> dict[str, Any]:
    """A scheme rule as its create request takes it."""
    doc: dict[str, Any] = {"unit": r.unit, "duration": r.duration, "max_requests": r.max_requests}
    if r.mode is not None:
        doc["mode"] = r.mode
    if r.endpoints is not None:
        doc["endpoints"] = list(r.endpoints)
    doc["priority"] = r.priority
    return doc


def scheme_doc(s: Scheme) -> dict[str, Any]:
    """A seeded scheme: its create request plus id and timestamps."""
    doc: dict[str, Any] = {"slug": s.slug, "name": s.name}
    if s.description is not None:
        doc["description"] = s.description
    doc.update(
        rules=[rule_doc(r) for r in s.rules], id=str(s.id), created_at=_ts(s.created_at), updated_at=_ts(s.updated_at)
    )
    return doc


def app_doc(a: App) -> dict[str, Any]:
    """A seeded app without its keys: its create request plus activity, deletion and timestamps."""
    doc: dict[str, Any] = {"app_slug": a.app_slug, "name": a.name, "key_prefix": a.key_prefix}
    optional = {
        "description": a.description,
        "user_id": a.user_id,
        "organization_id": a.organization_id,
        "workspace_id": a.workspace_id,
        "rate_limit_scheme_slug": a.rate_limit_scheme_slug,
    }
    doc.update({name: value for name, value in optional.items() if value is not None})
    if a.user_id is None:  # a user's app takes no permissions or resources, not even empty ones
        doc.update(permissions=list(a.permissions), resources=list(a.resources))
    doc.update(
        is_active=a.is_active,
        deleted_at=_ts(a.deleted_at),
        created_at=_ts(a.created_at),
        updated_at=_ts(a.updated_at),
    )
    return doc


def key_doc(k: Key) -> dict[str, Any]:
    """A seeded key by hash: every stored field (none omitted, so nothing is re-derived on the way back)."""
    return {
        "id": str(k.id),
        "name": k.name,
        "key_hash": k.key_hash,
        "key_suffix": k.key_suffix,
        "key_prefix": k.key_prefix,
        "permissions": list(k.permissions),
        "metadata": k.metadata,
        "expires_at": _ts(k.expires_at),
        "rate_limit_scheme_slug": k.rate_limit_scheme_slug,
        "owner_user_id": k.owner_user_id,
        "organization_id": k.organization_id,
        "workspace_id": k.workspace_id,
        "organization_membership_id": k.organization_membership_id,
        "workspace_membership_id": k.workspace_membership_id,
        "org_role_permissions": list(k.org_role_permissions),
        "workspace_role_permissions": list(k.workspace_role_permissions),
        "is_active": k.is_active,
        "revoked_at": _ts(k.revoked_at),
        "revoked_reason": k.revoked_reason,
        "created_at": _ts(k.created_at),
        "updated_at": _ts(k.updated_at),
        "last_used_at": _ts(k.last_used_at),
    }


def audit_doc(r: AuditRecord) -> dict[str, Any]:
    """A seeded audit record: every field but the deployment (it sits under one)."""
    return {
        "request_id": r.request_id,
        "app_slug": r.app_slug,
        "key_id": str(r.key_id),
        "key_name": r.key_name,
        "outcome": r.outcome,
        "blocked_by_rule": r.blocked_by_rule,
        "client_ip": r.client_ip,
        "path": r.path,
        "user_agent": r.user_agent,
        "rate_limits": [{"rule": s.rule, "remaining": s.remaining, "limit": s.limit} for s in r.rate_limits],
        "timestamp": _ts(r.timestamp),
    }


def deployment_head(d: Deployment) -> dict[str, Any]:
    """A deployment's seeded part: plan, secret, users, organizations, workspaces and memberships."""
    return {
        "id": d.id,
        "plan": d.plan,
        "secret": d.secret,
        "users": [{"id": u.id, "deleted": u.deleted} for u in d.users.values()],
        "organizations": [{"id": o.id, "deleted": o.deleted} for o in d.organizations.values()],
        "workspaces": [
            {"id": w.id, "organization_id": w.organization_id, "deleted": w.deleted} for w in d.workspaces.values()
        ],
        "memberships": [_membership_doc(m) for m in d.memberships],
    }


def _membership_doc(m: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {"id": m.id, "user_id": m.user_id}
    if m.organization_id is not None:
        doc["organization_id"] = m.organization_id
    if m.workspace_id is not None:
        doc["workspace_id"] = m.workspace_id
    doc.update(permissions=list(m.permissions), deleted=m.deleted)
    return doc


def deployment_doc(d: Deployment) -> dict[str, Any]:
    """A whole deployment as a seed entry: rows in insertion order, keys under their apps."""
    keys_of: dict[str, list[Key]] = {}
    for k in sorted(d.keys.values(), key=lambda k: k.seq):
        keys_of.setdefault(k.app_slug, []).append(k)
    apps = []
    for a in sorted(d.apps.values(), key=lambda a: a.seq):
        doc = app_doc(a)
        doc["keys"] = [key_doc(k) for k in keys_of.get(a.app_slug, [])]
        apps.append(doc)
    return {
        **deployment_head(d),
        "rate_limit_schemes": [scheme_doc(s) for s in sorted(d.schemes.values(), key=lambda s: s.seq)],
        "apps": apps,
        "audit": [audit_doc(r) for r in d.audit],
    }


def export_state(backend: Backend) -> dict[str, Any]:
    """The whole state as a seed document: the clock's now, where ids continue, and every deployment."""
    with backend.lock:
        return {
            "clock": {"now": format_timestamp(backend.clock.now())},
            "ids": {"last": str(backend.ids.last)},
            "deployments": [deployment_doc(d) for d in backend.deployments.values()],
        }


def dump(doc: dict[str, Any], *, yaml_form: bool) -> bytes:
    """A snapshot document as YAML or as (compact) JSON."""
    if yaml_form:
        import yaml  # here, as in ``load``: a server that never snapshots never loads it

        dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
        text: str = yaml.dump(doc, Dumper=dumper, sort_keys=False, allow_unicode=True)
        return text.encode("utf-8")
    return json.dumps(doc, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def load(body: bytes, *, yaml_form: bool, source: str = "snapshot") -> Seed:
    """Decode and validate a snapshot (or any seed) sent as YAML or JSON; a problem is one SeedError line."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise SeedError(source, "file", "not UTF-8 text") from None
    import yaml  # here: a server that never takes a snapshot starts without it

    try:
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        data = yaml.load(text, Loader=loader) if yaml_form else json.loads(text)
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise SeedError(source, "file", f"not valid {'YAML' if yaml_form else 'JSON'}: {detail}") from None
    from ..seed import parse_seed  # here: serving never validates a seed until one is sent

    return parse_seed(data, source=source)


def replace_state(backend: Backend, seed: Seed) -> None:
    """Make ``seed`` the state and the new seed (``reset`` comes back to it); the clock moves to its ``now``."""
    with backend.lock:
        before = backend.clock.now()
        if seed.clock is not None:  # first, so rows the document leaves undated are dated at its now
            backend.clock.set(seed.clock.now)
        try:
            backend.replace_seed(seed)
        except SeedError as exc:
            backend.clock.set(before)
            raise exc.with_source("snapshot") from None
