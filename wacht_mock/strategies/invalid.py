"""Invalid requests: each breaks exactly one named rule and carries production's answer."""

from __future__ import annotations

import json
import string
from collections.abc import Callable, Mapping
from typing import Any

from hypothesis import strategies as st

from ..domain import apps as apps_rules
from ..domain import backend as auth_rules
from ..domain import rate_limit_schemes as scheme_rules
from ..domain import scope as scope_rules
from ..http.axum import JSON_CONTENT_TYPE, JSON_SHAPE, JSON_SYNTAX
from ..mock import WachtMock
from ..rules import Rule
from ..seed import Seed
from .requests import APPS, NO_BODY, SCHEMES, UNITS, Expected, Scope, WachtRequest, scope_of
from .valid import (
    create_app_bodies,
    create_scheme_bodies,
    names,
    permission_lists,
    plain_app,
    prefixes,
    rate_limit_rules,
    slugs,
)


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
            scope, _app_body(draw, app_slug=slug), Expected.of(apps_rules.SLUG_UNIQUE), setup=(plain_app(scope, slug),)
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
            setup=(plain_app(scope, slug),),
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
        return _create(scope, NO_BODY, Expected.of(JSON_SYNTAX), raw=raw.encode())

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
