"""The first error serde meets decides the answer (backend-behaviour.md §9.1, §15.1): axum 0.8.1's ``Json`` buffers
the whole body, then serde_json 1.0.140 reads it in one pass, so what comes first in the text wins — not syntax
before shape. On the gateway (``deny_unknown_fields``) an unknown key is refused as soon as it is read, before its
colon and value, so whatever that value holds (a lone surrogate escape, a raw invalid UTF-8 byte, broken JSON) is
never looked at; a type error in a known field wins over a syntax error after it, on both routers.
"""

from __future__ import annotations

import httpx
import pytest
from conftest import Mock, error

from wacht_mock import Firing

CHECK = "/v1/authz/check"
SYNTAX = "Failed to parse the request body as JSON: "
SHAPE = "Failed to deserialize the JSON body into the target type: "
FIELDS = "expected one of `principal`, `resource`, `method`, `client_ip`, `user_agent`, `required_permissions`"
UNKNOWN_FOO = f"foo: unknown field `foo`, {FIELDS} at line 1 column 6"
EXTRA = "principal.extra: unknown field `extra`, expected `type` or `value` at line 1 column 38"


def post(client: httpx.Client, path: str, body: bytes) -> httpx.Response:
    return client.post(path, content=body, headers={"content-type": "application/json"})


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        # an unknown key is refused before its value is read
        pytest.param(b'{"foo":"\\ud800"}', UNKNOWN_FOO, id="unknown-lone-surrogate-escape"),
        pytest.param(b'{"foo":"\\udc00"}', UNKNOWN_FOO, id="unknown-lone-trailing-surrogate"),
        pytest.param(b'{"foo":"\xff"}', UNKNOWN_FOO, id="unknown-raw-invalid-utf8"),
        pytest.param(b'{"foo":"\xc3"', UNKNOWN_FOO, id="unknown-truncated-utf8-unterminated"),
        pytest.param(b'{"foo":tru}', UNKNOWN_FOO, id="unknown-broken-literal"),
        pytest.param(b'{"foo":[1 2]}', UNKNOWN_FOO, id="unknown-broken-array"),
        pytest.param(b'{"foo" 1}', UNKNOWN_FOO.replace("column 6", "column 7"), id="unknown-before-missing-colon"),
        pytest.param(b'{"foo":' + b"[" * 5000, UNKNOWN_FOO, id="unknown-deep-unclosed"),
        pytest.param(b'{"principal":{"type":"api_key","extra":"\\ud800"}}', EXTRA, id="principal-unknown-surrogate"),
        pytest.param(b'{"principal":{"type":"api_key","extra":"\xff"}}', EXTRA, id="principal-unknown-raw-byte"),
        # a type error in a known field wins over a syntax error after it
        pytest.param(
            b'{"resource":5,"method":tru}',
            "resource: invalid type: integer `5`, expected a string at line 1 column 13",
            id="type-error-then-syntax",
        ),
        pytest.param(
            b'{"resource":[1 2],"method":"GET"}',
            "resource: invalid type: sequence, expected a string at line 1 column 12",
            id="container-peeked-not-read",
        ),
        pytest.param(
            b'{"principal":{"type":"bogus","value":tru}}',
            "principal.type: unknown variant `bogus`, expected `api_key` or `oauth_access_token` at line 1 column 28",
            id="unknown-variant-then-syntax",
        ),
        pytest.param(
            b'{"required_permissions":["a",5,tru]}',
            "required_permissions[1]: invalid type: integer `5`, expected a string at line 1 column 30",
            id="item-type-error-then-syntax",
        ),
        pytest.param(b'{"resource":"/a","resource":tru}', "duplicate field `resource` at line 1 column 27", id="dup"),
        pytest.param(
            b'{"method":"GET","foo":"\xff","resource":5}',
            f"foo: unknown field `foo`, {FIELDS} at line 1 column 21",
            id="unknown-after-a-known-field",
        ),
    ],
)
def test_gateway_shape_error_before_a_later_syntax_error_is_422(gw: httpx.Client, body: bytes, detail: str) -> None:
    response = post(gw, CHECK, body)
    assert (response.status_code, response.text) == (422, SHAPE + detail)


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        # serde_path_to_error puts the field's path first; serde_json checks UTF-8 at the closing quote
        pytest.param(
            b'{"resource":"\\ud800","foo":1}',
            "resource: unexpected end of hex escape at line 1 column 20",
            id="lone-leading",
        ),
        pytest.param(
            b'{"resource":"\\udc00x","foo":1}',
            "resource: lone leading surrogate in hex escape at line 1 column 19",
            id="trailing",
        ),
        pytest.param(
            b'{"resource":"\\ud800\\u0041","foo":1}',
            "resource: lone leading surrogate in hex escape at line 1 column 25",
            id="leading-then-not-trailing",
        ),
        pytest.param(
            b'{"resource":"a\xffb","foo":1}', "resource: invalid unicode code point at line 1 column 17", id="raw-byte"
        ),
        pytest.param(
            b'{"resource":"\\ud800\xff","foo":1}',
            "resource: unexpected end of hex escape at line 1 column 20",
            id="lone-then-raw",
        ),
        pytest.param(
            b'{"resource":"\\ud83d\\ude00\xff","foo":1}',
            "resource: invalid unicode code point at line 1 column 27",
            id="pair-then-raw-byte",
        ),
        pytest.param(b'{"resource":"/a" "method":5}', "expected `,` or `}` at line 1 column 18", id="syntax-then-type"),
    ],
)
def test_gateway_syntax_error_before_a_later_shape_error_is_400(gw: httpx.Client, body: bytes, detail: str) -> None:
    response = post(gw, CHECK, body)
    assert (response.status_code, response.text) == (400, SYNTAX + detail)


