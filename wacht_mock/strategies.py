"""Hypothesis strategies that know Wacht's rules (import this module explicitly; it needs Hypothesis).

Valid strategies generate requests production accepts, respecting the cross-field rules (a ``user_id`` never
beside ``permissions``/``resources``, rule durations within their unit's bounds, scope ids that exist in the
seed). Invalid strategies break exactly one named rule and carry the answer production gives: status and exact
message. Every strategy yields a ``WachtRequest``: ``request.send(client)`` sends it (after its set-up requests)
and ``request.check(response)`` asserts the expected outcome.

Strategies that need state take a source: a ``WachtMock``, a ``Seed`` or a seed mapping (users, organizations,
workspaces and memberships are read from it; secrets authenticate each request).
"""

from __future__ import annotations

import json
import string
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from hypothesis import strategies as st

from .domain import apps as apps_rules
from .domain import backend as auth_rules
from .domain import rate_limit_schemes as scheme_rules
from .domain import scope as scope_rules
from .framework import JSON_CONTENT_TYPE, JSON_SHAPE, JSON_SYNTAX
from .mock import WachtMock
from .models import (
    CreateApiAuthAppRequest,
    CreateApiKeyRequest,
    CreateRateLimitSchemeRequest,
    RevokeApiKeyRequest,
    UpdateApiAuthAppRequest,
    UpdateRateLimitSchemeRequest,
)
from .rules import Rule
from .seed import Seed, parse_seed

APPS, SCHEMES = "/api-auth/apps", "/api-auth/rate-limit-schemes"
UNITS = ("millisecond", "second", "minute", "hour", "day", "calendar_day", "month", "calendar_month")
MODES = ("per_app", "per_key", "per_key_and_ip", "per_app_and_ip")
MAX_DURATION = {"millisecond": 60_000, "second": 1800, "minute": 1440, "hour": 720, "day": 30}
_NO_BODY = object()


@dataclass(frozen=True, slots=True)
class Expected:
    """The answer production gives: status, and (for errors) the exact message and the rule behind it."""

    status: int
    message: str | None = None
    rule: str | None = None

    @classmethod
    def of(cls, rule: Rule, **fields: object) -> Expected:
        """The deny side of a rule."""
        assert rule.status is not None and rule.message is not None
        return cls(rule.status, rule.message.format(**fields), rule.id)


OK = Expected(200)


@dataclass(frozen=True, slots=True)
class WachtRequest:
    """One request to send, the requests to send first, and the answer production gives to it.

    ``path`` and string values in ``body`` may name ``{key_id}`` or ``{secret}``: they are filled from the last
    set-up answer that had them (a created key).
    """

    operation: str
    method: str
    path: str
    secret: str
    body: Any = _NO_BODY
    raw: bytes | None = None
    content_type: str | None = "application/json"
    setup: tuple[WachtRequest, ...] = ()
    expected: Expected = OK

    def send(self, client: httpx.Client) -> httpx.Response:
        """Send the set-up requests (each must succeed), then this one; returns this one's response."""
        found: dict[str, str] = {}
        for step in self.setup:
            answer = step._send(client, found)
            assert answer.status_code in (200, 204), f"set-up {step.method} {step.path}: {answer.text}"
            if answer.content and "secret" in answer.json():
                found = {"key_id": answer.json()["id"], "secret": answer.json()["secret"]}
        return self._send(client, found)

    def _send(self, client: httpx.Client, found: Mapping[str, str]) -> httpx.Response:
        headers = {"authorization": f"Bearer {self.secret}"}
        if self.content_type is not None:
            headers["content-type"] = self.content_type
        content = self.raw
        if content is None and self.body is not _NO_BODY:
            content = json.dumps(_fill(self.body, found)).encode()
        return client.request(self.method, self.path.format(**found), content=content, headers=headers)

    def check(self, response: httpx.Response) -> None:
        """Assert production's answer: the status, and the exact error envelope when one is expected."""
        e = self.expected
        assert response.status_code == e.status, f"{self.method} {self.path}: {response.status_code} {response.text}"
        if e.message is not None:
            assert response.json() == {"errors": [{"message": e.message, "code": e.status}]}, response.text


def _fill(value: Any, found: Mapping[str, str]) -> Any:
    if isinstance(value, str) and value in ("{key_id}", "{secret}"):
        return found[value[1:-1]]
    if isinstance(value, dict):
        return {k: _fill(v, found) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, found) for v in value]
    return value


# What a seed offers


