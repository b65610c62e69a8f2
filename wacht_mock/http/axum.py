"""Production's web framework, at the versions its ``Cargo.lock`` pins (axum 0.8, serde_json, mime): what runs
before a handler, in extractor order (path → query → body), the rejections it answers with, and the fixed
messages production's error normaliser writes over them (backend-behaviour.md §2.2).

Every rejection is a named rule raising ``VendorError``; the pipeline renders it for the router it came from
(the backend API's envelope, or the gateway's plain text). serde_json's error texts for the gateway live in
``serde.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar
from urllib.parse import parse_qsl, unquote

from ..domain.gateway import AuthzCheckRequest
from ..rules import Rule, rule
from ..timestamps import Instant, parse_instant
from ..wire import I32_MAX, I32_MIN, parse_i64
from . import serde
from .mime import is_json_content_type

if TYPE_CHECKING:
    from pydantic import BaseModel

# What ``normalize_error_responses`` (platform/src/application/router.rs) writes over a framework rejection
# of this status; injected error faults use the same words.
NORMALISER_MESSAGES = {
    400: "Bad request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    422: "Invalid request payload",
    429: "Rate limit exceeded",
}


def normaliser_message(status: int) -> str:
    """The message production's error normaliser writes for a status."""
    return NORMALISER_MESSAGES.get(status, "Something went wrong" if status >= 500 else "Request failed")


_ROUTER = "platform/src/application/router.rs (normalize_error_responses) + axum 0.8 extractors"


def _normalised(rule_id: str, status: int) -> Rule:
    return rule(rule_id, _ROUTER, status, normaliser_message(status))


UNKNOWN_PATH = _normalised("http.unknown_path_is_404_before_auth", 404)
METHOD_NOT_ALLOWED = _normalised("http.wrong_method_is_405_after_auth", 405)
JSON_CONTENT_TYPE = _normalised("http.body.json_content_type_required", 415)
BODY_SIZE_LIMIT = _normalised("http.body.at_most_2_mib", 413)
JSON_SYNTAX = _normalised("http.body.json_syntax", 400)
JSON_SHAPE = _normalised("http.body.json_shape", 422)
_SERDE = "serde_json 1.0.140 src/de.rs"
JSON_RECURSION_LIMIT = rule(
    "http.body.json_recursion_limit",
    f"{_SERDE} (check_recursion: remaining_depth 128) + {_ROUTER}",
    400,
    normaliser_message(400),
)
JSON_DUPLICATE_FIELD = rule(
    "http.body.json_duplicate_field",
    f"serde_derive (Error::duplicate_field) + {_ROUTER}",
    422,
    normaliser_message(422),
)
JSON_TRAILING_DATA_IGNORED = rule(
    "http.body.json_trailing_data_ignored", "axum 0.8.1 src/json.rs Json::from_bytes (no Deserializer::end)"
)
JSON_FIRST_ERROR_WINS = rule(
    "http.body.json_first_error_in_reading_order",
    f"axum 0.8.1 src/json.rs Json::from_bytes (whole body buffered, then one from_slice pass) + {_SERDE}"
    " (a field's type error stops the read: it wins over a syntax error after it) + serde_derive visitors",
)
QUERY_PARSES = _normalised("http.query.parses", 400)
PATH_PARSES = _normalised("http.path.parses", 400)

# The gateway's router has no normaliser: axum's own rejection texts reach the client.
_AXUM = "axum 0.8 Json rejections (no normaliser on the gateway router)"
GATEWAY_CONTENT_TYPE = rule(
    "gateway.http.json_content_type_required", _AXUM, 415, "Expected request with `Content-Type: application/json`"
)
# Declared here, not in serde_body (which reads backend bodies and loads pydantic on the first one): the rule
# catalogue is whole as soon as the routes are imported.
UNKNOWN_FIELD_SKIPPED = rule(
    "http.body.unknown_field_skipped_unvalidated",
    "serde_json 1.0.140 src/de.rs:1100-1213 (ignore_value, through deserialize_ignored_any:1908-1914)",
)
GATEWAY_BODY_LIMIT = rule(
    "gateway.http.body_at_most_2_mib", _AXUM, 413, "Failed to buffer the request body: length limit exceeded"
)
GATEWAY_WRONG_METHOD = rule(
    "gateway.http.wrong_method_is_405_without_allow",
    "platform/src/application/router.rs:73-92 (backend-behaviour.md §15.4: no Allow header on any 405)",
)

BODY_LIMIT_BYTES = 2 * 1024 * 1024
_M = TypeVar("_M", bound="BaseModel")
_T = TypeVar("_T")


def parse_body(content_type: str | None, raw: bytes, model: type[_M]) -> _M:
    """The ``Json<T>`` extractor: content type (415), size (413), syntax (400), shape (422)."""
    from pydantic import ValidationError  # here: ``serve`` starts without pydantic; the first body loads it

    from .serde_body import BodyShapeError, BodySyntaxError, read_body

    JSON_CONTENT_TYPE.check(is_json_content_type(content_type))
    BODY_SIZE_LIMIT.check(len(raw) <= BODY_LIMIT_BYTES)
    try:
        data, trailing = read_body(raw, model)
    except BodySyntaxError as exc:
        (JSON_RECURSION_LIMIT if exc.too_deep else JSON_SYNTAX).deny()
    except BodyShapeError as exc:
        JSON_FIRST_ERROR_WINS.applied()  # the read stopped here: nothing after it (a syntax error) counts
        JSON_SYNTAX.allow()
        (JSON_DUPLICATE_FIELD if exc.duplicate else JSON_SHAPE).deny()
    JSON_SYNTAX.allow()
    JSON_RECURSION_LIMIT.allow()
    JSON_DUPLICATE_FIELD.allow()
    JSON_SHAPE.allow()  # an object, not a positional array
    if trailing:
        JSON_TRAILING_DATA_IGNORED.applied()
    try:
        parsed = model.model_validate(data)
    except ValidationError:
        JSON_SHAPE.deny()
    JSON_SHAPE.allow()
    return parsed


def gateway_json(content_type: str | None, raw: bytes) -> AuthzCheckRequest:
    """The gateway's ``Json<AuthzCheckRequest>``: content type (415), size (413), then serde_json (400, 422)."""
    GATEWAY_CONTENT_TYPE.check(is_json_content_type(content_type))
    GATEWAY_BODY_LIMIT.check(len(raw) <= BODY_LIMIT_BYTES)
    return serde.read_authz_request(raw)


def path_text(raw: str) -> str:
    """Percent-decode one captured path segment; invalid UTF-8 is a 400."""
    try:
        return unquote(raw, errors="strict")
    except UnicodeDecodeError:
        PATH_PARSES.deny()


def path_i64(text: str) -> int:
    """A (decoded) path parameter that must be an i64, such as ``key_id``."""
    try:
        value = parse_i64(text)
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

    def timestamp(self, name: str) -> Instant | None:
        """A ``DateTime<Utc>`` field, read by chrono's relaxed RFC 3339 parser."""
        return self._get(name, parse_instant)

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
