"""The gateway's ``POST /v1/authz/check`` over HTTP (backend-behaviour.md §8, §9, §14 decisions 10-11; research notes
gateway.md §2-§6, §8): production's processing order and early exits, the decision body and its ``headers`` map,
user_agent / client_ip resolution, and what gets audited.

Deployment 1 (growth) has users 11, 13; organization 21 with workspace 31; memberships 41 (user 11 of org 21,
roles [org:write, org:read, org:read]), 42 (user 11 of workspace 31, [ws:write]) and 43 (user 13 of org 21, []).
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import httpx
import pytest
from conftest import SEED, T0, Mock, make_app, make_key, ok

from wacht_mock import Backend, Firing, VirtualClock, parse_seed

CHECK = "/v1/authz/check"
APPS = "/api-auth/apps"
T0_TEXT = "2026-06-12T10:20:30.123456Z"
DECISION_FIELDS = [
    "request_id",
    "allowed",
    "reason",
    "blocked_rule",
    "identity",
    "permissions",
    "metadata",
    "rate_limits",
    "retry_after",
    "headers",
]
IDENTITY_FIELDS = [
    "key_id",
    "deployment_id",
    "app_slug",
    "key_name",
    "owner_user_id",
    "organization_id",
    "workspace_id",
    "organization_membership_id",
    "workspace_membership_id",
]
DENIAL = {
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
REQUEST_ID = re.compile(r"req_\d+")
UNKNOWN_KEY = "sk_" + "A" * 43  # 46 characters, well-formed, matches no key


@pytest.fixture
def gw(gw: httpx.Client) -> httpx.Client:
    """An unauthenticated client (the gateway needs no backend secret) that sends no User-Agent of its own."""
    del gw.headers["user-agent"]
    return gw


@pytest.fixture
def key(api: httpx.Client) -> dict[str, Any]:
    """A key "Server key" of app ``app1`` (deployment 1, no user, no scheme), with its secret."""
    make_app(api, "app1")
    return make_key(api, "app1")


def check(
    gw: httpx.Client,
    value: str,
    *,
    principal_type: str = "api_key",
    resource: str = "/x",
    method: str = "GET",
    headers: dict[str, Any] | None = None,
    **fields: Any,
) -> httpx.Response:
    body = {"principal": {"type": principal_type, "value": value}, "resource": resource, "method": method, **fields}
    return gw.post(CHECK, json=body, headers=headers)


def decision(resp: httpx.Response) -> dict[str, Any]:
    """A 200 decision body, its field order checked."""
    body = ok(resp)
    assert resp.headers["content-type"] == "application/json"
    assert list(body) == DECISION_FIELDS
    assert REQUEST_ID.fullmatch(body["request_id"]), body["request_id"]
    return body


def assert_denial(resp: httpx.Response, status: int) -> None:
    """The denial envelope of an early exit: every field present, in order, with a request id."""
    assert resp.status_code == status, resp.text
    assert resp.headers["content-type"] == "application/json"
    body = resp.json()
    assert body == {"request_id": body["request_id"], **DENIAL}
    assert list(body) == DECISION_FIELDS
    assert REQUEST_ID.fullmatch(body["request_id"]), body["request_id"]


def assert_invalid_key(resp: httpx.Response) -> None:
    """The key lookup's plain-text 401 (no envelope, no request id)."""
    assert (resp.status_code, resp.text) == (401, "Invalid API key")
    assert resp.headers["content-type"] == "text/plain; charset=utf-8"


def assert_allowed(resp: httpx.Response) -> dict[str, Any]:
    body = decision(resp)
    assert body["allowed"] is True, body
    return body


def logs(api: httpx.Client, app: str = "app1") -> list[dict[str, Any]]:
    return list(ok(api.get(f"{APPS}/{app}/audit/logs"))["data"])


# §9.2 step 2: the method


@pytest.mark.parametrize(
    "method",
    ["TRACE", "CONNECT", "", "   ", "FOO", "GETS", "G ET", "\x1cGET", "opt\u0131ons", "po\u017ft"],
    # \x1c is not Rust whitespace; Python upper-cases dotless i and long s to ASCII, to_ascii_uppercase does not
)
def test_method_outside_the_seven_is_400(gw: httpx.Client, api: httpx.Client, key: dict[str, Any], method: str) -> None:
    assert_denial(check(gw, key["secret"], method=method), 400)
    assert logs(api) == []


