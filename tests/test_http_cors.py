"""CORS on the backend API: preflights and the headers on ordinary responses (production's outermost tower-http
layer).
"""

from __future__ import annotations

import pytest
from conftest import Mock

ALLOWED_ORIGINS = ["http://localhost:5173", "https://console.wacht.dev", "http://localhost", "http://127.0.0.1:3000"]
REFUSED_ORIGINS = ["https://evil.example", "http://localhost.evil.example", "https://console.wacht.dev.evil.example"]


@pytest.mark.parametrize("path", ["/api-auth/apps", "/api-auth/apps/billing/keys/1/revoke", "/nowhere", "/"])
@pytest.mark.parametrize("origin", ALLOWED_ORIGINS)
def test_options_is_a_200_preflight_echoing_allowed_origins(mock: Mock, path: str, origin: str) -> None:
    with mock.client(None) as client:
        response = client.options(path, headers={"origin": origin, "access-control-request-method": "POST"})
    assert response.status_code == 200
    assert response.content == b""
    assert response.headers["access-control-allow-origin"] == origin


@pytest.mark.parametrize("origin", [*REFUSED_ORIGINS, None])
def test_options_from_other_origins_gets_no_allow_origin(mock: Mock, origin: str | None) -> None:
    headers = {"origin": origin} if origin is not None else {}
    with mock.client(None) as client:
        response = client.options("/api-auth/apps", headers=headers)
    assert response.status_code == 200
    assert response.content == b""
    assert "access-control-allow-origin" not in response.headers


@pytest.mark.parametrize(
    ("deployment_id", "method", "path", "status"),
    [
        pytest.param(1, "GET", "/api-auth/apps", 200, id="ok"),
        pytest.param(None, "GET", "/api-auth/apps", 401, id="unauthorized"),
        pytest.param(1, "GET", "/nowhere", 404, id="unknown-path"),
        pytest.param(1, "PUT", "/api-auth/apps", 405, id="wrong-method"),
    ],
)
def test_cors_headers_on_ordinary_responses(
    mock: Mock, deployment_id: int | None, method: str, path: str, status: int
) -> None:
    with mock.client(deployment_id) as client:
        allowed = client.request(method, path, headers={"origin": "https://console.wacht.dev"})
        refused = client.request(method, path, headers={"origin": "https://evil.example"})
    assert allowed.status_code == refused.status_code == status
    assert allowed.headers["access-control-allow-origin"] == "https://console.wacht.dev"
    assert "access-control-allow-origin" not in refused.headers
    for response in (allowed, refused):
        vary = {v.strip() for v in response.headers["vary"].split(",")}
        assert vary == {"origin", "access-control-request-method", "access-control-request-headers"}
