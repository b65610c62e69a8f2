"""The ``mime`` crate (0.3.17) as axum 0.8.1's ``json_content_type`` uses it (backend-behaviour.md §15.1): a
Content-Type is JSON when mime's parser accepts it and its subtype is ``json`` or its ``+`` suffix is.

mime's parser (``src/parse.rs``) is stricter than HTTP's grammar in places (no space before ``;``, none inside an
unquoted value, every parameter needs ``=``) and looser in others (``+`` right after the slash is part of the
subtype, the last ``+`` starts the suffix, a ``;`` may end the header).
"""

from __future__ import annotations

import string

_TOKEN = frozenset(string.ascii_letters + string.digits + "!#$%&'*+-.^_`|~")
_VISIBLE = frozenset(chr(c) for c in range(32, 127)) | {"\t"}  # what HeaderValue::to_str accepts


def _params(s: str, start: int) -> bool:
    """mime's ``params_from_str`` from the ``;`` at ``start``: whether the rest parses."""
    i = start + 1
    while i < len(s):
        if s[i] == " ":  # spaces before a parameter name are skipped
            i += 1
            continue
        name_start = i
        while i < len(s) and s[i] in _TOKEN:
            i += 1
        if i >= len(s) or s[i] != "=" or i == name_start:
            return False  # a missing ``=``, an empty name or a stray byte
        i += 1
        if i < len(s) and s[i] == '"':
            close = s.find('"', i + 2)  # a quote right after the opening one is content, not the end
            if close < 0 or any(not 31 < ord(c) != 127 for c in s[i + 1 : close]):
                return False
            i = close + 1
            while i < len(s) and s[i] == " ":
                i += 1
            if i < len(s) and s[i] != ";":
                return False
            i += 1
            continue
        value_start = i
        while i < len(s) and s[i] in _TOKEN:
            i += 1
        if i < len(s) and (s[i] != ";" or i == value_start):
            return False
        i += 1
    return True


def is_json_content_type(value: str | None) -> bool:
    """axum's ``json_content_type``: mime parses the header, its type is ``application`` and its subtype or
    suffix is ``json`` (both case-insensitive)."""
    if value == "application/json":
        return True
    if value is None or any(c not in _VISIBLE for c in value):
        return False
    slash = value.find("/")
    if slash <= 0 or any(c not in _TOKEN for c in value[:slash]):
        return False
    plus = None
    end = len(value)
    for i in range(slash + 1, len(value)):
        c = value[i]
        if c == "+" and i > slash + 1:
            plus = i
        elif c == ";" and i > slash + 1:
            end = i
            break
        elif c not in _TOKEN:
            return False
    if end < len(value) and not _params(value, end):
        return False
    subtype = value[slash + 1 : plus if plus is not None else end].lower()
    suffix = value[plus + 1 : end].lower() if plus is not None else None
    return value[:slash].lower() == "application" and (subtype == "json" or suffix == "json")
