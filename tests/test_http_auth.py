"""Backend-API authentication and routing order: unknown path, then auth, then method (backend-behaviour.md §0,
§1.1).

Every case asserts the exact status and the exact body production answers with.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from conftest import APP, Mock, error

BEARER = "Authorization header must be Bearer token"
AUTH_FAILED = "Authentication failed"
UNKNOWN_SECRET = "sk_" + "A" * 43

# Every (method, path) of the backend route table (§0), with an existing app "billing" and a missing key 1.
ROUTES = [
    ("GET", "/api-auth/apps"),
    ("POST", "/api-auth/apps"),
    ("GET", "/api-auth/apps/billing"),
    ("PATCH", "/api-auth/apps/billing"),
    ("DELETE", "/api-auth/apps/billing"),
    ("GET", "/api-auth/rate-limit-schemes"),
    ("POST", "/api-auth/rate-limit-schemes"),
    ("GET", "/api-auth/rate-limit-schemes/std"),
    ("PATCH", "/api-auth/rate-limit-schemes/std"),
    ("DELETE", "/api-auth/rate-limit-schemes/std"),
    ("GET", "/api-auth/apps/billing/keys"),
    ("POST", "/api-auth/apps/billing/keys"),
    ("POST", "/api-auth/apps/billing/keys/1/revoke"),
    ("POST", "/api-auth/apps/billing/keys/1/rotate"),
    ("GET", "/api-auth/apps/billing/audit/logs"),
    ("GET", "/api-auth/apps/billing/audit/analytics"),
    ("GET", "/api-auth/apps/billing/audit/timeseries"),
]


def _id(method: str, path: str) -> str:
    return f"{method} {path}"


# §1.1 Authentication


@pytest.mark.parametrize(
    ("authorization", "message"),
    [
        pytest.param(None, BEARER, id="missing"),
        pytest.param("bearer {secret}", BEARER, id="lowercase-bearer"),
        pytest.param("BEARER {secret}", BEARER, id="uppercase-bearer"),
        pytest.param("Bearer{secret}", BEARER, id="no-space"),
        pytest.param("Basic dXNlcjpwYXNz", BEARER, id="basic"),
        pytest.param("Token {secret}", BEARER, id="token-scheme"),
        pytest.param("{secret}", BEARER, id="bare-secret"),
        pytest.param(f"Bearer {UNKNOWN_SECRET}", AUTH_FAILED, id="unknown-secret"),
        pytest.param("Bearer garbage", AUTH_FAILED, id="wrong-format"),
        pytest.param("Bearer {secret}x", AUTH_FAILED, id="secret-with-extra-char"),
        pytest.param("Bearer {secret_lower}", AUTH_FAILED, id="secret-case-changed"),
    ],
)
def test_backend_auth_rejections(mock: Mock, authorization: str | None, message: str) -> None:
    secret = mock.secret(1)
    headers = {}
    if authorization is not None:
        headers["authorization"] = authorization.format(secret=secret, secret_lower=secret.lower())
    with mock.client(None, **headers) as client:
        response = client.get("/api-auth/apps")
    assert response.status_code == 401
    assert response.json() == error(401, message)
    assert response.headers["content-type"] == "application/json"


def test_non_ascii_authorization_header_is_not_a_bearer_token(mock: Mock) -> None:
    """axum's ``HeaderValue::to_str`` fails on non-ASCII bytes, so the middleware sees no usable header."""
    with mock.client(None) as client:
        response = client.get("/api-auth/apps", headers={"authorization": f"Bearer {mock.secret(1)}é".encode()})
    assert response.status_code == 401
    assert response.json() == error(401, BEARER)


def test_gateway_trims_the_secret_after_the_bearer_prefix(mock: Mock) -> None:
    """Only ``"Bearer "`` is stripped; the gateway trims the key it is handed (§9.2 step 5)."""
    with mock.client(None, authorization=f"Bearer  {mock.secret(1)}") as client:
        response = client.get("/api-auth/apps")
    assert response.status_code == 200
    assert response.json()["data"] == []


@pytest.mark.parametrize("deployment_id", [1, 2, 3, 4, 5])
def test_every_seeded_deployment_secret_authenticates_as_that_deployment(mock: Mock, deployment_id: int) -> None:
    """Reads work on every plan (§1.2), and the secret picks the deployment."""
    with mock.client(1) as one:
        assert one.post("/api-auth/apps", json=APP).status_code == 200
    with mock.client(deployment_id) as client:
        listed = client.get("/api-auth/apps")
    assert listed.status_code == 200
    expected = ["1"] if deployment_id == 1 else []
    assert [app["deployment_id"] for app in listed.json()["data"]] == expected


@pytest.mark.parametrize(("method", "path"), ROUTES, ids=[_id(*r) for r in ROUTES])
def test_every_route_requires_a_bearer_token(mock: Mock, method: str, path: str) -> None:
    with mock.client(None) as client:
        response = client.request(method, path, json={})
    assert response.status_code == 401
    assert response.json() == error(401, BEARER)


@pytest.mark.parametrize(("method", "path"), ROUTES, ids=[_id(*r) for r in ROUTES])
def test_every_route_rejects_an_unknown_secret(mock: Mock, method: str, path: str) -> None:
    with mock.client(None, authorization=f"Bearer {UNKNOWN_SECRET}") as client:
        response = client.request(method, path, json={})
    assert response.status_code == 401
    assert response.json() == error(401, AUTH_FAILED)