@pytest.mark.parametrize(
    ("method", "normalised"),
    [
        ("GET", "GET"),
        ("get", "GET"),
        (" get ", "GET"),
        ("\tPoSt\n", "POST"),
        ("\u3000put\u0085", "PUT"),  # Rust's trim: Unicode White_Space
        ("patch", "PATCH"),
        ("Delete", "DELETE"),
        ("head", "HEAD"),
        ("options", "OPTIONS"),
    ],
)
def test_method_normalised(
    gw: httpx.Client, api: httpx.Client, key: dict[str, Any], method: str, normalised: str
) -> None:
    assert_allowed(check(gw, key["secret"], method=method))
    assert [row["path"] for row in logs(api)] == [f"{normalised} /x"]


# §9.2 step 3: the resource


@pytest.mark.parametrize(
    ("resource", "normalised"),
    [
        ("/x", "/x"),
        ("x", "/x"),
        ("  users/1?a=b#frag ", "/users/1"),
        ("/a#b?c", "/a"),
        ("/a?b#c", "/a"),
        (" x # y", "/x"),  # trimmed again after the cut
        ("https://x/y?z", "/https://x/y"),
        ("/A//b/", "/A//b/"),  # no case folding, no collapsing, no trailing-slash removal
        ("/caf%C3%A9", "/caf%C3%A9"),  # no percent-decoding
        ("\x1c", "/\x1c"),  # not Rust whitespace, so not empty
    ],
)
def test_resource_normalised(
    gw: httpx.Client, api: httpx.Client, key: dict[str, Any], resource: str, normalised: str
) -> None:
    assert_allowed(check(gw, key["secret"], resource=resource))
    assert [row["path"] for row in logs(api)] == [f"GET {normalised}"]


@pytest.mark.parametrize("resource", ["", "  ", "?a", "#x", " ?a#b ", "\t#", "? x", "\u2003"])
def test_empty_resource_is_400(gw: httpx.Client, api: httpx.Client, key: dict[str, Any], resource: str) -> None:
    assert_denial(check(gw, key["secret"], resource=resource), 400)
    assert logs(api) == []


def test_method_then_resource_then_principal(gw: httpx.Client) -> None:
    assert_denial(check(gw, "", method="TRACE", resource=""), 400)
    assert_denial(check(gw, "", resource="?"), 400)
    assert_denial(check(gw, "", principal_type="oauth_access_token", method="FOO"), 400)
    assert_denial(check(gw, ""), 401)


# §9.2 step 5: the principal value


@pytest.mark.parametrize("value", ["", "   ", "\t\n", "\u3000"])
def test_empty_principal_value_is_401(gw: httpx.Client, value: str) -> None:
    assert_denial(check(gw, value), 401)


def test_principal_value_is_trimmed(gw: httpx.Client, key: dict[str, Any]) -> None:
    assert_allowed(check(gw, f"  {key['secret']}\n"))


@pytest.mark.parametrize(
    "value",
    [
        "sk_" + "A" * 42,  # 45 bytes
        "A" * 45,
        "sk_" + "A" * 42 + "!",
        "sk_" + "A" * 42 + ".",
        "sk_" + "A" * 21 + " " + "A" * 21,  # an inner space within the last 43
        "sk_" + "A" * 42 + "\u00e9",  # 47 bytes, but the last 43 bytes are not all ASCII
        "sk_live_" + "A" * 42 + "=",
    ],
)
def test_bad_key_format_is_401_envelope(gw: httpx.Client, value: str) -> None:
    assert_denial(check(gw, value), 401)


@pytest.mark.parametrize(
    "value",
    [
        UNKNOWN_KEY,
        "A" * 46,
        "x y!_" + "A" * 43,  # the prefix part is not checked at all
        "\u00e9" + "A" * 44,  # 46 bytes
        "sk_" + "-_" * 21 + "z",
    ],
)
def test_well_formed_unknown_key_is_plain_401(gw: httpx.Client, value: str) -> None:
    assert_invalid_key(check(gw, value))


