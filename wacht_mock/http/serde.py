"""serde_json (1.0.140) as production reads JSON: the values it refuses (``STRICT``, for the backend's reader),
and the gateway's ``AuthzCheckRequest`` read byte by byte with serde's error texts — syntax errors (through
serde_path_to_error, so with the path reached), unknown or duplicate field, unknown variant, wrong type, missing
field — with their line and column (backend-behaviour.md §9.1)."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator
from typing import Any, NoReturn

from ..domain.gateway import AuthzCheckRequest
from ..errors import VendorError
from ..rules import Rule, rule
from .serde_syntax import (
    EOF_LIST,
    EOF_OBJECT,
    EOF_VALUE,
    EXPECTED_COLON,
    EXPECTED_LIST_END,
    EXPECTED_OBJECT_END,
    EXPECTED_VALUE,
    KEY_NOT_STRING,
    TRAILING_CHARACTERS,
    TRAILING_COMMA,
    WS,
    Json,
    JsonSyntax,
    position,
)

_AXUM = "axum 0.8 Json rejections (no normaliser on the gateway router)"

SYNTAX = rule(
    "gateway.http.json_syntax",
    _AXUM + " + serde_json 1.0.140 src/de.rs, src/read.rs + serde_path_to_error src/de.rs (the path before it)",
    400,
    "Failed to parse the request body as JSON: {detail}",
)
SHAPE = rule(
    "gateway.http.json_shape", _AXUM, 422, "Failed to deserialize the JSON body into the target type: {detail}"
)
UNKNOWN_FIELDS = rule(
    "gateway.request.unknown_fields_rejected",
    "platform/src/gateway/handlers.rs (deny_unknown_fields)",
    422,
    "Failed to deserialize the JSON body into the target type: {detail}",
)
SEQUENTIAL = rule(
    "gateway.http.json_first_error_in_reading_order",
    "serde_json 1.0.140 src/de.rs:1984-2031 (next_key_seed reads the key; next_value_seed then the colon and value)"
    " + serde_derive 1.0.219 src/de.rs:2291-2301 (an unknown key is refused when it is read)",
)
TRAILING_DATA_IGNORED = rule(
    "gateway.http.json_trailing_data_ignored", "axum 0.8.1 src/json.rs Json::from_bytes (no Deserializer::end)"
)
PRINCIPAL_TYPE = rule(
    "gateway.request.principal_type_known",
    "platform/src/gateway/handlers.rs (PrincipalType)",
    422,
    "Failed to deserialize the JSON body into the target type: {detail}",
)

_FIELDS = ("principal", "resource", "method", "client_ip", "user_agent", "required_permissions")
_REQUIRED = ("principal", "resource", "method")
_PRINCIPAL_FIELDS = ("type", "value")
_TYPES = ("api_key", "oauth_access_token")
_SURROGATE = re.compile("[\ud800-\udfff]")


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _finite_float(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        raise ValueError("number out of range")
    return value


def has_lone_surrogates(value: Any) -> bool:
    """Whether a decoded value holds a lone surrogate (from an escape, which serde_json refuses)."""
    if isinstance(value, str):
        return _SURROGATE.search(value) is not None
    if isinstance(value, list):
        return any(has_lone_surrogates(v) for v in value)
    if isinstance(value, dict):
        return any(has_lone_surrogates(k) or has_lone_surrogates(v) for k, v in value.items())
    return False


def _serde_int(text: str) -> int | float:
    # serde_json reads ``-0`` as the float -0.0, so an integer field given it is a data error (§15.1).
    return -0.0 if text == "-0" else int(text)


STRICT = json.JSONDecoder(  # serde_json's reading of a shallow value
    parse_constant=_no_constants, parse_float=_finite_float, parse_int=_serde_int
)
_OPEN_BRACE, _CLOSE_BRACE, _OPEN_BRACKET, _CLOSE_BRACKET = b"{}[]"
_QUOTE, _COLON, _COMMA, _N = b'":,n'


def read_authz_request(raw: bytes) -> AuthzCheckRequest:
    """Read the request as serde_json does into the struct, or raise the plain-text rejection as a ``VendorError``.

    An object body is read in one pass, in text order, and the first error met is the answer (serde_json
    1.0.140 ``MapAccess::next_key_seed`` reads a key, the derived field visitor refuses an unknown one at once,
    and only then does ``next_value_seed`` read the colon and the value): an unknown field is 422 whatever its
    value holds, and a shape error in a known field wins over a syntax error after it. A syntax error carries
    the path serde_path_to_error had reached (see ``_Reader``)."""
    reader = _Reader(raw)
    try:
        request = reader.request()
    except JsonSyntax as exc:
        message = f"{reader.path}: {exc.message}" if reader.path else exc.message
        SYNTAX.deny(detail=f"{message} at {position(raw, exc.index)}")
    except VendorError as exc:
        if exc.status == 422 and reader.in_object:
            SEQUENTIAL.applied()  # the read stopped here: nothing after it (a syntax error) counts
        raise
    if raw[reader.json.pos :].strip(WS):
        TRAILING_DATA_IGNORED.applied()
    SYNTAX.allow()
    SHAPE.allow()
    UNKNOWN_FIELDS.allow()
    return request


class _Reader:
    """Reads a body as serde does, in one pass: each key, then (for a known one) its colon and value.

    ``path`` is what serde_path_to_error (0.1.x, src/de.rs) would name if serde_json raised a syntax error now:
    the field whose value is being read (``resource``, ``required_permissions[0]``, ``principal.type.api_key``
    inside the enum's variant); the enclosing map while its colon is read (``MapAccess::next_value_seed`` fails
    before the tracked seed runs); and while a key or the comma and brace around it is read, the enclosing map
    plus an unknown segment (``next_key_seed`` has captured no key): ``principal.?``, nothing at the top level
    (a path of unknown segments only is not written). A container where a string or unit is expected is refused on
    its opening without being read, so nothing here ever descends more than three levels."""

    def __init__(self, data: bytes) -> None:
        self.json = Json(data)
        self.path = ""
        self.in_object = False

    def request(self) -> AuthzCheckRequest:
        c = self.json.ws()
        if c is None:
            self.json.peek_fail(EOF_VALUE)
        if c == _OPEN_BRACE:
            self.in_object = True
            return _request(self._object())
        if c == _OPEN_BRACKET:
            return _request(dict(zip(_FIELDS, self._sequence("", _FIELDS, "struct AuthzCheckRequest"), strict=True)))
        self._wrong_type("", self.json.unexpected(), "struct AuthzCheckRequest")

    def _object(self) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for key in self._keys(""):
            if key not in _FIELDS:
                expected = ", ".join(f"`{f}`" for f in _FIELDS)
                self._refuse_key(UNKNOWN_FIELDS, f"{key}: unknown field `{key}`, expected one of {expected}")
            if key in values:
                self._refuse_key(SHAPE, f"duplicate field `{key}`")
            self._colon("")
            values[key] = self._field(key, key)
        for name in _REQUIRED:
            if name not in values:
                self._shape("", f"missing field `{name}`")
        return values

    def _sequence(self, base: str, fields: tuple[str, ...], name: str) -> list[Any]:
        """A struct given as a JSON array (the derived ``visit_seq``): its fields in order, then serde_json's
        ``end_seq``. A missing element is ``invalid length``, placed after the ``]`` that ``end_seq`` ate."""
        self.json.pos += 1
        values: list[Any] = []
        for index, field in enumerate(fields):
            self.path = base  # has_next_element runs before the element's tracked seed
            c = self.json.ws()
            if c is None:
                self.json.peek_fail(EOF_LIST)
            if c == _CLOSE_BRACKET:
                self.json.pos += 1
                self._shape(base, f"invalid length {index}, expected {name} with {len(fields)} elements")
            if index:
                self._comma(EXPECTED_LIST_END, _CLOSE_BRACKET)
            values.append(self._field(field, f"{base}[{index}]"))
        self.path = base
        c = self.json.ws()
        if c == _COMMA:
            self.json.pos += 1
            self.json.peek_fail(TRAILING_COMMA if self.json.ws() == _CLOSE_BRACKET else TRAILING_CHARACTERS)
        if c != _CLOSE_BRACKET:
            self.json.peek_fail(EOF_LIST if c is None else TRAILING_CHARACTERS)
        self.json.pos += 1
        return values

    def _field(self, key: str, path: str) -> Any:
        if key == "principal":
            return self._principal(path)
        if key == "type":
            return self._principal_type(path)
        if key == "required_permissions":
            return self._permissions(path)
        if key in ("client_ip", "user_agent") and self._null(path):
            return None
        return self._string(path, "a string")

    def _null(self, path: str) -> bool:
        """``deserialize_option``: a ``null`` is read (its literal checked), anything else is left for the value."""
        self.path = path
        if self.json.ws() != _N:
            return False
        self.json.pos += 1
        self.json.ident(b"ull")
        return True

    def _string(self, path: str, expected: str) -> str:
        """``deserialize_str``: a string, or the wrong value read whole (its syntax first) and refused."""
        self.path = path
        c = self.json.ws()
        if c is None:
            self.json.peek_fail(EOF_VALUE)
        if c == _QUOTE:
            return self.json.string()
        self._wrong_type(path, self.json.unexpected(), expected)

    def _permissions(self, key: str) -> list[str] | None:
        if self._null(key):
            return None
        c = self.json.ws()
        if c is None:
            self.json.peek_fail(EOF_VALUE)
        if c != _OPEN_BRACKET:
            self._wrong_type(key, self.json.unexpected(), "a sequence")
        self.json.pos += 1
        items: list[str] = []
        while True:
            self.path = key  # has_next_element runs before the element's tracked seed
            c = self.json.ws()
            if c is None:
                self.json.peek_fail(EOF_LIST)
            if c == _CLOSE_BRACKET:
                self.json.pos += 1
                return items
            if items:
                self._comma(EXPECTED_LIST_END, _CLOSE_BRACKET)
            items.append(self._string(f"{key}[{len(items)}]", "a string"))

    def _comma(self, expected: str, close: int) -> None:
        """The ``,`` before a further element or key (``has_next_element`` / ``has_next_key``)."""
        if self.json.peek() != _COMMA:
            self.json.peek_fail(expected)
        self.json.pos += 1
        c = self.json.ws()
        if c is None:
            self.json.peek_fail(EOF_VALUE)
        if c == close:
            self.json.peek_fail(TRAILING_COMMA)

    def _principal(self, base: str) -> tuple[str, str]:
        self.path = base
        c = self.json.ws()
        if c is None:
            self.json.peek_fail(EOF_VALUE)
        if c == _OPEN_BRACKET:
            principal_type, value = self._sequence(base, _PRINCIPAL_FIELDS, "struct AuthzPrincipal")
            return principal_type, value
        if c != _OPEN_BRACE:
            self._wrong_type(base, self.json.unexpected(), "struct AuthzPrincipal")
        seen: dict[str, str] = {}
        for key in self._keys(base):
            if key not in _PRINCIPAL_FIELDS:
                message = f"{base}.{key}: unknown field `{key}`, expected `type` or `value`"
                self._refuse_key(UNKNOWN_FIELDS, message)
            if key in seen:
                self._refuse_key(SHAPE, f"{base}: duplicate field `{key}`")
            self._colon(base)
            seen[key] = self._field(key, f"{base}.{key}")
        for name in _PRINCIPAL_FIELDS:
            if name not in seen:
                self._shape(base, f"missing field `{name}`")
        return seen["type"], seen["value"]

    def _principal_type(self, path: str) -> str:
        """serde's externally tagged enum (serde_json ``deserialize_enum``): a string names the variant, and so
        does ``{"<variant>": null}``; anything else is serde_json's syntax error ``expected value``."""
        self.path = path
        c = self.json.ws()
        if c is None:
            self.json.peek_fail(EOF_VALUE)
        if c == _OPEN_BRACE:
            self.json.pos += 1
            name = self._variant(path, self._string(path, "variant identifier"))
            self._colon(path)  # VariantAccess::variant_seed reads the colon
            if not self._null(f"{path}.{name}"):  # unit_variant, under the variant's own segment
                self._unit(f"{path}.{name}")
            self.path = path
            c = self.json.ws()
            if c != _CLOSE_BRACE:
                self.json.fail(EOF_OBJECT if c is None else EXPECTED_VALUE)
            self.json.pos += 1
            return name
        if c != _QUOTE:
            self.json.peek_fail(EXPECTED_VALUE)
        return self._variant(path, self.json.string())

    def _unit(self, path: str) -> NoReturn:
        if self.json.ws() is None:
            self.json.peek_fail(EOF_VALUE)
        self._wrong_type(path, self.json.unexpected(), "unit")

    def _variant(self, path: str, name: str) -> str:
        if name not in _TYPES:
            message = f"{path}: unknown variant `{name}`, expected `api_key` or `oauth_access_token`"
            _fail(PRINCIPAL_TYPE, self.json, message)
        PRINCIPAL_TYPE.allow()
        return name

    def _keys(self, parent: str) -> Iterator[str]:
        """Each key of the object opening at the read position; the caller reads the value before asking for the
        next. Afterwards the read position is just past the ``}`` (``end_map`` eats it)."""
        self.json.pos += 1
        first = True
        while True:
            self.path = f"{parent}.?" if parent else ""
            c = self.json.ws()
            if c is None:
                self.json.peek_fail(EOF_OBJECT)
            if c == _CLOSE_BRACE:
                self.json.pos += 1
                return
            if not first:
                self._comma(EXPECTED_OBJECT_END, _CLOSE_BRACE)
            if self.json.peek() != _QUOTE:
                self.json.peek_fail(KEY_NOT_STRING)
            first = False
            yield self.json.string()

    def _colon(self, parent: str) -> None:
        self.path = parent
        c = self.json.ws()
        if c is None:
            self.json.peek_fail(EOF_OBJECT)
        if c != _COLON:
            self.json.peek_fail(EXPECTED_COLON)
        self.json.pos += 1

    def _refuse_key(self, which: Rule, message: str) -> NoReturn:
        """A refusal by the struct's visitor right after a key: serde_json's ``end_map`` still runs (whitespace and
        a closing brace are read) before ``fix_position`` places the error."""
        if self.json.ws() == _CLOSE_BRACE:
            self.json.pos += 1
        _fail(which, self.json, message)

    def _shape(self, path: str, message: str) -> NoReturn:
        _fail(SHAPE, self.json, f"{path}: {message}" if path else message)

    def _wrong_type(self, path: str, value: Any, expected: str) -> NoReturn:
        self._shape(path, f"invalid type: {_unexpected(value)}, expected {expected}")


