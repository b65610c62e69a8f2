"""HTTP contract of the API key endpoints (backend-behaviour.md §2.2-§2.4, §3.4-§3.5, §4.4 step 8, §6, §7, §8, §12)."""

from __future__ import annotations

import hashlib
import re
from typing import Any

import httpx
import pytest
from conftest import Mock, error, make_app, make_key, ok

from wacht_mock import Backend, VirtualClock

APPS = "/api-auth/apps"
SCHEMES = "/api-auth/rate-limit-schemes"
T0_TEXT = "2026-06-12T10:20:30.123456Z"
APP_NOT_FOUND = error(404, "API key app not found")
KEY_NOT_FOUND = error(404, "API key not found")
NOT_A_MEMBER = error(400, "user is not a member of the org")

# §3.4 in struct order, every optional field present.
KEY_FIELDS = [
    "id",
    "deployment_id",
    "app_slug",
    "name",
    "key_prefix",
    "key_suffix",
    "permissions",
    "metadata",
    "rate_limits",
    "rate_limit_scheme_slug",
    "owner_user_id",
    "organization_id",
    "workspace_id",
    "organization_membership_id",
    "workspace_membership_id",
    "org_role_permissions",
    "workspace_role_permissions",
    "expires_at",
    "last_used_at",
    "is_active",
    "created_at",
    "updated_at",
    "revoked_at",
    "revoked_reason",
]
OMITTED_WHEN_NULL = {
    "rate_limit_scheme_slug",
    "owner_user_id",
    "organization_id",
    "workspace_id",
    "organization_membership_id",
    "workspace_membership_id",
}


def fields_of(body: dict[str, Any]) -> list[str]:
    """The expected field order for ``body``: §3.4's order restricted to what is present."""
    return [f for f in KEY_FIELDS if f in body] + (["secret"] if "secret" in body else [])


def make_scheme(api: httpx.Client, slug: str, unit: str = "minute", max_requests: int = 10) -> None:
    rules = [{"unit": unit, "duration": 1, "max_requests": max_requests}]
    ok(api.post(SCHEMES, json={"slug": slug, "name": slug, "rules": rules}))


def list_keys(api: httpx.Client, app: str = "app1", include_inactive: bool = False) -> list[dict[str, Any]]:
    params = {"include_inactive": "true"} if include_inactive else {}
    resp = api.get(f"{APPS}/{app}/keys", params=params)
    assert resp.status_code == 200, resp.text
    assert list(resp.json()) == ["keys"]
    keys: list[dict[str, Any]] = resp.json()["keys"]
    return keys


def revoke(api: httpx.Client, app: str, key_id: str, body: Any = None) -> httpx.Response:
    return api.post(f"{APPS}/{app}/keys/{key_id}/revoke", json={} if body is None else body)


def rotate(api: httpx.Client, app: str, key_id: str, **kwargs: Any) -> httpx.Response:
    return api.post(f"{APPS}/{app}/keys/{key_id}/rotate", **kwargs)


def rule_out(unit: str = "minute", max_requests: int = 10) -> dict[str, Any]:
    return {"unit": unit, "duration": 1, "max_requests": max_requests, "priority": 0}


# Create


def test_create_api_key_returns_flattened_key_with_secret_last(api: httpx.Client) -> None:
    make_app(api)
    resp = api.post(f"{APPS}/app1/keys", json={"name": "Server key"})
    assert resp.status_code == 200
    body = resp.json()
    secret = body["secret"]
    assert re.fullmatch(r"[1-9][0-9]*", body["id"])
    assert body == {
        "id": body["id"],
        "deployment_id": "1",
        "app_slug": "app1",
        "name": "Server key",
        "key_prefix": "sk_live",
        "key_suffix": secret[-8:],
        "permissions": [],
        "metadata": {},
        "rate_limits": [],
        "org_role_permissions": [],
        "workspace_role_permissions": [],
        "expires_at": None,
        "last_used_at": None,
        "is_active": True,
        "created_at": T0_TEXT,
        "updated_at": T0_TEXT,
        "revoked_at": None,
        "revoked_reason": None,
        "secret": secret,
    }
    assert list(body) == fields_of(body)
    assert list(body)[-1] == "secret"