def test_key_secret_one_character_off_is_unknown(gw: httpx.Client, key: dict[str, Any]) -> None:
    secret = key["secret"]
    assert_invalid_key(check(gw, secret[:-1] + ("A" if secret[-1] != "A" else "B")))
    assert_invalid_key(check(gw, secret[:-1]))  # 50 characters, still well-formed (the last 43 include "_")


# §9.2 step 7: the lookup (active key of an active, undeleted app; no caches: changes show at once)


def test_revoked_key_is_plain_401(gw: httpx.Client, api: httpx.Client, key: dict[str, Any]) -> None:
    assert_allowed(check(gw, key["secret"]))
    ok(api.post(f"{APPS}/app1/keys/{key['id']}/revoke", json={"reason": "leaked"}))
    assert_invalid_key(check(gw, key["secret"]))


def test_rotated_away_key_is_plain_401_and_the_new_one_works(
    gw: httpx.Client, api: httpx.Client, key: dict[str, Any]
) -> None:
    new = ok(api.post(f"{APPS}/app1/keys/{key['id']}/rotate", json={}))
    assert_invalid_key(check(gw, key["secret"]))
    body = assert_allowed(check(gw, new["secret"]))
    assert body["identity"]["key_id"] == new["id"] != key["id"]


def test_inactive_app_keys_are_plain_401_until_reactivated(
    gw: httpx.Client, api: httpx.Client, key: dict[str, Any]
) -> None:
    ok(api.patch(f"{APPS}/app1", json={"is_active": False}))
    assert_invalid_key(check(gw, key["secret"]))
    created_while_inactive = make_key(api, "app1", name="later")
    assert_invalid_key(check(gw, created_while_inactive["secret"]))
    ok(api.patch(f"{APPS}/app1", json={"is_active": True}))
    assert_allowed(check(gw, key["secret"]))
    assert_allowed(check(gw, created_while_inactive["secret"]))


def test_soft_deleted_app_keys_are_plain_401(gw: httpx.Client, api: httpx.Client, key: dict[str, Any]) -> None:
    assert_allowed(check(gw, key["secret"]))
    ok(api.delete(f"{APPS}/app1"))
    assert_invalid_key(check(gw, key["secret"]))


def test_keys_of_every_deployment_are_checked(gw: httpx.Client, mock: Mock) -> None:
    with mock.client(5) as other:
        make_app(other, "app1")
        secret = make_key(other, "app1")["secret"]
    body = assert_allowed(check(gw, secret))
    assert (body["identity"]["deployment_id"], body["headers"]["x-wacht-deployment-id"]) == ("5", "5")


# §9.2 step 8: expiry on the virtual clock, strictly "expires_at < now"


def test_expiry(gw: httpx.Client, api: httpx.Client, clock: VirtualClock) -> None:
    make_app(api, "app1")
    later = make_key(api, "app1", expires_at="2026-06-12T11:20:30.123456Z")
    now = make_key(api, "app1", expires_at=T0_TEXT)
    assert_allowed(check(gw, later["secret"]))
    assert_allowed(check(gw, now["secret"]))  # expires_at == now still passes
    clock.advance(timedelta(microseconds=1))
    assert_denial(check(gw, now["secret"]), 401)
    assert_allowed(check(gw, later["secret"]))
    clock.set(T0 + timedelta(hours=1))
    assert_allowed(check(gw, later["secret"]))
    clock.advance(timedelta(microseconds=1))
    assert_denial(check(gw, later["secret"]), 401)
    assert len(logs(api)) == 4  # the two expired answers are not audited


def test_past_expiry_is_401_but_an_unknown_or_revoked_key_is_plain_text(gw: httpx.Client, api: httpx.Client) -> None:
    make_app(api, "app1")
    expired = make_key(api, "app1", expires_at="2020-01-01T00:00:00Z")
    assert_denial(check(gw, expired["secret"]), 401)
    ok(api.post(f"{APPS}/app1/keys/{expired['id']}/revoke", json={}))
    assert_invalid_key(check(gw, expired["secret"]))  # the lookup comes before the expiry check


# §14 decision 11: OAuth access tokens are not supported


@pytest.mark.parametrize("value", ["", "  ", "opaque-token", UNKNOWN_KEY])
def test_oauth_principal_is_401_envelope(gw: httpx.Client, value: str) -> None:
    assert_denial(check(gw, value, principal_type="oauth_access_token"), 401)