def _request(values: dict[str, Any]) -> AuthzCheckRequest:
    principal_type, principal_value = values["principal"]
    return AuthzCheckRequest(
        principal_type=principal_type,
        principal_value=principal_value,
        resource=values["resource"],
        method=values["method"],
        client_ip=values.get("client_ip"),
        user_agent=values.get("user_agent"),
        required_permissions=values.get("required_permissions"),
    )


def _fail(which: Rule, json_: Json, message: str) -> NoReturn:
    """Raise ``which`` with serde's ``<message> at line L column C`` where the reader stands."""
    which.deny(detail=f"{message} at {position(json_.data, json_.pos)}")


def _unexpected(value: Any) -> str:
    """serde's ``Unexpected`` wording for a JSON value."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"boolean `{'true' if value else 'false'}`"
    if isinstance(value, int):
        return f"integer `{value}`"
    if isinstance(value, float):
        from decimal import Decimal  # here: only an error message needs it

        # Rust's Display: the shortest round-trip digits, never an exponent; serde adds ".0" to a whole number
        digits = format(Decimal(repr(value)), "f")
        return f"floating point `{digits if '.' in digits else digits + '.0'}`"
    if isinstance(value, str):
        return f"string {json.dumps(value, ensure_ascii=False)}"
    return "sequence" if isinstance(value, list) else "map"
