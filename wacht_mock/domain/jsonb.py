"""JSON numbers as production hands them through serde_json and Postgres ``jsonb`` (issue 13 point 5).

serde_json (default features) reads an integer that fits i64/u64 as that integer and any other number as an f64,
and writes an f64 the way the ``ryu`` crate does. Postgres stores a jsonb number as ``numeric`` (no exponent, no
negative zero, the scale the text had) and prints it in plain decimal; reading that back, serde_json applies the
same integer-or-f64 choice. So ``1e2`` comes back as ``100.0``, ``1e17`` as the integer ``100000000000000000`` and
``-0.0`` as ``0.0``.
"""

from __future__ import annotations

import math
from decimal import Decimal

from ..rules import rule

_I64_MIN = -(2**63)
_U64_MAX = 2**64 - 1

NUMBERS_THROUGH_NUMERIC = rule(
    "keys.metadata.numbers_through_jsonb_numeric",
    "commands/src/api_key/key_commands/create.rs:131-179 (jsonb bound, RETURNING); serde_json 1.0.140"
    " default features (f64 beyond i64/u64), Postgres numeric_out",
)


def _digits(value: float) -> tuple[bool, str, int]:
    """Sign, shortest round-trip digits and the exponent of the last digit (as ryu and repr both find them)."""
    sign, digits, exponent = Decimal(repr(value)).normalize().as_tuple()
    assert isinstance(exponent, int)
    return bool(sign), "".join(map(str, digits)), exponent


def ryu_text(value: float) -> str:
    """A finite f64 as serde_json writes it: ``100.0``, ``1.5``, ``0.00001``, ``1e16``, ``1.5e-7``."""
    negative, digits, k = _digits(value)
    n = len(digits)
    kk = n + k
    if 0 <= k and kk <= 16:
        text = digits + "0" * k + ".0"
    elif 0 < kk <= 16:
        text = f"{digits[:kk]}.{digits[kk:]}"
    elif -5 < kk <= 0:
        text = "0." + "0" * -kk + digits
    elif n == 1:
        text = f"{digits}e{kk - 1}"
    else:
        text = f"{digits[0]}.{digits[1:]}e{kk - 1}"
    return "-" + text if negative else text


def _through_numeric(value: float) -> int | float:
    """The f64 as serde_json reads it back after Postgres numeric printed what ryu wrote."""
    if not math.isfinite(value):
        return value
    _, digits, k = _digits(value)
    writes_point_zero = 0 <= k and len(digits) + k <= 16
    if not writes_point_zero and k >= 0:
        whole = int(Decimal(repr(value)))
        if _I64_MIN <= whole <= _U64_MAX:
            return whole
    return abs(value) if value == 0 else value


def number(value: int | float) -> int | float:
    """A number as a key's metadata returns it."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        if _I64_MIN <= value <= _U64_MAX:
            return value
        try:
            value = float(value)
        except OverflowError:  # beyond f64: serde_json refuses it while reading the body, before the domain
            return value
    NUMBERS_THROUGH_NUMERIC.applied()
    return _through_numeric(value)
