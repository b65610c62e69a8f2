"""Invalid app requests: each breaks one rule of apps, of an app owner's scope, or of the backend secret."""

from __future__ import annotations

import string
from collections.abc import Mapping
from typing import Any

from hypothesis import strategies as st

from ..domain import apps as apps_rules
from ..domain import backend as auth_rules
from ..domain import scope as scope_rules
from ..rules import Rule
from .registry import breaks
from .requests import APPS, OK, Expected, Scope, WachtRequest
from .valid import create_app_bodies, names, permission_lists, plain_app, prefixes, slugs


def create_app(
    scope: Scope, body: Any, expected: Expected = OK, *, secret: str | None = None, **fields: Any
) -> WachtRequest:
    """A ``createApiAuthApp`` request, by the growth deployment unless ``secret`` names another."""
    return WachtRequest(
        "createApiAuthApp", "POST", APPS, secret or scope.growth_secret, body, expected=expected, **fields
    )


def _app_body(draw: st.DrawFn, **fields: Any) -> dict[str, Any]:
    return {"app_slug": draw(slugs), "name": draw(names), "key_prefix": draw(prefixes), **fields}


def _unused(taken: tuple[int, ...] | Mapping[int, int]) -> st.SearchStrategy[int]:
    return st.integers(1, 10**12).filter(lambda i: i not in taken)


@st.composite
def _app_with(draw: st.DrawFn, scope: Scope, rule: Rule, fields: st.SearchStrategy[dict[str, Any]]) -> WachtRequest:
    return create_app(scope, _app_body(draw, **draw(fields)), Expected.of(rule))


# Creating an app


@breaks(apps_rules.REQUIRES_GROWTH_PLAN)
def other_plan(scope: Scope, rule: Rule) -> st.SearchStrategy[WachtRequest] | None:
    """A valid app created by a deployment on a plan other than growth."""
    return _other_plan(scope, rule) if scope.other_plan_secrets else None


@st.composite
def _other_plan(draw: st.DrawFn, scope: Scope, rule: Rule) -> WachtRequest:
    secret = draw(st.sampled_from(scope.other_plan_secrets))
    return create_app(scope, draw(create_app_bodies()), Expected.of(rule), secret=secret)


@breaks(apps_rules.USER_ID_EXCLUDES_PERMISSIONS)
@st.composite
def user_with_permissions(draw: st.DrawFn, scope: Scope, rule: Rule) -> WachtRequest:
    """An app with a ``user_id`` beside ``permissions`` or ``resources``."""
    field_name = draw(st.sampled_from(["permissions", "resources"]))
    body = _app_body(draw, user_id=draw(st.integers(1, 10**12)), **{field_name: draw(permission_lists)})
    return create_app(scope, body, Expected.of(rule))


@breaks(scope_rules.WORKSPACE_EXISTS)
def unknown_workspace(scope: Scope, rule: Rule) -> st.SearchStrategy[WachtRequest]:
    """An app in a workspace the deployment does not have."""
    return _app_with(scope, rule, _unused(scope.workspaces).map(lambda w: {"workspace_id": w}))


@breaks(scope_rules.WORKSPACE_IN_ORGANIZATION)
def workspace_in_other_organization(scope: Scope, rule: Rule) -> st.SearchStrategy[WachtRequest] | None:
    """An app in a workspace together with an organization the workspace is not in."""
    if not scope.workspaces:
        return None
    fields = st.sampled_from(sorted(scope.workspaces.items())).flatmap(
        lambda wo: (
            st.integers(1, 10**12)
            .filter(lambda o: o != wo[1])
            .map(lambda o: {"workspace_id": wo[0], "organization_id": o})
        )
    )
    return _app_with(scope, rule, fields)


@breaks(scope_rules.ORGANIZATION_EXISTS)
def unknown_organization(scope: Scope, rule: Rule) -> st.SearchStrategy[WachtRequest]:
    """An app in an organization the deployment does not have."""
    return _app_with(scope, rule, _unused(scope.organizations).map(lambda o: {"organization_id": o}))


@breaks(scope_rules.USER_EXISTS)
def unknown_user(scope: Scope, rule: Rule) -> st.SearchStrategy[WachtRequest]:
    """An app owned by a user the deployment does not have."""
    return _app_with(scope, rule, _unused(scope.users).map(lambda u: {"user_id": u}))