@pytest.mark.parametrize(
    ("prefix", "pattern"),
    [
        pytest.param("sk_live", r"sk_live_[A-Za-z0-9_-]{43}", id="with-underscore"),
        pytest.param("pk", r"pk_[A-Za-z0-9_-]{43}", id="short"),
        pytest.param("pre_", r"pre__[A-Za-z0-9_-]{43}", id="trailing-underscore-doubles"),
        pytest.param("", r"_[A-Za-z0-9_-]{43}", id="empty-prefix"),
    ],
)
def test_create_api_key_secret_format(api: httpx.Client, backend: Backend, prefix: str, pattern: str) -> None:
    make_app(api, key_prefix=prefix)
    body = make_key(api)
    secret = body["secret"]
    assert re.fullmatch(pattern, secret)
    assert len(secret) == len(prefix) + 1 + 43
    assert body["key_prefix"] == prefix
    assert body["key_suffix"] == secret[-8:]
    stored = backend.deployment(1).keys[int(body["id"])]
    assert stored.key_hash == hashlib.sha256(secret.encode()).hexdigest()


def test_create_api_key_gives_new_ids_and_secrets(api: httpx.Client) -> None:
    make_app(api)
    keys = [make_key(api) for _ in range(3)]
    assert len({k["id"] for k in keys}) == 3
    assert len({k["secret"] for k in keys}) == 3


def test_create_api_key_secret_is_never_shown_again(api: httpx.Client, backend: Backend) -> None:
    make_app(api)
    key = make_key(api)
    rotated = rotate(api, "app1", key["id"]).json()
    stored = backend.deployment(1).keys[int(key["id"])]
    texts = [
        api.get(f"{APPS}/app1/keys", params={"include_inactive": "true"}).text,
        api.get(f"{APPS}/app1/keys").text,
        api.get(f"{APPS}/app1").text,
        api.get(APPS).text,
    ]
    for text in texts:
        for secret in (key["secret"], rotated["secret"]):
            assert secret.split("_", 2)[-1] not in text
        assert stored.key_hash not in text
        assert "key_hash" not in text
        assert '"secret"' not in text


def test_create_api_key_with_scheme_responds_with_empty_rate_limits(api: httpx.Client) -> None:
    make_scheme(api, "basic")
    make_app(api, rate_limit_scheme_slug="basic")
    body = make_key(api)
    assert body["rate_limits"] == []
    assert body["rate_limit_scheme_slug"] == "basic"
    assert list(body) == fields_of(body)
    listed = list_keys(api)
    assert [k["rate_limits"] for k in listed] == [[rule_out()]]
    assert listed[0] == {**{k: v for k, v in body.items() if k != "secret"}, "rate_limits": [rule_out()]}


def test_create_api_key_with_unknown_scheme_slug(api: httpx.Client) -> None:
    make_app(api, rate_limit_scheme_slug="nope")
    assert make_key(api)["rate_limit_scheme_slug"] == "nope"
    assert [(k["rate_limit_scheme_slug"], k["rate_limits"]) for k in list_keys(api)] == [("nope", [])]


@pytest.mark.parametrize(
    ("sent", "stored"),
    [
        pytest.param({}, {}, id="absent"),
        pytest.param({"metadata": None}, {}, id="null"),
        pytest.param({"metadata": {}}, {}, id="empty-object"),
        pytest.param({"metadata": {"team": "core", "n": 1, "deep": {"x": [1, None]}}}, None, id="object"),
        pytest.param({"metadata": [1, "two"]}, None, id="array"),
        pytest.param({"metadata": "text"}, None, id="string"),
        pytest.param({"metadata": 0}, None, id="zero"),
        pytest.param({"metadata": False}, None, id="false"),
        pytest.param({"metadata": 1.5}, None, id="float"),
    ],
)
def test_create_api_key_metadata(api: httpx.Client, sent: dict[str, Any], stored: Any) -> None:
    make_app(api)
    expected = sent["metadata"] if stored is None else stored
    assert make_key(api, **sent)["metadata"] == expected
    assert list_keys(api)[0]["metadata"] == expected


@pytest.mark.parametrize(
    ("sent", "shown"),
    [
        pytest.param("2020-01-01T00:00:00Z", "2020-01-01T00:00:00Z", id="past"),
        pytest.param("2030-05-06T07:08:09.5Z", "2030-05-06T07:08:09.500Z", id="fraction-millis"),
        pytest.param("2030-05-06T07:08:09.000001Z", "2030-05-06T07:08:09.000001Z", id="fraction-micros"),
        pytest.param("2030-05-06T07:08:09.000Z", "2030-05-06T07:08:09Z", id="zero-fraction"),
        pytest.param("2027-01-01T12:00:00+02:00", "2027-01-01T10:00:00Z", id="positive-offset"),
        pytest.param("2026-12-31T23:30:00-01:00", "2027-01-01T00:30:00Z", id="negative-offset"),
    ],
)
def test_create_api_key_expires_at_normalised_to_utc(api: httpx.Client, sent: str, shown: str) -> None:
    make_app(api)
    assert make_key(api, expires_at=sent)["expires_at"] == shown
    assert list_keys(api)[0]["expires_at"] == shown