def test_oauth_principal_with_an_api_key_secret_is_401_envelope(
    gw: httpx.Client, api: httpx.Client, key: dict[str, Any]
) -> None:
    assert_denial(check(gw, key["secret"], principal_type="oauth_access_token"), 401)
    assert logs(api) == []


# §9.3: the decision


def test_allowed_decision_for_a_user_owned_app_key(gw: httpx.Client, api: httpx.Client) -> None:
    make_app(api, "mine", user_id=11, organization_id=21, workspace_id=31)
    metadata = {"zz": "1", "a": "x", "bb": 2, "ab": "y", "b": {"y": 1, "x": 2}, "f": "1,2=3", "c": None}
    k = make_key(api, "mine", name="K", permissions=["b", "a", "org:read"], metadata=metadata)
    body = decision(check(gw, k["secret"]))
    assert body == {
        "request_id": body["request_id"],
        "allowed": True,
        "reason": None,
        "blocked_rule": None,
        "identity": {
            "key_id": k["id"],
            "deployment_id": "1",
            "app_slug": "mine",
            "key_name": "K",
            "owner_user_id": "11",
            "organization_id": "21",
            "workspace_id": "31",
            "organization_membership_id": "41",
            "workspace_membership_id": "42",
        },
        # the key's own permissions plus the role snapshots, de-duplicated and sorted
        "permissions": ["a", "b", "org:read", "org:write", "ws:write"],
        "metadata": {"a": "x", "b": {"x": 2, "y": 1}, "c": None, "f": "1,2=3", "ab": "y", "bb": 2, "zz": "1"},
        "rate_limits": [{"rule": "1000/60s", "remaining": 999, "limit": 1000}],
        "retry_after": None,
        "headers": {
            "x-wacht-key-id": k["id"],
            "x-wacht-deployment-id": "1",
            "x-wacht-app-slug": "mine",
            "x-wacht-key-name": "K",
            "x-wacht-organization-id": "21",
            "x-wacht-workspace-id": "31",
            "x-wacht-organization-membership-id": "41",
            "x-wacht-workspace-membership-id": "42",
            "x-wacht-permissions": "a,b,org:read,org:write,ws:write",
            "x-wacht-metadata": "a=x,f=1,2=3,ab=y,zz=1",  # string values only, jsonb order, nothing escaped
            "x-ratelimit-60s-limit": "1000",
            "x-ratelimit-60s-remaining": "999",
        },
    }
    assert list(body["identity"]) == IDENTITY_FIELDS
    assert list(body["metadata"]) == ["a", "b", "c", "f", "ab", "bb", "zz"]  # shorter keys first, then bytes
    assert list(body["metadata"]["b"]) == ["x", "y"]


def test_allowed_decision_for_a_plain_app_key(gw: httpx.Client, key: dict[str, Any]) -> None:
    body = decision(check(gw, key["secret"]))
    assert body == {
        "request_id": body["request_id"],
        "allowed": True,
        "reason": None,
        "blocked_rule": None,
        "identity": {
            "key_id": key["id"],
            "deployment_id": "1",
            "app_slug": "app1",
            "key_name": "Server key",
            "owner_user_id": None,
            "organization_id": None,
            "workspace_id": None,
            "organization_membership_id": None,
            "workspace_membership_id": None,
        },
        "permissions": [],
        "metadata": {},
        "rate_limits": [{"rule": "1000/60s", "remaining": 999, "limit": 1000}],
        "retry_after": None,
        # no membership headers, no empty x-wacht-permissions, no x-wacht-metadata for {}
        "headers": {
            "x-wacht-key-id": key["id"],
            "x-wacht-deployment-id": "1",
            "x-wacht-app-slug": "app1",
            "x-wacht-key-name": "Server key",
            "x-ratelimit-60s-limit": "1000",
            "x-ratelimit-60s-remaining": "999",
        },
    }
    assert list(body["identity"]) == IDENTITY_FIELDS