@dataclass(frozen=True, slots=True)
class Scope:
    """What the strategies may use from a seed: deployments by plan, and the first growth deployment's ids."""

    growth_secret: str
    other_plan_secrets: tuple[str, ...]
    users: tuple[int, ...]
    organizations: tuple[int, ...]
    workspaces: Mapping[int, int] = field(default_factory=dict)  # workspace -> organization
    org_members: frozenset[tuple[int, int]] = frozenset()  # (user, organization)
    ws_members: frozenset[tuple[int, int]] = frozenset()  # (user, workspace)

    @property
    def user_in_org(self) -> list[tuple[int, int]]:
        """(user, organization) pairs a user app may use."""
        return sorted(self.org_members)

    @property
    def user_in_workspace(self) -> list[tuple[int, int]]:
        """(user, workspace) pairs where the user is a member of the workspace and of its organization."""
        return sorted((u, w) for u, w in self.ws_members if (u, self.workspaces[w]) in self.org_members)


def scope_of(source: WachtMock | Seed | Mapping[str, Any] | None = None) -> Scope:
    """Read a Scope from a mock, a seed or a seed mapping (default: the default seed)."""
    if isinstance(source, WachtMock):
        seed = source.backend.seed
        secrets = {d.id: d.secret for d in source.backend.deployments.values()}
    else:
        seed = source if isinstance(source, Seed) else parse_seed(source or {"deployments": [{"id": 1}]})
        secrets = {d.id: d.backend_secret for d in seed.deployments}
    growth = [d for d in seed.deployments if d.plan == "growth"]
    if not growth:
        raise ValueError("the seed has no growth deployment; most requests need one")
    d = growth[0]
    live = {u.id for u in d.users if not u.deleted}
    orgs = {o.id for o in d.organizations if not o.deleted}
    workspaces = {w.id: w.organization_id for w in d.workspaces if not w.deleted and w.organization_id in orgs}
    members = [m for m in d.memberships if not m.deleted and m.user_id in live]
    return Scope(
        growth_secret=secrets[d.id],
        other_plan_secrets=tuple(secrets[o.id] for o in seed.deployments if o.plan != "growth"),
        users=tuple(sorted(live)),
        organizations=tuple(sorted(orgs)),
        workspaces=workspaces,
        org_members=frozenset((m.user_id, m.organization_id) for m in members if m.organization_id in orgs),
        ws_members=frozenset((m.user_id, m.workspace_id) for m in members if m.workspace_id in workspaces),
    )


# Building blocks

_slug_chars = string.ascii_lowercase + string.digits
slugs = st.text(_slug_chars, min_size=1, max_size=12).map(lambda s: "a" + s)
names = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=20).filter(
    lambda s: s.strip() != ""
)
prefixes = st.text(string.ascii_lowercase + "_", min_size=2, max_size=8)
permission_lists = st.lists(st.text(string.ascii_lowercase + ":", min_size=1, max_size=10), max_size=4)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53), 2**53) | st.text(max_size=10),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
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
    body: dict[str, Any] = {"name": draw(st.text(max_size=20))}
    if draw(st.booleans()):
        body["permissions"] = draw(permission_lists)
    if draw(st.booleans()):
        body["metadata"] = draw(json_values)
    if draw(st.booleans()):
        at = datetime(2020, 1, 1, tzinfo=UTC) + timedelta(seconds=draw(st.integers(0, 10**9)))
        body["expires_at"] = at.isoformat().replace("+00:00", "Z")
    return body


def _plain_app(scope: Scope, slug: str) -> WachtRequest:
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
                setup=(_plain_app(scope, sb[0]),),
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
            "updateApiAuthApp", "PATCH", f"{APPS}/{slug}", scope.growth_secret, b, setup=(_plain_app(scope, slug),)
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
        setup=(_plain_app(scope, slug), _key(scope, slug)),
    )


def _check(scope: Scope, slug: str, method: str, resource: str) -> WachtRequest:
    body = {"principal": {"type": "api_key", "value": "{secret}"}, "resource": resource, "method": method}
    setup = (_plain_app(scope, slug), _key(scope, slug))
    return WachtRequest("checkAuthz", "POST", "/v1/authz/check", scope.growth_secret, body, setup=setup)


# Invalid requests: each breaks exactly one named rule


def _app_body(draw: st.DrawFn, **fields: Any) -> dict[str, Any]:
    return {"app_slug": draw(slugs), "name": draw(names), "key_prefix": draw(prefixes), **fields}


