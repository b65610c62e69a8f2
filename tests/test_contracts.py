"""The contracts (contracts/openapi.yaml, contracts/gateway.yaml) are sound OpenAPI 3.1, match the route table,
and the conformance hook (tests/conformance.py, activated in conftest.py) catches a violation."""

from __future__ import annotations

import json
import re
from typing import Any

import conformance
import pytest
from jsonschema import Draft202012Validator

from wacht_mock.http.operations import routes

HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
STATUS = re.compile(r"^([1-5][0-9][0-9]|[1-5]XX|default)$")


def _documents() -> dict[str, dict[str, Any]]:
    return {c.name: c.document for c in conformance.contracts().items}


def _operations() -> list[tuple[str, str, str, dict[str, Any]]]:
    """(contract, METHOD, path template, operation) for every operation in both contracts."""
    found = []
    for name, document in _documents().items():
        for template, item in document["paths"].items():
            for method, operation in item.items():
                if method in HTTP_METHODS:
                    found.append((name, method.upper(), template, operation))
    return found


@pytest.mark.parametrize("name", conformance.CONTRACT_FILES)
def test_contract_is_structurally_openapi_3_1(name: str) -> None:
    document = _documents()[name]
    assert document["openapi"].startswith("3.1.")
    assert {"title", "version"} <= set(document["info"])
    assert document["paths"]
    for template, item in document["paths"].items():
        assert template.startswith("/")
        placeholders = set(re.findall(r"\{([^}]+)\}", template))
        declared = {p["name"] for p in item.get("parameters", []) if p["in"] == "path"}
        for method in set(item) & HTTP_METHODS:
            operation = item[method]
            here = declared | {p["name"] for p in operation.get("parameters", []) if p["in"] == "path"}
            assert here == placeholders, f"{method} {template}: path parameters {here} != {placeholders}"
            assert operation["responses"], f"{method} {template} documents no responses"
            for status in operation["responses"]:
                assert STATUS.match(status), f"{method} {template}: bad status key {status!r}"


def test_every_component_schema_is_a_valid_draft_2020_12_schema() -> None:
    checked = conformance.check_schemas()
    for document in _documents().values():
        for schema in document["components"]["schemas"].values():
            Draft202012Validator.check_schema(schema)
    assert len(checked) >= 20


def test_every_ref_resolves() -> None:
    for name, document in _documents().items():
        refs = re.findall(r'"\$ref": "([^"]+)"', json.dumps(document))
        assert refs, name
        for ref in refs:
            assert ref.startswith("#/"), ref
            target: Any = document
            for part in ref[2:].split("/"):
                assert part in target, f"{name}: unresolved $ref {ref}"
                target = target[part]


def test_every_route_has_exactly_one_operation_with_its_operation_id_and_vice_versa() -> None:
    declared = {(op.method, route.template, op.name) for route in routes() for op in route.operations.values()}
    contract = [(method, template, operation["operationId"]) for _, method, template, operation in _operations()]
    assert len(contract) == len(set(contract))
    ids = [operation_id for _, _, operation_id in contract]
    assert len(ids) == len(set(ids)), "operationIds must be unique"
    assert set(contract) == declared
    assert len([r for r in declared if r[1].startswith("/api-auth")]) == 17


def test_the_backend_contract_documents_the_error_envelope_for_every_error_status() -> None:
    document = _documents()["openapi.yaml"]
    for _, _, template, operation in (o for o in _operations() if o[0] == "openapi.yaml"):
        for status, response in operation["responses"].items():
            if status.startswith(("4", "5")):
                response = conformance._resolve(conformance.contracts().items[0], response)
                schema = response["content"]["application/json"]["schema"]
                assert schema == {"$ref": "#/components/schemas/ErrorEnvelope"}, (template, status)
        assert {"401", "405", "429", "500"} <= set(operation["responses"]), template
    assert document["components"]["schemas"]["ErrorEnvelope"]["required"] == ["errors"]