def test_org_only_user_app_has_only_the_org_headers(gw: httpx.Client, api: httpx.Client) -> None:
    make_app(api, "org", user_id=13, organization_id=21)
    make_app(api, "solo", user_id=11)
    org = assert_allowed(check(gw, make_key(api, "org")["secret"]))
    solo = assert_allowed(check(gw, make_key(api, "solo")["secret"]))
    ids = ["owner_user_id", "organization_id", "workspace_id", "organization_membership_id", "workspace_membership_id"]
    assert [org["identity"][f] for f in ids] == ["13", "21", None, "43", None]
    assert [solo["identity"][f] for f in ids] == ["11", None, None, None, None]
    assert org["permissions"] == solo["permissions"] == []  # membership 43 has no role permissions
    identity_headers = ["x-wacht-key-id", "x-wacht-deployment-id", "x-wacht-app-slug", "x-wacht-key-name"]
    limits = ["x-ratelimit-60s-limit", "x-ratelimit-60s-remaining"]
    membership = ["x-wacht-organization-id", "x-wacht-organization-membership-id"]
    # §15.4: the keys come in a random order (a Rust HashMap), so only the set is the answer
    assert sorted(org["headers"]) == sorted(identity_headers + membership + limits)
    assert sorted(solo["headers"]) == sorted(identity_headers + limits)  # there is no x-wacht-owner-user-id


def test_rate_limit_headers_count_down(gw: httpx.Client, key: dict[str, Any]) -> None:
    assert_allowed(check(gw, key["secret"]))
    body = assert_allowed(check(gw, key["secret"]))
    assert body["rate_limits"] == [{"rule": "1000/60s", "remaining": 998, "limit": 1000}]
    assert (body["headers"]["x-ratelimit-60s-limit"], body["headers"]["x-ratelimit-60s-remaining"]) == ("1000", "998")


def test_request_ids_are_fresh(gw: httpx.Client, key: dict[str, Any]) -> None:
    ids = [check(gw, key["secret"]).json()["request_id"], check(gw, "").json()["request_id"]]
    ids.append(check(gw, key["secret"], method="TRACE").json()["request_id"])
    assert len(set(ids)) == 3


@pytest.mark.parametrize("metadata", [["a", "b"], "text", 5, True, {}, {"n": 1, "o": {"s": "t"}, "l": ["s"]}])
def test_metadata_without_string_members_has_no_header(gw: httpx.Client, api: httpx.Client, metadata: Any) -> None:
    make_app(api, "app1")
    body = assert_allowed(check(gw, make_key(api, "app1", metadata=metadata)["secret"]))
    assert body["metadata"] == metadata
    assert "x-wacht-metadata" not in body["headers"]


def test_null_metadata_is_stored_as_an_empty_object(gw: httpx.Client, api: httpx.Client) -> None:
    make_app(api, "app1")
    body = assert_allowed(check(gw, make_key(api, "app1", metadata=None)["secret"]))
    assert body["metadata"] == {}


def test_header_values_that_are_not_visible_ascii(gw: httpx.Client, api: httpx.Client) -> None:
    make_app(api, "app1")
    odd = make_key(api, "app1", name="Na\u00efve", permissions=["caf\u00e9", "b"], metadata={"k": "v", "w": "\u00fc"})
    body = assert_allowed(check(gw, odd["secret"]))
    assert body["identity"]["key_name"] == "Na\u00efve"
    assert body["permissions"] == ["b", "caf\u00e9"]
    # a value with non-ASCII fails to_str() and drops out of the map (key name, permissions, metadata alike)
    assert not {"x-wacht-key-name", "x-wacht-permissions", "x-wacht-metadata"} & set(body["headers"])
    control = make_key(api, "app1", name="a\nb", permissions=["p\x01"], metadata={"k": "a\rb", "t": "x\ty"})
    headers = assert_allowed(check(gw, control["secret"]))["headers"]
    assert headers["x-wacht-key-name"] == "invalid"  # identity headers go through safe_header_value
    assert "x-wacht-permissions" not in headers  # ... the permissions and metadata headers are just left out
    assert "x-wacht-metadata" not in headers
    tab = make_key(api, "app1", name="a\tb", permissions=["p\tq"], metadata={"t": "x\ty"})
    headers = assert_allowed(check(gw, tab["secret"]))["headers"]
    assert (headers["x-wacht-key-name"], headers["x-wacht-permissions"], headers["x-wacht-metadata"]) == (
        "a\tb",
        "p\tq",
        "t=x\ty",
    )


# §9.2 steps 13-15: required_permissions; a denial skips the rate limits


