"""Valid requests: every request body of the surface, respecting the cross-field rules."""

from __future__ import annotations

import string
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import strategies as st

from ..mock import WachtMock
from ..models import MODES, UNITS
from ..seed import Seed
from .requests import APPS, MAX_DURATION, SCHEMES, SECRET, Scope, WachtRequest, scope_of

# Building blocks

_slug_chars = string.ascii_lowercase + string.digits
slugs = st.text(_slug_chars, min_size=1, max_size=12).map(lambda s: "a" + s)
names = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=20).filter(
    lambda s: s.strip() != ""
)
_no_nul = st.characters(exclude_characters="\x00")  # Postgres text and jsonb hold no NUL: it is a 500 (§15.3)
prefixes = st.text(string.ascii_lowercase + "_", min_size=2, max_size=8)
permission_lists = st.lists(st.text(string.ascii_lowercase + ":", min_size=1, max_size=10), max_size=4)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53), 2**53) | st.text(_no_nul, max_size=10),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(_no_nul, max_size=5), inner, max_size=3),
    max_leaves=8,
)


@st.composite
def rate_limit_rules(draw: st.DrawFn) -> dict[str, Any]:
    """One rule within its unit's bounds (any mode, endpoints and priority production accepts)."""
    unit = draw(st.sampled_from(UNITS))
    duration = draw(st.integers(1, MAX_DURATION[unit])) if unit in MAX_DURATION else 1
    body: dict[str, Any] = {"unit": unit, "duration": duration, "max_requests": draw(st.integers(1, 10_000))}
    if draw(st.booleans()):
        body["mode"] = draw(st.sampled_from(MODES))
    if draw(st.booleans()):
        body["endpoints"] = draw(st.lists(st.sampled_from(["*", "/users", "/orders"]), max_size=2))
    if draw(st.booleans()):
        body["priority"] = draw(st.integers(-5, 5))
    return body


@st.composite
def create_app_bodies(draw: st.DrawFn, source: WachtMock | Seed | Mapping[str, Any] | None = None) -> dict[str, Any]:
    """A valid ``createApiAuthApp`` body: no owner, or an owner with scopes the seed makes valid."""
    scope = scope_of(source)
    body: dict[str, Any] = {"app_slug": draw(slugs), "name": draw(names), "key_prefix": draw(prefixes)}
    if draw(st.booleans()):
        body["description"] = draw(names)
    owner = draw(st.sampled_from(["none", "user", "org", "workspace"]))
    if owner == "user" and scope.users:
        body["user_id"] = draw(st.sampled_from(scope.users))
    elif owner == "org" and scope.user_in_org:
        body["user_id"], body["organization_id"] = draw(st.sampled_from(scope.user_in_org))
    elif owner == "workspace" and scope.user_in_workspace:
        body["user_id"], body["workspace_id"] = draw(st.sampled_from(scope.user_in_workspace))
    if "user_id" not in body:
        if draw(st.booleans()):
            body["permissions"] = draw(permission_lists)
        if draw(st.booleans()):
            body["resources"] = draw(permission_lists)
    if draw(st.booleans()):
        body["rate_limit_scheme_slug"] = draw(slugs)
    ids_as_text = draw(st.booleans())
    return {k: str(v) if ids_as_text and k.endswith("_id") else v for k, v in body.items()}


@st.composite
def create_scheme_bodies(draw: st.DrawFn) -> dict[str, Any]:
    """A valid ``createRateLimitScheme`` body."""
    body = {
        "slug": draw(slugs),
        "name": draw(names),
        "rules": draw(st.lists(rate_limit_rules(), min_size=1, max_size=4)),
    }
    if draw(st.booleans()):
        body["description"] = draw(names)
    return body


@st.composite
def create_key_bodies(draw: st.DrawFn) -> dict[str, Any]:
    """A valid ``createApiKey`` body (past expiries are accepted too)."""
    body: dict[str, Any] = {"name": draw(st.text(_no_nul, max_size=20))}
    if draw(st.booleans()):
        body["permissions"] = draw(permission_lists)
    if draw(st.booleans()):
        body["metadata"] = draw(json_values)
    if draw(st.booleans()):
        at = datetime(2020, 1, 1, tzinfo=UTC) + timedelta(seconds=draw(st.integers(0, 10**9)))
        body["expires_at"] = at.isoformat().replace("+00:00", "Z")
    return body


