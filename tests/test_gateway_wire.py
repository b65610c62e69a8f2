"""The gateway's request extraction (backend-behaviour.md §9.1; research notes gateway.md §1): axum's ``Json``
rejections as plain text, serde's messages with path, line and column, and a router with no CORS and no auth.

Expected texts marked "verified" are from the notes' table of outputs of the real structs; the others follow the
same serde_json/serde_path_to_error rules (columns count UTF-8 bytes read; a scalar is read before serde complains
about it, a ``[``/``{`` only peeked at; unknown and duplicate keys are reported after the whitespace that follows).
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from conftest import Mock, ok

from wacht_mock.http.axum import BODY_LIMIT_BYTES

CHECK = "/v1/authz/check"
TEXT = "text/plain; charset=utf-8"
SYNTAX = "Failed to parse the request body as JSON: "
SHAPE = "Failed to deserialize the JSON body into the target type: "
UNSUPPORTED = "Expected request with `Content-Type: application/json`"
FIELDS = "expected one of `principal`, `resource`, `method`, `client_ip`, `user_agent`, `required_permissions`"
VARIANTS = "expected `api_key` or `oauth_access_token`"
P = '{"type":"api_key","value":"x"}'  # 30 characters
BASE = '{"principal":' + P + ',"resource":"/a","method":"GET"'  # 74 characters, object still open
UNKNOWN_KEY = "sk_" + "A" * 43  # well-formed, matches no key


@pytest.fixture
def secret(api: httpx.Client) -> str:
    """The secret of a working key (app ``app1`` of deployment 1, default rate limit)."""
    ok(api.post("/api-auth/apps", json={"app_slug": "app1", "name": "App", "key_prefix": "sk_live"}))
    return str(ok(api.post("/api-auth/apps/app1/keys", json={"name": "K"}))["secret"])


def post(gw: httpx.Client, body: str | bytes, content_type: str | None = "application/json") -> httpx.Response:
    headers = {"content-type": content_type} if content_type is not None else {}
    return gw.post(CHECK, content=body.encode() if isinstance(body, str) else body, headers=headers)


def request(secret: str, **fields: Any) -> str:
    return json.dumps({"principal": {"type": "api_key", "value": secret}, "resource": "/a", "method": "GET", **fields})


def assert_text(resp: httpx.Response, status: int, text: str) -> None:
    assert (resp.status_code, resp.text) == (status, text)
    assert resp.headers["content-type"] == TEXT


def assert_allowed(resp: httpx.Response) -> None:
    body = ok(resp)
    assert body["allowed"] is True, body


# Content type (415, checked before the body is read)


@pytest.mark.parametrize(
    "content_type",
    [None, "", "text/plain", "text/json", "application/jsonx", "application/x-www-form-urlencoded", "json", "/"],
)
def test_json_content_type_required(gw: httpx.Client, secret: str, content_type: str | None) -> None:
    assert_text(post(gw, request(secret), content_type), 415, UNSUPPORTED)


@pytest.mark.parametrize(
    "content_type",
    [
        "application/json",
        "application/json; charset=utf-8",
        "application/json;charset=latin1",
        "Application/JSON",
        "application/vnd.api+json",
        "application/problem+json; charset=utf-8",
    ],
)
def test_json_content_types_accepted(gw: httpx.Client, secret: str, content_type: str) -> None:
    assert_allowed(post(gw, request(secret), content_type))


def test_content_type_checked_before_size_and_syntax(gw: httpx.Client) -> None:
    assert_text(post(gw, b"x" * (BODY_LIMIT_BYTES + 1), "text/plain"), 415, UNSUPPORTED)
    assert_text(post(gw, "{bad json}", None), 415, UNSUPPORTED)


# Body size (413)


def test_body_limit_is_2_mib(gw: httpx.Client) -> None:
    body = request(UNKNOWN_KEY)
    at_limit = body + " " * (BODY_LIMIT_BYTES - len(body))
    assert len(at_limit) == 2 * 1024 * 1024
    assert_text(post(gw, at_limit), 401, "Invalid API key")  # parsed and looked up
    assert_text(post(gw, at_limit + " "), 413, "Failed to buffer the request body: length limit exceeded")


# Syntax (400)


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        ("", "EOF while parsing a value at line 1 column 0"),  # verified
        ("{bad json}", "key must be a string at line 1 column 2"),  # verified
        (BASE + ",}", "trailing comma at line 1 column 76"),  # verified
        ("   ", "EOF while parsing a value at line 1 column 3"),
        ("\n", "EOF while parsing a value at line 2 column 0"),
        ("{", "EOF while parsing an object at line 1 column 1"),
        (BASE + "\n", "EOF while parsing an object at line 2 column 0"),
        ('{"principal" 1}', "expected `:` at line 1 column 14"),
        ('{"principal":{"type":"api_key","value":"x"} "resource":"/a"}', "expected `,` or `}` at line 1 column 45"),
    ],
)
def test_syntax_errors(gw: httpx.Client, body: str, detail: str) -> None:
    assert_text(post(gw, body), 400, SYNTAX + detail)


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        # serde_path_to_error writes the path reached before serde_json's text (none at the top level)
        ('{"principal":', "principal: EOF while parsing a value at line 1 column 13"),
        ('{"principal":NaN}', "principal: expected value at line 1 column 14"),
        (BASE + ',"required_permissions":["a",]}', "required_permissions: trailing comma at line 1 column 104"),
        ("nul", "EOF while parsing a value at line 1 column 3"),
    ],
)
def test_syntax_errors_with_their_path(gw: httpx.Client, body: str, detail: str) -> None:
    assert_text(post(gw, body), 400, SYNTAX + detail)


@pytest.mark.parametrize("value", ["5", "-1", "null", "true", "false", "[1]", "[]"])
def test_principal_type_not_string_or_object_is_400(gw: httpx.Client, value: str) -> None:
    # serde_json's deserialize_enum answers a Syntax error ("expected value") at the offending byte: 400, not 422
    body = '{"principal":{"type":' + value + ',"value":"x"},"resource":"/a","method":"GET"}'
    assert_text(post(gw, body), 400, SYNTAX + "principal.type: expected value at line 1 column 22")  # verified (5)


# Shape (422)


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        # verified
        ('{"foo":1}', f"foo: unknown field `foo`, {FIELDS} at line 1 column 6"),
        (
            '{"principal":{"type":"api_key","value":"x","extra":true},"resource":"/a","method":"GET"}',
            "principal.extra: unknown field `extra`, expected `type` or `value` at line 1 column 50",
        ),
        (
            '{"principal":{"type":"m2m_oauth","value":"x"},"resource":"/a","method":"GET"}',
            f"principal.type: unknown variant `m2m_oauth`, {VARIANTS} at line 1 column 32",
        ),
        (
            '{"principal":{"value":"x"},"resource":"/a","method":"GET"}',
            "principal: missing field `type` at line 1 column 26",
        ),
        ('{"principal":' + P + ',"method":"GET"}', "missing field `resource` at line 1 column 59"),
        ("{}", "missing field `principal` at line 1 column 2"),
        (
            '{"principal":' + P + ',"resource":5,"method":"GET"}',
            "resource: invalid type: integer `5`, expected a string at line 1 column 56",
        ),
        (
            '{"principal":' + P + ',"resource":null,"method":"GET"}',
            "resource: invalid type: null, expected a string at line 1 column 59",
        ),
        (
            BASE + ',"required_permissions":"a"}',
            'required_permissions: invalid type: string "a", expected a sequence at line 1 column 101',
        ),
        (
            BASE + ',"required_permissions":["a",1]}',
            "required_permissions[1]: invalid type: integer `1`, expected a string at line 1 column 104",
        ),
        (
            '{"principal":"x","resource":"/a","method":"GET"}',
            'principal: invalid type: string "x", expected struct AuthzPrincipal at line 1 column 16',
        ),
        (BASE + ',"method":"GET"}', "duplicate field `method` at line 1 column 83"),
        ("null", "invalid type: null, expected struct AuthzCheckRequest at line 1 column 4"),
        # same rules
        (
            '{"principal":{"type":"api_key"},"resource":"/a","method":"GET"}',
            "principal: missing field `value` at line 1 column 31",
        ),
        ('{"principal":' + P + ',"resource":"/a"}', "missing field `method` at line 1 column 60"),
        (
            '{"principal":{"type":"API_KEY","value":"x"},"resource":"/a","method":"GET"}',
            f"principal.type: unknown variant `API_KEY`, {VARIANTS} at line 1 column 30",
        ),
        (
            '{"principal":{"type":"api_key","value":5},"resource":"/a","method":"GET"}',
            "principal.value: invalid type: integer `5`, expected a string at line 1 column 40",
        ),
        (
            '{"principal":{"type":"api_key","value":null},"resource":"/a","method":"GET"}',
            "principal.value: invalid type: null, expected a string at line 1 column 43",
        ),
        (
            '{"principal":{"type":"api_key","type":"api_key","value":"x"},"resource":"/a","method":"GET"}',
            "principal: duplicate field `type` at line 1 column 37",
        ),
        (
            BASE + ',"required_permissions":[null]}',
            "required_permissions[0]: invalid type: null, expected a string at line 1 column 103",
        ),
        (
            BASE + ',"required_permissions":{}}',
            "required_permissions: invalid type: map, expected a sequence at line 1 column 98",
        ),
        (
            BASE + ',"required_permissions":["a",["b"]]}',
            "required_permissions[1]: invalid type: sequence, expected a string at line 1 column 103",
        ),
        (BASE + ',"client_ip":5}', "client_ip: invalid type: integer `5`, expected a string at line 1 column 88"),
        (
            BASE + ',"user_agent":1.5}',
            "user_agent: invalid type: floating point `1.5`, expected a string at line 1 column 91",
        ),
        (BASE + ',"user_agent":[]}', "user_agent: invalid type: sequence, expected a string at line 1 column 88"),
        (
            '{"principal":' + P + ',"resource":"/a","method":true}',
            "method: invalid type: boolean `true`, expected a string at line 1 column 73",
        ),
        (
            '{"principal":' + P + ',"resource":"/a","method":-1}',
            "method: invalid type: integer `-1`, expected a string at line 1 column 71",
        ),
        (
            '{"principal":' + P + ',"resource":"/a","method":["GET"]}',
            "method: invalid type: sequence, expected a string at line 1 column 69",
        ),
        (
            '{"principal":' + P + ',"resource":"/a","method":{}}',
            "method: invalid type: map, expected a string at line 1 column 69",
        ),
        (
            '{"principal":5,"resource":"/a","method":"GET"}',
            "principal: invalid type: integer `5`, expected struct AuthzPrincipal at line 1 column 14",
        ),
        (
            '{"principal":null,"resource":"/a","method":"GET"}',
            "principal: invalid type: null, expected struct AuthzPrincipal at line 1 column 17",
        ),
        ('"x"', 'invalid type: string "x", expected struct AuthzCheckRequest at line 1 column 3'),
        ("5", "invalid type: integer `5`, expected struct AuthzCheckRequest at line 1 column 1"),
        ("[]", "invalid length 0, expected struct AuthzCheckRequest with 6 elements at line 1 column 2"),
        # the first error in document order wins
        ('{"foo":1,"principal":5}', f"foo: unknown field `foo`, {FIELDS} at line 1 column 6"),
        (
            '{"principal":5,"foo":1}',
            "principal: invalid type: integer `5`, expected struct AuthzPrincipal at line 1 column 14",
        ),
        (
            '{"resource":5,"principal":{"foo":1}}',
            "resource: invalid type: integer `5`, expected a string at line 1 column 13",
        ),
        (BASE + ',"method":5}', "duplicate field `method` at line 1 column 83"),
    ],
)
def test_shape_errors(gw: httpx.Client, body: str, detail: str) -> None:
    assert_text(post(gw, body), 422, SHAPE + detail)


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        # unknown and duplicate keys are reported after the whitespace that follows them
        ('{ "foo" : 1}', f"foo: unknown field `foo`, {FIELDS} at line 1 column 8"),
        ('{"foo"\n:1}', f"foo: unknown field `foo`, {FIELDS} at line 2 column 0"),
        (
            '{\n  "principal": {\n    "type": "api_key",\n    "extra"  : 1\n  }\n}',
            "principal.extra: unknown field `extra`, expected `type` or `value` at line 4 column 13",
        ),
        (BASE + ' , "method" : "GET"}', "duplicate field `method` at line 1 column 86"),
        # a [ or { is only peeked at: the position is what was read before it
        (
            '{"principal":' + P + ', "resource": [1,2], "method":"GET"}',
            "resource: invalid type: sequence, expected a string at line 1 column 57",
        ),
        (
            '{\n  "principal": {\n    "type": "api_key",\n    "value": []\n  }\n}',
            "principal.value: invalid type: sequence, expected a string at line 4 column 13",
        ),
        (
            '{"principal":' + P + ',"resource":"/a","method":\n["GET"]}',
            "method: invalid type: sequence, expected a string at line 2 column 0",
        ),
        (
            '{"principal":' + P + ',\n"resource":5,"method":"GET"}',
            "resource: invalid type: integer `5`, expected a string at line 2 column 12",
        ),
        # columns count bytes: "é" is two
        (
            '{"principal":' + P + ',"resource":"/\u00e9","method":5}',
            "method: invalid type: integer `5`, expected a string at line 1 column 71",
        ),
        ('{"\u00e9":1}', f"\u00e9: unknown field `\u00e9`, {FIELDS} at line 1 column 5"),
    ],
)
def test_shape_error_positions(gw: httpx.Client, body: str, detail: str) -> None:
    assert_text(post(gw, body), 422, SHAPE + detail)


def test_non_string_principal_type_with_shape_error_earlier_is_422(gw: httpx.Client) -> None:
    # the first error in document order decides the status too
    body = '{"method":5,"principal":{"type":5,"value":"x"}}'
    assert_text(post(gw, body), 422, SHAPE + "method: invalid type: integer `5`, expected a string at line 1 column 11")


# serde's externally tagged enum also takes {"<variant>": null}


def test_principal_type_object_form_accepted(gw: httpx.Client, secret: str) -> None:
    body = {"principal": {"type": {"api_key": None}, "value": secret}, "resource": "/a", "method": "GET"}
    assert_allowed(gw.post(CHECK, json=body))
    spaced = '{"principal":{"type":{ "api_key" : null },"value":"' + secret + '"},"resource":"/a","method":"GET"}'
    assert_allowed(post(gw, spaced))


def test_principal_type_object_form_oauth_is_the_401_envelope(gw: httpx.Client, secret: str) -> None:
    body = {"principal": {"type": {"oauth_access_token": None}, "value": secret}, "resource": "/a", "method": "GET"}
    resp = gw.post(CHECK, json=body)
    assert resp.status_code == 401
    assert resp.json()["allowed"] is False and resp.json()["identity"] is None


@pytest.mark.parametrize(
    ("type_json", "status", "detail"),
    [
        ('{"nope":null}', 422, f"principal.type: unknown variant `nope`, {VARIANTS} at line 1 column 28"),
        ('{"api_key":1}', 422, "principal.type.api_key: invalid type: integer `1`, expected unit at line 1 column 33"),
        ('{"api_key":"s"}', 422, 'principal.type.api_key: invalid type: string "s", expected unit at line 1 column 35'),
        ("{}", 400, "principal.type: expected value at line 1 column 23"),
        ('{"api_key":null,"x":1}', 400, "principal.type: expected value at line 1 column 36"),
        ('{"api_key":null,"api_key":null}', 400, "principal.type: expected value at line 1 column 36"),
    ],
)
def test_principal_type_object_form_errors(gw: httpx.Client, type_json: str, status: int, detail: str) -> None:
    body = '{"principal":{"type":' + type_json + ',"value":"x"},"resource":"/a","method":"GET"}'
    assert_text(post(gw, body), status, (SYNTAX if status == 400 else SHAPE) + detail)


def test_optional_fields_absent_or_null(gw: httpx.Client, secret: str) -> None:
    assert_allowed(post(gw, request(secret)))
    assert_allowed(post(gw, request(secret, client_ip=None, user_agent=None, required_permissions=None)))
    assert_allowed(post(gw, request(secret, client_ip="1.2.3.4", user_agent="ua", required_permissions=[])))


# Router: one route, POST only, no CORS, no auth


@pytest.mark.parametrize("method", ["GET", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"])
def test_other_methods_are_405_without_allow(gw: httpx.Client, method: str) -> None:
    resp = gw.request(method, CHECK)
    assert (resp.status_code, resp.content) == (405, b"")
    assert "allow" not in resp.headers  # §15.4: no Allow header on any 405
    assert "content-type" not in resp.headers


def test_options_is_not_a_preflight_and_no_cors_headers(gw: httpx.Client, secret: str) -> None:
    origin = {"origin": "https://console.wacht.dev"}
    preflight = {**origin, "access-control-request-method": "POST", "access-control-request-headers": "content-type"}
    # the backend routes answer a preflight (production's tower-http CORS layer) ...
    backend = gw.options("/api-auth/apps", headers=preflight)
    assert backend.status_code == 200
    assert backend.headers["access-control-allow-origin"] == "https://console.wacht.dev"
    # ... the gateway router has no such layer
    resp = gw.options(CHECK, headers=preflight)
    assert (resp.status_code, resp.content) == (405, b"")
    assert not [h for h in resp.headers if h.startswith("access-control-") or h == "vary"]
    allowed = gw.post(CHECK, content=request(secret), headers={**origin, "content-type": "application/json"})
    assert_allowed(allowed)
    assert not [h for h in allowed.headers if h.startswith("access-control-") or h == "vary"]
    assert sorted(allowed.headers) == ["content-length", "content-type"]


def test_no_backend_auth_needed_or_checked(mock: Mock, secret: str) -> None:
    with mock.client(None, authorization="Bearer nonsense") as client:
        assert_allowed(client.post(CHECK, content=request(secret), headers={"content-type": "application/json"}))
    with mock.client(2) as other_deployment:  # another deployment's backend secret is irrelevant too
        assert_allowed(
            other_deployment.post(CHECK, content=request(secret), headers={"content-type": "application/json"})
        )


def test_query_string_does_not_change_the_route(gw: httpx.Client, secret: str) -> None:
    assert_allowed(gw.post(CHECK + "?debug=1", content=request(secret), headers={"content-type": "application/json"}))


def test_framework_rejections_are_not_audited(gw: httpx.Client, api: httpx.Client, secret: str) -> None:
    post(gw, request(secret), "text/plain")
    post(gw, request(secret)[:-1])
    post(gw, request(secret)[:-1] + ',"foo":1}')
    gw.get(CHECK)
    assert ok(api.get("/api-auth/apps/app1/audit/logs"))["data"] == []
    assert_allowed(post(gw, request(secret)))
    assert len(ok(api.get("/api-auth/apps/app1/audit/logs"))["data"]) == 1
