"""Domain tests of ``wacht_mock.domain.apps``: each named rule fires with the right side (backend-behaviour.md §4).

These call the domain functions directly, without HTTP, and read the rule firings with ``rules.recording()``.
"""

from __future__ import annotations

from typing import Any

import pytest
from conftest import APP, T0

from wacht_mock import Backend, VendorError, VirtualClock
from wacht_mock.domain import apps, scope
from wacht_mock.domain.state import Deployment
from wacht_mock.models import (
    CreateApiAuthAppRequest,
    CreateApiKeyRequest,
    ListApiAuthAppsQuery,
    UpdateApiAuthAppRequest,
)
from wacht_mock.rules import Firing, Rule, all_rules, recording


def new(**fields: Any) -> CreateApiAuthAppRequest:
    return CreateApiAuthAppRequest.model_validate({**APP, **fields})


def change(**fields: Any) -> UpdateApiAuthAppRequest:
    return UpdateApiAuthAppRequest.model_validate(fields)


def page(**fields: Any) -> ListApiAuthAppsQuery:
    return ListApiAuthAppsQuery.model_validate(fields)


@pytest.fixture
def d(backend: Backend) -> Deployment:
    """Deployment 1 (growth, with users, organizations, workspaces and memberships)."""
    return backend.deployment(1)


def checks(firings: list[Firing]) -> list[tuple[str, str]]:
    """The checks (allow/deny) fired, in order; behaviour rules ('applied') left out."""
    return [(f.rule_id, f.outcome) for f in firings if f.outcome != "applied"]


def denied(rule: Rule, call: Any, *args: Any, **kwargs: Any) -> list[Firing]:
    """Run ``call``; it must raise the rule's vendor error, and the rule's deny must be the last check fired."""
    with recording() as firings, pytest.raises(VendorError) as raised:
        call(*args, **kwargs)
    assert (raised.value.status, raised.value.message, raised.value.rule_id) == (rule.status, rule.message, rule.id)
    assert checks(firings)[-1] == (rule.id, "deny")
    return firings


def test_every_apps_rule_is_declared_with_its_vendor_answer() -> None:
    declared = {r.id: (r.status, r.message) for r in all_rules() if r.id.startswith("apps.")}
    assert declared == {
        "apps.create.requires_growth_plan": (403, "API auth app creation requires Growth plan"),
        "apps.create.user_id_excludes_permissions": (
            400,
            "permissions/resources cannot be set when user_id is attached",
        ),
        "apps.create.user_id_required_for_scope": (
            400,
            "user_id is required when organization_id/workspace_id is provided",
        ),
        "apps.create.slug_unique": (409, "Resource already exists"),
        "apps.create.user_exists": (400, "user_id does not exist for this deployment"),
        "apps.lookup.not_found": (404, "API key app not found"),
        "apps.update.user_app_permissions_frozen": (
            400,
            "permissions/resources can only be updated when app is not attached to a user",
        ),
        "apps.update.scope_requires_user": (400, "organization_id/workspace_id cannot be set when app has no user_id"),
        "apps.scope.workspace_exists": (400, "workspace_id does not exist for this deployment"),
        "apps.scope.workspace_belongs_to_organization": (400, "workspace_id does not belong to organization_id"),
        "apps.scope.organization_exists": (400, "organization_id does not exist for this deployment"),
        "apps.scope.user_member_of_organization": (400, "user_id is not a member of organization_id"),
        "apps.scope.user_member_of_workspace": (400, "user_id is not a member of workspace_id"),
        "apps.list.active_unless_include_inactive": (None, None),
        "apps.list.search_is_exact_slug": (None, None),
        "apps.list.negative_limit_or_offset_is_500": (500, "Something went wrong"),
        "apps.list.limit_minus_one_or_two_is_uncut": (None, None),
        "apps.update.rewrites_key_scheme_slugs": (None, None),
        "apps.delete.soft_without_cascade": (None, None),
    }


# createApiAuthApp


@pytest.mark.parametrize("deployment_id", [2, 3, 4], ids=["starter", "pro", "none"])
def test_create_plan_gate_denies_other_plans_first(backend: Backend, deployment_id: int) -> None:
    dep = backend.deployment(deployment_id)
    firings = denied(apps.REQUIRES_GROWTH_PLAN, apps.create_api_auth_app, dep, new(user_id=11, permissions=["a"]))
    assert firings == [Firing("apps.create.requires_growth_plan", "deny")]
    assert dep.apps == {}


def test_create_plan_gate_allows_growth(d: Deployment) -> None:
    with recording() as firings:
        apps.create_api_auth_app(d, new())
    assert checks(firings)[0] == ("apps.create.requires_growth_plan", "allow")


