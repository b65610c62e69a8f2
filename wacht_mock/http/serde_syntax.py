"""serde_json (1.0.140) syntax errors as the gateway's plain-text 400 shows them: the wording for the error Python's
parser found, serde's own refusals inside a string (a raw invalid UTF-8 byte, a lone surrogate escape), and the
``line L column C`` position (columns count UTF-8 bytes read).
"""

from __future__ import annotations

import json
import re

from .json_scan import WS

RAW_BYTE = re.compile("[\udc80-\udcff]")  # an invalid UTF-8 byte, decoded with surrogateescape
ESCAPE = re.compile(r"\\(?:u([0-9a-fA-F]{4})|.)", re.DOTALL)
_STRING_STOP = re.compile('["\\\\\x00-\x1f\udc80-\udcff]')  # where a string's reader must look closer
_LONE = "lone leading surrogate in hex escape"


def raw_byte_in_string(text: str, start: int) -> int | None:
    """serde_json validates a string's UTF-8 as it reads it: a raw invalid byte before the closing quote (and
    before any bad escape) is its ``invalid unicode code point``: the index of that byte, or None."""
    i = start + 1
    while (stop := _STRING_STOP.search(text, i)) is not None:
        i = stop.start()
        if text[i] != "\\":
            return i if RAW_BYTE.match(text[i]) else None  # or the closing quote, or a control character
        escape = ESCAPE.match(text, i)
        if escape is None or (escape.group(1) is None and escape.group(0)[1] not in '"\\/bfnrt'):
            return None
        pair = ESCAPE.match(text, escape.end())
        if _surrogate(escape, 0xD800, 0xDBFF) and pair is not None and _surrogate(pair, 0xDC00, 0xDFFF):
            i = pair.end()  # a surrogate pair: one character
            continue
        if _surrogate(escape, 0xD800, 0xDFFF):
            return None  # a lone surrogate escape: serde's verdict on it (``lone_surrogate``) comes first
        i = escape.end()
    return None


def _surrogate(escape: re.Match[str] | None, low: int, high: int) -> bool:
    unit = escape.group(1) if escape is not None else None
    return unit is not None and low <= int(unit, 16) <= high


def lone_surrogate(text: str, start: int, end: int) -> tuple[int, str] | None:
    """serde_json's refusal of a lone surrogate escape in the string ``text[start:end]`` (``parse_unicode_escape``):
    (the index just past what it had read, its message), or None."""
    escapes = list(ESCAPE.finditer(text, start + 1, end - 1))
    k = 0
    while k < len(escapes):
        unit = escapes[k].group(1)
        n = int(unit, 16) if unit is not None else 0
        if 0xDC00 <= n <= 0xDFFF:
            return escapes[k].end(), _LONE
        if 0xD800 <= n <= 0xDBFF:
            after = escapes[k].end()
            paired = k + 1 < len(escapes) and escapes[k + 1].start() == after
            second = escapes[k + 1].group(1) if paired else None
            if second is None:
                # serde consumes the character after the escape (and the one after a backslash) before refusing
                return after + (2 if paired else 1), "unexpected end of hex escape"
            if not 0xDC00 <= int(second, 16) <= 0xDFFF:
                return escapes[k + 1].end(), _LONE
            k += 1
        k += 1
    return None


def where(text: str, last: int) -> str:
    """serde_json's ``line L column C`` once the character at index ``last`` has been read: the column counts the
    UTF-8 bytes read on that line (0 right after a newline, or when nothing was read)."""
    line_start = text.rfind("\n", 0, last + 1) + 1
    column = len(text[line_start : last + 1].encode("utf-8", "surrogateescape"))
    return f"line {text.count(chr(10), 0, line_start) + 1} column {column}"


def syntax_detail(text: str, exc: json.JSONDecodeError) -> str:
    """serde_json's wording for the syntax error Python found."""
    at_end = exc.pos >= len(text.rstrip(WS)) or exc.pos >= len(text)
    eof = f"at {where(text, len(text) - 1)}"
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