def _create(scope: Scope, body: Any, expected: Expected, *, secret: str | None = None, **kw: Any) -> WachtRequest:
    return WachtRequest("createApiAuthApp", "POST", APPS, secret or scope.growth_secret, body, expected=expected, **kw)


def _unused(taken: tuple[int, ...] | Mapping[int, int]) -> st.SearchStrategy[int]:
    return st.integers(1, 10**12).filter(lambda i: i not in taken)


def _scheme_with_bad_rule(rule: Rule, bad: st.SearchStrategy[dict[str, Any]]) -> Callable[[Scope], Any]:
    def build(scope: Scope) -> st.SearchStrategy[WachtRequest]:
        @st.composite
        def one(draw: st.DrawFn) -> WachtRequest:
            rules = [*draw(st.lists(rate_limit_rules(), max_size=2)), draw(bad)]
            body = {"slug": draw(slugs), "name": draw(names), "rules": rules}
            return WachtRequest(
                "createRateLimitScheme", "POST", SCHEMES, scope.growth_secret, body, expected=Expected.of(rule)
            )

        return one()

    return build


def _rule_with(unit: str, durations: st.SearchStrategy[int]) -> st.SearchStrategy[dict[str, Any]]:
    return st.builds(lambda d, m: {"unit": unit, "duration": d, "max_requests": m}, durations, st.integers(1, 100))


_I32_MAX = 2**31 - 1
_window_over_30_days = st.one_of(
    _rule_with("second", st.integers(2_592_001, _I32_MAX)),
    _rule_with("minute", st.integers(43_201, _I32_MAX)),
    _rule_with("hour", st.integers(721, _I32_MAX)),
    _rule_with("day", st.integers(31, _I32_MAX)),
    _rule_with("calendar_day", st.integers(31, _I32_MAX)),
    _rule_with("month", st.integers(2, _I32_MAX)),
    _rule_with("calendar_month", st.integers(2, _I32_MAX)),
)


