"""The gateway's syntax errors byte for byte (backend-behaviour.md §9.1, §15.1): axum 0.8.1 answers 400
``Failed to parse the request body as JSON: <serde_path_to_error::Error>``, whose Display puts the path reached
first (none at the top level, nor for a path of unknown segments only) before serde_json 1.0.140's text and
``line L column C``.

Each expected text is derived from the crates' sources: serde_json reports at ``SliceRead::position`` (just past
the last byte consumed) or ``peek_position`` (the peeked byte counted too), columns in UTF-8 bytes; a key, and
the comma or brace around it, is read before serde_path_to_error has captured the key (path ``<map>.?``); a colon
is read in ``next_value_seed`` before the tracked seed (path ``<map>``); a value is read under its field's path.
"""

from __future__ import annotations

import httpx
import pytest

CHECK = "/v1/authz/check"
SYNTAX = "Failed to parse the request body as JSON: "
P = b'{"principal":{"type":"api_key",'  # 31 bytes, principal's object open after a comma

CASES = [
    # top level: no path
    (b"tru ", "expected ident at line 1 column 4"),
    (b"-", "EOF while parsing a value at line 1 column 1"),
    (b"-x", "invalid number at line 1 column 2"),
    (b"01", "invalid number at line 1 column 2"),  # de.rs parse_integer: a second leading digit is peeked
    (b"1.", "EOF while parsing a value at line 1 column 2"),
    (b"1.x", "invalid number at line 1 column 3"),
    (b"1e", "EOF while parsing a value at line 1 column 2"),
    (b"1e+x", "invalid number at line 1 column 4"),
    (b"1e400", "number out of range at line 1 column 5"),
    (b'"\\q"', "invalid escape at line 1 column 3"),
    (b'"\\u12"', "EOF while parsing a string at line 1 column 6"),  # read.rs decode_hex_escape: < 4 bytes left
    (b'"\\u12G4"', "invalid escape at line 1 column 7"),
    (b'"\\udc00"', "lone leading surrogate in hex escape at line 1 column 7"),
    # the top-level object's keys, commas and colons: no path either
    (b'{"resource":"/a",', "EOF while parsing a value at line 1 column 17"),
    (b'{"reso\\qurce":1}', "invalid escape at line 1 column 8"),
    (b'{"\xff":1}', "invalid unicode code point at line 1 column 4"),  # read.rs as_str: after the closing quote
    # inside a field's value: the field's path
    (b'{"resource":', "resource: EOF while parsing a value at line 1 column 12"),
    (b'{"resource":tru}', "resource: expected ident at line 1 column 16"),
    (b'{"resource":1.}', "resource: invalid number at line 1 column 15"),
    (b'{"resource":01}', "resource: invalid number at line 1 column 14"),
    (b'{"resource":-}', "resource: invalid number at line 1 column 14"),
    (b'{"resource":1e999}', "resource: number out of range at line 1 column 17"),
    # de.rs parse_exponent_overflow: refused at the digit that overflows i32, one nine before the end
    (b'{"resource":1e99999999999}', "resource: number out of range at line 1 column 24"),
    (
        b'{"resource":"a\tb"}',
        "resource: control character (\\u0000-\\u001F) found while parsing a string at line 1 column 15",
    ),
    (b'{"resource":"\\x"}', "resource: invalid escape at line 1 column 15"),
    (b'{"resource":"\\uZZZZ"}', "resource: invalid escape at line 1 column 19"),
    (b'{"resource":"\\u00', "resource: EOF while parsing a string at line 1 column 17"),
    (b'{"resource":"\\ud800', "resource: EOF while parsing a string at line 1 column 19"),
    (b'{"resource":"\\ud800\\n"}', "resource: unexpected end of hex escape at line 1 column 21"),
    (b'{"resource":"/a', "resource: EOF while parsing a string at line 1 column 15"),
    (b'{"client_ip":nulL}', "client_ip: expected ident at line 1 column 17"),
    (b'{\n  "resource": tru\n}', "resource: expected ident at line 3 column 0"),  # the newline was consumed
    (b'{"resource":"\xc3\xa9","method":tru}', "method: expected ident at line 1 column 30"),
    # principal's keys (path principal.?), its colons (principal) and values
    (P + b"}}", "principal.?: trailing comma at line 1 column 32"),
    (b'{"principal":{"type" "api_key"}}', "principal: expected `:` at line 1 column 22"),
    (b'{"principal":{"value":"x" "type":"api_key"}}', "principal.?: expected `,` or `}` at line 1 column 27"),
    (b'{"principal":{1:2}}', "principal.?: key must be a string at line 1 column 15"),
    (b'{"principal":{', "principal.?: EOF while parsing an object at line 1 column 14"),
    (b'{"principal":{"\xff":1}}', "principal.?: invalid unicode code point at line 1 column 17"),
    (P + b'"value":"\\ud800"}}', "principal.value: unexpected end of hex escape at line 1 column 47"),
    # principal.type's enum: the variant's unit value under its own segment
    (b'{"principal":{"type":{"api_key":nul}}}', "principal.type.api_key: expected ident at line 1 column 36"),
    (b'{"principal":{"type":{"api_key" null}}}', "principal.type: expected `:` at line 1 column 33"),
    (b'{"principal":{"type":{"api_key":null', "principal.type: EOF while parsing an object at line 1 column 36"),
    (b'{"principal":{"type":', "principal.type: EOF while parsing a value at line 1 column 21"),
    # required_permissions: the list's commas under its path, each element under its index
    (b'{"required_permissions":["a" "b"]}', "required_permissions: expected `,` or `]` at line 1 column 30"),
    (b'{"required_permissions":["a",', "required_permissions: EOF while parsing a value at line 1 column 29"),
    (b'{"required_permissions":[', "required_permissions: EOF while parsing a list at line 1 column 25"),
    (b'{"required_permissions":["a",tru]}', "required_permissions[1]: expected ident at line 1 column 33"),
    (b'{"required_permissions":nul}', "required_permissions: expected ident at line 1 column 28"),
    (b'{"required_permissions":["a","\\q"]}', "required_permissions[1]: invalid escape at line 1 column 32"),
]


