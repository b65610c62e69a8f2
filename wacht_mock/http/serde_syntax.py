"""serde_json 1.0.140 reading JSON text byte by byte as the gateway's reader needs it: whitespace, strings,
literals and numbers, with serde_json's syntax error texts and the position each one is reported at.

serde_json reports an error at ``SliceRead::position`` (just past the last byte consumed) or, for a byte it only
peeked at, ``peek_position`` (one further, capped at the end); both count UTF-8 bytes (src/read.rs
``position_of_index``). Nothing here recurses: the gateway's reader only ever asks for scalars.
"""

from __future__ import annotations

import math
import re
from typing import Any, NoReturn

EOF_VALUE = "EOF while parsing a value"
EOF_STRING = "EOF while parsing a string"
EOF_OBJECT = "EOF while parsing an object"
EOF_LIST = "EOF while parsing a list"
EXPECTED_COLON = "expected `:`"
EXPECTED_LIST_END = "expected `,` or `]`"
EXPECTED_OBJECT_END = "expected `,` or `}`"
EXPECTED_IDENT = "expected ident"
EXPECTED_VALUE = "expected value"
INVALID_ESCAPE = "invalid escape"
INVALID_NUMBER = "invalid number"
OUT_OF_RANGE = "number out of range"
INVALID_UNICODE = "invalid unicode code point"
CONTROL = "control character (\\u0000-\\u001F) found while parsing a string"
KEY_NOT_STRING = "key must be a string"
LONE_SURROGATE = "lone leading surrogate in hex escape"
TRAILING_COMMA = "trailing comma"
TRAILING_CHARACTERS = "trailing characters"
HEX_ESCAPE_END = "unexpected end of hex escape"

WS = b" \t\n\r"
_NL = b"\n"
_STRING_STOP = re.compile(b'["\\\\\x00-\x1f]')  # what makes serde's string reader stop (skip_to_escape)
_HEX = re.compile(b"[0-9a-fA-F]{4}")
_SIMPLE_ESCAPES = {b'"'[0]: b'"', b"\\"[0]: b"\\", b"/"[0]: b"/", b"b"[0]: b"\b", b"f"[0]: b"\f"}
_SIMPLE_ESCAPES |= {b"n"[0]: b"\n", b"r"[0]: b"\r", b"t"[0]: b"\t"}
_DIGITS = frozenset(b"0123456789")
_ZERO, _DOT, _PLUS, _MINUS = b"0.+-"
_EXPONENT = frozenset(b"eE")
_I32_MAX = 2**31 - 1
_U64_MAX = 2**64 - 1
_POW10 = tuple(float(f"1e{k}") for k in range(309))  # serde_json's POW10 table: 1e0 ..= 1e308


class JsonSyntax(Exception):
    """A serde_json syntax error: its text and the read index its position is taken at."""

    def __init__(self, message: str, index: int) -> None:
        super().__init__(message)
        self.message = message
        self.index = index


def _integer(positive: bool, significand: int) -> int | float:
    """``parse_number``'s integer: a u64, or its negation as an i64 (``-0`` and below i64 as floats)."""
    if positive:
        return significand
    return -significand if 0 < significand <= 2**63 else -float(significand)


def position(data: bytes, index: int) -> str:
    """serde_json's ``line L column C`` at read index ``index``: the column counts the bytes read on that line."""
    start = data.rfind(_NL, 0, index) + 1
    return f"line {data.count(_NL, 0, start) + 1} column {index - start}"