@pytest.mark.parametrize(
    "body",
    [
        pytest.param({"name": "k", "expires_at": "tomorrow"}, id="expires-words"),
        pytest.param({"name": "k", "expires_at": "2027-01-01"}, id="expires-date-only"),
        pytest.param({"name": "k", "expires_at": "2027-01-01T00:00:00"}, id="expires-no-offset"),
        pytest.param({"name": "k", "expires_at": 1767225600}, id="expires-number"),
        pytest.param({"name": "k", "expires_at": ""}, id="expires-empty"),
        pytest.param({}, id="name-missing"),
        pytest.param({"name": None}, id="name-null"),
        pytest.param({"name": 5}, id="name-number"),
        pytest.param({"name": "k", "permissions": "a"}, id="permissions-string"),
        pytest.param({"name": "k", "permissions": [1]}, id="permissions-number-items"),
        pytest.param([], id="top-level-array"),
    ],
)
def test_create_api_key_wrong_shape_is_422(api: httpx.Client, body: Any) -> None:
    make_app(api)
    resp = api.post(f"{APPS}/app1/keys", json=body)
    assert (resp.status_code, resp.json()) == (422, error(422, "Invalid request payload"))
    assert list_keys(api, include_inactive=True) == []


def test_create_api_key_accepts_empty_name_and_verbatim_permissions(api: httpx.Client) -> None:
    make_app(api)
    body = make_key(api, name="", permissions=["b", "a", "a", ""])
    assert (body["name"], body["permissions"]) == ("", ["b", "a", "a", ""])
    assert make_key(api, permissions=None)["permissions"] == []


def test_create_api_key_ignores_unknown_fields(api: httpx.Client) -> None:
    make_scheme(api, "basic")
    make_app(api)
    body = make_key(
        api,
        key_prefix="zz",
        organization_membership_id="41",
        owner_user_id="11",
        rate_limit_scheme_slug="basic",
        is_active=False,
        id="5",
    )
    assert body["key_prefix"] == "sk_live"
    assert body["is_active"] is True
    assert body["id"] != "5"
    for name in ("organization_membership_id", "owner_user_id", "rate_limit_scheme_slug"):
        assert name not in body


def test_create_api_key_on_inactive_app(api: httpx.Client) -> None:
    make_app(api)
    api.patch(f"{APPS}/app1", json={"is_active": False})
    body = make_key(api)
    assert body["is_active"] is True
    assert [k["id"] for k in list_keys(api)] == [body["id"]]


def test_create_api_key_app_not_found(mock: Mock, api: httpx.Client) -> None:
    assert api.post(f"{APPS}/missing/keys", json={"name": "k"}).json() == APP_NOT_FOUND
    make_app(api)
    with mock.client(5) as other:
        resp = other.post(f"{APPS}/app1/keys", json={"name": "k"})
        assert (resp.status_code, resp.json()) == (404, APP_NOT_FOUND)
    api.delete(f"{APPS}/app1")
    assert api.post(f"{APPS}/app1/keys", json={"name": "k"}).json() == APP_NOT_FOUND


@pytest.mark.parametrize(
    ("kwargs", "status", "message"),
    [
        pytest.param({"content": b'{"name":"k"}'}, 415, "Request failed", id="no-content-type"),
        pytest.param(
            {"content": b"", "headers": {"content-type": "application/json"}}, 400, "Bad request", id="empty-body"
        ),
        pytest.param({"json": {}}, 422, "Invalid request payload", id="bad-shape"),
    ],
)
def test_create_api_key_body_is_checked_before_the_app(
    api: httpx.Client, kwargs: dict[str, Any], status: int, message: str
) -> None:
    resp = api.post(f"{APPS}/missing/keys", **kwargs)
    assert (resp.status_code, resp.json()) == (status, error(status, message))


def test_create_api_key_user_app_with_org_and_workspace(api: httpx.Client) -> None:
    make_app(api, "uapp", user_id="11", organization_id=21, workspace_id=31)
    body = make_key(api, "uapp", permissions=["own"])
    assert list(body) == fields_of(body)
    assert {k: body[k] for k in KEY_FIELDS[6:] if k in body} == {
        "permissions": ["own"],
        "metadata": {},
        "rate_limits": [],
        "owner_user_id": "11",
        "organization_id": "21",
        "workspace_id": "31",
        "organization_membership_id": "41",
        "workspace_membership_id": "42",
        "org_role_permissions": ["org:read", "org:write"],
        "workspace_role_permissions": ["ws:write"],
        "expires_at": None,
        "last_used_at": None,
        "is_active": True,
        "created_at": T0_TEXT,
        "updated_at": T0_TEXT,
        "revoked_at": None,
        "revoked_reason": None,
    }
    assert list_keys(api, "uapp")[0] == {k: v for k, v in body.items() if k != "secret"}