# §1.1 Routing order: unknown path (404, no auth) → auth → method (405)

UNKNOWN_PATHS = [
    ("GET", "/"),
    ("GET", "/api-auth"),
    ("GET", "/api-auth/apps/"),
    ("POST", "/api-auth/apps/"),
    ("GET", "/api-auth/apps/billing/"),
    ("GET", "/api-auth/apps/billing/keys/"),
    ("GET", "/api-auth/rate-limit-schemes/"),
    ("GET", "/api-auth/apps//keys"),
    ("GET", "/API-AUTH/apps"),
    ("GET", "/api-auth/Apps"),
    ("POST", "/api-auth/keys/revoke"),
    ("POST", "/api-auth/keys/rotate"),
    ("GET", "/api-auth/apps/billing/keys/1"),
    ("DELETE", "/api-auth/apps/billing/keys/1"),
    ("PATCH", "/api-auth/apps/billing/keys/1"),
    ("GET", "/api-auth/apps/billing/audit"),
    ("GET", "/api-auth/apps/billing/audit/logs/x"),
    ("GET", "/deployments/1/api-auth/apps"),
    ("GET", "/v1/users"),
]


@pytest.mark.parametrize(("method", "path"), UNKNOWN_PATHS, ids=[_id(*r) for r in UNKNOWN_PATHS])
@pytest.mark.parametrize("auth", ["none", "unknown", "valid"])
def test_unknown_path_is_404_before_auth(
    mock: Mock, billing: dict[str, Any], method: str, path: str, auth: str
) -> None:
    headers = {"none": {}, "unknown": {"authorization": f"Bearer {UNKNOWN_SECRET}"}, "valid": {}}[auth]
    with mock.client(1 if auth == "valid" else None, **headers) as client:
        response = client.request(method, path, json={})
    assert response.status_code == 404
    assert response.json() == error(404, "Not found")


WRONG_METHODS = [
    ("PUT", "/api-auth/apps"),
    ("DELETE", "/api-auth/apps"),
    ("PATCH", "/api-auth/apps"),
    ("POST", "/api-auth/apps/billing"),
    ("PUT", "/api-auth/apps/billing"),
    ("POST", "/api-auth/apps/missing"),
    ("PUT", "/api-auth/rate-limit-schemes"),
    ("POST", "/api-auth/rate-limit-schemes/std"),
    ("DELETE", "/api-auth/apps/billing/keys"),
    ("GET", "/api-auth/apps/billing/keys/1/revoke"),
    ("GET", "/api-auth/apps/billing/keys/1/rotate"),
    ("PUT", "/api-auth/apps/billing/keys/abc/rotate"),
    ("POST", "/api-auth/apps/billing/audit/logs"),
    ("DELETE", "/api-auth/apps/billing/audit/analytics"),
    ("PATCH", "/api-auth/apps/billing/audit/timeseries"),
]


@pytest.mark.parametrize(("method", "path"), WRONG_METHODS, ids=[_id(*r) for r in WRONG_METHODS])
def test_wrong_method_checks_auth_first(mock: Mock, method: str, path: str) -> None:
    with mock.client(None) as client:
        missing = client.request(method, path)
    with mock.client(None, authorization=f"Bearer {UNKNOWN_SECRET}") as client:
        unknown = client.request(method, path)
    assert (missing.status_code, missing.json()) == (401, error(401, BEARER))
    assert (unknown.status_code, unknown.json()) == (401, error(401, AUTH_FAILED))


@pytest.mark.parametrize(("method", "path"), WRONG_METHODS, ids=[_id(*r) for r in WRONG_METHODS])
def test_wrong_method_is_405_without_allow_header(
    api: httpx.Client, billing: dict[str, Any], method: str, path: str
) -> None:
    """production's error normaliser rebuilds non-JSON error responses, so axum's ``Allow`` header is lost."""
    response = api.request(method, path, content=b"not json", headers={"content-type": "text/plain"})
    assert response.status_code == 405
    assert response.json() == error(405, "Method not allowed")
    assert "allow" not in response.headers


def test_head_on_a_get_route_answers_like_get_without_a_body(api: httpx.Client, billing: dict[str, Any]) -> None:
    response = api.head("/api-auth/apps")
    assert response.status_code == 200
    assert response.content == b""
    assert response.headers["content-type"] == "application/json"
    assert api.head("/api-auth/apps/billing").status_code == 200


@pytest.mark.parametrize(
    ("client_deployment", "path", "status"),
    [
        pytest.param(None, "/api-auth/apps", 401, id="no-auth"),
        pytest.param(1, "/api-auth/apps/missing", 404, id="missing-app"),
        pytest.param(1, "/nowhere", 404, id="unknown-path"),
        pytest.param(1, "/api-auth/apps/billing/keys/1/revoke", 405, id="post-only-route"),
    ],
)
def test_head_errors_have_status_but_no_body(
    mock: Mock, billing: dict[str, Any], client_deployment: int | None, path: str, status: int
) -> None:
    with mock.client(client_deployment) as client:
        response = client.head(path)
    assert response.status_code == status
    assert response.content == b""