def test_permission_denied_decision(gw: httpx.Client, api: httpx.Client, key: dict[str, Any]) -> None:
    make_app(api, "mine", user_id=11, organization_id=21, workspace_id=31)
    k = make_key(api, "mine", name="K", metadata={"team": "core"})
    body = decision(check(gw, k["secret"], required_permissions=["org:read", "billing:write"]))
    assert body == {
        "request_id": body["request_id"],
        "allowed": False,
        "reason": "permission_denied",
        "blocked_rule": "permission_denied",
        "identity": {
            "key_id": k["id"],
            "deployment_id": "1",
            "app_slug": "mine",
            "key_name": "K",
            "owner_user_id": "11",
            "organization_id": "21",
            "workspace_id": "31",
            "organization_membership_id": "41",
            "workspace_membership_id": "42",
        },
        "permissions": ["org:read", "org:write", "ws:write"],
        "metadata": {"team": "core"},
        "rate_limits": [],
        "retry_after": None,
        "headers": {
            "x-wacht-key-id": k["id"],
            "x-wacht-deployment-id": "1",
            "x-wacht-app-slug": "mine",
            "x-wacht-key-name": "K",
            "x-wacht-organization-id": "21",
            "x-wacht-workspace-id": "31",
            "x-wacht-organization-membership-id": "41",
            "x-wacht-workspace-membership-id": "42",
            "x-wacht-permissions": "org:read,org:write,ws:write",
            "x-wacht-metadata": "team=core",
            "x-wacht-permission-denied": "true",
        },
    }
    [row] = logs(api, "mine")
    assert (row["request_id"], row["outcome"], row["blocked_by_rule"], row["rate_limits"]) == (
        body["request_id"],
        "BLOCKED",
        "permission_denied",
        [],
    )


def test_permission_denial_consumes_no_quota(gw: httpx.Client, api: httpx.Client) -> None:
    rules = [{"unit": "minute", "duration": 1, "max_requests": 1}]
    ok(api.post("/api-auth/rate-limit-schemes", json={"slug": "one", "name": "one", "rules": rules}))
    make_app(api, "app1", rate_limit_scheme_slug="one")
    secret = make_key(api, "app1", permissions=["read"])["secret"]
    denied = decision(check(gw, secret, required_permissions=["write"]))
    assert (denied["reason"], denied["rate_limits"]) == ("permission_denied", [])
    assert not [h for h in denied["headers"] if h.startswith("x-ratelimit-")]
    allowed = assert_allowed(check(gw, secret, required_permissions=["read"]))
    assert allowed["rate_limits"] == [{"rule": "1/60s", "remaining": 0, "limit": 1}]
    limited = decision(check(gw, secret))  # the scheme does allow just one
    assert (limited["allowed"], limited["reason"], limited["blocked_rule"], limited["retry_after"]) == (
        False,
        "rate_limited",
        "1/60s",
        60000,
    )
    assert "x-wacht-permission-denied" not in limited["headers"]


@pytest.mark.parametrize(
    ("required", "allowed"),
    [
        ([" org:read ", "", "  "], True),  # trimmed, blanks dropped
        (["org:read", "nope"], False),
        (["org:read,ws:write"], True),  # role snapshots count
        (["nope OR ws:write"], True),
        ([","], True),
        (["(org:read OR nope)"], True),  # a group that is the whole expression
        (["org:read AND (ws:write OR nope)"], False),  # the group becomes "true", looked up as a permission
        (["a", "b OR org:write"], True),  # "a AND b OR org:write"
        (["Org:Read"], False),
        ([], True),
        (None, True),
    ],
)
def test_required_permissions(gw: httpx.Client, api: httpx.Client, required: list[str] | None, allowed: bool) -> None:
    make_app(api, "mine", user_id=11, organization_id=21, workspace_id=31)
    body = decision(check(gw, make_key(api, "mine")["secret"], required_permissions=required))
    assert body["allowed"] is allowed
    assert body["reason"] == (None if allowed else "permission_denied")
    assert ("x-wacht-permission-denied" in body["headers"]) is not allowed


