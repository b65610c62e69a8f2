"""The gateway's ``POST /v1/authz/check`` for API-key principals (backend-behaviour.md §9, §10; the gateway's
``handlers.rs``): validation in production's order, key checks, permissions, rate limits, the decision, and
the audit record.

Early exits (400/401) are not audited; every decision answers 200 and is.
Changes made through the backend API show at once: the mock keeps no gateway caches (decision 10).
"""

from __future__ import annotations

import re
import string
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from ..errors import VendorError
from ..ids import sha256_hex
from ..rules import rule
from . import rate_limiting
from .backend import Backend
from .permissions import check_permissions, effective_permissions, required_expression
from .state import AuditRecord, Deployment, Key, RuleState
from .text import header_value_ok, rust_trim, visible_ascii

_SRC = "platform/src/gateway/handlers.rs"

METHOD_ALLOWED = rule("gateway.method_is_one_of_seven", f"{_SRC}:285-288", 400, "invalid_method")
RESOURCE_NOT_EMPTY = rule("gateway.resource_not_empty", f"{_SRC}:149-172", 400, "invalid_resource")
KEY_PRESENT = rule("gateway.api_key_present", f"{_SRC}:305-308", 401, "api_key_required")
KEY_FORMAT = rule("gateway.api_key_format", "platform/src/gateway/validation.rs:10-26", 401, "invalid_api_key_format")
KEY_FOUND = rule(
    "gateway.key_active_and_app_active_and_undeleted", "queries/src/api_key_gateway.rs:42-72", 401, "Invalid API key"
)
KEY_NOT_EXPIRED = rule("gateway.key_not_expired", f"{_SRC}:327-331", 401, "api_key_expired")
OAUTH_UNSUPPORTED = rule(
    "gateway.oauth_token_unknown", "wacht-mock decision 11 (no OAuth principals)", 401, "invalid_token", only="deny"
)
PERMISSIONS_HELD = rule(
    "gateway.required_permissions_expression", "platform/src/gateway/validation.rs:94-227", decision=True
)
DECISION_AUDITED = rule("gateway.decisions_audited_early_exits_not", f"{_SRC}:589-610")
USER_AGENT_SOURCE = rule("gateway.identity.user_agent_from_payload_else_present_header", f"{_SRC}:346-358")
CLIENT_IP_SOURCE = rule("gateway.identity.client_ip_from_payload_else_readable_header_else_peer", f"{_SRC}:360-372")
HEADERS_LEFT_OUT_WHEN_INVALID = rule(
    "gateway.headers.permissions_and_metadata_left_out_when_invalid", f"{_SRC}:429-449"
)
RESET_IS_WINDOW_MS = rule("gateway.headers.rate_limit_reset_is_the_window_in_ms", f"{_SRC}:580-587")
HEADERS_KEY_ORDER = rule("gateway.headers.key_order_random", f"{_SRC}:138,152-160 (HashMap<String, String>)")

METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"})
# Rust's to_ascii_uppercase: str.upper() would also turn U+0131 (dotless i) into "I" and U+017F (long s) into "S".
_ASCII_UPPER = str.maketrans(string.ascii_lowercase, string.ascii_uppercase)
_KEY_BODY = re.compile(rb"[A-Za-z0-9_-]{43}")


@dataclass(frozen=True, slots=True)
class AuthzCheckRequest:
    """The gateway's request after its (strict) JSON extraction."""

    principal_type: Literal["api_key", "oauth_access_token"]
    principal_value: str
    resource: str
    method: str
    client_ip: str | None = None
    user_agent: str | None = None
    required_permissions: list[str] | None = None


@dataclass(frozen=True, slots=True)
class Identity:
    """Who the key is: ids of the key, its deployment, app, owner and memberships."""

    key_id: int
    deployment_id: int
    app_slug: str
    key_name: str
    owner_user_id: int | None
    organization_id: int | None
    workspace_id: int | None
    organization_membership_id: int | None
    workspace_membership_id: int | None