def _invalid_builders() -> dict[str, Callable[[Scope], st.SearchStrategy[WachtRequest] | None]]:
    """Rule id → a strategy breaking only that rule for a scope (None when the seed cannot provide one)."""
    blank = st.text(" \t\n", max_size=3)

    @st.composite
    def plan(draw: st.DrawFn, scope: Scope) -> WachtRequest:
        secret = draw(st.sampled_from(scope.other_plan_secrets))
        return _create(scope, draw(create_app_bodies()), Expected.of(apps_rules.REQUIRES_GROWTH_PLAN), secret=secret)

    @st.composite
    def user_with_permissions(draw: st.DrawFn, scope: Scope) -> WachtRequest:
        field_name = draw(st.sampled_from(["permissions", "resources"]))
        body = _app_body(draw, user_id=draw(st.integers(1, 10**12)), **{field_name: draw(permission_lists)})
        return _create(scope, body, Expected.of(apps_rules.USER_ID_EXCLUDES_PERMISSIONS))

    @st.composite
    def with_fields(
        draw: st.DrawFn, scope: Scope, rule: Rule, fields: st.SearchStrategy[dict[str, Any]]
    ) -> WachtRequest:
        return _create(scope, _app_body(draw, **draw(fields)), Expected.of(rule))

    def scoped(
        rule: Rule, fields: Callable[[Scope], st.SearchStrategy[dict[str, Any]] | None]
    ) -> Callable[[Scope], Any]:
        def build(scope: Scope) -> st.SearchStrategy[WachtRequest] | None:
            made = fields(scope)
            return None if made is None else with_fields(scope, rule, made)

        return build

    def not_member_of_org(scope: Scope) -> st.SearchStrategy[dict[str, Any]] | None:
        pairs = [(u, o) for u in scope.users for o in scope.organizations if (u, o) not in scope.org_members]
        return st.sampled_from(pairs).map(lambda p: {"user_id": p[0], "organization_id": p[1]}) if pairs else None

    def not_member_of_workspace(scope: Scope) -> st.SearchStrategy[dict[str, Any]] | None:
        pairs = [
            (u, w)
            for w, o in scope.workspaces.items()
            for u in scope.users
            if (u, o) in scope.org_members and (u, w) not in scope.ws_members
        ]
        return st.sampled_from(pairs).map(lambda p: {"user_id": p[0], "workspace_id": p[1]}) if pairs else None

    def ws_in_other_org(scope: Scope) -> st.SearchStrategy[dict[str, Any]] | None:
        if not scope.workspaces:
            return None
        return st.sampled_from(sorted(scope.workspaces.items())).flatmap(
            lambda wo: (
                st.integers(1, 10**12)
                .filter(lambda o: o != wo[1])
                .map(lambda o: {"workspace_id": wo[0], "organization_id": o})
            )
        )

    @st.composite
    def duplicate_app(draw: st.DrawFn, scope: Scope) -> WachtRequest:
        slug = draw(slugs)
        return _create(
            scope, _app_body(draw, app_slug=slug), Expected.of(apps_rules.SLUG_UNIQUE), setup=(_plain_app(scope, slug),)
        )

    @st.composite
    def scheme_blank(draw: st.DrawFn, scope: Scope, which: str) -> WachtRequest:
        body = {"slug": draw(slugs), "name": draw(names), "rules": [draw(rate_limit_rules())]}
        body[which] = draw(blank)
        rule = scheme_rules.SLUG_REQUIRED if which == "slug" else scheme_rules.NAME_REQUIRED
        return WachtRequest(
            "createRateLimitScheme", "POST", SCHEMES, scope.growth_secret, body, expected=Expected.of(rule)
        )

    @st.composite
    def duplicate_scheme(draw: st.DrawFn, scope: Scope) -> WachtRequest:
        first = draw(create_scheme_bodies())
        again = {**draw(create_scheme_bodies()), "slug": first["slug"]}
        setup = (WachtRequest("createRateLimitScheme", "POST", SCHEMES, scope.growth_secret, first),)
        expected = Expected.of(scheme_rules.SLUG_UNIQUE, slug=first["slug"])
        return WachtRequest(
            "createRateLimitScheme", "POST", SCHEMES, scope.growth_secret, again, setup=setup, expected=expected
        )

    @st.composite
    def empty_rules(draw: st.DrawFn, scope: Scope) -> WachtRequest:
        body = {"slug": draw(slugs), "name": draw(names), "rules": []}
        expected = Expected.of(scheme_rules.AT_LEAST_ONE_RULE)
        return WachtRequest("createRateLimitScheme", "POST", SCHEMES, scope.growth_secret, body, expected=expected)

    @st.composite
    def blank_scheme_name_update(draw: st.DrawFn, scope: Scope) -> WachtRequest:
        created = draw(create_scheme_bodies())
        setup = (WachtRequest("createRateLimitScheme", "POST", SCHEMES, scope.growth_secret, created),)
        path = f"{SCHEMES}/{created['slug']}"
        return WachtRequest(
            "updateRateLimitScheme",
            "PATCH",
            path,
            scope.growth_secret,
            {"name": draw(blank)},
            setup=setup,
            expected=Expected.of(scheme_rules.NAME_NOT_EMPTY),
        )

    @st.composite
    def frozen_user_app(draw: st.DrawFn, scope: Scope) -> WachtRequest:
        slug = draw(slugs)
        owned = {"app_slug": slug, "name": slug, "key_prefix": "sk_test", "user_id": draw(st.sampled_from(scope.users))}
        setup = (WachtRequest("createApiAuthApp", "POST", APPS, scope.growth_secret, owned),)
        body = {draw(st.sampled_from(["permissions", "resources"])): draw(permission_lists)}
        return WachtRequest(
            "updateApiAuthApp",
            "PATCH",
            f"{APPS}/{slug}",
            scope.growth_secret,
            body,
            setup=setup,
            expected=Expected.of(apps_rules.USER_APP_PERMISSIONS_FROZEN),
        )

    @st.composite
    def scope_without_user(draw: st.DrawFn, scope: Scope) -> WachtRequest:
        slug = draw(slugs)
        body = {"organization_id": draw(st.sampled_from(scope.organizations))}
        return WachtRequest(
            "updateApiAuthApp",
            "PATCH",
            f"{APPS}/{slug}",
            scope.growth_secret,
            body,
            setup=(_plain_app(scope, slug),),
            expected=Expected.of(apps_rules.SCOPE_NEEDS_USER),
        )

    @st.composite
    def missing_app(draw: st.DrawFn, scope: Scope) -> WachtRequest:
        return WachtRequest(
            "getApiAuthApp",
            "GET",
            f"{APPS}/{draw(slugs)}",
            scope.growth_secret,
            expected=Expected.of(apps_rules.NOT_FOUND),
        )

    @st.composite
    def unknown_secret(draw: st.DrawFn, scope: Scope) -> WachtRequest:
        secret = "sk_" + draw(st.text(string.ascii_letters + string.digits + "-_", min_size=43, max_size=43))
        return WachtRequest("listApiAuthApps", "GET", APPS, secret, expected=Expected.of(auth_rules.KNOWN_SECRET))

    @st.composite
    def wrong_content_type(draw: st.DrawFn, scope: Scope) -> WachtRequest:
        content_type = draw(st.sampled_from([None, "text/plain", "application/x-www-form-urlencoded", "json"]))
        return _create(scope, draw(create_app_bodies()), Expected.of(JSON_CONTENT_TYPE), content_type=content_type)

    @st.composite
    def malformed_json(draw: st.DrawFn, scope: Scope) -> WachtRequest:
        valid = json.dumps(draw(create_app_bodies()))
        raw = draw(st.sampled_from([valid[:-1], valid + "}", valid.replace(":", "=", 1), "", "{'a': 1}", valid + " x"]))
        return _create(scope, _NO_BODY, Expected.of(JSON_SYNTAX), raw=raw.encode())

    @st.composite
    def wrong_shape(draw: st.DrawFn, scope: Scope) -> WachtRequest:
        body = draw(create_app_bodies())
        change = draw(st.sampled_from(["missing", "type", "null"]))
        required = draw(st.sampled_from(["app_slug", "name", "key_prefix"]))
        if change == "missing":
            del body[required]
        else:
            body[required] = None if change == "null" else draw(st.integers() | st.booleans() | st.just([]))
        return _create(scope, body, Expected.of(JSON_SHAPE))

    @st.composite
    def unknown_enum(draw: st.DrawFn, scope: Scope) -> WachtRequest:
        rule = {**draw(rate_limit_rules()), "unit": draw(st.sampled_from(["week", "year", "Minute", "MINUTE", ""]))}
        body = {"slug": draw(slugs), "name": draw(names), "rules": [rule]}
        return WachtRequest(
            "createRateLimitScheme", "POST", SCHEMES, scope.growth_secret, body, expected=Expected.of(JSON_SHAPE)
        )

    shape = JSON_SHAPE.id
    return {
        apps_rules.REQUIRES_GROWTH_PLAN.id: lambda s: plan(s) if s.other_plan_secrets else None,
        apps_rules.USER_ID_EXCLUDES_PERMISSIONS.id: user_with_permissions,
        scope_rules.WORKSPACE_EXISTS.id: scoped(
            scope_rules.WORKSPACE_EXISTS, lambda s: _unused(s.workspaces).map(lambda w: {"workspace_id": w})
        ),
        scope_rules.WORKSPACE_IN_ORGANIZATION.id: scoped(scope_rules.WORKSPACE_IN_ORGANIZATION, ws_in_other_org),
        scope_rules.ORGANIZATION_EXISTS.id: scoped(
            scope_rules.ORGANIZATION_EXISTS, lambda s: _unused(s.organizations).map(lambda o: {"organization_id": o})
        ),
        scope_rules.USER_EXISTS.id: scoped(
            scope_rules.USER_EXISTS, lambda s: _unused(s.users).map(lambda u: {"user_id": u})
        ),
        scope_rules.USER_IN_ORGANIZATION.id: scoped(scope_rules.USER_IN_ORGANIZATION, not_member_of_org),
        scope_rules.USER_IN_WORKSPACE.id: scoped(scope_rules.USER_IN_WORKSPACE, not_member_of_workspace),
        apps_rules.USER_REQUIRED_FOR_SCOPE.id: scoped(
            apps_rules.USER_REQUIRED_FOR_SCOPE,
            lambda s: (
                st.sampled_from(s.organizations).map(lambda o: {"organization_id": o}) if s.organizations else None
            ),
        ),
        apps_rules.SLUG_UNIQUE.id: duplicate_app,
        apps_rules.USER_APP_PERMISSIONS_FROZEN.id: lambda s: frozen_user_app(s) if s.users else None,
        apps_rules.SCOPE_NEEDS_USER.id: lambda s: scope_without_user(s) if s.organizations else None,
        apps_rules.NOT_FOUND.id: missing_app,
        auth_rules.KNOWN_SECRET.id: unknown_secret,
        scheme_rules.SLUG_REQUIRED.id: lambda s: scheme_blank(s, "slug"),
        scheme_rules.NAME_REQUIRED.id: lambda s: scheme_blank(s, "name"),
        scheme_rules.SLUG_UNIQUE.id: duplicate_scheme,
        scheme_rules.NAME_NOT_EMPTY.id: blank_scheme_name_update,
        scheme_rules.AT_LEAST_ONE_RULE.id: empty_rules,
        scheme_rules.DURATION_POSITIVE.id: _scheme_with_bad_rule(
            scheme_rules.DURATION_POSITIVE,
            st.builds(
                lambda u, d, m: {"unit": u, "duration": d, "max_requests": m},
                st.sampled_from(UNITS),
                st.integers(-(2**31), 0),
                st.integers(-(2**31), _I32_MAX),
            ),
        ),
        scheme_rules.MAX_REQUESTS_POSITIVE.id: _scheme_with_bad_rule(
            scheme_rules.MAX_REQUESTS_POSITIVE,
            rate_limit_rules().flatmap(lambda r: st.integers(-(2**31), 0).map(lambda m: {**r, "max_requests": m})),
        ),
        scheme_rules.WINDOW_AT_MOST_30_DAYS.id: _scheme_with_bad_rule(
            scheme_rules.WINDOW_AT_MOST_30_DAYS, _window_over_30_days
        ),
        "schemes.rules.millisecond_at_most_60000": _scheme_with_bad_rule(
            scheme_rules.unit_bound("millisecond"), _rule_with("millisecond", st.integers(60_001, _I32_MAX))
        ),
        "schemes.rules.second_at_most_1800": _scheme_with_bad_rule(
            scheme_rules.unit_bound("second"), _rule_with("second", st.integers(1801, 2_592_000))
        ),
        "schemes.rules.minute_at_most_1440": _scheme_with_bad_rule(
            scheme_rules.unit_bound("minute"), _rule_with("minute", st.integers(1441, 43_200))
        ),
        "schemes.rules.calendar_day_exactly_1": _scheme_with_bad_rule(
            scheme_rules.unit_bound("calendar_day"), _rule_with("calendar_day", st.integers(2, 30))
        ),
        JSON_CONTENT_TYPE.id: wrong_content_type,
        JSON_SYNTAX.id: malformed_json,
        shape: lambda s: st.one_of(wrong_shape(s), unknown_enum(s)),
    }