def test_unbalanced_paren_reached_is_500(gw: httpx.Client, api: httpx.Client) -> None:
    make_app(api, "app1")
    holder = make_key(api, "app1", permissions=["a"])["secret"]
    other = make_key(api, "app1", permissions=["b"])["secret"]
    # production recurses until the process aborts; the mock answers 500 (divergence permission-parser-crash)
    crash = check(gw, holder, required_permissions=["a AND (b"])
    assert (crash.status_code, crash.text) == (500, "gateway process aborted: unbalanced '(' in required_permissions")
    assert crash.headers["content-type"] == "text/plain; charset=utf-8"
    assert logs(api) == []
    assert decision(check(gw, other, required_permissions=["a AND (b"]))["reason"] == "permission_denied"


def test_never_ending_and_panicking_expressions_are_500(gw: httpx.Client, api: httpx.Client) -> None:
    make_app(api, "app1")
    secret = make_key(api, "app1", permissions=["é"])["secret"]
    # §15.4: the byte-offset cut leaves an unbalanced "(" (divergence permission-parser-crash) ...
    for required in (["é AND (x OR y)"], ["éé AND ()"]):
        crash = check(gw, secret, required_permissions=required)
        assert (crash.status_code, crash.text) == (
            500,
            "gateway process aborted: unbalanced '(' in required_permissions",
        )
    # ... or lands inside a character (divergence permission-parser-panic)
    panic = check(gw, secret, required_permissions=["éé(a)", "b"])
    assert (panic.status_code, panic.text) == (
        500,
        "gateway handler panicked: required_permissions sliced inside a UTF-8 character",
    )
    assert panic.headers["content-type"] == "text/plain; charset=utf-8"
    assert logs(api) == []


# §9.2 steps 9-10: user_agent and client_ip, as recorded by the audit event


@pytest.mark.parametrize(
    ("payload", "headers", "expected"),
    [
        ("curl/8", {"x-original-user-agent": "orig", "user-agent": "ua"}, "curl/8"),
        ("  curl/8  ", {}, "curl/8"),
        ("   ", {"x-original-user-agent": " orig "}, "orig"),  # a blank payload value falls through
        (None, {"x-original-user-agent": "orig", "user-agent": "ua"}, "orig"),
        (None, {"user-agent": " ua "}, "ua"),
        (None, {"x-original-user-agent": "", "user-agent": "ua"}, ""),  # a present header wins even when blank
        (None, {"x-original-user-agent": "\u00fc".encode(), "user-agent": "ua"}, "unknown"),  # to_str() fails
        (None, {}, "unknown"),
    ],
)
def test_user_agent_resolution(
    gw: httpx.Client,
    api: httpx.Client,
    key: dict[str, Any],
    payload: str | None,
    headers: dict[str, Any],
    expected: str,
) -> None:
    fields = {"user_agent": payload} if payload is not None else {}
    assert_allowed(check(gw, key["secret"], headers=headers, **fields))
    assert [row["user_agent"] for row in logs(api)] == [expected]


@pytest.mark.parametrize(
    ("payload", "headers", "expected"),
    [
        ("10.0.0.1", {"x-original-client-ip": "10.9.9.9"}, "10.0.0.1"),
        (" 10.0.0.1 ", {}, "10.0.0.1"),
        ("", {"x-original-client-ip": " 10.9.9.9 "}, "10.9.9.9"),
        (None, {"x-original-client-ip": ""}, ""),  # a blank header gives "", not the peer address
        (None, {"x-original-client-ip": "   "}, ""),
        (None, {"x-original-client-ip": "not an ip"}, "not an ip"),  # never validated
        (None, {"x-forwarded-for": "1.1.1.1"}, "127.0.0.1"),  # the TCP peer
        (None, {"x-original-client-ip": "\u00fc".encode()}, "127.0.0.1"),  # to_str() fails: the peer (§15.4)
        (None, {}, "127.0.0.1"),
    ],
)
def test_client_ip_resolution(
    gw: httpx.Client,
    api: httpx.Client,
    key: dict[str, Any],
    payload: str | None,
    headers: dict[str, str],
    expected: str,
) -> None:
    fields = {"client_ip": payload} if payload is not None else {}
    assert_allowed(check(gw, key["secret"], headers=headers, **fields))
    assert [row["client_ip"] for row in logs(api)] == [expected]


