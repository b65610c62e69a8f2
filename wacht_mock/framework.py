"""What production's web framework does before a handler runs, and the fixed messages its error normaliser
writes (backend-behaviour.md §2.2): JSON body extraction, query and path parsing, unknown paths and methods.

Every rejection here is a named rule raising ``VendorError``; ``app.py`` turns it into the envelope.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar
from urllib.parse import parse_qsl, unquote

from pydantic import BaseModel, ValidationError

from .models import I32_MAX, I32_MIN, parse_i64, parse_timestamp
from .rules import rule

_ROUTER = "platform/src/application/router.rs (normalize_error_responses) + axum 0.8 extractors"

UNKNOWN_PATH = rule("http.unknown_path_is_404_before_auth", _ROUTER, 404, "Not found")
METHOD_NOT_ALLOWED = rule("http.wrong_method_is_405_after_auth", _ROUTER, 405, "Method not allowed")
JSON_CONTENT_TYPE = rule("http.body.json_content_type_required", _ROUTER, 415, "Request failed")
BODY_SIZE_LIMIT = rule("http.body.at_most_2_mib", _ROUTER, 413, "Request failed")
JSON_SYNTAX = rule("http.body.json_syntax", _ROUTER, 400, "Bad request")
JSON_SHAPE = rule("http.body.json_shape", _ROUTER, 422, "Invalid request payload")
QUERY_PARSES = rule("http.query.parses", _ROUTER, 400, "Bad request")
PATH_PARSES = rule("http.path.parses", _ROUTER, 400, "Bad request")

BODY_LIMIT_BYTES = 2 * 1024 * 1024
_SURROGATE = re.compile("[\ud800-\udfff]")
_MIME = re.compile(r"([a-z0-9!#$&^_.+-]+)/([a-z0-9!#$&^_.+-]+)")
_M = TypeVar("_M", bound=BaseModel)
_T = TypeVar("_T")


def is_json_content_type(value: str | None) -> bool:
    """``application/json`` or ``application/*+json``, parameters allowed, case-insensitive (axum's test)."""
    if value is None:
        return False
    match = _MIME.fullmatch(value.split(";", 1)[0].strip().lower())
    if match is None:
        return False
    kind, subtype = match.groups()
    return kind == "application" and (subtype == "json" or subtype.endswith("+json"))


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _finite_float(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        raise ValueError("number out of range")
    return value


def _lone_surrogates(value: Any) -> bool:
    if isinstance(value, str):
        return _SURROGATE.search(value) is not None
    if isinstance(value, list):
        return any(_lone_surrogates(v) for v in value)
    if isinstance(value, dict):
        return any(_lone_surrogates(k) or _lone_surrogates(v) for k, v in value.items())
    return False


def strict_loads(text: str) -> Any:
    """``json.loads`` with serde_json's refusals: no NaN/Infinity, no number overflowing f64, no lone
    surrogate escape. Raises ValueError (a ``JSONDecodeError`` with a position where Python knows it)."""
    data = json.loads(text, parse_constant=_no_constants, parse_float=_finite_float)
    if _lone_surrogates(data):
        raise ValueError("lone surrogate escape")
    return data


def decode_json(raw: bytes) -> Any:
    """Parse JSON as serde_json does (strict UTF-8, ``strict_loads``, no trailing data), else 400."""
    try:
        return strict_loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        JSON_SYNTAX.deny()


def parse_body(content_type: str | None, raw: bytes, model: type[_M]) -> _M:
    """The ``Json<T>`` extractor: content type (415), size (413), syntax (400), shape (422)."""
    JSON_CONTENT_TYPE.check(is_json_content_type(content_type))
    BODY_SIZE_LIMIT.check(len(raw) <= BODY_LIMIT_BYTES)
    data = decode_json(raw)
    JSON_SYNTAX.allow()
    # serde can fill a struct from a positional JSON array; the mock answers 422 (see divergences.yaml).
    JSON_SHAPE.check(isinstance(data, dict))
    try:
        parsed = model.model_validate(data)
    except ValidationError:
        JSON_SHAPE.deny()
    JSON_SHAPE.allow()
    return parsed


def path_param(raw: str) -> str:
    """Percent-decode one captured path segment; invalid UTF-8 is a 400."""
    try:
        return unquote(raw, errors="strict")
    except UnicodeDecodeError:
        PATH_PARSES.deny()


def path_i64(raw: str) -> int:
    """A path segment that must be an i64 (``key_id``)."""
    try:
        value = parse_i64(path_param(raw))
    except ValueError:
        PATH_PARSES.deny()
    PATH_PARSES.allow()
    return value


class Query:
    """A parsed query string with serde_urlencoded's rules: known fields once, typed; unknown ones ignored."""

    def __init__(self, query_string: str) -> None:
        self._pairs = parse_qsl(query_string, keep_blank_values=True)

    def _get(self, name: str, parse: Callable[[str], _T]) -> _T | None:
        values = [v for k, v in self._pairs if k == name]
        if not values:
            return None
        QUERY_PARSES.check(len(values) == 1)
        try:
            return parse(values[0])
        except ValueError:
            QUERY_PARSES.deny()

    def text(self, name: str) -> str | None:
        """A string field."""
        return self._get(name, str)

    def flag(self, name: str) -> bool | None:
        """A bool field: exactly ``true`` or ``false``."""
        return self._get(name, _bool)

    def i32(self, name: str) -> int | None:
        """An i32 field."""
        return self._get(name, _i32)

    def u32(self, name: str) -> int | None:
        """A u32 field."""
        return self._get(name, _u32)

    def i64(self, name: str) -> int | None:
        """A FlexibleI64 field."""
        return self._get(name, parse_i64)

    def timestamp(self, name: str) -> datetime | None:
        """A ``DateTime<Utc>`` field (RFC 3339 with an offset)."""
        return self._get(name, parse_timestamp)

    def done(self) -> None:
        """Record that the query parsed."""
        QUERY_PARSES.allow()


def _bool(text: str) -> bool:
    if text in ("true", "false"):
        return text == "true"
    raise ValueError(text)


def _i32(text: str) -> int:
    value = parse_i64(text)
    if not I32_MIN <= value <= I32_MAX:
        raise ValueError(text)
    return value


def _u32(text: str) -> int:
    value = parse_i64(text)
    if not 0 <= value <= 2**32 - 1 or text.startswith("-"):
        raise ValueError(text)
    return value
