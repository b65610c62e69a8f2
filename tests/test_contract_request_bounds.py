"""Where the contracts bound a request field, they call a value valid exactly when the mock (production) accepts
it: Schemathesis trusts these bounds to tell valid requests from invalid ones (issue 13, point 6)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from wacht_mock import WachtMock

CONTRACTS = Path(__file__).resolve().parents[1] / "contracts"


def _schema(file: str, name: str) -> dict[str, Any]:
    schemas: dict[str, Any] = yaml.safe_load((CONTRACTS / file).read_text())["components"]["schemas"]
    return dict(schemas[name]["properties"])


def _valid(field: dict[str, Any], value: str) -> bool:
    return len(value) >= field.get("minLength", 0) and re.search(field["pattern"], value) is not None


@pytest.mark.parametrize(
    "method", ["GET", " get ", "Options", "pAtCh", "DELETE\t", "FOO", "", "GETX", "G ET", "CONNECT"]
)
def test_the_gateway_contract_bounds_method_as_the_gateway_does(method: str) -> None:
    field = _schema("gateway.yaml", "AuthzCheckRequest")["method"]
    mock = WachtMock()
    with mock.client() as client:
        key = "sk_live_" + "A" * 43  # well formed and unknown: a valid method goes on to the plain-text 401
        check = {"principal": {"type": "api_key", "value": key}, "resource": "/users", "method": method}
        response = client.post(f"{mock.gateway_url}/v1/authz/check", json=check)
    assert response.status_code == (401 if _valid(field, method) else 400)


@pytest.mark.parametrize("value", ["standard", "a", " x ", "", " ", "\t\n"])
@pytest.mark.parametrize("name", ["slug", "name"])
def test_the_scheme_contract_bounds_slug_and_name_as_the_backend_does(name: str, value: str) -> None:
    field = _schema("openapi.yaml", "CreateRateLimitSchemeRequest")[name]
    body = {"slug": "standard", "name": "Standard", "rules": [{"unit": "minute", "duration": 1, "max_requests": 5}]}
    body[name] = value
    with WachtMock().client() as client:
        response = client.post("/api-auth/rate-limit-schemes", json=body)
    assert response.status_code == (200 if _valid(field, value) else 400), response.text