_BUILDERS = _invalid_builders()
INVALID_RULES: tuple[str, ...] = tuple(sorted(_BUILDERS))


def invalid_requests(
    source: WachtMock | Seed | Mapping[str, Any] | None = None, *, rule: str | None = None
) -> st.SearchStrategy[WachtRequest]:
    """Requests that break exactly one rule (``rule``, one of ``INVALID_RULES``; any when None), each with
    production's answer in ``expected``. Rules the seed cannot provide for are left out (or, when asked for by
    id, refused with the reason)."""
    scope = scope_of(source)
    if rule is not None:
        if rule not in _BUILDERS:
            raise ValueError(f"no invalid strategy for rule {rule!r}; known: {', '.join(INVALID_RULES)}")
        built = _BUILDERS[rule](scope)
        if built is None:
            raise ValueError(f"the seed cannot break {rule!r}: it lacks the users, organizations or plans it needs")
        return built
    available = [s for s in (b(scope) for b in _BUILDERS.values()) if s is not None]
    return st.one_of(available)


def _register_types() -> None:
    """Make ``st.from_type`` produce valid instances of the public request models."""
    st.register_type_strategy(CreateApiAuthAppRequest, create_app_bodies().map(CreateApiAuthAppRequest.model_validate))
    st.register_type_strategy(
        UpdateApiAuthAppRequest,
        st.fixed_dictionaries(
            {}, optional={"name": names, "is_active": st.booleans(), "permissions": permission_lists}
        ).map(UpdateApiAuthAppRequest.model_validate),
    )
    st.register_type_strategy(
        CreateRateLimitSchemeRequest, create_scheme_bodies().map(CreateRateLimitSchemeRequest.model_validate)
    )
    st.register_type_strategy(
        UpdateRateLimitSchemeRequest,
        st.fixed_dictionaries(
            {}, optional={"name": names, "rules": st.lists(rate_limit_rules(), min_size=1, max_size=3)}
        ).map(UpdateRateLimitSchemeRequest.model_validate),
    )
    st.register_type_strategy(CreateApiKeyRequest, create_key_bodies().map(CreateApiKeyRequest.model_validate))
    st.register_type_strategy(
        RevokeApiKeyRequest, st.builds(RevokeApiKeyRequest, reason=st.none() | names, key_id=st.none())
    )


_register_types()
