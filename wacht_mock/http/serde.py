"""serde_json (1.0.140) as production reads JSON: the values it refuses (``strict_loads``), and the gateway's
``AuthzCheckRequest`` read field by field with serde's error texts — unknown or duplicate field, unknown variant,
wrong type, missing field — with their path, line and column (backend-behaviour.md §9.1). Syntax errors keep
axum's prefix and serde's wording as closely as Python's parser allows (see divergences.yaml).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator
from typing import Any, NoReturn

from ..domain.gateway import AuthzCheckRequest
from ..errors import VendorError
from ..rules import Rule, rule
from .json_scan import ScanError, blank_deep, skip_value, skip_ws
from .serde_syntax import RAW_BYTE, lone_surrogate, raw_byte_in_string, syntax_detail, where

_AXUM = "axum 0.8 Json rejections (no normaliser on the gateway router)"

SYNTAX = rule("gateway.http.json_syntax", _AXUM, 400, "Failed to parse the request body as JSON: {detail}")
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
_WS = " \t\n\r"
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


def strict_loads(text: str) -> Any:
    """The first JSON value of ``text`` (serde_json under axum 0.8.1 never looks past it) with serde_json's
    refusals: no NaN/Infinity, no number overflowing f64, no lone surrogate escape; ``-0`` is a float. The value
    must be shallow (see ``json_scan``). Raises ValueError (a ``JSONDecodeError`` with a position where Python
    knows it)."""
    data, _ = STRICT.raw_decode(text, skip_ws(text, 0))
    if has_lone_surrogates(data):
        raise ValueError("lone surrogate escape")
    return data


# Outside an object body, a container nested deeper than principal.type's object is where serde stops with an
# error on its opening (every such place expects a string or unit), so its inside is never read.
_GATEWAY_READ_DEPTH = 3
_NUMBER_GOES_ON = frozenset("0123456789.eE")  # a number serde would keep reading (and refuse) after Python stops


def read_authz_request(raw: bytes) -> AuthzCheckRequest:
    """Read the request as serde_json does into the struct, or raise the plain-text rejection as a ``VendorError``.

    An object body is read in one pass, in text order, and the first error met is the answer (serde_json
    1.0.140 ``MapAccess::next_key_seed`` reads a key, the derived field visitor refuses an unknown one at once,
    and only then does ``next_value_seed`` read the colon and the value): an unknown field is 422 whatever its
    value holds, and a shape error in a known field wins over a syntax error after it."""
    text = raw.decode("utf-8", "surrogateescape")
    start = skip_ws(text, 0)
    if text.startswith("{", start):
        reader = _Reader(text)
        try:
            request = reader.request(start)
        except VendorError as exc:
            if exc.status == 422:
                SEQUENTIAL.applied()  # the read stopped here: nothing after it (a syntax error) counts
            raise
        if text[reader.pos :].strip(_WS):
            TRAILING_DATA_IGNORED.applied()
    else:
        request = _not_an_object(text)
    SYNTAX.allow()
    SHAPE.allow()
    UNKNOWN_FIELDS.allow()
    return request


def _not_an_object(text: str) -> NoReturn:
    """A body that is not a JSON object: a syntax error, or serde's refusal of the value for the struct."""
    scan = blank_deep(text, _GATEWAY_READ_DEPTH)
    bad_byte = RAW_BYTE.search(scan, 0, _first_value_end(text))
    if bad_byte is not None:
        prefix = text[: bad_byte.start()]
        _fail(SYNTAX, prefix + " ", len(prefix) + 1, "invalid unicode code point")
    data = _whole_value(text, scan)
    end = len(text.rstrip(_WS))
    if isinstance(data, list) and not data:
        _fail(SHAPE, text, end, "invalid length 0, expected struct AuthzCheckRequest with 6 elements")
    _fail(SHAPE, text, end, f"invalid type: {_unexpected(data)}, expected struct AuthzCheckRequest")


def _whole_value(text: str, scan: str) -> Any:
    """The first value of ``scan`` (``text`` with what serde never reads blanked), or the syntax rejection."""
    try:
        return strict_loads(scan)
    except json.JSONDecodeError as exc:
        SYNTAX.deny(detail=syntax_detail(text, exc))
    except ValueError:
        SYNTAX.deny(detail=f"expected value at {where(text, len(text.rstrip(_WS)) - 1)}")