def test_create_without_plan_check_is_for_seeding(backend: Backend) -> None:
    dep = backend.deployment(2)
    with recording() as firings:
        view = apps.create_api_auth_app(dep, new(), check_plan=False)
    assert view.app.app_slug == "billing"
    assert "apps.create.requires_growth_plan" not in {f.rule_id for f in firings}


@pytest.mark.parametrize(
    "fields",
    [{"permissions": []}, {"resources": []}, {"permissions": ["a"], "resources": ["/x"]}],
    ids=["empty-permissions", "empty-resources", "both"],
)
def test_create_user_id_excludes_permissions(d: Deployment, fields: dict[str, Any]) -> None:
    firings = denied(apps.USER_ID_EXCLUDES_PERMISSIONS, apps.create_api_auth_app, d, new(user_id=11, **fields))
    assert checks(firings) == [
        ("apps.create.requires_growth_plan", "allow"),
        ("apps.create.user_id_excludes_permissions", "deny"),
    ]


def test_create_permissions_without_user_skip_the_exclusion(d: Deployment) -> None:
    with recording() as firings:
        view = apps.create_api_auth_app(d, new(permissions=["a"], resources=[]))
    assert "apps.create.user_id_excludes_permissions" not in {f.rule_id for f in firings}
    assert (view.app.permissions, view.app.resources) == (["a"], [])


@pytest.mark.parametrize(
    ("fields", "rule"),
    [
        pytest.param({"user_id": 11, "workspace_id": 99}, scope.WORKSPACE_EXISTS, id="workspace-missing"),
        pytest.param({"user_id": 11, "workspace_id": 33}, scope.WORKSPACE_EXISTS, id="workspace-deleted"),
        pytest.param(
            {"user_id": 11, "workspace_id": 31, "organization_id": 22}, scope.WORKSPACE_IN_ORGANIZATION, id="ws-org"
        ),
        pytest.param({"user_id": 11, "organization_id": 23}, scope.ORGANIZATION_EXISTS, id="organization-deleted"),
        pytest.param({"user_id": 12}, scope.USER_EXISTS, id="user-deleted"),
        pytest.param({"user_id": 99}, scope.USER_EXISTS, id="user-missing"),
        pytest.param({"user_id": 14, "organization_id": 21}, scope.USER_IN_ORGANIZATION, id="org-membership-deleted"),
        pytest.param({"user_id": 13, "workspace_id": 31}, scope.USER_IN_WORKSPACE, id="workspace-membership"),
        pytest.param({"organization_id": 21}, apps.USER_REQUIRED_FOR_SCOPE, id="scope-without-user"),
        pytest.param({"workspace_id": 31}, apps.USER_REQUIRED_FOR_SCOPE, id="workspace-without-user"),
    ],
)
def test_create_scope_rules_deny(d: Deployment, fields: dict[str, Any], rule: Rule) -> None:
    denied(rule, apps.create_api_auth_app, d, new(**fields))
    assert d.apps == {}


def test_create_checks_run_in_the_vendor_order(d: Deployment) -> None:
    """§4.2: plan → user_id exclusion → workspace → organization → user → memberships → unique slug."""
    with recording() as firings:
        apps.create_api_auth_app(d, new(user_id=11, workspace_id=31))
    assert checks(firings) == [
        ("apps.create.requires_growth_plan", "allow"),
        ("apps.create.user_id_excludes_permissions", "allow"),
        ("apps.scope.workspace_exists", "allow"),
        ("apps.scope.workspace_belongs_to_organization", "allow"),
        ("apps.scope.organization_exists", "allow"),
        ("apps.create.user_exists", "allow"),
        ("apps.scope.user_member_of_organization", "allow"),
        ("apps.scope.user_member_of_workspace", "allow"),
        ("apps.create.slug_unique", "allow"),
    ]


def test_create_without_user_or_scope_checks(d: Deployment) -> None:
    with recording() as firings:
        apps.create_api_auth_app(d, new())
    assert checks(firings) == [
        ("apps.create.requires_growth_plan", "allow"),
        ("apps.create.user_id_required_for_scope", "allow"),
        ("apps.create.slug_unique", "allow"),
    ]
    assert Firing("rate_limits.resolved_from_scheme_on_read", "applied") in firings


def test_create_stores_the_row(d: Deployment, clock: VirtualClock) -> None:
    view = apps.create_api_auth_app(d, new(user_id="11", workspace_id=31, description="x", rate_limit_scheme_slug="s"))
    app = d.apps["billing"]
    assert view.app is app
    assert view.rate_limits == ()
    assert (app.deployment_id, app.user_id, app.organization_id, app.workspace_id) == (1, 11, 21, 31)
    assert (app.description, app.rate_limit_scheme_slug, app.is_active, app.deleted_at) == ("x", "s", True, None)
    assert app.created_at == app.updated_at == T0