@pytest.mark.parametrize(("body", "detail"), CASES, ids=[body.decode("latin-1") for body, _ in CASES])
def test_gateway_syntax_error_is_production_text(gw: httpx.Client, body: bytes, detail: str) -> None:
    response = gw.post(CHECK, content=body, headers={"content-type": "application/json"})
    assert (response.status_code, response.text) == (400, SYNTAX + detail)


SEQUENCE_CASES = [
    # A struct given as a JSON array is read by the derived visit_seq, field by field in declaration order, then
    # serde_json's end_seq; the path of each element is its index.
    (b'[{"type":"api_key","value":"x"},"/a","GET",null,null,null,1]', 400, "trailing characters at line 1 column 59"),
    (b'[["api_key","x"],"/a","GET",null,null,null,]', 400, "trailing comma at line 1 column 44"),
    (b'[["api_key","x"],"/a","GET",nul', 400, "[3]: EOF while parsing a value at line 1 column 31"),
    (b'[["api_key"', 400, "[0]: EOF while parsing a list at line 1 column 11"),
    (b"[[tru", 400, "[0][0]: expected value at line 1 column 3"),  # deserialize_enum peeks the `t`
    (b'["x"]', 422, '[0]: invalid type: string "x", expected struct AuthzPrincipal at line 1 column 4'),
    (
        b'[["api_key"]]',
        422,
        "[0]: invalid length 1, expected struct AuthzPrincipal with 2 elements at line 1 column 12",
    ),
    (
        b'[["api_key","x"]]',
        422,
        "invalid length 1, expected struct AuthzCheckRequest with 6 elements at line 1 column 17",
    ),
]


@pytest.mark.parametrize(("body", "status", "detail"), SEQUENCE_CASES, ids=[b.decode() for b, _, _ in SEQUENCE_CASES])
def test_gateway_request_as_a_sequence(gw: httpx.Client, body: bytes, status: int, detail: str) -> None:
    response = gw.post(CHECK, content=body, headers={"content-type": "application/json"})
    prefix = SYNTAX if status == 400 else "Failed to deserialize the JSON body into the target type: "
    assert (response.status_code, response.text) == (status, prefix + detail)


def test_gateway_request_as_a_complete_sequence_is_checked(gw: httpx.Client) -> None:
    body = b'[["api_key","sk_' + b"A" * 43 + b'"],"/a","GET",null,null,["a"]]'
    response = gw.post(CHECK, content=body, headers={"content-type": "application/json"})
    assert (response.status_code, response.text) == (401, "Invalid API key")


NUMBER_CASES = [
    # serde_json's default features: a u64 significand scaled by a power of ten in f64 steps (de.rs
    # f64_from_parts), which can differ from the correctly rounded value in the last digit
    (b'{"resource":38382277801338158e-15}', "floating point `38.38227780133816`", 33),
    # Rust's Display of an f64 never uses an exponent; serde adds ".0" to a whole number
    (b'{"resource":1e20}', "floating point `100000000000000000000.0`", 16),
    (b'{"resource":-18446744073709551616}', "floating point `-18446744073709552000.0`", 33),
]


@pytest.mark.parametrize(("body", "unexpected", "column"), NUMBER_CASES, ids=[b.decode() for b, _, _ in NUMBER_CASES])
def test_gateway_number_read_as_serde_json_reads_it(
    gw: httpx.Client, body: bytes, unexpected: str, column: int
) -> None:
    response = gw.post(CHECK, content=body, headers={"content-type": "application/json"})
    detail = f"resource: invalid type: {unexpected}, expected a string at line 1 column {column}"
    assert (response.status_code, response.text) == (
        422,
        "Failed to deserialize the JSON body into the target type: " + detail,
    )