def _first_value_end(text: str) -> int:
    """Where the first JSON value ends (the whole text if its structure breaks): serde_json never reads past it,
    so an invalid byte after it is never seen (axum 0.8.1 calls no ``Deserializer::end()``)."""
    try:
        return skip_value(text, 0)
    except ScanError:
        return len(text)


class _Reader:
    """Reads an object body as serde does, in one pass: each key, then (for a known one) its colon and value.

    ``pos`` is just past the last value read. A container where a string or unit is expected is refused on its
    opening without being read, so nothing here ever descends more than three levels."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def request(self, start: int) -> AuthzCheckRequest:
        values: dict[str, Any] = {}
        for key, key_end in self._keys(start):
            if key not in _FIELDS:
                expected = ", ".join(f"`{f}`" for f in _FIELDS)
                message = f"{key}: unknown field `{key}`, expected one of {expected}"
                _fail(UNKNOWN_FIELDS, self.text, self._skip(key_end), message)
            if key in values:
                self._shape("", f"duplicate field `{key}`", self._skip(key_end))
            values[key] = self._field(key, self._colon(key_end))
        for name in _REQUIRED:
            if name not in values:
                self._shape("", f"missing field `{name}`", self.pos)
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

    def _field(self, key: str, start: int) -> Any:
        if key == "principal":
            return self._principal(start)
        if key == "required_permissions":
            return self._permissions(key, start)
        return self._string(key, start, optional=key in ("client_ip", "user_agent"))

    def _string(self, path: str, start: int, *, optional: bool) -> str | None:
        value, end = self._scalar(path, start, "a string")
        if value is None and optional:
            return None
        if not isinstance(value, str):
            self._wrong_type(path, value, "a string", start, end)
        return value

    def _permissions(self, key: str, start: int) -> list[str] | None:
        if not self.text.startswith("[", start):
            value, end = self._scalar(key, start, "a sequence")
            if value is not None:
                self._wrong_type(key, value, "a sequence", start, end)
            return None
        items: list[str] = []
        i = self._skip(start + 1)
        if self.text.startswith("]", i):
            self.pos = i + 1
            return items
        while True:
            item = self._string(f"{key}[{len(items)}]", i, optional=False)
            assert item is not None
            items.append(item)
            i = self._skip(self.pos)
            if self.text.startswith(",", i):
                i = self._skip(i + 1)
            elif self.text.startswith("]", i):
                self.pos = i + 1
                return items
            else:
                self._syntax()

    def _principal(self, start: int) -> tuple[str, str]:
        if not self.text.startswith("{", start):
            value, end = self._scalar("principal", start, "struct AuthzPrincipal")
            self._wrong_type("principal", value, "struct AuthzPrincipal", start, end)
        seen: dict[str, str] = {}
        for key, key_end in self._keys(start):
            if key not in _PRINCIPAL_FIELDS:
                message = f"principal.{key}: unknown field `{key}`, expected `type` or `value`"
                _fail(UNKNOWN_FIELDS, self.text, self._skip(key_end), message)
            if key in seen:
                self._shape("principal", f"duplicate field `{key}`", self._skip(key_end))
            value_start = self._colon(key_end)
            if key == "type":
                seen[key] = self._principal_type(value_start)
            else:
                value = self._string("principal.value", value_start, optional=False)
                assert value is not None
                seen[key] = value
        for name in _PRINCIPAL_FIELDS:
            if name not in seen:
                self._shape("principal", f"missing field `{name}`", self.pos)
        return seen["type"], seen["value"]

    def _principal_type(self, start: int) -> str:
        # serde's externally tagged enum: a string names the variant; {"api_key": null} does too.
        if self.text.startswith("{", start):
            return self._principal_type_object(start)
        if start >= len(self.text):
            self._syntax()
        if not self.text.startswith('"', start):
            _fail(SYNTAX, self.text, start + 1, "principal.type: expected value")
        name, end = self._decode(start)
        self._variant(name, end)
        return str(name)

    def _principal_type_object(self, start: int) -> str:
        """``{"<variant>": null}``: one member, a known variant, a null (unit) value."""
        i = self._skip(start + 1)
        if self.text.startswith("}", i):
            _fail(SYNTAX, self.text, i + 1, "principal.type: expected value")
        if not self.text.startswith('"', i):
            self._syntax()
        variant, key_end = self._decode(i)
        self._variant(variant, key_end)
        value_start = self._colon(key_end)
        value, value_end = self._scalar(f"principal.type.{variant}", value_start, "unit")
        if value is not None:
            self._wrong_type(f"principal.type.{variant}", value, "unit", value_start, value_end)
        after = self._skip(value_end)
        if self.text.startswith("}", after):
            self.pos = after + 1
            return str(variant)
        if after >= len(self.text):
            self._syntax()
        _fail(SYNTAX, self.text, after, "principal.type: expected value")

    def _variant(self, name: Any, end: int) -> None:
        if name not in _TYPES:
            message = f"principal.type: unknown variant `{name}`, expected `api_key` or `oauth_access_token`"
            _fail(PRINCIPAL_TYPE, self.text, end, message)
        PRINCIPAL_TYPE.allow()

    def _keys(self, start: int) -> Iterator[tuple[str, int]]:
        """Each key of the object opening at ``start`` and the index past it; the caller reads the value (leaving
        ``pos`` past it) before asking for the next. Afterwards ``pos`` is just past the ``}``."""
        i = self._skip(start + 1)
        if self.text.startswith("}", i):
            self.pos = i + 1
            return
        while True:
            if not self.text.startswith('"', i):
                self._syntax()
            key, key_end = self._decode(i)
            yield str(key), key_end
            i = self._skip(self.pos)
            if self.text.startswith(",", i):
                i = self._skip(i + 1)
            elif self.text.startswith("}", i):
                self.pos = i + 1
                return
            else:
                self._syntax()

    def _colon(self, key_end: int) -> int:
        i = self._skip(key_end)
        if not self.text.startswith(":", i):
            self._syntax()
        return self._skip(i + 1)

    def _scalar(self, path: str, start: int, expected: str) -> tuple[Any, int]:
        """The value at ``start`` where no container is expected: a ``[`` or ``{`` is refused on sight."""
        if self.text.startswith("[", start) or self.text.startswith("{", start):
            self._wrong_type(path, [] if self.text[start] == "[" else {}, expected, start, start)
        return self._decode(start)

    def _decode(self, start: int) -> tuple[Any, int]:
        """A string or scalar as serde_json reads it (its refusals first, in reading order); ``pos`` goes past it."""
        if self.text.startswith('"', start) and (bad := raw_byte_in_string(self.text, start)) is not None:
            _fail(SYNTAX, self.text[:bad] + " ", bad + 1, "invalid unicode code point")
        try:
            value, end = STRICT.raw_decode(self.text, start)
        except ValueError:
            self._syntax()
        if isinstance(value, str) and (lone := lone_surrogate(self.text, start, end)) is not None:
            _fail(SYNTAX, self.text, lone[0], lone[1])
        elif (
            not isinstance(value, bool)
            and isinstance(value, int | float)
            and self.text[end : end + 1] in _NUMBER_GOES_ON
        ):
            self._syntax()
        self.pos = end
        return value, end

    def _syntax(self) -> NoReturn:
        """A syntax error where the reader stands: its text from Python's parse of the body (it fails at the same
        place: everything before was read here with Python's parser)."""
        _whole_value(self.text, blank_deep(self.text, _GATEWAY_READ_DEPTH))
        SYNTAX.deny(detail=f"expected value at {where(self.text, self.pos)}")

    def _shape(self, path: str, message: str, end: int) -> NoReturn:
        _fail(SHAPE, self.text, end, f"{path}: {message}" if path else message)

    def _wrong_type(self, path: str, value: Any, expected: str, start: int, end: int) -> NoReturn:
        # serde_json reads a scalar before complaining about it, but only peeks at a ``[`` or ``{``.
        read_to = start if isinstance(value, list | dict) else end
        self._shape(path, f"invalid type: {_unexpected(value)}, expected {expected}", read_to)

    def _skip(self, i: int) -> int:
        return skip_ws(self.text, i)


def _fail(which: Rule, text: str, end: int, message: str) -> NoReturn:
    """Raise ``which`` with serde's ``<message> at line L column C``; ``end`` is just past the last byte read."""
    which.deny(detail=f"{message} at {where(text, end - 1)}")


def _unexpected(value: Any) -> str:
    """serde's ``Unexpected`` wording for a JSON value."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"boolean `{'true' if value else 'false'}`"
    if isinstance(value, int):
        return f"integer `{value}`"
    if isinstance(value, float):
        return f"floating point `{repr(value).replace('e+', 'e')}`"
    if isinstance(value, str):
        return f"string {json.dumps(value, ensure_ascii=False)}"
    return "sequence" if isinstance(value, list) else "map"
