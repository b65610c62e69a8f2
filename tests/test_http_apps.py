"""API auth apps over HTTP: list, create, get, update, delete (backend-behaviour.md §1.2, §3.1, §4, §7.1, §12, §14).

Deployment 1 (growth) is seeded with users 11, 12 (deleted), 13, 14; organizations 21, 22, 23 (deleted);
workspaces 31 (org 21), 32 (org 22), 33 (org 21, deleted); memberships: user 11 of org 21 and workspace 31,
user 13 of org 21, user 14 of org 21 (deleted).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest
from conftest import APP, T0, Mock, error, ok

from wacht_mock import Backend, VirtualClock, parse_seed

T0_TEXT = "2026-06-12T10:20:30.123456Z"
APP_FIELDS = [
    "deployment_id",
    "user_id",
    "organization_id",
    "workspace_id",
    "app_slug",
    "name",
    "description",
    "is_active",
    "key_prefix",
    "permissions",
    "resources",
    "rate_limits",
    "rate_limit_scheme_slug",
    "created_at",
    "updated_at",
    "deleted_at",
]
GROWTH_ONLY = "API auth app creation requires Growth plan"
PERMISSIONS_WITH_USER = "permissions/resources cannot be set when user_id is attached"
USER_APP_PERMISSIONS = "permissions/resources can only be updated when app is not attached to a user"
NO_WORKSPACE = "workspace_id does not exist for this deployment"
WORKSPACE_ELSEWHERE = "workspace_id does not belong to organization_id"
NO_ORGANIZATION = "organization_id does not exist for this deployment"
NO_USER = "user_id does not exist for this deployment"
NOT_ORG_MEMBER = "user_id is not a member of organization_id"
NOT_WORKSPACE_MEMBER = "user_id is not a member of workspace_id"
USER_REQUIRED = "user_id is required when organization_id/workspace_id is provided"
SCOPE_WITHOUT_USER = "organization_id/workspace_id cannot be set when app has no user_id"
APP_NOT_FOUND = "API key app not found"
MINUTE_RULE = {"unit": "minute", "duration": 1, "max_requests": 100}


def create(client: httpx.Client, **fields: Any) -> dict[str, Any]:
    """Create an app (``billing`` unless overridden) and return its JSON."""
    return ok(client.post("/api-auth/apps", json={**APP, **fields}))


def patch(client: httpx.Client, slug: str, **fields: Any) -> httpx.Response:
    return client.patch(f"/api-auth/apps/{slug}", json=fields)


def listed(client: httpx.Client, query: str = "") -> list[str]:
    response = client.get(f"/api-auth/apps?{query}")
    assert response.status_code == 200, response.text
    return [app["app_slug"] for app in response.json()["data"]]


def create_scheme(client: httpx.Client, slug: str, rules: list[dict[str, Any]]) -> None:
    ok(client.post("/api-auth/rate-limit-schemes", json={"slug": slug, "name": slug, "rules": rules}))


def create_key(client: httpx.Client, app_slug: str, name: str) -> str:
    response = client.post(f"/api-auth/apps/{app_slug}/keys", json={"name": name})
    assert response.status_code == 200, response.text
    key_id: str = response.json()["id"]
    return key_id


def keys_of(client: httpx.Client, app_slug: str) -> dict[str, dict[str, Any]]:
    response = client.get(f"/api-auth/apps/{app_slug}/keys?include_inactive=true")
    assert response.status_code == 200, response.text
    return {key["name"]: key for key in response.json()["keys"]}


# §3.1 the ApiAuthApp object


def test_create_minimal_app_full_body(api: httpx.Client) -> None:
    response = api.post("/api-auth/apps", json=APP)
    assert response.status_code == 200
    body = response.json()
    assert body == {
        "deployment_id": "1",
        "app_slug": "billing",
        "name": "Billing",
        "description": None,
        "is_active": True,
        "key_prefix": "sk_live",
        "permissions": [],
        "resources": [],
        "rate_limits": [],
        "created_at": T0_TEXT,
        "updated_at": T0_TEXT,
        "deleted_at": None,
    }
    assert list(body) == [f for f in APP_FIELDS if f in body]
    assert response.headers["content-type"] == "application/json"


def test_create_app_with_every_field_full_body_in_field_order(api: httpx.Client) -> None:
    create_scheme(api, "std", [MINUTE_RULE])
    body = create(
        api,
        description="Bills",
        user_id=11,
        workspace_id=31,
        rate_limit_scheme_slug="std",
    )
    assert list(body) == APP_FIELDS
    assert body == {
        "deployment_id": "1",
        "user_id": "11",
        "organization_id": "21",
        "workspace_id": "31",
        "app_slug": "billing",
        "name": "Billing",
        "description": "Bills",
        "is_active": True,
        "key_prefix": "sk_live",
        "permissions": [],
        "resources": [],
        "rate_limits": [{**MINUTE_RULE, "priority": 0}],
        "rate_limit_scheme_slug": "std",
        "created_at": T0_TEXT,
        "updated_at": T0_TEXT,
        "deleted_at": None,
    }


def test_app_without_user_stores_permissions_and_resources_verbatim(api: httpx.Client) -> None:
    body = create(api, permissions=["b", "a", "a", ""], resources=["/x", "*"])
    assert (body["permissions"], body["resources"]) == (["b", "a", "a", ""], ["/x", "*"])


@pytest.mark.parametrize(
    "fields",
    [
        pytest.param({"app_slug": "", "name": "", "key_prefix": ""}, id="empty-strings"),
        pytest.param({"app_slug": "Ünï cødé/slug", "name": " x ", "key_prefix": "_"}, id="no-format-rules"),
        pytest.param({"app_slug": "a" * 500, "name": "n" * 5000, "key_prefix": "p" * 200}, id="no-length-rules"),
    ],
)
def test_create_does_no_format_validation(api: httpx.Client, fields: dict[str, str]) -> None:
    body = create(api, **fields)
    assert (body["app_slug"], body["name"], body["key_prefix"]) == (
        fields["app_slug"],
        fields["name"],
        fields["key_prefix"],
    )


@pytest.mark.parametrize(
    ("advance", "text"),
    [
        pytest.param(timedelta(0), "2026-06-12T10:20:30.123456Z", id="micros"),
        pytest.param(timedelta(microseconds=996_544), "2026-06-12T10:20:31.120Z", id="millis"),
        pytest.param(timedelta(microseconds=876_544), "2026-06-12T10:20:31Z", id="whole-second"),
        pytest.param(timedelta(days=1, microseconds=876_554), "2026-06-13T10:20:31.000010Z", id="leading-zero-micros"),
    ],
)
def test_timestamps_use_the_shortest_exact_fraction(
    api: httpx.Client, clock: VirtualClock, advance: timedelta, text: str
) -> None:
    clock.advance(advance)
    body = create(api)
    assert (body["created_at"], body["updated_at"]) == (text, text)
    assert api.get("/api-auth/apps/billing").json()["created_at"] == text


# §4.1 list


def test_list_empty_envelope(api: httpx.Client) -> None:
    response = api.get("/api-auth/apps")
    assert response.status_code == 200
    assert response.json() == {"data": [], "has_more": False, "limit": 50, "offset": 0}
    assert list(response.json()) == ["data", "has_more", "limit", "offset"]


def test_list_items_are_full_app_objects(api: httpx.Client) -> None:
    created = create(api, user_id=11, organization_id=21)
    assert api.get("/api-auth/apps").json() == {"data": [created], "has_more": False, "limit": 50, "offset": 0}


def test_list_is_newest_first(api: httpx.Client, clock: VirtualClock) -> None:
    for slug in ("a", "c", "b"):
        create(api, app_slug=slug)
        clock.advance(ms=1)
    assert listed(api) == ["b", "c", "a"]


def test_list_rows_created_at_the_same_instant_are_newest_first(api: httpx.Client) -> None:
    for slug in ("a", "c", "b"):
        create(api, app_slug=slug)
    assert listed(api) == ["b", "c", "a"]


def test_list_order_ignores_updates(api: httpx.Client, clock: VirtualClock) -> None:
    create(api, app_slug="old")
    clock.advance(ms=5)
    create(api, app_slug="new")
    clock.advance(ms=5)
    assert patch(api, "old", name="touched").status_code == 200
    assert listed(api) == ["new", "old"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        pytest.param("", ["on"], id="default"),
        pytest.param("include_inactive=false", ["on"], id="false"),
        pytest.param("include_inactive=true", ["on", "off"], id="true"),
    ],
)
def test_list_include_inactive(api: httpx.Client, clock: VirtualClock, query: str, expected: list[str]) -> None:
    create(api, app_slug="off")
    clock.advance(ms=1)
    create(api, app_slug="on")
    assert patch(api, "off", is_active=False).status_code == 200
    assert listed(api, query) == expected


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        pytest.param("search=billing", ["billing"], id="exact"),
        pytest.param("search=Billing", [], id="case-sensitive"),
        pytest.param("search=bill", [], id="not-a-prefix-match"),
        pytest.param("search=illin", [], id="not-a-substring-match"),
        pytest.param("search=Billing%20app", [], id="not-the-name"),
        pytest.param("search=%20billing", [], id="not-trimmed"),
        pytest.param("search=billing%20", [], id="not-trimmed-right"),
        pytest.param("search=", ["billing-eu", "billing"], id="empty-ignored"),
        pytest.param("search=%20%20", ["billing-eu", "billing"], id="spaces-ignored"),
        pytest.param("search=%09%0A", ["billing-eu", "billing"], id="tab-newline-ignored"),
        pytest.param("search=%E3%80%80", ["billing-eu", "billing"], id="unicode-space-ignored"),
        pytest.param("search=billing-eu", ["billing-eu"], id="other-exact"),
        pytest.param("search=paused", [], id="inactive-needs-include-inactive"),
        pytest.param("search=paused&include_inactive=true", ["paused"], id="inactive-with-include-inactive"),
    ],
)
def test_list_search_is_exact_case_sensitive_slug(
    api: httpx.Client, clock: VirtualClock, query: str, expected: list[str]
) -> None:
    create(api, app_slug="billing", name="Billing app")
    clock.advance(ms=1)
    create(api, app_slug="billing-eu")
    create(api, app_slug="paused")
    assert patch(api, "paused", is_active=False).status_code == 200
    assert listed(api, query) == expected


@pytest.mark.parametrize(
    ("query", "slugs", "has_more", "limit", "offset"),
    [
        pytest.param("", ["c", "b", "a"], False, 50, 0, id="default"),
        pytest.param("limit=1", ["c"], True, 1, 0, id="first-page"),
        pytest.param("limit=2", ["c", "b"], True, 2, 0, id="limit-below-count"),
        pytest.param("limit=3", ["c", "b", "a"], False, 3, 0, id="limit-equals-count"),
        pytest.param("limit=4", ["c", "b", "a"], False, 4, 0, id="limit-above-count"),
        pytest.param("limit=1&offset=1", ["b"], True, 1, 1, id="middle-page"),
        pytest.param("limit=2&offset=1", ["b", "a"], False, 2, 1, id="last-page-full"),
        pytest.param("limit=2&offset=2", ["a"], False, 2, 2, id="last-page-short"),
        pytest.param("offset=3", [], False, 50, 3, id="offset-at-end"),
        pytest.param("offset=10", [], False, 50, 10, id="offset-past-end"),
        pytest.param("limit=0", [], True, 0, 0, id="limit-zero"),
        pytest.param("limit=0&offset=2", [], True, 0, 2, id="limit-zero-one-left"),
        pytest.param("limit=0&offset=3", [], False, 0, 3, id="limit-zero-none-left"),
        pytest.param("limit=100000", ["c", "b", "a"], False, 100000, 0, id="no-upper-clamp"),
    ],
)
def test_list_limit_offset_has_more(
    api: httpx.Client, clock: VirtualClock, query: str, slugs: list[str], has_more: bool, limit: int, offset: int
) -> None:
    for slug in ("a", "b", "c"):
        create(api, app_slug=slug)
        clock.advance(ms=1)
    body = api.get(f"/api-auth/apps?{query}").json()
    assert [app["app_slug"] for app in body["data"]] == slugs
    assert (body["has_more"], body["limit"], body["offset"]) == (has_more, limit, offset)


def test_list_limit_zero_without_apps_has_no_more(api: httpx.Client) -> None:
    assert api.get("/api-auth/apps?limit=0").json() == {"data": [], "has_more": False, "limit": 0, "offset": 0}


def test_list_pages_count_only_visible_apps(api: httpx.Client, clock: VirtualClock) -> None:
    for slug in ("a", "b", "gone", "off"):
        create(api, app_slug=slug)
        clock.advance(ms=1)
    assert api.delete("/api-auth/apps/gone").status_code == 200
    assert patch(api, "off", is_active=False).status_code == 200
    body = api.get("/api-auth/apps?limit=2").json()
    assert ([a["app_slug"] for a in body["data"]], body["has_more"]) == (["b", "a"], False)
    body = api.get("/api-auth/apps?limit=2&include_inactive=true").json()
    assert ([a["app_slug"] for a in body["data"]], body["has_more"]) == (["off", "b"], True)


# §4.2 create: plan gate (§1.2)


@pytest.mark.parametrize(
    "deployment_id", [pytest.param(2, id="starter"), pytest.param(3, id="pro"), pytest.param(4, id="none")]
)
@pytest.mark.parametrize(
    "fields",
    [
        pytest.param({}, id="valid-body"),
        pytest.param({"user_id": 11, "permissions": ["a"]}, id="user-and-permissions"),
        pytest.param({"user_id": 11, "resources": []}, id="user-and-empty-resources"),
        pytest.param({"workspace_id": 99}, id="unknown-workspace"),
        pytest.param({"organization_id": 21}, id="scope-without-user"),
        pytest.param({"user_id": 99}, id="unknown-user"),
    ],
)
def test_create_requires_growth_plan_before_every_other_check(
    mock: Mock, deployment_id: int, fields: dict[str, Any]
) -> None:
    with mock.client(deployment_id) as client:
        response = client.post("/api-auth/apps", json={**APP, **fields})
        assert response.status_code == 403
        assert response.json() == error(403, GROWTH_ONLY)
        assert client.get("/api-auth/apps?include_inactive=true").json()["data"] == []


@pytest.mark.parametrize("deployment_id", [2, 3, 4])
@pytest.mark.parametrize(
    ("content", "content_type", "status", "message"),
    [
        pytest.param(b"{", "application/json", 400, "Bad request", id="bad-json"),
        pytest.param(b'{"name":"n"}', "application/json", 422, "Invalid request payload", id="missing-fields"),
        pytest.param(b"{}", "text/plain", 415, "Request failed", id="not-json"),
    ],
)
def test_plan_gate_runs_after_body_extraction(
    mock: Mock, deployment_id: int, content: bytes, content_type: str, status: int, message: str
) -> None:
    with mock.client(deployment_id) as client:
        response = client.post("/api-auth/apps", content=content, headers={"content-type": content_type})
    assert response.status_code == status
    assert response.json() == error(status, message)


@pytest.mark.parametrize("deployment_id", [2, 3, 4])
def test_only_creation_is_plan_gated(mock: Mock, clock: VirtualClock, deployment_id: int) -> None:
    """A seeded app (as the console would create it) can be listed, read, updated, keyed and deleted on any plan."""
    seed = {
        "deployments": [
            {"id": deployment_id, "plan": {2: "starter", 3: "pro", 4: "none"}[deployment_id], "apps": [APP]},
        ]
    }
    other = Mock(Backend(parse_seed(seed), clock=clock))
    with other.client(deployment_id) as client:
        assert listed(client) == ["billing"]
        assert client.get("/api-auth/apps/billing").status_code == 200
        assert patch(client, "billing", name="Renamed").json()["name"] == "Renamed"
        assert client.post("/api-auth/apps/billing/keys", json={"name": "k"}).status_code == 200
        assert client.get("/api-auth/apps/billing/audit/logs").status_code == 200
        assert client.delete("/api-auth/apps/billing").json() == {}
        assert client.post("/api-auth/apps", json={**APP, "app_slug": "new"}).json() == error(403, GROWTH_ONLY)


# §4.2 create: steps 3-6


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        pytest.param({"user_id": 11, "permissions": ["a"]}, PERMISSIONS_WITH_USER, id="user-and-permissions"),
        pytest.param({"user_id": 11, "permissions": []}, PERMISSIONS_WITH_USER, id="user-and-empty-permissions"),
        pytest.param({"user_id": 11, "resources": []}, PERMISSIONS_WITH_USER, id="user-and-empty-resources"),
        pytest.param({"user_id": "11", "resources": ["/x"]}, PERMISSIONS_WITH_USER, id="user-string-and-resources"),
        pytest.param(
            {"user_id": 99, "permissions": [], "workspace_id": 99}, PERMISSIONS_WITH_USER, id="exclusion-before-scope"
        ),
        pytest.param({"user_id": 11, "workspace_id": 99}, NO_WORKSPACE, id="unknown-workspace"),
        pytest.param({"user_id": 11, "workspace_id": 33}, NO_WORKSPACE, id="deleted-workspace"),
        pytest.param({"workspace_id": 33}, NO_WORKSPACE, id="deleted-workspace-without-user"),
        pytest.param(
            {"user_id": 11, "workspace_id": 33, "organization_id": 22}, NO_WORKSPACE, id="workspace-before-org-match"
        ),
        pytest.param(
            {"user_id": 11, "workspace_id": 31, "organization_id": 22}, WORKSPACE_ELSEWHERE, id="ws-other-org"
        ),
        pytest.param(
            {"user_id": 11, "workspace_id": 31, "organization_id": 23}, WORKSPACE_ELSEWHERE, id="ws-deleted-org"
        ),
        pytest.param({"workspace_id": 31, "organization_id": 99}, WORKSPACE_ELSEWHERE, id="ws-unknown-org-no-user"),
        pytest.param({"user_id": 11, "organization_id": 99}, NO_ORGANIZATION, id="unknown-organization"),
        pytest.param({"user_id": 11, "organization_id": 23}, NO_ORGANIZATION, id="deleted-organization"),
        pytest.param({"organization_id": 23}, NO_ORGANIZATION, id="deleted-organization-without-user"),
        pytest.param({"user_id": 12, "organization_id": 99}, NO_ORGANIZATION, id="scope-before-user"),
        pytest.param({"user_id": 99}, NO_USER, id="unknown-user"),
        pytest.param({"user_id": 12}, NO_USER, id="deleted-user"),
        pytest.param({"user_id": -11}, NO_USER, id="negative-user"),
        pytest.param({"user_id": 99, "organization_id": 22}, NO_USER, id="user-before-membership"),
        pytest.param({"user_id": 12, "workspace_id": 31}, NO_USER, id="deleted-user-with-workspace"),
        pytest.param({"user_id": 11, "organization_id": 22}, NOT_ORG_MEMBER, id="not-org-member"),
        pytest.param({"user_id": 11, "workspace_id": 32}, NOT_ORG_MEMBER, id="not-member-of-workspace-org"),
        pytest.param({"user_id": 14, "organization_id": 21}, NOT_ORG_MEMBER, id="deleted-org-membership"),
        pytest.param({"user_id": 14, "workspace_id": 31}, NOT_ORG_MEMBER, id="org-membership-checked-first"),
        pytest.param({"user_id": 13, "workspace_id": 31}, NOT_WORKSPACE_MEMBER, id="not-workspace-member"),
        pytest.param(
            {"user_id": 13, "organization_id": 21, "workspace_id": 31}, NOT_WORKSPACE_MEMBER, id="not-ws-member-org"
        ),
        pytest.param({"organization_id": 21}, USER_REQUIRED, id="organization-without-user"),
        pytest.param({"workspace_id": 31}, USER_REQUIRED, id="workspace-without-user"),
        pytest.param({"workspace_id": "32", "organization_id": "22"}, USER_REQUIRED, id="both-without-user"),
        pytest.param({"organization_id": 21, "user_id": None}, USER_REQUIRED, id="null-user"),
    ],
)
def test_create_rejections(api: httpx.Client, fields: dict[str, Any], message: str) -> None:
    response = api.post("/api-auth/apps", json={**APP, **fields})
    assert response.status_code == 400
    assert response.json() == error(400, message)
    assert listed(api, "include_inactive=true") == []


@pytest.mark.parametrize(
    ("fields", "scope"),
    [
        pytest.param({"user_id": 11}, ("11", None, None), id="user-only"),
        pytest.param(
            {"user_id": 11, "permissions": None, "resources": None}, ("11", None, None), id="null-permissions"
        ),
        pytest.param({"user_id": 11, "organization_id": 21}, ("11", "21", None), id="user-and-org"),
        pytest.param({"user_id": 11, "workspace_id": 31}, ("11", "21", "31"), id="org-filled-from-workspace"),
        pytest.param({"user_id": 11, "organization_id": 21, "workspace_id": 31}, ("11", "21", "31"), id="org-and-ws"),
        pytest.param({"user_id": 13, "organization_id": 21}, ("13", "21", None), id="member-without-permissions"),
        pytest.param({"user_id": 14}, ("14", None, None), id="user-with-deleted-membership-no-scope"),
    ],
)
def test_create_user_owned_apps(api: httpx.Client, fields: dict[str, Any], scope: tuple[str | None, ...]) -> None:
    body = create(api, **fields)
    assert tuple(body.get(k) for k in ("user_id", "organization_id", "workspace_id")) == scope
    assert (body["permissions"], body["resources"]) == ([], [])
    assert api.get("/api-auth/apps/billing").json() == body


@pytest.mark.parametrize(
    "first",
    [
        pytest.param({}, id="active"),
        pytest.param({"user_id": 11}, id="different-fields"),
    ],
)
def test_create_duplicate_slug_is_409(api: httpx.Client, first: dict[str, Any]) -> None:
    original = create(api, **first)
    response = api.post("/api-auth/apps", json={**APP, "name": "Other"})
    assert response.status_code == 409
    assert response.json() == error(409, "Resource already exists")
    assert api.get("/api-auth/apps/billing").json() == original


def test_create_inactive_slug_is_409(api: httpx.Client) -> None:
    create(api)
    assert patch(api, "billing", is_active=False).status_code == 200
    response = api.post("/api-auth/apps", json=APP)
    assert (response.status_code, response.json()) == (409, error(409, "Resource already exists"))


def test_create_soft_deleted_slug_stays_taken(api: httpx.Client) -> None:
    """Product decision 1 (§14): re-creating a soft-deleted slug is 409, so old keys never come back."""
    create(api)
    assert api.delete("/api-auth/apps/billing").status_code == 200
    response = api.post("/api-auth/apps", json=APP)
    assert (response.status_code, response.json()) == (409, error(409, "Resource already exists"))
    assert api.get("/api-auth/apps/billing").json() == error(404, APP_NOT_FOUND)


def test_create_duplicate_is_checked_after_scope(api: httpx.Client) -> None:
    create(api)
    response = api.post("/api-auth/apps", json={**APP, "organization_id": 21})
    assert (response.status_code, response.json()) == (400, error(400, USER_REQUIRED))


def test_slugs_are_case_sensitive_and_per_deployment(mock: Mock, api: httpx.Client) -> None:
    create(api)
    assert create(api, app_slug="Billing")["app_slug"] == "Billing"
    with mock.client(5) as other:
        body = create(other)
        assert body["deployment_id"] == "5"
        assert listed(other) == ["billing"]
    assert listed(api) == ["Billing", "billing"]


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        pytest.param({"user_id": 11}, NO_USER, id="user-of-another-deployment"),
        pytest.param({"user_id": 11, "organization_id": 21}, NO_ORGANIZATION, id="org-of-another-deployment"),
        pytest.param({"user_id": 11, "workspace_id": 31}, NO_WORKSPACE, id="workspace-of-another-deployment"),
    ],
)
def test_create_scope_is_per_deployment(mock: Mock, fields: dict[str, Any], message: str) -> None:
    with mock.client(5) as other:
        response = other.post("/api-auth/apps", json={**APP, **fields})
    assert (response.status_code, response.json()) == (400, error(400, message))


# §4.3 get


def test_get_returns_inactive_apps(api: httpx.Client) -> None:
    create(api)
    updated = patch(api, "billing", is_active=False).json()
    response = api.get("/api-auth/apps/billing")
    assert response.status_code == 200
    assert response.json() == updated
    assert updated["is_active"] is False


@pytest.mark.parametrize(
    ("slug", "path"),
    [
        pytest.param("a b", "/api-auth/apps/a%20b", id="space"),
        pytest.param("a/b", "/api-auth/apps/a%2Fb", id="encoded-slash"),
        pytest.param("é", "/api-auth/apps/%C3%A9", id="utf8"),
        pytest.param("a+b", "/api-auth/apps/a+b", id="plus-is-literal"),
    ],
)
def test_get_percent_decodes_the_slug(api: httpx.Client, slug: str, path: str) -> None:
    create(api, app_slug=slug)
    response = api.get(path)
    assert response.status_code == 200
    assert response.json()["app_slug"] == slug


@pytest.mark.parametrize("path", ["/api-auth/apps/missing", "/api-auth/apps/Billing", "/api-auth/apps/billing%20"])
def test_get_missing_app_is_404(api: httpx.Client, path: str) -> None:
    create(api)
    response = api.get(path)
    assert (response.status_code, response.json()) == (404, error(404, APP_NOT_FOUND))


# §12 deployment scoping


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        pytest.param("GET", "/api-auth/apps/billing", None, id="get"),
        pytest.param("PATCH", "/api-auth/apps/billing", {"name": "x"}, id="update"),
        pytest.param("DELETE", "/api-auth/apps/billing", None, id="delete"),
        pytest.param("GET", "/api-auth/apps/billing/keys", None, id="list-keys"),
        pytest.param("POST", "/api-auth/apps/billing/keys", {"name": "k"}, id="create-key"),
        pytest.param("POST", "/api-auth/apps/billing/keys/{key_id}/revoke", {}, id="revoke-key"),
        pytest.param("POST", "/api-auth/apps/billing/keys/{key_id}/rotate", None, id="rotate-key"),
        pytest.param("GET", "/api-auth/apps/billing/audit/logs", None, id="audit-logs"),
        pytest.param("GET", "/api-auth/apps/billing/audit/analytics", None, id="audit-analytics"),
        pytest.param("GET", "/api-auth/apps/billing/audit/timeseries", None, id="audit-timeseries"),
    ],
)
def test_another_deployments_app_is_404_never_403(
    mock: Mock, api: httpx.Client, method: str, path: str, body: dict[str, Any] | None
) -> None:
    before = create(api)
    key_id = create_key(api, "billing", "k")
    with mock.client(5) as other:
        response = other.request(method, path.format(key_id=key_id), json=body)
        assert (response.status_code, response.json()) == (404, error(404, APP_NOT_FOUND))
        assert listed(other, "include_inactive=true") == []
    assert api.get("/api-auth/apps/billing").json() == before
    assert keys_of(api, "billing")["k"]["is_active"] is True


# §4.4 update


def test_update_missing_or_deleted_app_is_404(api: httpx.Client) -> None:
    create(api)
    assert api.delete("/api-auth/apps/billing").status_code == 200
    for slug in ("billing", "missing"):
        response = patch(api, slug, name="x")
        assert (response.status_code, response.json()) == (404, error(404, APP_NOT_FOUND))


def test_update_response_and_updated_at(api: httpx.Client, clock: VirtualClock) -> None:
    created = create(api)
    clock.advance(ms=1500)
    response = patch(api, "billing", name="Renamed", description="Desc", key_prefix="pk", is_active=False)
    assert response.status_code == 200
    expected = {
        **created,
        "name": "Renamed",
        "description": "Desc",
        "key_prefix": "pk",
        "is_active": False,
        "updated_at": "2026-06-12T10:20:31.623456Z",
    }
    assert response.json() == expected
    assert list(response.json()) == list(created)
    assert api.get("/api-auth/apps/billing").json() == expected


def test_empty_update_still_moves_updated_at(api: httpx.Client, clock: VirtualClock) -> None:
    created = create(api)
    clock.advance(ms=2)
    body = patch(api, "billing").json()
    assert body == {**created, "updated_at": "2026-06-12T10:20:30.125456Z"}


@pytest.mark.parametrize(
    ("fields", "changes"),
    [
        pytest.param({"name": None, "description": None, "key_prefix": None}, {}, id="nulls-keep-strings"),
        pytest.param({"is_active": None, "rate_limit_scheme_slug": None}, {}, id="nulls-keep-flag-and-scheme"),
        pytest.param({"permissions": None, "resources": None}, {}, id="nulls-keep-arrays"),
        pytest.param({"organization_id": None, "workspace_id": None}, {}, id="nulls-keep-scope"),
        pytest.param({"description": ""}, {"description": ""}, id="empty-description-stored"),
        pytest.param({"name": "", "key_prefix": ""}, {"name": "", "key_prefix": ""}, id="empty-strings-stored"),
        pytest.param({"rate_limit_scheme_slug": ""}, {"rate_limit_scheme_slug": ""}, id="empty-scheme-slug-stored"),
        pytest.param({"rate_limit_scheme_slug": "other"}, {"rate_limit_scheme_slug": "other"}, id="scheme-replaced"),
        pytest.param({"permissions": ["c"]}, {"permissions": ["c"]}, id="permissions-replaced"),
        pytest.param({"permissions": []}, {"permissions": []}, id="permissions-emptied"),
        pytest.param({"resources": ["/z", "/z"]}, {"resources": ["/z", "/z"]}, id="resources-replaced"),
        pytest.param({"app_slug": "renamed", "user_id": 11}, {}, id="slug-and-user-ignored"),
        pytest.param({"deleted_at": "2026-01-01T00:00:00Z", "created_at": "x"}, {}, id="read-only-fields-ignored"),
    ],
)
def test_update_coalesce_semantics(api: httpx.Client, fields: dict[str, Any], changes: dict[str, Any]) -> None:
    created = create(
        api, description="Desc", rate_limit_scheme_slug="std", permissions=["a", "b"], resources=["/x", "/y"]
    )
    response = patch(api, "billing", **fields)
    assert response.status_code == 200, response.text
    assert response.json() == {**created, **changes}
    assert api.get("/api-auth/apps/renamed").status_code == 404


def test_update_cannot_clear_description_or_scope(api: httpx.Client) -> None:
    create(api, description="Desc", user_id=11, workspace_id=31)
    body = patch(api, "billing", description=None, organization_id=None, workspace_id=None).json()
    assert (body["description"], body["organization_id"], body["workspace_id"]) == ("Desc", "21", "31")


@pytest.mark.parametrize(
    "fields",
    [
        pytest.param({"permissions": ["a"]}, id="permissions"),
        pytest.param({"permissions": []}, id="empty-permissions"),
        pytest.param({"resources": []}, id="empty-resources"),
        pytest.param({"resources": ["/x"], "organization_id": 99}, id="before-scope"),
        pytest.param({"permissions": [], "name": "Renamed"}, id="with-other-fields"),
    ],
)
def test_update_user_app_permissions_are_frozen(api: httpx.Client, fields: dict[str, Any]) -> None:
    created = create(api, user_id=11)
    response = patch(api, "billing", **fields)
    assert (response.status_code, response.json()) == (400, error(400, USER_APP_PERMISSIONS))
    assert api.get("/api-auth/apps/billing").json() == created


def test_update_user_app_with_null_permissions_is_fine(api: httpx.Client) -> None:
    create(api, user_id=11)
    response = patch(api, "billing", permissions=None, resources=None, name="Renamed")
    assert response.status_code == 200
    assert response.json()["name"] == "Renamed"


@pytest.mark.parametrize(
    ("created_with", "fields", "message"),
    [
        pytest.param({}, {"organization_id": 21}, SCOPE_WITHOUT_USER, id="no-user-org"),
        pytest.param({}, {"workspace_id": 31}, SCOPE_WITHOUT_USER, id="no-user-workspace"),
        pytest.param({}, {"organization_id": "22", "workspace_id": "32"}, SCOPE_WITHOUT_USER, id="no-user-both"),
        pytest.param({}, {"organization_id": 99}, NO_ORGANIZATION, id="no-user-unknown-org-scope-first"),
        pytest.param({}, {"workspace_id": 33}, NO_WORKSPACE, id="no-user-deleted-workspace-scope-first"),
        pytest.param({"user_id": 11}, {"workspace_id": 99}, NO_WORKSPACE, id="unknown-workspace"),
        pytest.param({"user_id": 11}, {"workspace_id": 33}, NO_WORKSPACE, id="deleted-workspace"),
        pytest.param({"user_id": 11}, {"organization_id": 23}, NO_ORGANIZATION, id="deleted-org"),
        pytest.param({"user_id": 11}, {"organization_id": 22}, NOT_ORG_MEMBER, id="not-member-of-new-org"),
        pytest.param({"user_id": 11}, {"workspace_id": 32}, NOT_ORG_MEMBER, id="not-member-of-new-workspace-org"),
        pytest.param(
            {"user_id": 11, "organization_id": 21}, {"workspace_id": 32}, WORKSPACE_ELSEWHERE, id="ws-vs-current-org"
        ),
        pytest.param(
            {"user_id": 11, "workspace_id": 31}, {"organization_id": 22}, WORKSPACE_ELSEWHERE, id="org-vs-current-ws"
        ),
        pytest.param(
            {"user_id": 11, "workspace_id": 31},
            {"organization_id": 22, "workspace_id": 32},
            NOT_ORG_MEMBER,
            id="move-both-without-membership",
        ),
        pytest.param(
            {"user_id": 13, "organization_id": 21}, {"workspace_id": 31}, NOT_WORKSPACE_MEMBER, id="ws-member"
        ),
        pytest.param({"user_id": 14}, {"organization_id": 21}, NOT_ORG_MEMBER, id="deleted-membership"),
    ],
)
def test_update_scope_rejections(
    api: httpx.Client, created_with: dict[str, Any], fields: dict[str, Any], message: str
) -> None:
    created = create(api, **created_with)
    response = patch(api, "billing", name="Changed", **fields)
    assert (response.status_code, response.json()) == (400, error(400, message))
    assert api.get("/api-auth/apps/billing").json() == created


@pytest.mark.parametrize(
    ("created_with", "fields", "scope"),
    [
        pytest.param({"user_id": 11}, {"organization_id": 21}, ("21", None), id="add-org"),
        pytest.param({"user_id": 11}, {"workspace_id": "31"}, ("21", "31"), id="add-workspace-fills-org"),
        pytest.param({"user_id": 11, "organization_id": 21}, {"workspace_id": 31}, ("21", "31"), id="add-ws-same-org"),
        pytest.param({"user_id": 11, "workspace_id": 31}, {"name": "x"}, ("21", "31"), id="scope-kept"),
        pytest.param({"user_id": 11, "workspace_id": 31}, {"organization_id": 21}, ("21", "31"), id="same-org"),
    ],
)
def test_update_user_app_scope(
    api: httpx.Client, created_with: dict[str, Any], fields: dict[str, Any], scope: tuple[str | None, ...]
) -> None:
    create(api, **created_with)
    body = patch(api, "billing", **fields).json()
    assert (body.get("organization_id"), body.get("workspace_id")) == scope
    assert body["user_id"] == "11"


def test_every_patch_rewrites_every_keys_scheme_slug(api: httpx.Client, clock: VirtualClock) -> None:
    """§4.4 step 8: active and revoked keys alike, on every successful PATCH, scheme changed or not."""
    create(api, rate_limit_scheme_slug="s1")
    create(api, app_slug="other", rate_limit_scheme_slug="s1")
    live = create_key(api, "billing", "live")
    dead = create_key(api, "billing", "dead")
    create_key(api, "other", "bystander")
    clock.advance(ms=10)
    assert api.post(f"/api-auth/apps/billing/keys/{dead}/revoke", json={"reason": "r"}).status_code == 200
    revoked_at = "2026-06-12T10:20:30.133456Z"
    clock.advance(ms=10)
    assert patch(api, "billing", rate_limit_scheme_slug="s2").status_code == 200
    keys = keys_of(api, "billing")
    assert {name: (k["rate_limit_scheme_slug"], k["updated_at"]) for name, k in keys.items()} == {
        "live": ("s2", "2026-06-12T10:20:30.143456Z"),
        "dead": ("s2", "2026-06-12T10:20:30.143456Z"),
    }
    assert (keys["dead"]["is_active"], keys["dead"]["revoked_at"]) == (False, revoked_at)
    assert keys["live"]["id"] == live
    bystander = keys_of(api, "other")["bystander"]
    assert (bystander["rate_limit_scheme_slug"], bystander["updated_at"]) == ("s1", T0_TEXT)

    clock.advance(ms=10)
    assert patch(api, "billing").status_code == 200
    keys = keys_of(api, "billing")
    assert {name: (k["rate_limit_scheme_slug"], k["updated_at"]) for name, k in keys.items()} == {
        "live": ("s2", "2026-06-12T10:20:30.153456Z"),
        "dead": ("s2", "2026-06-12T10:20:30.153456Z"),
    }


def test_failed_patch_does_not_touch_keys(api: httpx.Client, clock: VirtualClock) -> None:
    create(api, rate_limit_scheme_slug="s1")
    create_key(api, "billing", "k")
    clock.advance(ms=10)
    response = patch(api, "billing", rate_limit_scheme_slug="s2", organization_id=21)
    assert response.status_code == 400
    key = keys_of(api, "billing")["k"]
    assert (key["rate_limit_scheme_slug"], key["updated_at"]) == ("s1", T0_TEXT)


def test_patch_of_app_without_scheme_leaves_keys_without_one(api: httpx.Client, clock: VirtualClock) -> None:
    create(api)
    create_key(api, "billing", "k")
    clock.advance(ms=1)
    assert patch(api, "billing", name="x").status_code == 200
    key = keys_of(api, "billing")["k"]
    assert "rate_limit_scheme_slug" not in key
    assert key["updated_at"] == "2026-06-12T10:20:30.124456Z"


# §4.5 delete


def test_delete_answers_200_with_empty_object(api: httpx.Client) -> None:
    create(api)
    response = api.delete("/api-auth/apps/billing")
    assert response.status_code == 200
    assert response.content == b"{}"


@pytest.mark.parametrize("inactive", [False, True], ids=["active", "inactive"])
def test_deleted_app_is_404_everywhere(api: httpx.Client, inactive: bool) -> None:
    create(api)
    key_id = create_key(api, "billing", "k")
    if inactive:
        assert patch(api, "billing", is_active=False).status_code == 200
    assert api.delete("/api-auth/apps/billing").json() == {}
    not_found = error(404, APP_NOT_FOUND)
    calls = [
        ("GET", "/api-auth/apps/billing", None),
        ("PATCH", "/api-auth/apps/billing", {"is_active": True}),
        ("DELETE", "/api-auth/apps/billing", None),
        ("GET", "/api-auth/apps/billing/keys", None),
        ("POST", "/api-auth/apps/billing/keys", {"name": "k2"}),
        ("POST", f"/api-auth/apps/billing/keys/{key_id}/revoke", {}),
        ("POST", f"/api-auth/apps/billing/keys/{key_id}/rotate", None),
        ("GET", "/api-auth/apps/billing/audit/logs", None),
        ("GET", "/api-auth/apps/billing/audit/analytics", None),
        ("GET", "/api-auth/apps/billing/audit/timeseries", None),
    ]
    for method, path, body in calls:
        response = api.request(method, path, json=body)
        assert (response.status_code, response.json()) == (404, not_found), f"{method} {path}"
    assert listed(api, "include_inactive=true") == []
    assert listed(api, "search=billing&include_inactive=true") == []


def test_delete_missing_app_is_404(api: httpx.Client) -> None:
    response = api.delete("/api-auth/apps/missing")
    assert (response.status_code, response.json()) == (404, error(404, APP_NOT_FOUND))


def test_delete_keeps_other_apps(api: httpx.Client, clock: VirtualClock) -> None:
    create(api, app_slug="keep")
    clock.advance(ms=1)
    create(api, app_slug="drop")
    assert api.delete("/api-auth/apps/drop").status_code == 200
    assert listed(api) == ["keep"]


def test_delete_does_not_cascade_to_keys(api: httpx.Client) -> None:
    """The deleted app's unrevoked keys still reference its scheme, so the scheme cannot be deleted (§4.5, §5.6)."""
    create_scheme(api, "std", [MINUTE_RULE])
    create(api, rate_limit_scheme_slug="std")
    blocked_by_app = api.delete("/api-auth/rate-limit-schemes/std")
    assert blocked_by_app.json() == error(400, "Cannot delete rate limit scheme while it is assigned to API auth apps")
    create_key(api, "billing", "k")
    assert api.delete("/api-auth/apps/billing").status_code == 200
    response = api.delete("/api-auth/rate-limit-schemes/std")
    assert (response.status_code, response.json()) == (
        400,
        error(400, "Cannot delete rate limit scheme while it is assigned to active API keys"),
    )