def plain_app(scope: Scope, slug: str) -> WachtRequest:
    body = {"app_slug": slug, "name": slug, "key_prefix": "sk_test"}
    return WachtRequest("createApiAuthApp", "POST", APPS, scope.growth_secret, body)


def _key(scope: Scope, slug: str) -> WachtRequest:
    return WachtRequest("createApiKey", "POST", f"{APPS}/{slug}/keys", scope.growth_secret, {"name": "k"})


# Valid requests, one strategy per request body of the surface


def valid_requests(source: WachtMock | Seed | Mapping[str, Any] | None = None) -> st.SearchStrategy[WachtRequest]:
    """Any valid request: create and update app, create and update scheme, create key, revoke, gateway check."""
    scope = scope_of(source)
    return st.one_of(
        create_app_requests(source),
        slugs.flatmap(lambda slug: _update_app(scope, slug)),
        create_scheme_bodies().map(
            lambda b: WachtRequest("createRateLimitScheme", "POST", SCHEMES, scope.growth_secret, b)
        ),
        create_scheme_bodies().flatmap(lambda b: _update_scheme(scope, b)),
        st.tuples(slugs, create_key_bodies()).map(
            lambda sb: WachtRequest(
                "createApiKey",
                "POST",
                f"{APPS}/{sb[0]}/keys",
                scope.growth_secret,
                sb[1],
                setup=(plain_app(scope, sb[0]),),
            )
        ),
        st.tuples(slugs, st.none() | names).map(lambda sr: _revoke(scope, *sr)),
        st.tuples(slugs, st.sampled_from(["GET", "post", " PUT "]), st.sampled_from(["/users", "orders?x=1"])).map(
            lambda args: _check(scope, *args)
        ),
    )


def create_app_requests(source: WachtMock | Seed | Mapping[str, Any] | None = None) -> st.SearchStrategy[WachtRequest]:
    """Valid ``createApiAuthApp`` requests."""
    scope = scope_of(source)
    return create_app_bodies(source).map(
        lambda b: WachtRequest("createApiAuthApp", "POST", APPS, scope.growth_secret, b)
    )


def _update_app(scope: Scope, slug: str) -> st.SearchStrategy[WachtRequest]:
    fields = st.fixed_dictionaries(
        {},
        optional={
            "name": names,
            "key_prefix": prefixes,
            "description": names,
            "is_active": st.booleans(),
            "rate_limit_scheme_slug": slugs,
            "permissions": permission_lists,
            "resources": permission_lists,
        },
    )
    return fields.map(
        lambda b: WachtRequest(
            "updateApiAuthApp", "PATCH", f"{APPS}/{slug}", scope.growth_secret, b, setup=(plain_app(scope, slug),)
        )
    )


def _update_scheme(scope: Scope, created: dict[str, Any]) -> st.SearchStrategy[WachtRequest]:
    fields = st.fixed_dictionaries(
        {},
        optional={"name": names, "description": names, "rules": st.lists(rate_limit_rules(), min_size=1, max_size=3)},
    )
    setup = (WachtRequest("createRateLimitScheme", "POST", SCHEMES, scope.growth_secret, created),)
    path = f"{SCHEMES}/{created['slug']}"
    return fields.map(
        lambda b: WachtRequest("updateRateLimitScheme", "PATCH", path, scope.growth_secret, b, setup=setup)
    )


def _revoke(scope: Scope, slug: str, reason: str | None) -> WachtRequest:
    body = {} if reason is None else {"reason": reason}
    path = f"{APPS}/{slug}/keys/{{key_id}}/revoke"
    return WachtRequest(
        "revokeApiKeyForApp",
        "POST",
        path,
        scope.growth_secret,
        body,
        setup=(plain_app(scope, slug), _key(scope, slug)),
    )


def _check(scope: Scope, slug: str, method: str, resource: str) -> WachtRequest:
    body = {"principal": {"type": "api_key", "value": SECRET}, "resource": resource, "method": method}
    setup = (plain_app(scope, slug), _key(scope, slug))
    return WachtRequest("checkAuthz", "POST", "/v1/authz/check", scope.growth_secret, body, setup=setup)
