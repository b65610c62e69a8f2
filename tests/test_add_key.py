"""``add_key``: seed an API key with a known secret on a seeded app; it survives reset with the same id."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from wacht_mock import LiveWacht, SeedError, UsageError, WachtMock

SECRET = "sk_live_" + "k" * 43
APP = {"app_slug": "billing", "name": "Billing", "key_prefix": "sk_live"}
CHECK = {"principal": {"type": "api_key", "value": SECRET}, "resource": "/users", "method": "GET"}


def _allowed(mock: WachtMock) -> Any:
    with mock.client() as client:
        answer = client.post(f"{mock.gateway_url}/v1/authz/check", json=CHECK)
    return answer.status_code, answer.json().get("allowed")


def _listed(mock: WachtMock) -> list[dict[str, Any]]:
    with mock.client() as client:
        keys: list[dict[str, Any]] = client.get("/api-auth/apps/billing/keys").json()["keys"]
    return keys


def test_add_key_seeds_a_key_the_gateway_knows_and_returns_it_as_listed() -> None:
    mock = WachtMock()
    mock.add_app(**APP)
    key = mock.add_key("billing", secret=SECRET, name="ci", permissions=["users:read"])
    assert (key["name"], key["key_prefix"], key["key_suffix"]) == ("ci", "sk_live", SECRET[-8:])
    assert key["permissions"] == ["users:read"] and key["is_active"] is True
    assert "secret" not in key
    assert _listed(mock) == [key]
    assert _allowed(mock) == (200, True)


def test_a_seeded_key_survives_reset_with_its_id() -> None:
    mock = WachtMock()
    mock.add_app(**APP)
    key = mock.add_key("billing", secret=SECRET)
    with mock.client() as client:
        client.post(f"/api-auth/apps/billing/keys/{key['id']}/revoke", json={})
    assert _listed(mock) == []
    mock.reset()
    assert [k["id"] for k in _listed(mock)] == [key["id"]]
    assert _allowed(mock) == (200, True)


def test_add_key_beside_the_seed_files_keys() -> None:
    seeded = {**APP, "keys": [{"name": "from the file", "secret": "sk_live_" + "f" * 43}]}
    mock = WachtMock(seed={"deployments": [{"id": 1, "apps": [seeded]}]})
    mock.add_key("billing", secret=SECRET, name="added")
    assert sorted(k["name"] for k in _listed(mock)) == ["added", "from the file"]
    mock.reset()
    assert sorted(k["name"] for k in _listed(mock)) == ["added", "from the file"]


def test_add_key_needs_a_seeded_app() -> None:
    mock = WachtMock()
    with mock.client() as client:
        assert client.post("/api-auth/apps", json=APP).status_code == 200  # made through the API: not seeded
    with pytest.raises(UsageError, match=r"^app 'billing' is not seeded in deployment 1; add_app\(app_slug="):
        mock.add_key("billing", secret=SECRET)


def test_a_bad_secret_is_a_seed_error_naming_the_key() -> None:
    mock = WachtMock()
    mock.add_app(**APP)
    with pytest.raises(SeedError, match=r"deployments\[0\]\.apps\[0\]\.keys\[0\]"):
        mock.add_key("billing", secret="not-a-secret")
    assert _listed(mock) == []


def test_live_wacht_delegates_add_key() -> None:
    live = LiveWacht()
    try:
        live.add_app(**APP)
        key = live.add_key("billing", secret=SECRET)
        with live.client() as client:
            listed = client.get("/api-auth/apps/billing/keys").json()["keys"]
    finally:
        live.stop()
    assert [k["id"] for k in listed] == [key["id"]]


def test_the_readme_seed_file_key_works_at_the_gateway() -> None:
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    section = readme.split("\n### Seed file\n", 1)[1].split("\n### ", 1)[0]
    example = yaml.safe_load(re.findall(r"```yaml\n(.*?)```", section, flags=re.S)[1])
    mock = WachtMock(seed=example)
    secret = example["deployments"][0]["apps"][0]["keys"][0]["secret"]
    check = {"principal": {"type": "api_key", "value": secret}, "resource": "/users", "method": "GET"}
    with mock.client() as client:
        assert client.post(f"{mock.gateway_url}/v1/authz/check", json=check).json()["allowed"] is True
        (key,) = client.get("/api-auth/apps/partner/keys").json()["keys"]
    assert (key["name"], key["permissions"], key["key_suffix"]) == ("dev", ["users:read"], secret[-8:])