# §7.1 rate_limits resolved on every read


def test_unknown_scheme_slug_is_stored_with_empty_rate_limits(api: httpx.Client) -> None:
    """Product decision 2: no FK, the slug is kept as given."""
    body = create(api, rate_limit_scheme_slug="nope")
    assert (body["rate_limits"], body["rate_limit_scheme_slug"]) == ([], "nope")
    got = api.get("/api-auth/apps/billing").json()
    assert (got["rate_limits"], got["rate_limit_scheme_slug"]) == ([], "nope")


def test_rate_limits_are_the_schemes_rules_normalised(api: httpx.Client) -> None:
    rules = [
        {"unit": "minute", "duration": 1, "max_requests": 100},
        {"unit": "second", "duration": 10, "max_requests": 5, "mode": "per_key", "endpoints": ["/a"], "priority": -1},
        {"unit": "hour", "duration": 1, "max_requests": 1000, "mode": None, "endpoints": None},
        {"unit": "calendar_day", "duration": 1, "max_requests": 9, "endpoints": [], "priority": 3},
    ]
    create_scheme(api, "std", rules)
    expected = [
        {"unit": "minute", "duration": 1, "max_requests": 100, "priority": 0},
        {"unit": "second", "duration": 10, "max_requests": 5, "mode": "per_key", "endpoints": ["/a"], "priority": -1},
        {"unit": "hour", "duration": 1, "max_requests": 1000, "priority": 0},
        {"unit": "calendar_day", "duration": 1, "max_requests": 9, "endpoints": [], "priority": 3},
    ]
    assert create(api, rate_limit_scheme_slug="std")["rate_limits"] == expected
    assert [list(r) for r in api.get("/api-auth/apps/billing").json()["rate_limits"]] == [list(r) for r in expected]
    assert api.get("/api-auth/apps").json()["data"][0]["rate_limits"] == expected