def test_create_api_key_user_app_with_org_only(api: httpx.Client) -> None:
    make_app(api, "uapp", user_id=13, organization_id=21)
    body = make_key(api, "uapp")
    assert (body["owner_user_id"], body["organization_id"], body["organization_membership_id"]) == ("13", "21", "43")
    assert (body["org_role_permissions"], body["workspace_role_permissions"]) == ([], [])
    assert "workspace_id" not in body and "workspace_membership_id" not in body
    assert list(body) == fields_of(body)


def test_create_api_key_user_app_without_scope(api: httpx.Client) -> None:
    make_app(api, "uapp", user_id=11)
    body = make_key(api, "uapp")
    assert body["owner_user_id"] == "11"
    assert OMITTED_WHEN_NULL & set(body) == {"owner_user_id"}
    assert (body["org_role_permissions"], body["workspace_role_permissions"]) == ([], [])


def test_create_api_key_app_without_user_has_no_membership_fields(api: httpx.Client) -> None:
    make_app(api)
    assert OMITTED_WHEN_NULL & set(make_key(api)) == set()


@pytest.mark.parametrize(
    ("scope", "membership_id"),
    [
        pytest.param({"organization_id": 21}, 41, id="org-membership-deleted"),
        pytest.param({"organization_id": 21, "workspace_id": 31}, 41, id="org-of-workspace-app"),
        pytest.param({"workspace_id": 31}, 42, id="workspace-membership-deleted-says-org"),
    ],
)
def test_create_api_key_requires_owner_membership(
    api: httpx.Client, backend: Backend, scope: dict[str, int], membership_id: int
) -> None:
    make_app(api, "uapp", user_id=11, **scope)
    for membership in backend.deployment(1).memberships:
        if membership.id == membership_id:
            membership.deleted = True
    resp = api.post(f"{APPS}/uapp/keys", json={"name": "k"})
    assert (resp.status_code, resp.json()) == (400, NOT_A_MEMBER)
    assert list_keys(api, "uapp", include_inactive=True) == []


def test_create_api_key_snapshots_distinct_sorted_role_permissions(api: httpx.Client, backend: Backend) -> None:
    make_app(api, "uapp", user_id=11, organization_id=21, workspace_id=31)
    for membership in backend.deployment(1).memberships:
        if membership.id == 42:
            membership.permissions = ("z", "b", "z", "a")
    assert make_key(api, "uapp")["workspace_role_permissions"] == ["a", "b", "z"]


# List


def test_list_api_keys_empty(api: httpx.Client) -> None:
    make_app(api)
    assert api.get(f"{APPS}/app1/keys").json() == {"keys": []}


def test_list_api_keys_newest_first_with_string_ids(api: httpx.Client, clock: VirtualClock) -> None:
    make_app(api)
    first = make_key(api, name="first")
    clock.advance(ms=10)
    second = make_key(api, name="second")
    clock.advance(ms=10)
    third = make_key(api, name="third")
    listed = list_keys(api)
    assert [k["id"] for k in listed] == [third["id"], second["id"], first["id"]]
    assert [k["created_at"] for k in listed] == [
        "2026-06-12T10:20:30.143456Z",
        "2026-06-12T10:20:30.133456Z",
        T0_TEXT,
    ]
    for key in listed:
        assert isinstance(key["id"], str) and isinstance(key["deployment_id"], str)
        assert list(key) == fields_of(key)
        assert "secret" not in key


def test_list_api_keys_only_lists_the_apps_own_keys(api: httpx.Client) -> None:
    make_app(api, "app1")
    make_app(api, "app2")
    mine = make_key(api, "app1")
    make_key(api, "app2")
    assert [k["id"] for k in list_keys(api, "app1", include_inactive=True)] == [mine["id"]]


def test_list_api_keys_include_inactive(api: httpx.Client, clock: VirtualClock) -> None:
    make_app(api)
    revoked = make_key(api, name="revoked")
    clock.advance(ms=1)
    rotated_away = make_key(api, name="rotated")
    clock.advance(ms=1)
    expired = make_key(api, name="expired", expires_at="2020-01-01T00:00:00Z")
    clock.advance(ms=1)
    assert revoke(api, "app1", revoked["id"]).status_code == 200
    successor = rotate(api, "app1", rotated_away["id"]).json()

    assert [k["id"] for k in list_keys(api)] == [successor["id"], expired["id"]]
    assert [k["id"] for k in api.get(f"{APPS}/app1/keys", params={"include_inactive": "false"}).json()["keys"]] == [
        successor["id"],
        expired["id"],
    ]
    everything = list_keys(api, include_inactive=True)
    assert [k["id"] for k in everything] == [successor["id"], expired["id"], rotated_away["id"], revoked["id"]]
    assert [k["is_active"] for k in everything] == [True, True, False, False]