APP = b'{"app_slug":"billing","name":"Billing","key_prefix":"sk_live"'  # still open


@pytest.mark.parametrize(
    ("path", "body", "status"),
    [
        pytest.param("/api-auth/apps", b'{"app_slug":5,"name":tru}', 422, id="string-field-integer"),
        pytest.param("/api-auth/apps", b'{"user_id":"x","name":tru}', 422, id="flexible-i64-text"),
        pytest.param("/api-auth/apps", b'{"user_id":-0,"name":tru}', 422, id="flexible-i64-minus-zero"),
        pytest.param("/api-auth/apps", b'{"permissions":"a","name":tru}', 422, id="string-for-a-list"),
        pytest.param("/api-auth/apps", b'{"permissions":[1,tru]}', 422, id="list-item"),
        pytest.param("/api-auth/apps", b'{"name":null,"x":[1 2]}', 422, id="null-for-a-string"),
        pytest.param("/api-auth/apps/billing", b'{"is_active":"yes","name":tru}', 422, id="bool-field-string"),
        pytest.param("/api-auth/rate-limit-schemes", b'{"rules":null,"slug":tru}', 422, id="null-for-a-required-list"),
        pytest.param(
            "/api-auth/rate-limit-schemes", b'{"rules":[{"unit":"week","x":[1 2]}]}', 422, id="unknown-variant"
        ),
        pytest.param(
            "/api-auth/rate-limit-schemes", b'{"rules":[{"duration":2147483648,"unit":tru}]}', 422, id="i32-range"
        ),
        pytest.param("/api-auth/apps/billing/keys", b'{"expires_at":"yesterday","name":tru}', 422, id="timestamp"),
        # the other way round: the syntax error comes first
        pytest.param("/api-auth/apps", b'{"name":tru,"app_slug":5}', 400, id="syntax-then-type"),
        pytest.param("/api-auth/apps/billing/keys", b'{"name":"k","expires_at":"2026-01-01T00:00:00Z",}', 400, id="ok"),
        pytest.param("/api-auth/apps", b'{"permissions":null,"name":tru}', 400, id="null-where-optional-then-syntax"),
    ],
)
def test_backend_first_error_in_reading_order(api: httpx.Client, path: str, body: bytes, status: int) -> None:
    assert post(api, "/api-auth/apps", APP + b"}").status_code == 200
    method = "PATCH" if path == "/api-auth/apps/billing" else "POST"
    response = api.request(method, path, content=body, headers={"content-type": "application/json"})
    assert response.status_code == status, response.text
    assert response.json() == error(status, {400: "Bad request", 422: "Invalid request payload"}[status])


def test_the_rules_name_the_read_that_stopped_early(mock: Mock, api: httpx.Client, gw: httpx.Client) -> None:
    assert post(gw, CHECK, b'{"foo":"\xff"}').status_code == 422
    assert Firing("gateway.http.json_first_error_in_reading_order", "applied") in mock.harness.journal.entries[-1].rules
    assert post(api, "/api-auth/apps", b'{"app_slug":5,"name":tru}').status_code == 422
    assert Firing("http.body.json_first_error_in_reading_order", "applied") in mock.harness.journal.entries[-1].rules
    assert post(api, "/api-auth/apps", b'{"name":tru,"app_slug":5}').status_code == 400
    assert (
        Firing("http.body.json_first_error_in_reading_order", "applied") not in mock.harness.journal.entries[-1].rules
    )
