"""Answers production gets from Postgres itself (backend-behaviour.md §15.3): NUL in text, negative pages."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from conftest import APP

from wacht_mock import Firing, WachtMock

DB_500 = {"errors": [{"message": "Something went wrong", "code": 500}]}
NUL = "a\u0000b"


@pytest.fixture
def mock() -> WachtMock:
    return WachtMock(now="2026-01-01T00:00:00Z")


@pytest.fixture
def api(mock: WachtMock) -> Iterator[httpx.Client]:
    with mock.client() as client:
        yield client


def _nul_denied(mock: WachtMock) -> None:
    entry = mock.journal.entries[-1]
    assert (entry.status, entry.message) == (500, "Something went wrong")
    assert Firing("db.nul_in_text_is_500", "deny") in entry.rules


@pytest.mark.parametrize(
    "field",
    [
        {"app_slug": NUL},
        {"name": NUL},
        {"key_prefix": NUL},
        {"description": NUL},
        {"rate_limit_scheme_slug": NUL},
        {"permissions": ["ok", NUL]},
        {"resources": [NUL]},
    ],
)
def test_create_app_with_nul_is_500_and_stores_nothing(mock: WachtMock, api: httpx.Client, field: Any) -> None:
    response = api.post("/api-auth/apps", json={**APP, **field})
    assert (response.status_code, response.json()) == (500, DB_500)
    _nul_denied(mock)
    assert api.get("/api-auth/apps", params={"include_inactive": "true"}).json()["data"] == []


def test_nul_comes_after_earlier_validations_and_before_slug_conflict(api: httpx.Client) -> None:
    response = api.post("/api-auth/apps", json={**APP, "user_id": 11, "permissions": [NUL]})
    assert response.status_code == 400
    assert api.post("/api-auth/apps", json=APP).status_code == 200
    response = api.post("/api-auth/apps", json={**APP, "name": NUL})
    assert (response.status_code, response.json()) == (500, DB_500)


def test_update_app_with_nul_is_500_and_changes_nothing(mock: WachtMock, api: httpx.Client) -> None:
    api.post("/api-auth/apps", json=APP)
    response = api.patch(f"/api-auth/apps/{APP['app_slug']}", json={"description": NUL})
    assert (response.status_code, response.json()) == (500, DB_500)
    _nul_denied(mock)
    assert api.get(f"/api-auth/apps/{APP['app_slug']}").json()["description"] is None


@pytest.mark.parametrize(
    "field",
    [
        {"name": NUL},
        {"key_prefix": NUL},
        {"rate_limit_scheme_slug": NUL},
        {"permissions": [NUL]},
        {"resources": ["ok", NUL]},
    ],
)
def test_every_updated_app_string_with_nul_is_500(mock: WachtMock, api: httpx.Client, field: Any) -> None:
    before = api.post("/api-auth/apps", json=APP).json()
    response = api.patch(f"/api-auth/apps/{APP['app_slug']}", json=field)
    assert (response.status_code, response.json()) == (500, DB_500)
    _nul_denied(mock)
    assert api.get(f"/api-auth/apps/{APP['app_slug']}").json() == before


@pytest.mark.parametrize(
    "path", ["/api-auth/apps/a%00b", "/api-auth/apps/a%00b/keys", "/api-auth/rate-limit-schemes/a%00b"]
)
def test_nul_in_a_path_slug_is_500(mock: WachtMock, api: httpx.Client, path: str) -> None:
    response = api.get(path)
    assert (response.status_code, response.json()) == (500, DB_500)
    _nul_denied(mock)


def test_nul_in_search_is_500_even_with_no_apps(mock: WachtMock, api: httpx.Client) -> None:
    response = api.get("/api-auth/apps", params={"search": "\u0000"})
    assert (response.status_code, response.json()) == (500, DB_500)
    _nul_denied(mock)


@pytest.mark.parametrize(
    "body",
    [
        {"name": NUL},
        {"name": "k", "permissions": [NUL]},
        {"name": "k", "metadata": {"x": NUL}},
        {"name": "k", "metadata": {NUL: 1}},
        {"name": "k", "metadata": {"x": [{"y": NUL}]}},  # jsonb, however deep
    ],
)
def test_create_key_with_nul_is_500_and_stores_nothing(mock: WachtMock, api: httpx.Client, body: Any) -> None:
    api.post("/api-auth/apps", json=APP)
    response = api.post(f"/api-auth/apps/{APP['app_slug']}/keys", json=body)
    assert (response.status_code, response.json()) == (500, DB_500)
    _nul_denied(mock)
    assert api.get(f"/api-auth/apps/{APP['app_slug']}/keys", params={"include_inactive": "true"}).json() == {"keys": []}


def test_revoke_reason_with_nul_is_500_and_the_key_stays_active(api: httpx.Client) -> None:
    api.post("/api-auth/apps", json=APP)
    key = api.post(f"/api-auth/apps/{APP['app_slug']}/keys", json={"name": "k"}).json()
    response = api.post(f"/api-auth/apps/{APP['app_slug']}/keys/{key['id']}/revoke", json={"reason": NUL})
    assert (response.status_code, response.json()) == (500, DB_500)
    assert [k["is_active"] for k in api.get(f"/api-auth/apps/{APP['app_slug']}/keys").json()["keys"]] == [True]


SCHEME = {"slug": "std", "name": "Standard", "rules": [{"unit": "minute", "duration": 1, "max_requests": 5}]}


@pytest.mark.parametrize("field", [{"slug": NUL}, {"name": NUL}, {"description": NUL}])
def test_create_scheme_with_nul_is_500(mock: WachtMock, api: httpx.Client, field: Any) -> None:
    response = api.post("/api-auth/rate-limit-schemes", json={**SCHEME, **field})
    assert (response.status_code, response.json()) == (500, DB_500)
    _nul_denied(mock)
    assert api.post("/api-auth/rate-limit-schemes", json={**SCHEME, "name": " "}).status_code == 400


@pytest.mark.parametrize(
    "change",
    [
        {"name": NUL},
        {"rules": [{"unit": "minute", "duration": 1, "max_requests": 5, "endpoints": [NUL]}]},
    ],
)
def test_scheme_strings_and_rule_jsonb_with_nul_are_500(mock: WachtMock, api: httpx.Client, change: Any) -> None:
    create = api.post("/api-auth/rate-limit-schemes", json={**SCHEME, **change, "slug": "new"})
    assert (create.status_code, create.json()) == (500, DB_500)
    _nul_denied(mock)
    before = api.post("/api-auth/rate-limit-schemes", json=SCHEME).json()
    update = api.patch("/api-auth/rate-limit-schemes/std", json=change)
    assert (update.status_code, update.json()) == (500, DB_500)
    _nul_denied(mock)
    assert api.get("/api-auth/rate-limit-schemes/std").json() == before


def test_update_scheme_with_nul_is_500(api: httpx.Client) -> None:
    api.post("/api-auth/rate-limit-schemes", json=SCHEME)
    response = api.patch("/api-auth/rate-limit-schemes/std", json={"description": NUL})
    assert (response.status_code, response.json()) == (500, DB_500)
    assert api.get("/api-auth/rate-limit-schemes/std").json()["description"] is None


# Negative limit/offset on the app list: Postgres gets LIMIT limit+2 OFFSET offset.


def test_limit_minus_one_is_the_newest_app(mock: WachtMock, api: httpx.Client) -> None:
    for slug in ("a1", "a2", "a3"):
        api.post("/api-auth/apps", json={**APP, "app_slug": slug})
        mock.advance(ms=5)
    body = api.get("/api-auth/apps", params={"limit": -1}).json()
    assert ([a["app_slug"] for a in body["data"]], body["has_more"], body["limit"], body["offset"]) == (
        ["a3"],
        False,
        -1,
        0,
    )
    body = api.get("/api-auth/apps", params={"limit": -2}).json()
    assert body == {"data": [], "has_more": False, "limit": -2, "offset": 0}


@pytest.mark.parametrize(
    "query", ["limit=-3", "limit=-2147483648", "offset=-1", "limit=-1&offset=-1", "offset=-2147483648"]
)
def test_lower_limits_and_negative_offsets_are_500(mock: WachtMock, api: httpx.Client, query: str) -> None:
    response = api.get(f"/api-auth/apps?{query}")
    assert (response.status_code, response.json()) == (500, DB_500)
    entry = mock.journal.entries[-1]
    assert Firing("apps.list.negative_limit_or_offset_is_500", "deny") in entry.rules