@pytest.mark.parametrize("deleted", [False, True], ids=["live", "soft-deleted"])
def test_create_slug_unique_denies_taken_slugs(d: Deployment, deleted: bool) -> None:
    apps.create_api_auth_app(d, new())
    if deleted:
        apps.delete_api_auth_app(d, "billing")
    denied(apps.SLUG_UNIQUE, apps.create_api_auth_app, d, new(name="Other"))
    assert d.apps["billing"].name == "Billing"


# find_app / getApiAuthApp


def test_lookup_denies_missing_and_deleted_and_allows_inactive(d: Deployment) -> None:
    denied(apps.NOT_FOUND, apps.get_api_auth_app, d, "billing")
    apps.create_api_auth_app(d, new())
    apps.update_api_auth_app(d, "billing", change(is_active=False))
    with recording() as firings:
        assert apps.get_api_auth_app(d, "billing").app.is_active is False
    assert checks(firings) == [("apps.lookup.not_found", "allow")]
    apps.delete_api_auth_app(d, "billing")
    denied(apps.NOT_FOUND, apps.get_api_auth_app, d, "billing")


# updateApiAuthApp


@pytest.mark.parametrize("fields", [{"permissions": []}, {"resources": ["/x"]}], ids=["permissions", "resources"])
def test_update_user_app_permissions_frozen(d: Deployment, fields: dict[str, Any]) -> None:
    apps.create_api_auth_app(d, new(user_id=11))
    firings = denied(apps.USER_APP_PERMISSIONS_FROZEN, apps.update_api_auth_app, d, "billing", change(**fields))
    assert checks(firings) == [
        ("apps.lookup.not_found", "allow"),
        ("apps.update.user_app_permissions_frozen", "deny"),
    ]


def test_update_app_without_user_skips_the_freeze(d: Deployment) -> None:
    apps.create_api_auth_app(d, new())
    with recording() as firings:
        apps.update_api_auth_app(d, "billing", change(permissions=["p"]))
    assert "apps.update.user_app_permissions_frozen" not in {f.rule_id for f in firings}
    assert d.apps["billing"].permissions == ["p"]


@pytest.mark.parametrize(
    ("fields", "rule"),
    [
        pytest.param({"organization_id": 21}, apps.SCOPE_NEEDS_USER, id="org-without-user"),
        pytest.param({"workspace_id": 31}, apps.SCOPE_NEEDS_USER, id="workspace-without-user"),
        pytest.param({"organization_id": 99}, scope.ORGANIZATION_EXISTS, id="scope-checked-first"),
    ],
)
def test_update_scope_requires_user(d: Deployment, fields: dict[str, Any], rule: Rule) -> None:
    apps.create_api_auth_app(d, new())
    denied(rule, apps.update_api_auth_app, d, "billing", change(name="changed", **fields))
    assert (d.apps["billing"].name, d.apps["billing"].organization_id) == ("Billing", None)


def test_update_user_app_checks_memberships_not_user(d: Deployment) -> None:
    apps.create_api_auth_app(d, new(user_id=11))
    with recording() as firings:
        apps.update_api_auth_app(d, "billing", change(workspace_id=31))
    assert checks(firings) == [
        ("apps.lookup.not_found", "allow"),
        ("apps.update.user_app_permissions_frozen", "allow"),
        ("apps.scope.workspace_exists", "allow"),
        ("apps.scope.workspace_belongs_to_organization", "allow"),
        ("apps.scope.organization_exists", "allow"),
        ("apps.scope.user_member_of_organization", "allow"),
        ("apps.scope.user_member_of_workspace", "allow"),
    ]
    assert (d.apps["billing"].organization_id, d.apps["billing"].workspace_id) == (21, 31)


def test_update_coalesces_and_rewrites_key_schemes(d: Deployment, clock: VirtualClock) -> None:
    from wacht_mock.domain import keys

    apps.create_api_auth_app(d, new(description="d", rate_limit_scheme_slug="s1", permissions=["a"]))
    issued = keys.create_api_key(d, "billing", CreateApiKeyRequest(name="k"))
    later = clock.advance(ms=7)
    with recording() as firings:
        view = apps.update_api_auth_app(d, "billing", change(description=None, rate_limit_scheme_slug="s2"))
    assert Firing("apps.update.rewrites_key_scheme_slugs", "applied") in firings
    app = view.app
    assert (app.description, app.rate_limit_scheme_slug, app.permissions) == ("d", "s2", ["a"])
    assert (app.created_at, app.updated_at) == (T0, later)
    key = d.keys[issued.key.id]
    assert (key.rate_limit_scheme_slug, key.updated_at) == ("s2", later)


# listApiAuthApps


