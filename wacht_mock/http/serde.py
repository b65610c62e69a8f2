"""serde_json (1.0.140) as production reads JSON: the values it refuses (``strict_loads``), and the gateway's
``AuthzCheckRequest`` read field by field with serde's error texts — unknown or duplicate field, unknown variant,
wrong type, missing field — with their path, line and column (backend-behaviour.md §9.1). Syntax errors keep
axum's prefix and serde's wording as closely as Python's parser allows (see divergences.yaml).
"""

from __future__ import annotations

import json
import math
import re
from typing import Any, NoReturn

from ..domain.gateway import AuthzCheckRequest
from ..rules import Rule, rule
from .json_scan import ScanError, blank_deep, skip_value, skip_ws

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
_RAW_BYTE = re.compile("[\udc80-\udcff]")  # an invalid UTF-8 byte, decoded with surrogateescape
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


# Inside a gateway body, a container nested deeper than principal.type's object is where serde stops with an
# error on its opening (every such place expects a string or unit), so its inside is never read.
_GATEWAY_READ_DEPTH = 3


def read_authz_request(raw: bytes) -> AuthzCheckRequest:
    """Read the request as serde_json does into the struct, or raise the plain-text rejection as a ``VendorError``."""
    text = raw.decode("utf-8", "surrogateescape")
    scan = blank_deep(text, _GATEWAY_READ_DEPTH)
    bad_byte = _RAW_BYTE.search(scan, 0, _first_value_end(text))
    if bad_byte is not None:
        prefix = text[: bad_byte.start()]
        _fail(SYNTAX, prefix + " ", len(prefix) + 1, "invalid unicode code point")
    try:
        data = strict_loads(scan)
    except json.JSONDecodeError as exc:
        SYNTAX.deny(detail=_syntax_detail(text, exc))
    except ValueError:
        SYNTAX.deny(detail=f"expected value at {_where(text, len(text.rstrip(_WS)) - 1)}")
    SYNTAX.allow()
    return _Reader(text, scan).request(data)


def _first_value_end(text: str) -> int:
    """Where the first JSON value ends (the whole text if its structure breaks): serde_json never reads past it,
    so an invalid byte after it is never seen (axum 0.8.1 calls no ``Deserializer::end()``)."""
    try:
        return skip_value(text, 0)
    except ScanError:
        return len(text)


class _Reader:
    """Walks the (already valid) JSON text to find where each value ends, for serde's line and column."""

    def __init__(self, text: str, scan: str) -> None:
        self.text = text  # for line and column
        self.scan = scan  # the same, index for index, with what serde never reads blanked (for decoding)

    def request(self, data: Any) -> AuthzCheckRequest:
        start = self._skip(0)
        if not isinstance(data, dict):
            end = len(self.text.rstrip(_WS))
            if isinstance(data, list) and not data:
                self._shape("", "invalid length 0, expected struct AuthzCheckRequest with 6 elements", end)
            self._shape("", f"invalid type: {_unexpected(data)}, expected struct AuthzCheckRequest", end)
        values: dict[str, Any] = {}
        members, close = self._members(start)
        for key, key_end, value, value_start, value_end in members:
            if key not in _FIELDS:
                expected = ", ".join(f"`{f}`" for f in _FIELDS)
                message = f"{key}: unknown field `{key}`, expected one of {expected}"
                _fail(UNKNOWN_FIELDS, self.text, self._skip(key_end), message)
            if key in values:
                self._shape("", f"duplicate field `{key}`", self._skip(key_end))
            values[key] = self._field(key, value, value_start, value_end)
        for name in _REQUIRED:
            if name not in values:
                self._shape("", f"missing field `{name}`", close + 1)
        SHAPE.allow()
        UNKNOWN_FIELDS.allow()
        if self.text[close + 1 :].strip(_WS):
            TRAILING_DATA_IGNORED.applied()
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

    def _field(self, key: str, value: Any, start: int, end: int) -> Any:
        if key == "principal":
            return self._principal(value, start, end)
        if key == "required_permissions":
            if value is None:
                return None
            if not isinstance(value, list):
                self._wrong_type(key, value, "a sequence", start, end)
            for i, (item, item_start, item_end) in enumerate(self._items(start)):
                if not isinstance(item, str):
                    self._wrong_type(f"{key}[{i}]", item, "a string", item_start, item_end)
            return value
        if value is None and key in ("client_ip", "user_agent"):
            return None
        if not isinstance(value, str):
            self._wrong_type(key, value, "a string", start, end)
        return value

    def _principal(self, value: Any, start: int, end: int) -> tuple[str, str]:
        if not isinstance(value, dict):
            self._wrong_type("principal", value, "struct AuthzPrincipal", start, end)
        seen: dict[str, str] = {}
        members, close = self._members(start)
        for key, key_end, item, item_start, item_end in members:
            if key not in _PRINCIPAL_FIELDS:
                _fail(
                    UNKNOWN_FIELDS,
                    self.text,
                    self._skip(key_end),
                    f"principal.{key}: unknown field `{key}`, expected `type` or `value`",
                )
            if key in seen:
                self._shape("principal", f"duplicate field `{key}`", self._skip(key_end))
            if key == "type":
                seen[key] = self._principal_type(item, item_start, item_end)
            elif not isinstance(item, str):
                self._wrong_type("principal.value", item, "a string", item_start, item_end)
            else:
                seen[key] = item
        for name in _PRINCIPAL_FIELDS:
            if name not in seen:
                self._shape("principal", f"missing field `{name}`", close + 1)
        return seen["type"], seen["value"]

    def _principal_type(self, item: Any, start: int, end: int) -> str:
        # serde's externally tagged enum: a string names the variant; {"api_key": null} does too.
        if isinstance(item, dict):
            return self._principal_type_object(start)
        if not isinstance(item, str):
            _fail(SYNTAX, self.text, start + 1, "principal.type: expected value")
        self._variant(item, end)
        return item

    def _principal_type_object(self, start: int) -> str:
        """``{"<variant>": null}``: one member, a known variant, a null (unit) value."""
        members, close = self._members(start)
        if not members:
            _fail(SYNTAX, self.text, close + 1, "principal.type: expected value")
        variant, key_end, value, value_start, value_end = members[0]
        self._variant(variant, key_end)
        if value is not None:
            self._wrong_type(f"principal.type.{variant}", value, "unit", value_start, value_end)
        if len(members) > 1:
            _fail(SYNTAX, self.text, self._skip(value_end), "principal.type: expected value")
        return variant

    def _variant(self, name: str, end: int) -> None:
        if name not in _TYPES:
            message = f"principal.type: unknown variant `{name}`, expected `api_key` or `oauth_access_token`"
            _fail(PRINCIPAL_TYPE, self.text, end, message)
        PRINCIPAL_TYPE.allow()

    def _shape(self, path: str, message: str, end: int) -> NoReturn:
        _fail(SHAPE, self.text, end, f"{path}: {message}" if path else message)

    def _wrong_type(self, path: str, value: Any, expected: str, start: int, end: int) -> NoReturn:
        # serde_json reads a scalar before complaining about it, but only peeks at a ``[`` or ``{``.
        read_to = start if isinstance(value, list | dict) else end
        self._shape(path, f"invalid type: {_unexpected(value)}, expected {expected}", read_to)

    def _skip(self, i: int) -> int:
        while i < len(self.scan) and self.scan[i] in _WS:
            i += 1
        return i

    def _members(self, start: int) -> tuple[list[tuple[str, int, Any, int, int]], int]:
        """An object's members as (key, end of key, value, start of value, end of value), and its ``}``."""
        members = []
        i = self._skip(start + 1)
        while self.scan[i] != "}":
            key, key_end = STRICT.raw_decode(self.scan, i)
            value_start = self._skip(self._skip(key_end) + 1)
            value, value_end = STRICT.raw_decode(self.scan, value_start)
            members.append((key, key_end, value, value_start, value_end))
            i = self._skip(value_end)
            if self.scan[i] == ",":
                i = self._skip(i + 1)
        return members, i

    def _items(self, start: int) -> list[tuple[Any, int, int]]:
        """An array's items with the start and end of each."""
        items = []
        i = self._skip(start + 1)
        while self.scan[i] != "]":
            item, end = STRICT.raw_decode(self.scan, i)
            items.append((item, i, end))
            i = self._skip(end)
            if self.scan[i] == ",":
                i = self._skip(i + 1)
        return items


