"""Iterative JSON scanning that never recurses, whatever the nesting depth of the input.

Python's ``json`` module recurses once per nested container and raises ``RecursionError`` near a thousand
levels; serde_json never gets there (backend-behaviour.md §15.1): it stops known values at 128 levels and skips
unknown ones with a loop. These helpers do the structural work with explicit stacks so the readers in
``serde.py`` and ``serde_body.py`` only hand Python's parser values of bounded depth.
"""

from __future__ import annotations

import re

WS = " \t\n\r"
# serde_json's ``remaining_depth`` starts at 128 and fails when a container brings it to 0.
MAX_DEPTH = 127

# What serde's ``ignore_value`` accepts as a string: escapes checked, the bytes themselves not (a lone surrogate
# escape or a raw invalid UTF-8 byte, decoded here with ``surrogateescape``, passes).
_LENIENT_STRING = re.compile(r'"(?:[^"\\\x00-\x1f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"')
_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")
_LITERALS = ("true", "false", "null")


class ScanError(Exception):
    """A syntax error serde_json would report, at text index ``pos``."""

    def __init__(self, pos: int) -> None:
        super().__init__(f"JSON syntax error at index {pos}")
        self.pos = pos


def skip_ws(text: str, i: int) -> int:
    """The index of the first non-whitespace character at or after ``i``."""
    while i < len(text) and text[i] in WS:
        i += 1
    return i


def _scalar_end(text: str, i: int) -> int:
    if i < len(text) and text[i] == '"':
        match = _LENIENT_STRING.match(text, i)
    else:
        match = _NUMBER.match(text, i)
        if match is None:
            for literal in _LITERALS:
                if text.startswith(literal, i):
                    return i + len(literal)
    if match is None:
        raise ScanError(i)
    return match.end()


def skip_value(text: str, i: int) -> int:
    """serde's ``ignore_value``: check the structure of the value at ``i`` (any depth, strings unvalidated)
    and return the index just past it; raise ``ScanError`` where the structure breaks."""
    stack: list[str] = []
    i = skip_ws(text, i)
    while True:
        if i < len(text) and text[i] in "[{":
            stack.append("]" if text[i] == "[" else "}")
            i = skip_ws(text, i + 1)
            if i < len(text) and text[i] == stack[-1]:
                stack.pop()
                i += 1
            elif stack[-1] == "}":
                i = _key(text, i)
                continue
            else:
                continue
        else:
            i = _scalar_end(text, i)
        while stack:
            i = skip_ws(text, i)
            if i < len(text) and text[i] == stack[-1]:
                stack.pop()
                i += 1
            elif i < len(text) and text[i] == ",":
                i = skip_ws(text, i + 1)
                if stack[-1] == "}":
                    i = _key(text, i)
                break
            else:
                raise ScanError(i)
        if not stack:
            return i
        i = skip_ws(text, i)


def _key(text: str, i: int) -> int:
    """A member's key and its ``:``; the index of the value after it."""
    if i >= len(text) or text[i] != '"':
        raise ScanError(i)
    i = skip_ws(text, _scalar_end(text, i))
    if i >= len(text) or text[i] != ":":
        raise ScanError(i)
    return skip_ws(text, i + 1)


def first_too_deep(text: str, i: int, depth: int = 0, limit: int = MAX_DEPTH) -> int | None:
    """The index of the first ``[``/``{`` in the value at ``i`` that would nest past ``limit`` containers, counting
    ``depth`` enclosing ones; None if there is none. Strings are skipped; the structure is not checked."""
    j = i
    level = depth
    in_string = escaped = False
    while j < len(text):
        c = text[j]
        if in_string:
            escaped, in_string = (False, True) if escaped else (c == "\\", c != '"')
        elif c == '"':
            in_string = True
        elif c in "[{":
            level += 1
            if level > limit:
                return j
        elif c in "]}":
            level -= 1
            if level <= depth:
                return None
        elif level == depth and c in ",:":
            return None
        j += 1
    return None


def blank_deep(text: str, keep: int) -> str:
    """``text`` with the inside of every container nested deeper than ``keep`` levels replaced by spaces, index
    for index (strings skipped), for a reader that stops with an error at such a container's opening without
    reading it. If the text ends inside one, the open containers are closed after it: the reader's error
    comes at or before that opening, never at the end of the text."""
    out = list(text)
    closers: list[str] = []
    level = 0
    in_string = escaped = False
    for j, c in enumerate(text):
        if in_string:
            escaped, in_string = (False, True) if escaped else (c == "\\", c != '"')
            if level > keep:
                out[j] = " "
            continue
        if c in "]}":
            if level <= keep + 1 and closers:
                closers.pop()
            level -= 1
        if level > keep:
            out[j] = " "
        if c == '"':
            in_string = True
        elif c in "[{":
            level += 1
            if level <= keep + 1:
                closers.append("]" if c == "[" else "}")
    if level > keep:
        out.extend(reversed(closers))
    return "".join(out)