@dataclass(frozen=True, slots=True)
class Decision:
    """A 200 answer: allowed or not, and why."""

    request_id: str
    allowed: bool
    reason: Literal["permission_denied", "rate_limited"] | None
    blocked_rule: str | None
    identity: Identity
    permissions: list[str]
    metadata: Any
    rate_limits: tuple[RuleState, ...]
    retry_after: int | None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class EarlyExit:
    """A 400/401 before any decision (not audited): the rule that ended the check, and its message."""

    status: int
    request_id: str
    rule_id: str | None
    message: str


def normalise_resource(resource: str) -> str | None:
    """Trim, cut at the first ``#`` then ``?``, trim again, and add a leading ``/``; None when empty."""
    text = rust_trim(resource)
    text = rust_trim(text.split("#", 1)[0].split("?", 1)[0])
    if not text:
        return None
    return text if text.startswith("/") else "/" + text


def is_valid_key_format(value: str) -> bool:
    """At least 46 bytes, the last 43 of them base64url characters (the prefix is not checked)."""
    raw = value.encode("utf-8")
    return len(raw) >= 46 and _KEY_BODY.fullmatch(raw[-43:]) is not None


def check_authz(
    backend: Backend, req: AuthzCheckRequest, headers: Mapping[str, str], peer_ip: str
) -> Decision | EarlyExit:
    """Answer one authorization check; ``headers`` are the HTTP request's (lowercase names)."""
    request_id = f"req_{backend.ids.snowflake()}"
    try:
        return _check(backend, req, headers, peer_ip, request_id)
    except VendorError as exc:
        return EarlyExit(exc.status, request_id, exc.rule_id, exc.message)


def _check(
    backend: Backend, req: AuthzCheckRequest, headers: Mapping[str, str], peer_ip: str, request_id: str
) -> Decision:
    method = rust_trim(req.method).translate(_ASCII_UPPER)
    METHOD_ALLOWED.check(method in METHODS)
    resource = RESOURCE_NOT_EMPTY.found(normalise_resource(req.resource))
    value = rust_trim(req.principal_value)
    if req.principal_type == "oauth_access_token":
        KEY_PRESENT.check(bool(value))
        OAUTH_UNSUPPORTED.deny()
    KEY_PRESENT.check(bool(value))
    KEY_FORMAT.check(is_valid_key_format(value))
    d, key = KEY_FOUND.found(_active_key(backend, sha256_hex(value)))
    now = d.now()
    KEY_NOT_EXPIRED.check(key.expires_at is None or not key.expires_at < now)
    user_agent = _user_agent(req, headers)
    client_ip = _client_ip(req, headers, peer_ip)
    permissions = effective_permissions(key)
    identity = _identity(key)
    answer_headers = _identity_headers(identity, permissions, key.metadata)
    expression = required_expression(req.required_permissions)
    reason: Literal["permission_denied", "rate_limited"] | None = None
    blocked_rule: str | None = None
    states: tuple[RuleState, ...] = ()
    retry_after: int | None = None
    if expression is not None and not PERMISSIONS_HELD.decide(check_permissions(set(permissions), expression)):
        reason = blocked_rule = "permission_denied"
        answer_headers["x-wacht-permission-denied"] = "true"
    else:
        app = d.apps[key.app_slug]
        rules = rate_limiting.applicable_rules(d, key, app, resource)
        limits = rate_limiting.evaluate(d, rules, key, resource, client_ip, now)
        if len(d.audit) % rate_limiting.SWEEP_EVERY == 0:
            rate_limiting.sweep(d, now)
        states = tuple(RuleState(o.rule, o.remaining, o.limit) for o in limits.outcomes)
        _rate_limit_headers(answer_headers, limits)
        if not limits.allowed:
            reason, blocked_rule, retry_after = "rate_limited", limits.blocked_rule, limits.retry_after
    allowed = reason is None
    DECISION_AUDITED.applied()
    d.add_audit(
        AuditRecord(
            request_id=request_id,
            deployment_id=d.id,
            app_slug=key.app_slug,
            key_id=key.id,
            key_name=key.name,
            outcome="VALID" if allowed else "BLOCKED",
            blocked_by_rule=blocked_rule,
            client_ip=client_ip,
            path=f"{method} {resource}",
            user_agent=user_agent,
            rate_limits=states,
            timestamp=now,
        )
    )
    return Decision(
        request_id,
        allowed,
        reason,
        blocked_rule,
        identity,
        permissions,
        key.metadata,
        states,
        retry_after,
        _in_random_order(backend, {name: v for name, v in answer_headers.items() if visible_ascii(v)}),
    )