@breaks(scope_rules.USER_IN_ORGANIZATION)
def user_outside_organization(scope: Scope, rule: Rule) -> st.SearchStrategy[WachtRequest] | None:
    """A user's app in an organization the user is not a member of."""
    pairs = [(u, o) for u in scope.users for o in scope.organizations if (u, o) not in scope.org_members]
    if not pairs:
        return None
    return _app_with(scope, rule, st.sampled_from(pairs).map(lambda p: {"user_id": p[0], "organization_id": p[1]}))


@breaks(scope_rules.USER_IN_WORKSPACE)
def user_outside_workspace(scope: Scope, rule: Rule) -> st.SearchStrategy[WachtRequest] | None:
    """A user's app in a workspace of the user's organization that the user is not a member of."""
    pairs = [
        (u, w)
        for w, o in scope.workspaces.items()
        for u in scope.users
        if (u, o) in scope.org_members and (u, w) not in scope.ws_members
    ]
    if not pairs:
        return None
    return _app_with(scope, rule, st.sampled_from(pairs).map(lambda p: {"user_id": p[0], "workspace_id": p[1]}))


@breaks(apps_rules.USER_REQUIRED_FOR_SCOPE)
def scope_without_owner(scope: Scope, rule: Rule) -> st.SearchStrategy[WachtRequest] | None:
    """An app in an organization with no ``user_id``."""
    if not scope.organizations:
        return None
    return _app_with(scope, rule, st.sampled_from(scope.organizations).map(lambda o: {"organization_id": o}))


@breaks(apps_rules.SLUG_UNIQUE)
@st.composite
def duplicate_app(draw: st.DrawFn, scope: Scope, rule: Rule) -> WachtRequest:
    """An app whose slug another app already has."""
    slug = draw(slugs)
    return create_app(scope, _app_body(draw, app_slug=slug), Expected.of(rule), setup=(plain_app(scope, slug),))


# Updating, reading and listing apps


@breaks(apps_rules.USER_APP_PERMISSIONS_FROZEN)
def frozen_user_app(scope: Scope, rule: Rule) -> st.SearchStrategy[WachtRequest] | None:
    """New ``permissions`` or ``resources`` for a user's app."""
    return _frozen_user_app(scope, rule) if scope.users else None


@st.composite
def _frozen_user_app(draw: st.DrawFn, scope: Scope, rule: Rule) -> WachtRequest:
    slug = draw(slugs)
    owned = {"app_slug": slug, "name": slug, "key_prefix": "sk_test", "user_id": draw(st.sampled_from(scope.users))}
    body = {draw(st.sampled_from(["permissions", "resources"])): draw(permission_lists)}
    return _update_app(scope, slug, body, create_app(scope, owned), rule)


@breaks(apps_rules.SCOPE_NEEDS_USER)
def scope_without_user(scope: Scope, rule: Rule) -> st.SearchStrategy[WachtRequest] | None:
    """An organization for an app that has no user."""
    return _scope_without_user(scope, rule) if scope.organizations else None


@st.composite
def _scope_without_user(draw: st.DrawFn, scope: Scope, rule: Rule) -> WachtRequest:
    slug = draw(slugs)
    body = {"organization_id": draw(st.sampled_from(scope.organizations))}
    return _update_app(scope, slug, body, plain_app(scope, slug), rule)


def _update_app(scope: Scope, slug: str, body: dict[str, Any], setup: WachtRequest, rule: Rule) -> WachtRequest:
    """A PATCH of the app ``setup`` creates, expected to break ``rule``."""
    return WachtRequest(
        "updateApiAuthApp",
        "PATCH",
        f"{APPS}/{slug}",
        scope.growth_secret,
        body,
        setup=(setup,),
        expected=Expected.of(rule),
    )


@breaks(apps_rules.NOT_FOUND)
@st.composite
def missing_app(draw: st.DrawFn, scope: Scope, rule: Rule) -> WachtRequest:
    """A read of an app that does not exist."""
    return WachtRequest(
        "getApiAuthApp", "GET", f"{APPS}/{draw(slugs)}", scope.growth_secret, expected=Expected.of(rule)
    )


@breaks(auth_rules.KNOWN_SECRET)
@st.composite
def unknown_secret(draw: st.DrawFn, scope: Scope, rule: Rule) -> WachtRequest:
    """A list of apps with a well-formed backend secret that no deployment has."""
    secret = "sk_" + draw(st.text(string.ascii_letters + string.digits + "-_", min_size=43, max_size=43))
    return WachtRequest("listApiAuthApps", "GET", APPS, secret, expected=Expected.of(rule))
