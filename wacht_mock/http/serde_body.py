"""A backend request body read as serde_json 1.0.140 reads it into production's structs (backend-behaviour.md §15.1):
field by field in text order, known fields parsed and checked, unknown ones skipped without validation
(``ignore_value``), containers counted against the 128-level limit, a container where a scalar is expected
refused on its opening, a repeated known field refused, and nothing after the first value read.

Each known scalar is checked against its field's type as soon as it is read, as serde's derived visitor does: a
type error stops the read, so it wins over a syntax error later in the body (axum 0.8.1 ``Json`` buffers the
whole body, then ``from_slice`` reads it in one pass). The pydantic model then checks the result as a whole
(missing fields → 422). The backend answers every syntax error with one fixed 400 and every data error with one
fixed 422, so only the kind matters here.
"""

from __future__ import annotations

import types
from dataclasses import dataclass
from functools import cache
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel, ConfigDict, PlainValidator, TypeAdapter, ValidationError
from pydantic.fields import FieldInfo

from . import axum, serde
from .json_scan import MAX_DEPTH, ScanError, first_too_deep, skip_value, skip_ws


class BodySyntaxError(Exception):
    """serde_json's syntax error (axum's 400); ``too_deep`` when it is the recursion limit."""

    def __init__(self, message: str, *, too_deep: bool = False) -> None:
        super().__init__(message)
        self.too_deep = too_deep


class BodyShapeError(Exception):
    """serde's data error (axum's 422); ``duplicate`` when a known field came twice."""

    def __init__(self, message: str, *, duplicate: bool = False) -> None:
        super().__init__(message)
        self.duplicate = duplicate


class _TooDeep(ScanError):
    """serde_json's ``RecursionLimitExceeded``."""


@dataclass(frozen=True)
class _Model:
    fields: dict[str, _Schema]
    nullable: bool = False


@dataclass(frozen=True)
class _List:
    item: _Schema
    nullable: bool = False


@dataclass(frozen=True)
class _Scalar:
    """A string, number, bool, enum or timestamp: serde peeks at a ``[``/``{`` and refuses it unread, and checks a
    scalar's type (``accepts``) as soon as it has read it."""

    accepts: TypeAdapter[Any]
    plain: frozenset[type] = frozenset()
    """The JSON types that always pass ``accepts`` (``str`` for a string field, ``None`` too when optional): checked
    without pydantic."""


def _plain(whole: Any) -> frozenset[type]:
    options = get_args(whole) if get_origin(whole) in (Union, types.UnionType) else (whole,)
    if all(o in (str, bool, type(None)) for o in options):
        return frozenset(options)
    return frozenset()


@dataclass(frozen=True)
class _Value:
    """``serde_json::Value``: read whole, under the recursion limit."""


_Schema = _Model | _List | _Scalar | _Value


_STRICT = ConfigDict(strict=True)


@cache
def schema_of(annotation: Any) -> _Schema:
    """How serde reads a value of this (pydantic field) type (built once per type: the models are fixed)."""
    return _schema(annotation, annotation, nullable=False)


def _schema(annotation: Any, whole: Any, *, nullable: bool) -> _Schema:
    """``annotation`` with Annotated and Optional peeled off; ``whole`` is the field's full type, for the check."""
    origin = get_origin(annotation)
    if origin is Annotated:
        if any(isinstance(m, PlainValidator) for m in get_args(annotation)[1:]):
            return _Scalar(TypeAdapter(whole, config=_STRICT))  # FlexibleI64, I32, Timestamp: one custom check
        return _schema(get_args(annotation)[0], whole, nullable=nullable)
    if origin in (Union, types.UnionType):
        rest = [a for a in get_args(annotation) if a is not type(None)]
        return _schema(rest[0], whole, nullable=True) if len(rest) == 1 else _Value()
    if origin is list:
        return _List(schema_of(get_args(annotation)[0]), nullable)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        fields = {f.alias or name: schema_of(_field_type(f)) for name, f in annotation.model_fields.items()}
        return _Model(fields, nullable)
    return _Value() if annotation is Any else _Scalar(TypeAdapter(whole, config=_STRICT), _plain(whole))