@pytest.mark.parametrize("value", ["1", "TRUE", "yes", "", "True"])
def test_list_api_keys_bad_include_inactive_is_400(api: httpx.Client, value: str) -> None:
    make_app(api)
    resp = api.get(f"{APPS}/app1/keys", params={"include_inactive": value})
    assert (resp.status_code, resp.json()) == (400, error(400, "Bad request"))


def test_list_api_keys_bad_query_beats_missing_app(api: httpx.Client) -> None:
    assert api.get(f"{APPS}/missing/keys?include_inactive=1").json() == error(400, "Bad request")
    assert api.get(f"{APPS}/missing/keys?unknown=1").json() == APP_NOT_FOUND


def test_list_api_keys_resolves_the_keys_own_scheme_slug(api: httpx.Client, backend: Backend) -> None:
    make_scheme(api, "basic", max_requests=10)
    make_scheme(api, "other", unit="hour", max_requests=99)
    make_app(api, rate_limit_scheme_slug="basic")
    key = make_key(api)
    backend.deployment(1).keys[int(key["id"])].rate_limit_scheme_slug = "other"
    listed = list_keys(api)[0]
    assert (listed["rate_limit_scheme_slug"], listed["rate_limits"]) == ("other", [rule_out("hour", 99)])
    assert api.get(f"{APPS}/app1").json()["rate_limits"] == [rule_out()]


def test_list_api_keys_on_inactive_app(api: httpx.Client) -> None:
    make_app(api)
    key = make_key(api)
    api.patch(f"{APPS}/app1", json={"is_active": False})
    assert [k["id"] for k in list_keys(api)] == [key["id"]]


def test_list_api_keys_app_not_found(mock: Mock, api: httpx.Client) -> None:
    assert api.get(f"{APPS}/missing/keys").json() == APP_NOT_FOUND
    make_app(api)
    with mock.client(5) as other:
        assert other.get(f"{APPS}/app1/keys").json() == APP_NOT_FOUND


def test_deleted_apps_keys_stay_in_state(api: httpx.Client, backend: Backend) -> None:
    make_app(api)
    key = make_key(api)
    assert api.delete(f"{APPS}/app1").json() == {}
    resp = api.get(f"{APPS}/app1/keys")
    assert (resp.status_code, resp.json()) == (404, APP_NOT_FOUND)
    stored = backend.deployment(1).keys[int(key["id"])]
    assert (stored.is_active, stored.revoked_at, stored.revoked_reason) == (True, None, None)


# Revoke


def test_revoke_api_key_for_app(api: httpx.Client, clock: VirtualClock) -> None:
    make_app(api)
    key = make_key(api)
    clock.advance(ms=250)
    resp = revoke(api, "app1", key["id"], {"reason": "leaked"})
    assert (resp.status_code, resp.json()) == (200, {})
    assert list_keys(api) == []
    [row] = list_keys(api, include_inactive=True)
    expected = {k: v for k, v in key.items() if k != "secret"}
    at = "2026-06-12T10:20:30.373456Z"
    assert row == {**expected, "is_active": False, "updated_at": at, "revoked_at": at, "revoked_reason": "leaked"}


@pytest.mark.parametrize(
    "body",
    [
        pytest.param({}, id="empty-object"),
        pytest.param({"reason": None}, id="reason-null"),
        pytest.param({"unknown": 1}, id="unknown-field"),
        pytest.param({"key_id": "1"}, id="body-key-id-ignored"),
        pytest.param({"key_id": 1}, id="body-key-id-number-ignored"),
    ],
)
def test_revoke_api_key_without_reason(api: httpx.Client, body: dict[str, Any]) -> None:
    make_app(api)
    key = make_key(api)
    assert revoke(api, "app1", key["id"], body).json() == {}
    row = list_keys(api, include_inactive=True)[0]
    assert (row["is_active"], row["revoked_at"], row["revoked_reason"]) == (False, T0_TEXT, None)


def test_revoke_api_key_uses_path_id_not_body_id(api: httpx.Client) -> None:
    make_app(api)
    target = make_key(api, name="target")
    other = make_key(api, name="other")
    assert revoke(api, "app1", target["id"], {"key_id": other["id"]}).json() == {}
    assert [k["id"] for k in list_keys(api)] == [other["id"]]


