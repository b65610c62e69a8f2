"""Domain rules of API keys, called directly, with the named rules they fire
(backend-behaviour.md §6, §7, §8)."""

from __future__ import annotations

import hashlib

import pytest
from conftest import SEED, T0, app_req, ids_of, key_req, scheme_req

from wacht_mock import Backend, VendorError, VirtualClock, parse_seed
from wacht_mock.domain import apps, keys, rate_limit_schemes
from wacht_mock.domain.state import Deployment, RateLimitRule
from wacht_mock.models import RevokeApiKeyRequest, UpdateApiAuthAppRequest
from wacht_mock.rules import Firing, recording

SECRET_BODY = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8"  # base64url of bytes 0..31


def test_create_api_key_issues_the_secret(d: Deployment, clock: VirtualClock) -> None:
    rate_limit_schemes.create_rate_limit_scheme(d, scheme_req())
    apps.create_api_auth_app(d, app_req(rate_limit_scheme_slug="basic"))
    with recording() as firings:
        issued = keys.create_api_key(d, "app1", key_req(permissions=["p"], metadata=None))
    secret = f"sk_live_{SECRET_BODY}"
    assert issued.secret == secret
    key = issued.key
    assert d.keys[key.id] is key
    assert (key.key_prefix, key.key_suffix, key.key_hash) == (
        "sk_live",
        "aGxwdHh8",
        hashlib.sha256(secret.encode()).hexdigest(),
    )
    assert (key.permissions, key.metadata, key.rate_limit_scheme_slug, key.owner_user_id) == (["p"], {}, "basic", None)
    assert (key.is_active, key.revoked_at, key.created_at) == (True, None, clock.now())
    assert firings == [
        Firing("apps.lookup.not_found", "allow"),
        Firing("keys.secret.prefix_underscore_43_base64url", "applied"),
        Firing("keys.create_and_rotate_respond_with_empty_rate_limits", "applied"),
    ]


def test_create_api_key_snapshots_memberships(d: Deployment) -> None:
    apps.create_api_auth_app(d, app_req("uapp", user_id=11, organization_id=21, workspace_id=31))
    with recording() as firings:
        key = keys.create_api_key(d, "uapp", key_req()).key
    assert firings[1:3] == [
        Firing("keys.owner_member_of_organization", "allow"),
        Firing("keys.owner_member_of_workspace", "allow"),
    ]
    assert (key.owner_user_id, key.organization_id, key.workspace_id) == (11, 21, 31)
    assert (key.organization_membership_id, key.workspace_membership_id) == (41, 42)
    assert (key.org_role_permissions, key.workspace_role_permissions) == (["org:read", "org:write"], ["ws:write"])


@pytest.mark.parametrize(
    ("deleted", "rule_id"),
    [(41, "keys.owner_member_of_organization"), (42, "keys.owner_member_of_workspace")],
)
def test_create_api_key_requires_owner_membership(d: Deployment, deleted: int, rule_id: str) -> None:
    apps.create_api_auth_app(d, app_req("uapp", user_id=11, organization_id=21, workspace_id=31))
    for membership in d.memberships:
        membership.deleted = membership.deleted or membership.id == deleted
    with recording() as firings, pytest.raises(VendorError) as raised:
        keys.create_api_key(d, "uapp", key_req())
    assert (raised.value.status, raised.value.message, raised.value.rule_id) == (
        400,
        "user is not a member of the org",
        rule_id,
    )
    assert firings[-1] == Firing(rule_id, "deny")
    assert d.keys == {}


def test_create_api_key_unknown_app(d: Deployment) -> None:
    with recording() as firings, pytest.raises(VendorError) as raised:
        keys.create_api_key(d, "missing", key_req())
    assert (raised.value.status, raised.value.message) == (404, "API key app not found")
    assert firings == [Firing("apps.lookup.not_found", "deny")]


def test_list_api_keys_views(d: Deployment, clock: VirtualClock) -> None:
    rate_limit_schemes.create_rate_limit_scheme(d, scheme_req())
    apps.create_api_auth_app(d, app_req(rate_limit_scheme_slug="basic"))
    old = keys.create_api_key(d, "app1", key_req()).key
    clock.advance(ms=1)
    new = keys.create_api_key(d, "app1", key_req()).key
    keys.revoke_api_key_for_app(d, "app1", old.id, RevokeApiKeyRequest())
    with recording() as firings:
        active = keys.list_api_keys(d, "app1")
        everything = keys.list_api_keys(d, "app1", include_inactive=True)
    assert Firing("keys.list.active_unless_include_inactive", "applied") in firings
    assert [v.key for v in active] == [new]
    assert [v.key for v in everything] == [new, old]
    assert {v.rate_limits for v in everything} == {(RateLimitRule("minute", 1, 10, None, None, 0),)}


def test_revoke_api_key_for_app(d: Deployment, clock: VirtualClock) -> None:
    apps.create_api_auth_app(d, app_req())
    key = keys.create_api_key(d, "app1", key_req()).key
    clock.advance(ms=7)
    with recording() as firings:
        keys.revoke_api_key_for_app(d, "app1", key.id, RevokeApiKeyRequest(reason="bye"))
    assert firings == [
        Firing("apps.lookup.not_found", "allow"),
        Firing("keys.lookup.not_found", "allow"),
        Firing("keys.revoke.only_active", "allow"),
    ]
    assert (key.is_active, key.revoked_at, key.revoked_reason, key.updated_at) == (
        False,
        clock.now(),
        "bye",
        clock.now(),
    )

    with recording() as firings, pytest.raises(VendorError) as raised:
        keys.revoke_api_key_for_app(d, "app1", key.id, RevokeApiKeyRequest())
    assert (raised.value.status, raised.value.message) == (404, "API key not found or already revoked")
    assert firings[-1] == Firing("keys.revoke.only_active", "deny")
    assert key.revoked_reason == "bye"