class Json:
    """A read position in a body, moved the way serde_json's ``Deserializer<SliceRead>`` moves it."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def peek(self) -> int | None:
        return self.data[self.pos] if self.pos < len(self.data) else None

    def ws(self) -> int | None:
        """``parse_whitespace``: skip whitespace, then peek."""
        data, pos = self.data, self.pos
        end = len(data)
        while pos < end and data[pos] in WS:
            pos += 1
        self.pos = pos
        return data[pos] if pos < end else None

    def fail(self, message: str) -> NoReturn:
        """``Deserializer::error``: the position just past the last byte consumed."""
        raise JsonSyntax(message, self.pos)

    def peek_fail(self, message: str) -> NoReturn:
        """``Deserializer::peek_error``: the peeked byte counts as read."""
        raise JsonSyntax(message, min(len(self.data), self.pos + 1))

    def _next(self) -> int | None:
        c = self.peek()
        if c is not None:
            self.pos += 1
        return c

    def ident(self, rest: bytes) -> None:
        """``parse_ident`` after the literal's first byte was eaten."""
        for expected in rest:
            c = self._next()
            if c is None:
                self.fail(EOF_VALUE)
            if c != expected:
                self.fail(EXPECTED_IDENT)

    def unexpected(self) -> Any:
        """What ``peek_invalid_type`` reads to name a value of the wrong type: a scalar is read whole (or its
        syntax error raised); a ``[`` or ``{`` is only peeked at (``[]`` / ``{}`` stand for it)."""
        c = self.peek()
        literals = {b"n"[0]: (b"ull", None), b"t"[0]: (b"rue", True), b"f"[0]: (b"alse", False)}
        if c in literals:
            self.pos += 1
            rest, value = literals[c]
            self.ident(rest)
            return value
        if c == b"-"[0] or c in _DIGITS:
            return self.number()
        if c == b'"'[0]:
            return self.string()
        if c == b"["[0]:
            return []
        if c == b"{"[0]:
            return {}
        self.peek_fail(EXPECTED_VALUE)

    def _digits(self) -> None:
        while self.peek() in _DIGITS:
            self.pos += 1

    def number(self) -> int | float:
        """``parse_integer`` and what follows it (``parse_long_integer``, ``parse_decimal``, ``parse_exponent``)
        from a ``-`` or digit: their errors, and the value as serde_json's default features compute it (u64 or
        i64, else an f64 from a u64 significand and a power of ten; ``-0`` is a float)."""
        positive = self.peek() != _MINUS
        if not positive:
            self.pos += 1
        first = self._first_digit()
        if first == _ZERO and self.peek() in _DIGITS:
            self.peek_fail(INVALID_NUMBER)
        significand, exponent = self._significand(first - 48)  # integer digits past u64 only scale it
        integer = exponent == 0
        if self.peek() == _DOT:
            integer = False
            self.pos += 1
            if self.peek() not in _DIGITS:
                self.peek_fail(EOF_VALUE if self.peek() is None else INVALID_NUMBER)
            before = self.pos
            significand, dropped = self._significand(significand)  # decimals past u64 are ignored
            exponent -= self.pos - before - dropped
        if self.peek() in _EXPONENT:
            exp = self._exponent(significand)
            if exp is None:
                return 0.0 if positive else -0.0
            return self._f64(positive, significand, max(-(2**31), min(_I32_MAX, exponent + exp)))
        if integer:
            return _integer(positive, significand)
        return self._f64(positive, significand, exponent)

    def _first_digit(self) -> int:
        """The digit a number or an exponent must start with: EOF or anything else is serde_json's error."""
        first = self._next()
        if first is None:
            self.fail(EOF_VALUE)
        if first not in _DIGITS:
            self.fail(INVALID_NUMBER)
        return first

    def _significand(self, significand: int) -> tuple[int, int]:
        """Digits added to a u64 significand until one would overflow it; the digits after that are only
        counted. Returns the significand and that count."""
        dropped = 0
        while (c := self.peek()) in _DIGITS:
            assert c is not None
            self.pos += 1
            if dropped or significand * 10 + c - 48 > _U64_MAX:
                dropped += 1
            else:
                significand = significand * 10 + c - 48
        return significand, dropped

    def _exponent(self, significand: int) -> int | None:
        """The signed exponent after ``e``/``E``; None when it overflows i32 towards zero (the value is ±0)."""
        self.pos += 1
        sign = self.peek()
        if sign in (_PLUS, _MINUS):
            self.pos += 1
        first = self._first_digit()
        exp = first - 48
        while (c := self.peek()) in _DIGITS:
            assert c is not None
            self.pos += 1
            exp = exp * 10 + c - 48
            if exp > _I32_MAX:  # parse_exponent_overflow: infinity refused at once, zero read to the end
                if significand and sign != _MINUS:
                    self.fail(OUT_OF_RANGE)
                self._digits()
                return None
        return -exp if sign == _MINUS else exp

    def _f64(self, positive: bool, significand: int, exponent: int) -> float:
        """``f64_from_parts`` (without the ``float_roundtrip`` feature): scale by a power of ten in f64 steps."""
        f = float(significand)
        while abs(exponent) >= len(_POW10):
            if f == 0.0:
                break
            if exponent >= 0:
                self.fail(OUT_OF_RANGE)
            f /= 1e308
            exponent += 308
        else:
            if exponent >= 0:
                f *= _POW10[exponent]
                if math.isinf(f):
                    self.fail(OUT_OF_RANGE)
            else:
                f /= _POW10[-exponent]
        return f if positive else -f

    def string(self) -> str:
        """``parse_str`` from the opening quote: escapes decoded as met, UTF-8 checked at the closing quote."""
        self.pos += 1
        out = bytearray()
        while True:
            stop = _STRING_STOP.search(self.data, self.pos)
            if stop is None:
                self.pos = len(self.data)
                self.fail(EOF_STRING)
            out += self.data[self.pos : stop.start()]
            self.pos = stop.start() + 1
            c = self.data[stop.start()]
            if c == b'"'[0]:
                try:
                    return out.decode("utf-8")
                except UnicodeDecodeError:
                    self.fail(INVALID_UNICODE)
            if c != b"\\"[0]:
                self.fail(CONTROL)
            self._escape(out)

    def _escape(self, out: bytearray) -> None:
        c = self._next()
        if c is None:
            self.fail(EOF_STRING)
        if c in _SIMPLE_ESCAPES:
            out += _SIMPLE_ESCAPES[c]
        elif c == b"u"[0]:
            out += chr(self._unicode()).encode("utf-8")
        else:
            self.fail(INVALID_ESCAPE)

    def _unicode(self) -> int:
        """``parse_unicode_escape`` after ``\\u``: a lone surrogate is refused (read.rs)."""
        n = self._hex()
        if 0xDC00 <= n <= 0xDFFF:
            self.fail(LONE_SURROGATE)
        if not 0xD800 <= n <= 0xDBFF:
            return n
        for expected in b"\\u":
            c = self.peek()
            if c is None:
                self.fail(EOF_STRING)
            self.pos += 1  # serde discards the byte before refusing it
            if c != expected:
                self.fail(HEX_ESCAPE_END)
        low = self._hex()
        if not 0xDC00 <= low <= 0xDFFF:
            self.fail(LONE_SURROGATE)
        return 0x10000 + ((n - 0xD800) << 10) + (low - 0xDC00)

    def _hex(self) -> int:
        if len(self.data) - self.pos < 4:
            self.pos = len(self.data)
            self.fail(EOF_STRING)
        self.pos += 4
        digits = self.data[self.pos - 4 : self.pos]
        if _HEX.fullmatch(digits) is None:
            self.fail(INVALID_ESCAPE)
        return int(digits, 16)