def test_rate_limits_follow_the_scheme_at_every_read(api: httpx.Client) -> None:
    create(api, rate_limit_scheme_slug="std")
    assert api.get("/api-auth/apps/billing").json()["rate_limits"] == []

    create_scheme(api, "std", [MINUTE_RULE])
    assert api.get("/api-auth/apps/billing").json()["rate_limits"] == [{**MINUTE_RULE, "priority": 0}]

    new_rule = {"unit": "day", "duration": 1, "max_requests": 7, "mode": "per_app"}
    assert api.patch("/api-auth/rate-limit-schemes/std", json={"rules": [new_rule]}).status_code == 200
    assert api.get("/api-auth/apps/billing").json()["rate_limits"] == [{**new_rule, "priority": 0}]
    assert api.get("/api-auth/apps").json()["data"][0]["rate_limits"] == [{**new_rule, "priority": 0}]
    assert patch(api, "billing", name="x").json()["rate_limits"] == [{**new_rule, "priority": 0}]


def test_update_to_a_scheme_resolves_it_in_the_response(api: httpx.Client) -> None:
    create_scheme(api, "std", [MINUTE_RULE])
    create(api)
    body = patch(api, "billing", rate_limit_scheme_slug="std").json()
    assert (body["rate_limit_scheme_slug"], body["rate_limits"]) == ("std", [{**MINUTE_RULE, "priority": 0}])


def test_schemes_of_another_deployment_do_not_apply(mock: Mock, api: httpx.Client) -> None:
    with mock.client(5) as other:
        create_scheme(other, "std", [MINUTE_RULE])
    assert create(api, rate_limit_scheme_slug="std")["rate_limits"] == []


def test_clock_is_shared_by_every_deployment(mock: Mock, clock: VirtualClock) -> None:
    clock.set(T0 + timedelta(hours=1))
    with mock.client(5) as other:
        assert create(other)["created_at"] == "2026-06-12T11:20:30.123456Z"