def test_revoke_api_key_of_another_app(d: Deployment) -> None:
    apps.create_api_auth_app(d, app_req("app1"))
    apps.create_api_auth_app(d, app_req("app2"))
    key = keys.create_api_key(d, "app2", key_req()).key
    with recording() as firings, pytest.raises(VendorError) as raised:
        keys.revoke_api_key_for_app(d, "app1", key.id, RevokeApiKeyRequest())
    assert (raised.value.status, raised.value.message) == (404, "API key not found")
    assert firings[-1] == Firing("keys.lookup.not_found", "deny")
    assert key.is_active


def test_rotate_api_key_for_app(d: Deployment, clock: VirtualClock) -> None:
    apps.create_api_auth_app(d, app_req(rate_limit_scheme_slug="nope"))
    old = keys.create_api_key(d, "app1", key_req(permissions=["a"], metadata={"m": 1})).key
    apps.update_api_auth_app(d, "app1", UpdateApiAuthAppRequest(key_prefix="other"))
    clock.advance(ms=3)
    with recording() as firings:
        issued = keys.rotate_api_key_for_app(d, "app1", old.id)
    assert ids_of(firings, "keys.rotate") == [
        Firing("keys.rotate.only_active", "allow"),
        Firing("keys.rotate.requires_active_app", "allow"),
        Firing("keys.rotate.copies_old_key_fields", "applied"),
    ]
    new = issued.key
    assert issued.secret == f"sk_live_{SECRET_BODY}"
    assert new.id != old.id and new.id in d.keys
    assert (new.name, new.key_prefix, new.permissions, new.metadata, new.rate_limit_scheme_slug) == (
        old.name,
        "sk_live",
        ["a"],
        {"m": 1},
        "nope",
    )
    assert (old.is_active, old.revoked_reason, old.revoked_at) == (False, "Rotated", clock.now())

    with recording() as firings, pytest.raises(VendorError) as raised:
        keys.rotate_api_key_for_app(d, "app1", old.id)
    assert (raised.value.status, raised.value.message) == (404, "API key not found or inactive")
    assert firings[-1] == Firing("keys.rotate.only_active", "deny")


def test_rotate_api_key_requires_active_app(d: Deployment) -> None:
    apps.create_api_auth_app(d, app_req())
    key = keys.create_api_key(d, "app1", key_req()).key
    apps.update_api_auth_app(d, "app1", UpdateApiAuthAppRequest(is_active=False))
    with recording() as firings, pytest.raises(VendorError) as raised:
        keys.rotate_api_key_for_app(d, "app1", key.id)
    assert (raised.value.status, raised.value.message) == (404, "API key app not found or inactive")
    assert firings[-1] == Firing("keys.rotate.requires_active_app", "deny")
    assert (key.is_active, len(d.keys)) == (True, 1)


def test_rotate_api_key_requires_owner_membership(d: Deployment) -> None:
    apps.create_api_auth_app(d, app_req("uapp", user_id=13, organization_id=21))
    key = keys.create_api_key(d, "uapp", key_req()).key
    d.memberships = [m for m in d.memberships if m.id != 43]
    with recording() as firings, pytest.raises(VendorError) as raised:
        keys.rotate_api_key_for_app(d, "uapp", key.id)
    assert raised.value.message == "user is not a member of the org"
    assert firings[-1] == Firing("keys.owner_member_of_organization", "deny")
    assert (key.is_active, len(d.keys)) == (True, 1)


def test_app_update_rewrites_key_scheme_slugs(d: Deployment, clock: VirtualClock) -> None:
    apps.create_api_auth_app(d, app_req(rate_limit_scheme_slug="a"))
    active = keys.create_api_key(d, "app1", key_req()).key
    revoked = keys.create_api_key(d, "app1", key_req()).key
    keys.revoke_api_key_for_app(d, "app1", revoked.id, RevokeApiKeyRequest())
    apps.create_api_auth_app(d, app_req("app2", rate_limit_scheme_slug="a"))
    bystander = keys.create_api_key(d, "app2", key_req()).key
    clock.advance(ms=9)
    with recording() as firings:
        apps.update_api_auth_app(d, "app1", UpdateApiAuthAppRequest(rate_limit_scheme_slug="b"))
    assert Firing("apps.update.rewrites_key_scheme_slugs", "applied") in firings
    assert [(k.rate_limit_scheme_slug, k.updated_at) for k in (active, revoked)] == [("b", clock.now())] * 2
    assert (bystander.rate_limit_scheme_slug, bystander.updated_at) == ("a", bystander.created_at)


def test_rotate_api_key_for_app_uses_one_now() -> None:
    """§15.2: revoke and insert share one transaction's NOW(), even on a clock that moves between reads."""
    ticks = iter(range(1000))
    clock = VirtualClock(T0, ticking=True, monotonic=lambda: next(ticks) / 1000)
    d = Backend(parse_seed(SEED), clock=clock).deployment(1)
    apps.create_api_auth_app(d, app_req())
    old = keys.create_api_key(d, "app1", key_req()).key
    with recording() as firings:
        new = keys.rotate_api_key_for_app(d, "app1", old.id).key
    assert Firing("keys.rotation_one_transaction_one_now", "applied") in firings
    assert old.revoked_at is not None and old.revoked_at > old.created_at
    assert old.revoked_at == old.updated_at == new.created_at == new.updated_at