def _fail(which: Rule, text: str, end: int, message: str) -> NoReturn:
    """Raise ``which`` with serde's ``<message> at line L column C``; ``end`` is just past the last byte read."""
    which.deny(detail=f"{message} at {_where(text, end - 1)}")


def _where(text: str, last: int) -> str:
    """serde_json's ``line L column C`` once the character at index ``last`` has been read: the column counts the
    UTF-8 bytes read on that line (0 right after a newline, or when nothing was read)."""
    line_start = text.rfind("\n", 0, last + 1) + 1
    column = len(text[line_start : last + 1].encode("utf-8", "surrogateescape"))
    return f"line {text.count(chr(10), 0, line_start) + 1} column {column}"


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


def _syntax_detail(text: str, exc: json.JSONDecodeError) -> str:
    """serde_json's wording for the syntax error Python found."""
    at_end = exc.pos >= len(text.rstrip(_WS)) or exc.pos >= len(text)
    eof = f"at {_where(text, len(text) - 1)}"
    here = f"at line {exc.lineno} column {exc.colno}"
    msg = exc.msg
    if msg == "Expecting value":
        return f"EOF while parsing a value {eof}" if at_end else f"expected value {here}"
    if msg.startswith("Unterminated string"):
        return f"EOF while parsing a string {eof}"
    if msg.startswith("Invalid control character"):
        return f"control character (\\u0000-\\u001F) found while parsing a string {here}"
    if msg.startswith("Invalid \\"):
        return f"invalid escape {here}"
    container = _innermost(text, exc.pos)
    if at_end:
        return f"EOF while parsing {'an object' if container == '{' else 'a list'} {eof}"
    if msg.startswith("Expecting property name"):
        return f"{'trailing comma' if text[exc.pos] == '}' else 'key must be a string'} {here}"
    if msg == "Expecting ':' delimiter":
        return f"expected `:` {here}"
    if msg.startswith("Illegal trailing comma"):
        return f"trailing comma {here}"
    return f"expected `,` or `{'}' if container == '{' else ']'}` {here}"


def _innermost(text: str, pos: int) -> str:
    """The innermost open bracket before ``pos``, outside strings."""
    stack: list[str] = []
    in_string = escaped = False
    for c in text[:pos]:
        if in_string:
            escaped, in_string = (False, True) if escaped else (c == "\\", c != '"')
        elif c == '"':
            in_string = True
        elif c in "{[":
            stack.append(c)
        elif c in "}]" and stack:
            stack.pop()
    return stack[-1] if stack else "{"