def test_list_rules(d: Deployment, clock: VirtualClock) -> None:
    for slug in ("a", "b", "c"):
        apps.create_api_auth_app(d, new(app_slug=slug))
        clock.advance(ms=1)
    apps.update_api_auth_app(d, "b", change(is_active=False))
    with recording() as firings:
        result = apps.list_api_auth_apps(d, page())
    assert [v.app.app_slug for v in result.data] == ["c", "a"]
    assert (result.has_more, result.limit, result.offset) == (False, 50, 0)
    assert Firing("apps.list.active_unless_include_inactive", "applied") in firings
    assert "apps.list.search_is_exact_slug" not in {f.rule_id for f in firings}

    with recording() as firings:
        result = apps.list_api_auth_apps(d, page(search="b", include_inactive=True))
    assert [v.app.app_slug for v in result.data] == ["b"]
    assert Firing("apps.list.search_is_exact_slug", "applied") in firings

    with recording() as firings:
        result = apps.list_api_auth_apps(d, page(search=" \t", limit=1, include_inactive=True))
    assert ([v.app.app_slug for v in result.data], result.has_more) == (["c"], True)
    assert "apps.list.search_is_exact_slug" not in {f.rule_id for f in firings}


@pytest.mark.parametrize(("limit", "offset"), [(-3, 0), (0, -1), (-1, -1), (-5, -5), (-2147483648, 0)])
def test_list_page_postgres_rejects_is_500(d: Deployment, limit: int, offset: int) -> None:
    firings = denied(apps.PAGE_ACCEPTED_BY_POSTGRES, apps.list_api_auth_apps, d, page(limit=limit, offset=offset))
    assert checks(firings) == [("apps.list.negative_limit_or_offset_is_500", "deny")]


def test_list_limit_minus_one_is_the_newest_app_uncut(d: Deployment, clock: VirtualClock) -> None:
    for slug in ("a", "b", "c"):
        apps.create_api_auth_app(d, new(app_slug=slug))
        clock.advance(ms=1)
    with recording() as firings:
        result = apps.list_api_auth_apps(d, page(limit=-1))
    assert ([v.app.app_slug for v in result.data], result.has_more, result.limit, result.offset) == (
        ["c"],
        False,
        -1,
        0,
    )
    assert Firing("apps.list.limit_minus_one_or_two_is_uncut", "applied") in firings
    assert checks(firings) == [("apps.list.negative_limit_or_offset_is_500", "allow")]
    result = apps.list_api_auth_apps(d, page(limit=-1, offset=2))
    assert ([v.app.app_slug for v in result.data], result.has_more) == (["a"], False)
    result = apps.list_api_auth_apps(d, page(limit=-2))
    assert (result.data, result.has_more, result.limit) == ([], False, -2)


def test_list_non_negative_page_is_allowed(d: Deployment) -> None:
    with recording() as firings:
        apps.list_api_auth_apps(d, page(limit=0, offset=0))
    assert checks(firings) == [("apps.list.negative_limit_or_offset_is_500", "allow")]
    assert "apps.list.limit_minus_one_or_two_is_uncut" not in {f.rule_id for f in firings}


# deleteApiAuthApp


def test_delete_is_soft(d: Deployment, clock: VirtualClock) -> None:
    apps.create_api_auth_app(d, new())
    later = clock.advance(ms=3)
    with recording() as firings:
        apps.delete_api_auth_app(d, "billing")
    assert checks(firings) == [("apps.lookup.not_found", "allow")]
    assert Firing("apps.delete.soft_without_cascade", "applied") in firings
    assert d.apps["billing"].deleted_at == later
    assert apps.list_api_auth_apps(d, page(include_inactive=True)).data == []
    denied(apps.NOT_FOUND, apps.delete_api_auth_app, d, "billing")


# rate_limits resolution


def test_view_resolves_rate_limits_now(d: Deployment) -> None:
    from wacht_mock.domain import rate_limit_schemes
    from wacht_mock.models import CreateRateLimitSchemeRequest

    apps.create_api_auth_app(d, new(rate_limit_scheme_slug="std"))
    assert apps.get_api_auth_app(d, "billing").rate_limits == ()
    rate_limit_schemes.create_rate_limit_scheme(
        d,
        CreateRateLimitSchemeRequest.model_validate(
            {"slug": "std", "name": "Std", "rules": [{"unit": "minute", "duration": 1, "max_requests": 5}]}
        ),
    )
    with recording() as firings:
        rules = apps.get_api_auth_app(d, "billing").rate_limits
    assert [(r.unit, r.duration, r.max_requests, r.mode, r.endpoints, r.priority) for r in rules] == [
        ("minute", 1, 5, None, None, 0)
    ]
    assert Firing("rate_limits.resolved_from_scheme_on_read", "applied") in firings