@pytest.mark.parametrize(
    ("kwargs", "status", "message"),
    [
        pytest.param({"content": b"{}"}, 415, "Request failed", id="no-content-type"),
        pytest.param({"content": b"{}", "headers": {"content-type": "text/plain"}}, 415, "Request failed", id="text"),
        pytest.param(
            {"content": b"", "headers": {"content-type": "application/json"}}, 400, "Bad request", id="empty-body"
        ),
        pytest.param(
            {"content": b"{", "headers": {"content-type": "application/json"}}, 400, "Bad request", id="syntax"
        ),
        pytest.param({"json": {"reason": 5}}, 422, "Invalid request payload", id="reason-number"),
        pytest.param({"json": {"key_id": "abc"}}, 422, "Invalid request payload", id="body-key-id-text"),
        pytest.param({"json": {"key_id": 1.5}}, 422, "Invalid request payload", id="body-key-id-float"),
        pytest.param({"json": []}, 422, "Invalid request payload", id="array"),
    ],
)
def test_revoke_api_key_requires_a_json_body(
    api: httpx.Client, kwargs: dict[str, Any], status: int, message: str
) -> None:
    make_app(api)
    key = make_key(api)
    resp = api.post(f"{APPS}/app1/keys/{key['id']}/revoke", **kwargs)
    assert (resp.status_code, resp.json()) == (status, error(status, message))
    assert list_keys(api)[0]["is_active"] is True


@pytest.mark.parametrize("key_id", ["abc", "1.5", "9223372036854775808", "-9223372036854775809", "0x10", "%20"])
def test_revoke_api_key_path_id_must_be_i64(api: httpx.Client, key_id: str) -> None:
    make_app(api)
    resp = api.post(f"{APPS}/app1/keys/{key_id}/revoke", json={})
    assert (resp.status_code, resp.json()) == (400, error(400, "Bad request"))


def test_revoke_api_key_extractor_order(api: httpx.Client) -> None:
    # path → body → app lookup
    assert api.post(f"{APPS}/missing/keys/abc/revoke", content=b"{}").json() == error(400, "Bad request")
    assert api.post(f"{APPS}/missing/keys/1/revoke", content=b"{}").json() == error(415, "Request failed")
    assert api.post(f"{APPS}/missing/keys/1/revoke", json={}).json() == APP_NOT_FOUND


@pytest.mark.parametrize("key_id", ["9223372036854775807", "-1", "0"])
def test_revoke_api_key_unknown_id(api: httpx.Client, key_id: str) -> None:
    make_app(api)
    resp = revoke(api, "app1", key_id)
    assert (resp.status_code, resp.json()) == (404, KEY_NOT_FOUND)


def test_revoke_api_key_of_another_app_is_not_found(api: httpx.Client) -> None:
    make_app(api, "app1")
    make_app(api, "app2")
    key = make_key(api, "app2")
    assert revoke(api, "app1", key["id"]).json() == KEY_NOT_FOUND
    assert list_keys(api, "app2")[0]["is_active"] is True


def test_revoke_api_key_of_another_deployment_is_not_found(mock: Mock, api: httpx.Client) -> None:
    make_app(api)
    key = make_key(api)
    with mock.client(5) as other:
        make_app(other)
        resp = revoke(other, "app1", key["id"])
        assert (resp.status_code, resp.json()) == (404, KEY_NOT_FOUND)
    assert list_keys(api)[0]["is_active"] is True


def test_revoke_api_key_app_not_found(api: httpx.Client) -> None:
    make_app(api)
    key = make_key(api)
    assert revoke(api, "missing", key["id"]).json() == APP_NOT_FOUND
    api.delete(f"{APPS}/app1")
    assert revoke(api, "app1", key["id"]).json() == APP_NOT_FOUND


def test_revoke_api_key_twice_is_404(api: httpx.Client, clock: VirtualClock) -> None:
    make_app(api)
    key = make_key(api)
    revoke(api, "app1", key["id"], {"reason": "first"})
    clock.advance(ms=1000)
    resp = revoke(api, "app1", key["id"], {"reason": "second"})
    assert (resp.status_code, resp.json()) == (404, error(404, "API key not found or already revoked"))
    row = list_keys(api, include_inactive=True)[0]
    assert (row["revoked_at"], row["revoked_reason"]) == (T0_TEXT, "first")


def test_revoke_rotated_away_key_is_404(api: httpx.Client) -> None:
    make_app(api)
    key = make_key(api)
    rotate(api, "app1", key["id"])
    assert revoke(api, "app1", key["id"]).json() == error(404, "API key not found or already revoked")


def test_revoke_api_key_on_inactive_app_and_expired_key(api: httpx.Client) -> None:
    make_app(api)
    key = make_key(api, expires_at="2020-01-01T00:00:00Z")
    api.patch(f"{APPS}/app1", json={"is_active": False})
    assert revoke(api, "app1", key["id"]).json() == {}


# Rotate


