"""Every JSON body the mock writes, and the one error envelope.

Production's JSON for apps, schemes, keys and audit (field order, string versus number ids, which nulls are
omitted and which are present: backend-behaviour.md §2.4, §3), the gateway's decision and denial bodies
(§9.3); then the Starlette responses that carry them. The control plane's bodies are in ``control_json``.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any, cast

import orjson
from starlette.responses import Response

from ..domain.apps import AppPage, AppView
from ..domain.audit import Analytics, LogsPage, Share, Timeseries
from ..domain.gateway import Decision, EarlyExit, Identity
from ..domain.jsonb import ryu_text
from ..domain.keys import IssuedKey, KeyView
from ..domain.state import AuditRecord, Key, RateLimitRule, RuleState, Scheme
from ..errors import VendorError
from ..timestamps import Instant, format_timestamp
from .operations import Reply, Router


def dumps(body: object) -> bytes:
    """Compact JSON as serde_json writes it, floats in ryu's spelling (``1e16``, not Python's ``1e+16``).

    orjson writes serde_json's bytes (escapes, number spelling, field order) except a float's exponent, which it
    signs (``1e+16``): such a body, and one orjson refuses (an integer beyond 64 bits, a key that is not a string,
    a lone surrogate), takes the exact path instead."""
    try:
        fast = orjson.dumps(body)
    except TypeError:
        fast = b"e+"
    if b"e+" not in fast:
        # A copy: orjson's bytes hold on to their whole buffer (4 KiB at least), and the journal keeps every answer.
        return bytes(memoryview(fast))
    if not _has_float(body):
        return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    return _write(body).encode("utf-8")


def _has_float(body: object) -> bool:
    stack = [body]
    pop, extend = stack.pop, stack.extend
    while stack:
        value = pop()
        kind = type(value)
        # exact types first: a body is mostly str, int, bool, None, dict and list (isinstance with a union is slow)
        if kind is str or kind is int or kind is bool or value is None:
            continue
        if kind is dict:
            extend(cast(dict[object, object], value).values())
        elif kind is list or kind is tuple:
            extend(cast(list[object], value))
        elif isinstance(value, float):
            return True
        elif isinstance(value, dict):
            extend(value.values())
        elif isinstance(value, list | tuple):
            extend(value)
    return False


def _key(key: object) -> str:
    """An object key as json.dumps turns it into a string (``True`` → ``true``, ``1`` → ``1``)."""
    return key if isinstance(key, str) else next(iter(json.loads(json.dumps({key: 0}))))


def _write(value: object) -> str:
    if isinstance(value, float) and math.isfinite(value):
        return ryu_text(value)
    if isinstance(value, dict):
        return "{" + ",".join(f"{_write(_key(k))}:{_write(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ",".join(_write(v) for v in value) + "]"
    return json.dumps(value, ensure_ascii=False)


def _ts(value: Instant | None) -> str | None:
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


def rule_state_json(r: RuleState) -> dict[str, Any]:
    """A gateway rule state: ``{rule, remaining, limit}``."""
    return {"rule": r.rule, "remaining": r.remaining, "limit": r.limit}


def audit_row_json(r: AuditRecord) -> dict[str, Any]:
    """An audit log row (ids as strings, ``rate_limits`` parsed back to JSON)."""
    return {
        "request_id": r.request_id,
        "deployment_id": str(r.deployment_id),
        "app_slug": r.app_slug,
        "key_id": str(r.key_id),
        "key_name": r.key_name,
        "outcome": r.outcome,
        "blocked_by_rule": r.blocked_by_rule,
        "client_ip": r.client_ip,
        "path": r.path,
        "user_agent": r.user_agent,
        "rate_limits": [rule_state_json(s) for s in r.rate_limits],
        "timestamp": format_timestamp(r.timestamp),
    }


def logs_page_json(page: LogsPage) -> dict[str, Any]:
    """``{data, limit, has_more, next_cursor}``."""
    return {
        "data": [audit_row_json(r) for r in page.data],
        "limit": page.limit,
        "has_more": page.has_more,
        "next_cursor": page.next_cursor,
    }


def _share_json(s: Share, name: str, count: str) -> dict[str, Any]:
    body: dict[str, Any] = {name: s.name, count: s.count}
    if s.percentage is not None:
        body["percentage"] = s.percentage
    return body


def analytics_json(a: Analytics) -> dict[str, Any]:
    """The analytics body; optional sections only when present, ``top_rules`` omitted when empty."""
    body: dict[str, Any] = {
        "total_requests": a.total_requests,
        "allowed_requests": a.allowed_requests,
        "blocked_requests": a.blocked_requests,
        "success_rate": a.success_rate,
        "keys_used_24h": a.keys_used_24h,
    }
    if a.top_keys is not None:
        body["top_keys"] = [
            {"key_id": str(k.key_id), "key_name": k.key_name, "total_requests": k.total_requests} for k in a.top_keys
        ]
    if a.top_paths is not None:
        body["top_paths"] = [_share_json(s, "path", "total_requests") for s in a.top_paths]
    if a.blocked_reasons is not None:
        body["blocked_reasons"] = [_share_json(s, "blocked_by_rule", "count") for s in a.blocked_reasons]
    if a.rate_limit_stats is not None:
        stats = a.rate_limit_stats
        body["rate_limit_stats"] = {
            "total_hits": stats.total_hits,
            "percentage_of_blocked": stats.percentage_of_blocked,
        }
        if stats.top_rules:
            body["rate_limit_stats"]["top_rules"] = [_share_json(s, "rule", "hit_count") for s in stats.top_rules]
    return body


def timeseries_json(t: Timeseries) -> dict[str, Any]:
    """``{data, interval}`` with each bucket's counts and unrounded success rate."""
    return {
        "data": [
            {
                "timestamp": format_timestamp(b.timestamp),
                "total_requests": b.total_requests,
                "allowed_requests": b.allowed_requests,
                "blocked_requests": b.blocked_requests,
                "success_rate": b.success_rate,
            }
            for b in t.data
        ],
        "interval": t.interval,
    }