def test_identity_and_header_rules_fire(mock: Mock, gw: httpx.Client, key: dict[str, Any]) -> None:
    assert_allowed(check(gw, key["secret"], headers={"x-original-user-agent": "", "x-original-client-ip": ""}))
    fired = set(mock.harness.journal.entries[-1].rules)
    assert {
        Firing("gateway.identity.user_agent_from_payload_else_present_header", "applied"),
        Firing("gateway.identity.client_ip_from_payload_else_readable_header_else_peer", "applied"),
        Firing("gateway.headers.key_order_random", "applied"),
    } <= fired
    assert Firing("gateway.headers.permissions_and_metadata_left_out_when_invalid", "applied") not in fired


def test_permissions_and_metadata_left_out_when_invalid_name_their_rule(
    mock: Mock, gw: httpx.Client, api: httpx.Client
) -> None:
    make_app(api, "app1")
    for fields in ({"permissions": ["p\x01"]}, {"metadata": {"k": "a\rb"}}):
        headers = assert_allowed(check(gw, make_key(api, "app1", **fields)["secret"]))["headers"]
        assert not {"x-wacht-permissions", "x-wacht-metadata"} & set(headers)  # left out, not "invalid"
        rule = Firing("gateway.headers.permissions_and_metadata_left_out_when_invalid", "applied")
        assert rule in mock.harness.journal.entries[-1].rules


def _header_orders(checks: int) -> list[tuple[str, ...]]:
    mock = Mock(Backend(parse_seed(SEED), clock=VirtualClock(T0)))
    with mock.client(1) as api, mock.client(None) as gw:
        make_app(api, "app1", user_id=11, organization_id=21, workspace_id=31)
        secret = make_key(api, "app1", metadata={"team": "core"})["secret"]
        return [tuple(assert_allowed(check(gw, secret))["headers"]) for _ in range(checks)]


def test_headers_key_order_is_random_and_repeats_with_the_seed() -> None:
    """§15.4: ``headers`` is a Rust HashMap, so its keys come in no fixed order; the mock's order is seeded."""
    orders = _header_orders(8)
    assert len({frozenset(o) for o in orders}) == 1  # the same twelve keys every time ...
    assert len(orders[0]) == 12 and len(set(orders)) > 1  # ... in more than one order
    assert _header_orders(8) == orders


def test_parser_stand_ins_name_their_rules(mock: Mock, gw: httpx.Client, api: httpx.Client) -> None:
    make_app(api, "app1")
    secret = make_key(api, "app1", permissions=["\u00e9", "a"])["secret"]
    for required, rule_id in (
        (["a AND (b"], "gateway.permission_parser_abort_answered_with_500"),
        (["\u00e9 AND (x OR y)"], "gateway.permission_parser_abort_answered_with_500"),
        (["\u00e9\u00e9(a)", "b"], "gateway.permission_parser_panic_answered_with_500"),
    ):
        assert check(gw, secret, required_permissions=required).status_code == 500
        assert Firing(rule_id, "deny") in mock.harness.journal.entries[-1].rules


# §9.2 step 12 (notes §8): decisions are audited, early exits are not


def test_early_exits_are_not_audited(gw: httpx.Client, api: httpx.Client, key: dict[str, Any]) -> None:
    expired = make_key(api, "app1", expires_at="2020-01-01T00:00:00Z")
    assert_denial(check(gw, key["secret"], method="TRACE"), 400)
    assert_denial(check(gw, key["secret"], resource="?q"), 400)
    assert_denial(check(gw, ""), 401)
    assert_denial(check(gw, "short"), 401)
    assert_invalid_key(check(gw, UNKNOWN_KEY))
    assert_denial(check(gw, expired["secret"]), 401)
    assert_denial(check(gw, key["secret"], principal_type="oauth_access_token"), 401)
    assert logs(api) == []
    body = assert_allowed(check(gw, key["secret"], method="post", resource="orders?page=2", user_agent="curl/8"))
    assert logs(api) == [
        {
            "request_id": body["request_id"],
            "deployment_id": "1",
            "app_slug": "app1",
            "key_id": key["id"],
            "key_name": "Server key",
            "outcome": "VALID",
            "blocked_by_rule": None,
            "client_ip": "127.0.0.1",
            "path": "POST /orders",
            "user_agent": "curl/8",
            "rate_limits": [{"rule": "1000/60s", "remaining": 999, "limit": 1000}],
            "timestamp": T0_TEXT,
        }
    ]