@pytest.mark.parametrize(
    "kwargs",
    [
        pytest.param({}, id="no-body"),
        pytest.param({"json": {}}, id="json-object"),
        pytest.param({"content": b"not json", "headers": {"content-type": "text/plain"}}, id="text"),
        pytest.param({"content": b"{", "headers": {"content-type": "application/json"}}, id="broken-json"),
        pytest.param({"json": {"key_id": "1"}}, id="body-key-id-ignored"),
    ],
)
def test_rotate_api_key_accepts_any_body(api: httpx.Client, kwargs: dict[str, Any]) -> None:
    make_app(api)
    key = make_key(api)
    resp = rotate(api, "app1", key["id"], **kwargs)
    assert resp.status_code == 200
    assert resp.json()["id"] != key["id"]


def test_rotate_api_key_for_app(api: httpx.Client, backend: Backend, clock: VirtualClock) -> None:
    make_scheme(api, "basic")
    make_app(api, rate_limit_scheme_slug="basic")
    old = make_key(api, name="svc", permissions=["p:1"], metadata=["m"], expires_at="2020-02-03T04:05:06Z")
    api.patch(f"{APPS}/app1", json={"key_prefix": "new_prefix"})
    clock.advance(ms=2000)
    resp = rotate(api, "app1", old["id"])
    assert resp.status_code == 200
    new = resp.json()
    now = "2026-06-12T10:20:32.123456Z"
    secret = new["secret"]
    assert re.fullmatch(r"sk_live_[A-Za-z0-9_-]{43}", secret)
    assert secret != old["secret"]
    assert int(new["id"]) != int(old["id"])
    assert new == {
        **old,
        "id": new["id"],
        "key_prefix": "sk_live",
        "key_suffix": secret[-8:],
        "rate_limits": [],
        "created_at": now,
        "updated_at": now,
        "secret": secret,
    }
    assert list(new) == fields_of(new)
    assert backend.deployment(1).keys[int(new["id"])].key_hash == hashlib.sha256(secret.encode()).hexdigest()

    rows = {k["id"]: k for k in list_keys(api, include_inactive=True)}
    assert list(rows) == [new["id"], old["id"]]
    retired = rows[old["id"]]
    assert (retired["is_active"], retired["revoked_at"], retired["revoked_reason"], retired["updated_at"]) == (
        False,
        now,
        "Rotated",
        now,
    )
    assert rows[new["id"]]["rate_limits"] == [rule_out()]
    # A key created now takes the app's current prefix.
    assert make_key(api)["secret"].startswith("new_prefix_")


def test_rotate_api_key_twice_is_404(api: httpx.Client) -> None:
    make_app(api)
    key = make_key(api)
    successor = rotate(api, "app1", key["id"]).json()
    resp = rotate(api, "app1", key["id"])
    assert (resp.status_code, resp.json()) == (404, error(404, "API key not found or inactive"))
    assert rotate(api, "app1", successor["id"]).status_code == 200


def test_rotate_revoked_key_is_404(api: httpx.Client) -> None:
    make_app(api)
    key = make_key(api)
    revoke(api, "app1", key["id"])
    assert rotate(api, "app1", key["id"]).json() == error(404, "API key not found or inactive")


def test_rotate_api_key_on_inactive_app(api: httpx.Client) -> None:
    make_app(api)
    key = make_key(api)
    api.patch(f"{APPS}/app1", json={"is_active": False})
    resp = rotate(api, "app1", key["id"])
    assert (resp.status_code, resp.json()) == (404, error(404, "API key app not found or inactive"))
    assert [(k["id"], k["is_active"]) for k in list_keys(api, include_inactive=True)] == [(key["id"], True)]


def test_rotate_inactive_key_on_inactive_app_reports_the_key_first(api: httpx.Client) -> None:
    make_app(api)
    key = make_key(api)
    revoke(api, "app1", key["id"])
    api.patch(f"{APPS}/app1", json={"is_active": False})
    assert rotate(api, "app1", key["id"]).json() == error(404, "API key not found or inactive")


def test_rotate_api_key_not_found(mock: Mock, api: httpx.Client) -> None:
    make_app(api, "app1")
    make_app(api, "app2")
    key = make_key(api, "app2")
    assert rotate(api, "missing", key["id"]).json() == APP_NOT_FOUND
    assert rotate(api, "app1", key["id"]).json() == KEY_NOT_FOUND
    assert rotate(api, "app1", "123").json() == KEY_NOT_FOUND
    assert rotate(api, "app1", "x").json() == error(400, "Bad request")
    assert rotate(api, "missing", "x").json() == error(400, "Bad request")
    with mock.client(5) as other:
        make_app(other, "app2")
        assert rotate(other, "app2", key["id"]).json() == KEY_NOT_FOUND
    api.delete(f"{APPS}/app2")
    assert rotate(api, "app2", key["id"]).json() == APP_NOT_FOUND