APP = {
    "deployment_id": "1",
    "app_slug": "a",
    "name": "A",
    "description": None,
    "is_active": True,
    "key_prefix": "sk_live",
    "permissions": [],
    "resources": [],
    "rate_limits": [],
    "created_at": "2026-06-12T10:20:30.123456Z",
    "updated_at": "2026-06-12T10:20:30.123456Z",
    "deleted_at": None,
}


def _body(value: Any) -> bytes:
    return json.dumps(value).encode()


def test_a_conforming_response_passes() -> None:
    conformance.validate("GET", "/api-auth/apps/a", 200, "application/json", _body(APP))
    conformance.validate("DELETE", "/api-auth/rate-limit-schemes/s", 204, "application/json", b"")
    conformance.validate("POST", "/v1/authz/check", 401, "text/plain; charset=utf-8", b"Invalid API key")


def test_the_hook_catches_a_missing_required_field() -> None:
    body = {k: v for k, v in APP.items() if k != "is_active"}
    with pytest.raises(AssertionError) as caught:
        conformance.validate("GET", "/api-auth/apps/a", 200, "application/json", _body(body))
    message = str(caught.value)
    assert "getApiAuthApp" in message and "200" in message
    assert "'is_active' is a required property" in message


@pytest.mark.parametrize(
    ("request_", "status", "content_type", "body", "expected"),
    [
        (("GET", "/api-auth/apps/a"), 200, "application/json", {**APP, "id": "7"}, "Additional properties"),
        (("GET", "/api-auth/apps/a"), 200, "application/json", {**APP, "deployment_id": 1}, "$['deployment_id']"),
        (("GET", "/api-auth/apps/a"), 201, "application/json", APP, "status 201 is not documented"),
        (("DELETE", "/api-auth/rate-limit-schemes/s"), 204, "application/json", {}, "documents no content"),
        (("GET", "/api-auth/apps/a"), 404, "application/json", {"error": "x"}, "'errors' is a required property"),
        (
            ("GET", "/api-auth/apps/a"),
            404,
            "application/json",
            {"errors": [{"message": "Not found", "code": 400}]},
            "differs from the HTTP status",
        ),
        (("GET", "/api-auth/apps"), 200, "text/plain", {}, "content type 'text/plain' not documented"),
    ],
)
def test_the_hook_reports_operation_status_and_path(
    request_: tuple[str, str], status: int, content_type: str, body: Any, expected: str
) -> None:
    with pytest.raises(AssertionError) as caught:
        conformance.validate(*request_, status, content_type, _body(body))
    assert expected in str(caught.value)


def test_mock_control_plane_head_and_options_are_skipped() -> None:
    conformance.validate("GET", "/_mock/journal", 200, "application/json", b"[]")
    conformance.validate("HEAD", "/api-auth/apps", 200, "application/json", b"")
    conformance.validate("OPTIONS", "/api-auth/apps", 200, None, b"")


def test_the_suite_hook_fails_a_request_whose_answer_breaks_the_contract(
    contract_conformance: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from wacht_mock import WachtMock
    from wacht_mock.http import handlers

    monkeypatch.setattr(handlers, "app_json", lambda view: {"app_slug": 1})
    before = len(contract_conformance)
    with WachtMock().client() as client, pytest.raises(AssertionError, match="createApiAuthApp"):
        client.post("/api-auth/apps", json={"app_slug": "a", "name": "A", "key_prefix": "sk_test"})
    assert len(contract_conformance) == before + 1
    del contract_conformance[before:]  # seen and expected: not a failure of the session


def test_a_response_hook_sees_what_left_the_app() -> None:
    from wacht_mock import WachtMock
    from wacht_mock.http.app import Sent, response_hook

    seen: list[Sent] = []
    mock = WachtMock()
    mock.add_fault("error", operation="getApiAuthApp", status=503, count=1)
    with response_hook(seen.append), mock.client() as client:
        client.get("/api-auth/apps")
        client.get("/api-auth/apps/nope")
    assert [(s.method, s.path, s.status, s.injected) for s in seen] == [
        ("GET", "/api-auth/apps", 200, False),
        ("GET", "/api-auth/apps/nope", 503, True),
    ]
    assert seen[0].body == b'{"data":[],"has_more":false,"limit":50,"offset":0}'