def read_body(raw: bytes, model: type[BaseModel]) -> tuple[Any, bool]:
    """The first JSON value of ``raw`` as serde reads it for ``model``, and whether anything but whitespace
    follows it (ignored); raises ``BodySyntaxError`` or ``BodyShapeError``."""
    text = raw.decode("utf-8", "surrogateescape")
    try:
        value, end = _read(text, skip_ws(text, 0), schema_of(model), 0)
    except ScanError as exc:
        raise BodySyntaxError(str(exc), too_deep=isinstance(exc, _TooDeep)) from None
    return value, skip_ws(text, end) < len(text)


def _field_type(field: FieldInfo) -> Any:
    """A model field's full type: pydantic moves ``Annotated`` metadata (the validators) out of the annotation."""
    return Annotated[(field.annotation, *field.metadata)] if field.metadata else field.annotation


def _read(text: str, i: int, schema: _Schema, depth: int) -> tuple[Any, int]:
    """The value at ``i`` and the index just past it (recursing only along the schema, which is shallow)."""
    i = skip_ws(text, i)
    opening = text[i] if i < len(text) else ""
    if text.startswith("null", i) or opening not in "[{" or not opening:
        value, end = _scalar(text, i)
        _check_type(value, schema, i)
        return value, end
    if isinstance(schema, _Scalar) or (isinstance(schema, _List) and opening == "{"):
        raise BodyShapeError(f"invalid type at index {i}")
    if isinstance(schema, _Model) and opening == "[":
        # serde could fill a struct from a positional array; the mock answers 422 (see divergences.yaml).
        raise BodyShapeError(f"sequence for a struct at index {i}")
    if depth + 1 > MAX_DEPTH:
        raise _TooDeep(i)
    if isinstance(schema, _Value) and (too_deep := first_too_deep(text, i, depth)) is not None:
        raise _TooDeep(too_deep)
    if isinstance(schema, _Value):
        return _scalar(text, i)
    if isinstance(schema, _List):
        return _items(text, i, schema.item, depth + 1)
    return _members(text, i, schema, depth + 1)


def _check_type(value: Any, schema: _Schema, i: int) -> None:
    """serde's refusal of a scalar (or null) read where ``schema`` is expected, before it reads any further."""
    if isinstance(schema, _Scalar):
        if type(value) in schema.plain:
            return
        try:
            schema.accepts.validate_python(value)
        except ValidationError:
            raise BodyShapeError(f"invalid type or value at index {i}") from None
    elif isinstance(schema, _List | _Model) and not (value is None and schema.nullable):
        raise BodyShapeError(f"invalid type at index {i}: a scalar where a container is expected")


def _items(text: str, i: int, item: _Schema, depth: int) -> tuple[list[Any], int]:
    values: list[Any] = []
    i = skip_ws(text, i + 1)
    if text.startswith("]", i):
        return values, i + 1
    while True:
        value, i = _read(text, i, item, depth)
        values.append(value)
        i = _separator(text, i, "]")
        if text[i - 1] == "]":
            return values, i


def _members(text: str, i: int, model: _Model, depth: int) -> tuple[dict[str, Any], int]:
    values: dict[str, Any] = {}
    i = skip_ws(text, i + 1)
    if text.startswith("}", i):
        return values, i + 1
    while True:
        if not text.startswith('"', i):
            raise ScanError(i)
        key, i = _scalar(text, i)
        i = skip_ws(text, i)
        if not text.startswith(":", i):
            raise ScanError(i)
        if key in model.fields:
            if key in values:
                raise BodyShapeError(f"duplicate field `{key}`", duplicate=True)
            values[key], i = _read(text, i + 1, model.fields[key], depth)
        else:
            axum.UNKNOWN_FIELD_SKIPPED.applied()
            i = skip_value(text, i + 1)
        i = _separator(text, i, "}")
        if text[i - 1] == "}":
            return values, i


def _separator(text: str, i: int, close: str) -> int:
    """Past a ``,`` (and the whitespace after it) or the closing bracket; else a syntax error."""
    i = skip_ws(text, i)
    if text.startswith(close, i):
        return i + 1
    if text.startswith(",", i):
        after = skip_ws(text, i + 1)
        if after >= len(text) or text[after] == close:
            raise ScanError(after)  # serde's trailing comma
        return after
    raise ScanError(i)


def _scalar(text: str, i: int) -> tuple[Any, int]:
    """A value Python may parse itself (a scalar, or a container already checked to be shallow)."""
    try:
        value, end = serde.STRICT.raw_decode(text, i)
    except ValueError:
        raise ScanError(i) from None
    if serde.has_lone_surrogates(value):
        raise ScanError(i)
    return value, end