def test_rotate_expired_key_keeps_past_expiry(api: httpx.Client) -> None:
    make_app(api)
    key = make_key(api, expires_at="2021-01-01T00:00:00+01:00")
    assert rotate(api, "app1", key["id"]).json()["expires_at"] == "2020-12-31T23:00:00Z"


def test_rotate_api_key_resnapshots_memberships(api: httpx.Client, backend: Backend) -> None:
    make_app(api, "uapp", user_id=11, organization_id=21, workspace_id=31)
    key = make_key(api, "uapp")
    assert key["org_role_permissions"] == ["org:read", "org:write"]
    for membership in backend.deployment(1).memberships:
        if membership.id == 41:
            membership.permissions = ("new:perm", "a:b")
    new = rotate(api, "uapp", key["id"]).json()
    assert new["org_role_permissions"] == ["a:b", "new:perm"]
    assert new["workspace_role_permissions"] == ["ws:write"]
    assert (new["organization_membership_id"], new["workspace_membership_id"], new["owner_user_id"]) == (
        "41",
        "42",
        "11",
    )


@pytest.mark.parametrize("membership_id", [41, 42])
def test_rotate_api_key_requires_owner_membership(api: httpx.Client, backend: Backend, membership_id: int) -> None:
    make_app(api, "uapp", user_id=11, organization_id=21, workspace_id=31)
    key = make_key(api, "uapp")
    for membership in backend.deployment(1).memberships:
        if membership.id == membership_id:
            membership.deleted = True
    resp = rotate(api, "uapp", key["id"])
    assert (resp.status_code, resp.json()) == (400, NOT_A_MEMBER)
    # The transaction rolled back: the old key is still active and nothing new exists.
    assert [(k["id"], k["is_active"]) for k in list_keys(api, "uapp", include_inactive=True)] == [(key["id"], True)]


# App PATCH cascade (§4.4 step 8)


def test_app_patch_rewrites_every_keys_scheme_slug(api: httpx.Client, clock: VirtualClock) -> None:
    make_scheme(api, "basic")
    make_scheme(api, "other", unit="hour", max_requests=5)
    make_app(api, rate_limit_scheme_slug="basic")
    active = make_key(api, name="active")
    revoked = make_key(api, name="revoked")
    revoke(api, "app1", revoked["id"])

    clock.advance(ms=1000)
    assert api.patch(f"{APPS}/app1", json={"name": "renamed"}).status_code == 200
    rows = list_keys(api, include_inactive=True)
    assert [(k["rate_limit_scheme_slug"], k["updated_at"]) for k in rows] == [
        ("basic", "2026-06-12T10:20:31.123456Z")
    ] * 2

    clock.advance(ms=1000)
    api.patch(f"{APPS}/app1", json={"rate_limit_scheme_slug": "other"})
    rows = list_keys(api, include_inactive=True)
    assert {k["id"] for k in rows} == {active["id"], revoked["id"]}
    assert [(k["rate_limit_scheme_slug"], k["rate_limits"], k["updated_at"]) for k in rows] == [
        ("other", [rule_out("hour", 5)], "2026-06-12T10:20:32.123456Z")
    ] * 2
    assert [k["revoked_reason"] for k in rows if k["id"] == revoked["id"]] == [None]


def test_app_patch_sets_keys_scheme_slug_to_the_apps_even_when_null(api: httpx.Client, backend: Backend) -> None:
    make_scheme(api, "basic")
    make_app(api)
    key = make_key(api)
    backend.deployment(1).keys[int(key["id"])].rate_limit_scheme_slug = "basic"
    assert list_keys(api)[0]["rate_limit_scheme_slug"] == "basic"
    api.patch(f"{APPS}/app1", json={})
    assert "rate_limit_scheme_slug" not in list_keys(api)[0]


def test_failed_app_patch_leaves_keys_alone(api: httpx.Client, clock: VirtualClock) -> None:
    make_app(api)
    key = make_key(api)
    clock.advance(ms=1000)
    resp = api.patch(f"{APPS}/app1", json={"organization_id": 21})
    assert resp.json() == error(400, "organization_id/workspace_id cannot be set when app has no user_id")
    assert list_keys(api)[0]["updated_at"] == key["updated_at"]


def test_app_patch_does_not_touch_other_apps_keys(api: httpx.Client, clock: VirtualClock) -> None:
    make_scheme(api, "basic")
    make_app(api, "app1")
    make_app(api, "app2")
    key = make_key(api, "app2")
    clock.advance(ms=1000)
    api.patch(f"{APPS}/app1", json={"rate_limit_scheme_slug": "basic"})
    row = list_keys(api, "app2")[0]
    assert ("rate_limit_scheme_slug" in row, row["updated_at"]) == (False, key["updated_at"])
