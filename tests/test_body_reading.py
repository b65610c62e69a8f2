"""Request bodies as axum 0.8.1 + serde_json 1.0.140 read them, on the backend API and the gateway
(backend-behaviour.md §15.1): trailing data ignored, unknown fields skipped unvalidated, known values under the
128-level limit, a container where a string is expected refused on its first ``[``, ``-0`` not an integer,
repeated known fields refused — and no depth of nesting anywhere reaches Python's recursion limit.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from conftest import APP, error, ok

from wacht_mock import Firing, WachtMock

CHECK = "/v1/authz/check"
SYNTAX = "Failed to parse the request body as JSON: "
SHAPE = "Failed to deserialize the JSON body into the target type: "
VALID = json.dumps(APP).encode()
OPEN = VALID[:-1]  # the app object, still open
DEEP = 5000  # far past Python's recursion limit


def nested(levels: int) -> bytes:
    return b"[" * levels + b"]" * levels


def post(client: httpx.Client, path: str, body: bytes, method: str = "POST") -> httpx.Response:
    return client.request(method, path, content=body, headers={"content-type": "application/json"})


# The backend API (normalised answers)

ACCEPTED = [
    pytest.param(VALID + b" x", id="trailing-garbage"),
    pytest.param(VALID + b"{}", id="two-documents"),
    pytest.param(VALID + b"]", id="stray-bracket-after"),
    pytest.param(OPEN + b',"x":"\\ud800"}', id="unknown-field-lone-surrogate-escape"),
    pytest.param(OPEN + b',"x":{"\\udc00":1}}', id="unknown-field-lone-surrogate-key"),
    pytest.param(OPEN + b',"x":"\xff"}', id="unknown-field-invalid-utf8"),
    pytest.param(OPEN + b',"x":1e400}', id="unknown-field-number-overflows-f64"),
    pytest.param(OPEN + b',"x":' + nested(DEEP) + b"}", id="unknown-field-deep-arrays"),
    pytest.param(OPEN + b',"x":' + b'{"a":' * DEEP + b"1" + b"}" * DEEP + b"}", id="unknown-field-deep-objects"),
    pytest.param(OPEN + b',"x":1,"x":2}', id="repeated-unknown-field"),
]


@pytest.mark.parametrize("body", ACCEPTED)
def test_backend_accepts(api: httpx.Client, body: bytes) -> None:
    assert ok(post(api, "/api-auth/apps", body))["app_slug"] == "billing"


def test_trailing_data_is_ignored_and_the_request_takes_effect_on_both_routers() -> None:
    """§15.1: axum 0.8.1 calls no ``Deserializer::end()``: the first value is the request, side effects and all."""
    wacht = WachtMock()
    with wacht.client() as client:
        assert post(client, "/api-auth/apps", VALID + b" x").status_code == 200
        assert Firing("http.body.json_trailing_data_ignored", "applied") in wacht.journal.entries[-1].rules
        assert [a["app_slug"] for a in ok(client.get("/api-auth/apps"))["data"]] == ["billing"]  # it was stored
        secret = ok(client.post("/api-auth/apps/billing/keys", json={"name": "k"}))["secret"]
        request = b'{"principal":{"type":"api_key","value":"' + secret.encode() + b'"},"resource":"/a","method":"GET"}'
        for trailing in (b" x", b"}}", b"\xff"):
            body = ok(post(client, "https://gateway.wacht.dev" + CHECK, request + trailing))
            assert body["allowed"] is True
            assert Firing("gateway.http.json_trailing_data_ignored", "applied") in wacht.journal.entries[-1].rules
        assert [r["remaining"] for r in body["rate_limits"]] == [997]  # three checks counted ...
        assert len(ok(client.get("/api-auth/apps/billing/audit/logs"))["data"]) == 3  # ... and audited


REFUSED = [
    pytest.param(OPEN + b',"x":[1 2]}', 400, id="unknown-field-broken-structure"),
    pytest.param(OPEN + b',"x":"\\q"}', 400, id="unknown-field-invalid-escape"),
    pytest.param(OPEN + b',"x":' + b"[" * DEEP + b"}", 400, id="unknown-field-deep-unclosed"),
    pytest.param(b"[" * DEEP, 422, id="deep-array-for-the-struct"),
    pytest.param(OPEN + b',"permissions":[' + nested(DEEP) + b"]}", 422, id="deep-array-in-vec-string"),
    pytest.param(OPEN + b',"permissions":[' + b"[" * DEEP + b"}", 422, id="deep-unclosed-in-vec-string"),
    pytest.param(OPEN + b',"description":' + nested(DEEP) + b"}", 422, id="deep-array-for-a-string"),
    pytest.param(OPEN + b',"user_id":-0}', 422, id="minus-zero-flexible-i64"),
    pytest.param(OPEN + b',"user_id":-0.0}', 422, id="minus-zero-float"),
    pytest.param(OPEN + b',"name":"Other"}', 422, id="repeated-known-field"),
    pytest.param(OPEN + b',"description":null,"description":null}', 422, id="repeated-null-field"),
]


@pytest.mark.parametrize(("body", "status"), REFUSED)
def test_backend_refuses(api: httpx.Client, body: bytes, status: int) -> None:
    response = post(api, "/api-auth/apps", body)
    assert response.status_code == status
    assert response.json() == error(status, {400: "Bad request", 422: "Invalid request payload"}[status])


def metadata(levels: int) -> bytes:
    return b'{"name":"k","metadata":' + nested(levels) + b"}"


@pytest.mark.parametrize(
    ("body", "status"),
    [
        # serde_json's remaining_depth starts at 128: the struct takes one level, so 126 arrays fit.
        pytest.param(metadata(126), 200, id="metadata-at-the-limit"),
        pytest.param(metadata(127), 400, id="metadata-one-past-the-limit"),
        pytest.param(metadata(DEEP), 400, id="metadata-deep"),
        pytest.param(b'{"name":"k","metadata":' + b'{"a":' * DEEP + b"}", 400, id="metadata-deep-objects-unclosed"),
        pytest.param(b'{"name":"k","metadata":{"a":-0}}', 200, id="metadata-minus-zero"),
        pytest.param(b'{"name":"k","metadata":{"a":1,"a":2}}', 200, id="metadata-repeated-key"),
    ],
)
def test_backend_key_metadata_depth(api: httpx.Client, billing: dict[str, Any], body: bytes, status: int) -> None:
    response = post(api, "/api-auth/apps/billing/keys", body)
    assert response.status_code == status, response.text


@pytest.mark.parametrize(
    ("rule", "status"),
    [
        pytest.param(b'{"unit":"minute","duration":-0,"max_requests":1}', 422, id="minus-zero-i32"),
        pytest.param(b'{"unit":"minute","duration":1,"max_requests":1,"priority":-0}', 422, id="minus-zero-default"),
        pytest.param(b'{"unit":"minute","duration":1,"max_requests":1,"unit":"hour"}', 422, id="repeated-field"),
        pytest.param(b'{"unit":"minute","duration":1,"max_requests":1,"x":' + nested(DEEP) + b"}", 200, id="deep"),
        pytest.param(
            b'{"unit":"minute","duration":1,"max_requests":1,"endpoints":[' + nested(DEEP) + b"]}", 422, id="x"
        ),
    ],
)
def test_backend_scheme_rules(api: httpx.Client, rule: bytes, status: int) -> None:
    response = post(api, "/api-auth/rate-limit-schemes", b'{"slug":"s","name":"S","rules":[' + rule + b"]}")
    assert response.status_code == status, response.text


# The gateway (serde's texts)

KEY = b"sk_" + b"A" * 43  # well-formed, matches no key
REQUEST = b'{"principal":{"type":"api_key","value":"' + KEY + b'"},"resource":"/a","method":"GET"'  # 119 bytes, open


@pytest.mark.parametrize(
    ("body", "status", "text"),
    [
        pytest.param(REQUEST + b"} x", 401, "Invalid API key", id="trailing-garbage"),
        pytest.param(REQUEST + b"}}", 401, "Invalid API key", id="trailing-brace"),
        pytest.param(REQUEST + b"}\n\n x", 401, "Invalid API key", id="trailing-lines"),
        pytest.param(REQUEST + b"}" + b"[" * DEEP, 401, "Invalid API key", id="trailing-deep"),
        pytest.param(
            REQUEST + b',"required_permissions":' + b"[" * DEEP + b"]" * DEEP + b"}",
            422,
            SHAPE + "required_permissions[0]: invalid type: sequence, expected a string at line 1 column 144",
            id="deep-permissions",
        ),
        pytest.param(
            REQUEST + b',"required_permissions":["a",' + b"[" * DEEP + b"}",
            422,
            SHAPE + "required_permissions[1]: invalid type: sequence, expected a string at line 1 column 148",
            id="deep-unclosed-permissions",
        ),
        pytest.param(
            b'{"resource":' + nested(DEEP) + b"}",
            422,
            SHAPE + "resource: invalid type: sequence, expected a string at line 1 column 12",
            id="deep-resource",
        ),
        pytest.param(
            REQUEST + b',"client_ip":-0}',
            422,
            SHAPE + "client_ip: invalid type: floating point `-0.0`, expected a string at line 1 column 134",
            id="minus-zero",
        ),
        pytest.param(
            b'{"principal":{"type":{"api_key":' + nested(DEEP) + b"}}}",
            422,
            SHAPE + "principal.type.api_key: invalid type: sequence, expected unit at line 1 column 32",
            id="deep-unit-variant",
        ),
    ],
)
def test_gateway_bodies(gw: httpx.Client, body: bytes, status: int, text: str) -> None:
    response = post(gw, CHECK, body)
    assert (response.status_code, response.text) == (status, text)


# Content-Type, as mime 0.3.17 parses it and axum 0.8.1 checks it

JSON_TYPES = [
    pytest.param("application/json+anything", id="subtype-ends-at-plus"),
    pytest.param("application/a+b+json", id="last-plus-starts-the-suffix"),
    pytest.param("application/json;", id="empty-parameter-list"),
    pytest.param("application/json; ", id="space-after-semicolon"),
    pytest.param("application/json;charset=", id="empty-value-at-end"),
    pytest.param('application/json;a="b c"', id="space-in-quoted-value"),
    pytest.param('application/json;a="x" ;b=c', id="space-after-quoted-value"),
    pytest.param("Application/JSON;a=b;", id="mixed-case-trailing-semicolon"),
]
NOT_JSON_TYPES = [
    pytest.param("application/+json", id="plus-right-after-slash"),
    pytest.param("application/json ;charset=utf-8", id="space-before-semicolon"),
    pytest.param("application/json;charset", id="parameter-without-equals"),
    pytest.param("application/json; charset=utf 8", id="space-in-value"),
    pytest.param("application/json;=x", id="empty-parameter-name"),
    pytest.param("application/json;a=;b=c", id="empty-value-before-semicolon"),
    pytest.param('application/json;a=""', id="empty-quoted-value"),
    pytest.param('application/json;a="x"b', id="text-after-quoted-value"),
    pytest.param("application/json;;", id="double-semicolon"),
    pytest.param("application/", id="empty-subtype"),
]


def with_type(client: httpx.Client, path: str, body: bytes, content_type: str) -> httpx.Response:
    return client.post(path, content=body, headers={"content-type": content_type})


@pytest.mark.parametrize("content_type", JSON_TYPES)
def test_json_content_types(api: httpx.Client, gw: httpx.Client, content_type: str) -> None:
    assert ok(with_type(api, "/api-auth/apps", VALID, content_type))["app_slug"] == "billing"
    response = with_type(gw, CHECK, REQUEST + b"}", content_type)
    assert (response.status_code, response.text) == (401, "Invalid API key")


@pytest.mark.parametrize("content_type", NOT_JSON_TYPES)
def test_other_content_types(api: httpx.Client, gw: httpx.Client, content_type: str) -> None:
    response = with_type(api, "/api-auth/apps", VALID, content_type)
    assert (response.status_code, response.json()) == (415, error(415, "Request failed"))
    response = with_type(gw, CHECK, REQUEST + b"}", content_type)
    assert (response.status_code, response.text) == (415, "Expected request with `Content-Type: application/json`")


@pytest.mark.parametrize(
    ("body", "status", "rule_id", "outcome"),
    [
        pytest.param(VALID + b" x", 200, "http.body.json_trailing_data_ignored", "applied", id="trailing"),
        pytest.param(OPEN + b',"name":"x"}', 422, "http.body.json_duplicate_field", "deny", id="duplicate"),
        pytest.param(OPEN + b',"x":0,"x":0}', 200, "http.body.json_duplicate_field", "allow", id="unknown-twice"),
        pytest.param(OPEN + b',"permissions":[' + nested(DEEP) + b"]}", 422, "http.body.json_shape", "deny", id="vec"),
        pytest.param(VALID, 200, "http.body.json_trailing_data_ignored", None, id="nothing-trailing"),
        pytest.param(
            OPEN + b',"x":"\\ud800"}', 200, "http.body.unknown_field_skipped_unvalidated", "applied", id="unknown"
        ),
        pytest.param(VALID, 200, "http.body.unknown_field_skipped_unvalidated", None, id="no-unknown-field"),
    ],
)
def test_body_rules_fire(body: bytes, status: int, rule_id: str, outcome: str | None) -> None:
    wacht = WachtMock()
    with wacht.client() as client:
        assert post(client, "/api-auth/apps", body).status_code == status
    fired = {f.outcome for f in wacht.journal.entries[-1].rules if f.rule_id == rule_id}
    assert fired == ({outcome} if outcome else set())


def test_recursion_limit_rule_fires_for_key_metadata() -> None:
    wacht = WachtMock()
    with wacht.client() as client:
        ok(client.post("/api-auth/apps", json=APP))
        assert post(client, "/api-auth/apps/billing/keys", metadata(127)).status_code == 400
    assert Firing("http.body.json_recursion_limit", "deny") in wacht.journal.entries[-1].rules
