"""Text helpers that copy Rust's semantics where Python's differ."""

from __future__ import annotations

import re

# Rust's char::is_whitespace (Unicode White_Space); Python's str.strip also strips \x1c-\x1f.
_RUST_WHITESPACE = (
    "\t\n\x0b\x0c\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u2028\u2029\u202f\u205f\u3000"
)


def rust_trim(text: str) -> str:
    """``str::trim`` as Rust does it."""
    return text.strip(_RUST_WHITESPACE)


def visible_ascii(value: str) -> bool:
    """What http's ``HeaderValue::to_str`` accepts: visible ASCII and tab only."""
    return _VISIBLE_ASCII.fullmatch(value) is not None


# One regular-expression pass instead of a Python loop per character (every request's headers go through these).
_VISIBLE_ASCII = re.compile("[\t -~]*")
_HEADER_VALUE = re.compile("[^\x00-\x08\x0a-\x1f\x7f]*")


def header_value_ok(value: str) -> bool:
    """What http's ``HeaderValue::from_str`` accepts: no control bytes but tab (non-ASCII is accepted)."""
    return _HEADER_VALUE.fullmatch(value) is not None