def _in_random_order(backend: Backend, headers: dict[str, str]) -> dict[str, str]:
    """A Rust ``HashMap`` serialises in an order of its own; the mock's is seeded, so a run repeats."""
    HEADERS_KEY_ORDER.applied()
    return dict(backend.ids.shuffled(list(headers.items())))


def _active_key(backend: Backend, key_hash: str) -> tuple[Deployment, Key] | None:
    for d in backend.deployments.values():
        key = d.keys_by_hash.get(key_hash)
        if key is not None:
            app = d.apps.get(key.app_slug)
            if key.is_active and app is not None and app.deleted_at is None and app.is_active:
                return d, key
            return None
    return None


def _user_agent(req: AuthzCheckRequest, headers: Mapping[str, str]) -> str:
    USER_AGENT_SOURCE.applied()
    if req.user_agent is not None and rust_trim(req.user_agent):
        return rust_trim(req.user_agent)
    header = headers.get("x-original-user-agent", headers.get("user-agent"))
    if header is None:
        return "unknown"
    # A header that is not visible ASCII fails to_str(): "unknown", without falling back to user-agent.
    return rust_trim(header) if visible_ascii(header) else "unknown"


def _client_ip(req: AuthzCheckRequest, headers: Mapping[str, str], peer_ip: str) -> str:
    CLIENT_IP_SOURCE.applied()
    if req.client_ip is not None and rust_trim(req.client_ip):
        return rust_trim(req.client_ip)
    header = headers.get("x-original-client-ip")
    if header is not None and visible_ascii(header):
        return rust_trim(header)
    return peer_ip


def _identity(key: Key) -> Identity:
    return Identity(
        key.id,
        key.deployment_id,
        key.app_slug,
        key.name,
        key.owner_user_id,
        key.organization_id,
        key.workspace_id,
        key.organization_membership_id,
        key.workspace_membership_id,
    )


def _valid_header_value(value: str) -> bool:
    """``HeaderValue::from_str``: no control bytes but tab (non-ASCII is accepted here)."""
    return header_value_ok(value)


def _safe(value: str) -> str:
    return value if _valid_header_value(value) else "invalid"


def _identity_headers(identity: Identity, permissions: list[str], metadata: Any) -> dict[str, str]:
    out = {
        "x-wacht-key-id": str(identity.key_id),
        "x-wacht-deployment-id": str(identity.deployment_id),
        "x-wacht-app-slug": _safe(identity.app_slug),
        "x-wacht-key-name": _safe(identity.key_name),
    }
    for name, value in (
        ("x-wacht-organization-id", identity.organization_id),
        ("x-wacht-workspace-id", identity.workspace_id),
        ("x-wacht-organization-membership-id", identity.organization_membership_id),
        ("x-wacht-workspace-membership-id", identity.workspace_membership_id),
    ):
        if value is not None:
            out[name] = str(value)
    joined = ",".join(permissions)
    pairs = (
        ",".join(f"{k}={v}" for k, v in metadata.items() if isinstance(v, str)) if isinstance(metadata, dict) else ""
    )
    # Unlike the identity headers these are not written as "invalid": a value HeaderValue refuses is left out.
    for header, text in (("x-wacht-permissions", joined), ("x-wacht-metadata", pairs)):
        if text and _valid_header_value(text):
            out[header] = text
        elif text:
            HEADERS_LEFT_OUT_WHEN_INVALID.applied()
    return out


def _rate_limit_headers(out: dict[str, str], limits: rate_limiting.RateLimitDecision) -> None:
    """Per evaluated rule; rules with the same window label overwrite each other, but a ``-reset`` stays."""
    for o in limits.outcomes:
        label = rate_limiting.window_label(o.window_ms)
        out[f"x-ratelimit-{label}-limit"] = str(o.limit)
        out[f"x-ratelimit-{label}-remaining"] = str(o.remaining)
        if o.blocked:
            RESET_IS_WINDOW_MS.applied()
            out[f"x-ratelimit-{label}-reset"] = str(o.window_ms)