# The gateway


def identity_json(i: Identity) -> dict[str, Any]:
    """The decision's ``identity``: ids as strings, absent ones present as null."""

    def opt(v: int | None) -> str | None:
        return str(v) if v is not None else None

    return {
        "key_id": str(i.key_id),
        "deployment_id": str(i.deployment_id),
        "app_slug": i.app_slug,
        "key_name": i.key_name,
        "owner_user_id": opt(i.owner_user_id),
        "organization_id": opt(i.organization_id),
        "workspace_id": opt(i.workspace_id),
        "organization_membership_id": opt(i.organization_membership_id),
        "workspace_membership_id": opt(i.workspace_membership_id),
    }


def decision_json(d: Decision) -> dict[str, Any]:
    """The 200 body; every field present."""
    return {
        "request_id": d.request_id,
        "allowed": d.allowed,
        "reason": d.reason,
        "blocked_rule": d.blocked_rule,
        "identity": identity_json(d.identity),
        "permissions": d.permissions,
        "metadata": d.metadata,
        "rate_limits": [rule_state_json(s) for s in d.rate_limits],
        "retry_after": d.retry_after,
        "headers": d.headers,
    }


def denial_json(exit_: EarlyExit) -> dict[str, Any]:
    """The denial envelope of the 400/401 early exits."""
    return {
        "request_id": exit_.request_id,
        "allowed": False,
        "reason": None,
        "blocked_rule": None,
        "identity": None,
        "permissions": [],
        "metadata": None,
        "rate_limits": [],
        "retry_after": None,
        "headers": {},
    }


# Responses


@dataclass(slots=True)
class Answer:
    """What one request got: the response, and what the journal says about it."""

    response: Response
    operation: str | None = None
    message: str | None = None
    fault: str | None = None
    """The injected fault that answered or dropped the request, as the journal names it."""
    dropped: bool = False
    """The connection is closed instead of answering."""
    client_left: bool = False
    """The client disconnected before its request was read whole: there is no one to answer (nothing is sent)."""


def json_response(body: Any, status: int = 200) -> Response:
    """A JSON answer, written as serde_json writes it."""
    return Response(dumps(body), status, media_type="application/json")


def error_response(status: int, message: str) -> Response:
    """Production's error envelope: ``{"errors":[{"message","code"}]}``."""
    return json_response({"errors": [{"message": message, "code": status}]}, status)


def text_response(status: int, text: str) -> Response:
    """A plain-text answer (axum's ``(StatusCode, String)``)."""
    return Response(text, status, media_type="text/plain")


def reply_response(reply: Reply) -> Response:
    """A handler's reply: plain text, JSON, or an empty body."""
    if reply.text is not None:
        return text_response(reply.status, reply.text)
    if reply.body is None:
        return Response(status_code=reply.status, media_type="application/json")
    return json_response(reply.body, reply.status)


def method_not_allowed() -> Response:
    """The gateway's 405: no body, and no ``Allow`` header (backend-behaviour.md §15.4)."""
    return Response(status_code=405)


def rejection(router: Router, error: VendorError) -> Response:
    """A vendor error as ``router`` answers it: the normaliser's envelope, or axum's plain text."""
    if router.normalised:
        return error_response(error.status, error.message)
    return text_response(error.status, error.message)
