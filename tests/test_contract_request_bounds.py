"""Where the contracts bound a request field, they call a value valid exactly when the mock (production) accepts
it: Schemathesis trusts these bounds to tell valid requests from invalid ones (issue 13, point 6)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import jsonschema
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


def _accepts(schema: dict[str, Any], value: object) -> bool:
    return jsonschema.Draft202012Validator(schema).is_valid(value)


I64_TEXTS = [
    "0",
    "-0",
    "+7",
    "0009",
    "9223372036854775807",
    "-9223372036854775808",
    "9223372036854775808",
    "-9223372036854775809",
    "99999999999999999999",
    "",
    "+",
    "1.0",
    " 1",
    "0x1",
]


@pytest.mark.parametrize("text", I64_TEXTS)
def test_the_contract_bounds_a_flexible_i64_string_as_the_backend_parses_it(text: str) -> None:
    field = _schema("openapi.yaml", "CreateApiAuthAppRequest")["workspace_id"]
    body = {"app_slug": "fuzz", "name": "Fuzz", "key_prefix": "fz", "workspace_id": text}
    with WachtMock().client() as client:
        response = client.post("/api-auth/apps", json=body)
    # a parsed id goes on to the lookup (400 workspace_id does not exist); an unparsable one is serde's 422
    assert response.status_code == (400 if _accepts(field, text) else 422), response.text


@pytest.mark.parametrize("number", [2**63 - 1, -(2**63), 2**63, -(2**63) - 1])
def test_the_contract_bounds_a_flexible_i64_number_to_the_i64_range(number: int) -> None:
    field = _schema("openapi.yaml", "CreateApiAuthAppRequest")["workspace_id"]
    body = {"app_slug": "fuzz", "name": "Fuzz", "key_prefix": "fz", "workspace_id": number}
    with WachtMock().client() as client:
        response = client.post("/api-auth/apps", json=body)
    assert response.status_code == (400 if _accepts(field, number) else 422), response.text


@pytest.mark.parametrize("text", I64_TEXTS)
def test_the_contract_bounds_the_audit_key_id_query_as_the_backend_parses_it(text: str) -> None:
    parameters = yaml.safe_load((CONTRACTS / "openapi.yaml").read_text())["paths"]
    schema = next(
        p for p in parameters["/api-auth/apps/{app_slug}/audit/logs"]["get"]["parameters"] if p["name"] == "key_id"
    )
    mock = WachtMock()
    with mock.client() as client:
        client.post("/api-auth/apps", json={"app_slug": "fuzz", "name": "Fuzz", "key_prefix": "fz"})
        response = client.get("/api-auth/apps/fuzz/audit/logs", params={"key_id": text})
    assert response.status_code == (200 if _accepts(schema["schema"], text) else 400), response.text


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("duration", 1),
        ("duration", 0),
        ("duration", -1),
        ("duration", 2**31),
        ("max_requests", 2**31 - 1),
        ("max_requests", 0),
        ("max_requests", 2**31),
        ("priority", 2**31 - 1),
        ("priority", -(2**31)),
        ("priority", 2**31),
        ("priority", -(2**31) - 1),
    ],
)
def test_the_scheme_contract_bounds_rule_integers_as_the_backend_does(field: str, value: int) -> None:
    schema = _schema("openapi.yaml", "RateLimitInput")[field]
    rule = {"unit": "minute", "duration": 1, "max_requests": 5, field: value}
    body = {"slug": "standard", "name": "Standard", "rules": [rule]}
    with WachtMock().client() as client:
        response = client.post("/api-auth/rate-limit-schemes", json=body)
    expected = 200 if _accepts(schema, value) else (400 if -(2**31) <= value < 2**31 else 422)
    assert response.status_code == expected, response.text


@pytest.mark.parametrize("rules", [[], [{"unit": "minute", "duration": 1, "max_requests": 5}]])
@pytest.mark.parametrize("method", ["POST", "PATCH"])
def test_the_scheme_contract_needs_one_rule_as_the_backend_does(method: str, rules: list[Any]) -> None:
    name = "CreateRateLimitSchemeRequest" if method == "POST" else "UpdateRateLimitSchemeRequest"
    field = {k: v for k, v in _schema("openapi.yaml", name)["rules"].items() if k != "items"}  # the count only
    body = {"slug": "standard", "name": "Standard", "rules": [{"unit": "minute", "duration": 1, "max_requests": 5}]}
    with WachtMock().client() as client:
        if method == "PATCH":
            client.post("/api-auth/rate-limit-schemes", json=body)
            response = client.patch("/api-auth/rate-limit-schemes/standard", json={"rules": rules})
        else:
            response = client.post("/api-auth/rate-limit-schemes", json={**body, "rules": rules})
    assert response.status_code == (200 if _accepts(field, rules) else 400), response.text


@pytest.mark.parametrize("value", ["Renamed", "", " ", None])
def test_the_scheme_update_contract_bounds_name_as_the_backend_does(value: str | None) -> None:
    field = _schema("openapi.yaml", "UpdateRateLimitSchemeRequest")["name"]
    body = {"slug": "standard", "name": "Standard", "rules": [{"unit": "minute", "duration": 1, "max_requests": 5}]}
    with WachtMock().client() as client:
        client.post("/api-auth/rate-limit-schemes", json=body)
        response = client.patch("/api-auth/rate-limit-schemes/standard", json={"name": value})
    assert response.status_code == (200 if _accepts(field, value) else 400), response.text


@pytest.mark.parametrize("resource", ["/users", "users", " x ", "", " ", "#a", "?q", " ?q#x", "a?b"])
def test_the_gateway_contract_bounds_resource_as_the_gateway_does(resource: str) -> None:
    field = _schema("gateway.yaml", "AuthzCheckRequest")["resource"]
    mock = WachtMock()
    with mock.client() as client:
        key = "sk_live_" + "A" * 43  # well formed and unknown: a valid resource goes on to the plain-text 401
        check = {"principal": {"type": "api_key", "value": key}, "resource": resource, "method": "GET"}
        response = client.post(f"{mock.gateway_url}/v1/authz/check", json=check)
    assert response.status_code == (401 if _accepts(field, resource) else 400)


@pytest.mark.parametrize("slug", ["", "x"])
def test_the_contract_calls_an_empty_path_slug_invalid_and_the_backend_does_not_find_it(slug: str) -> None:
    parameters = yaml.safe_load((CONTRACTS / "openapi.yaml").read_text())["paths"]["/api-auth/apps/{app_slug}"]
    schema = parameters["parameters"][0]["schema"]
    with WachtMock().client() as client:
        response = client.get(f"/api-auth/apps/{slug}")
    # an empty slug is another route (the app list with a trailing slash: unknown); never a lookup
    assert _accepts(schema, slug) == (slug != "")
    assert response.status_code == 404
