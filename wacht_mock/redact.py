"""Secrets out of what the journal keeps: key secrets and credentials cut down to their prefix and suffix.

A key secret is ``<prefix>_<43 base64url characters>`` (the backend secret ``sk_...`` is one too). Wherever one
appears in a recorded request or answer (a header, the query, a body) it becomes ``sk_live_…wxyz``: the prefix
and the last four characters, which the vendor itself shows (a key's ``key_suffix`` is its last eight). A header
that carries a credential (``Authorization``, the control plane's token, cookies) keeps its scheme and, when the
credential is long enough to spare them, its first and last four characters.

The journal redacts when it records, so nothing it holds or serves (Python objects, ``describe()``,
``GET /_mock/journal``, the dashboard) can show a secret.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_SECRET = r"(?<![A-Za-z0-9_-])([A-Za-z0-9_-]+_)[A-Za-z0-9_-]{39}([A-Za-z0-9_-]{4})(?![A-Za-z0-9_-])"
_SECRET_TEXT = re.compile(_SECRET)
_SECRET_BYTES = re.compile(_SECRET.encode())
_TOKEN_CHARS = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"
_RUNS = bytes(0x61 if byte in _TOKEN_CHARS else 0x20 for byte in range(256))
"""Turns every base64url byte into ``a`` and any other into a space: a secret is then a run of 45 ``a``s at least,
which ``bytes.find`` rules out far faster than the regex can (most bodies hold none)."""
_SHORTEST = b"a" * 45
ELLIPSIS = "…"
_CREDENTIAL_NAME = re.compile("authorization|cookie|token|secret|key|password")
_PLAIN = frozenset(("host", "accept", "accept-encoding", "connection", "user-agent", "content-type", "content-length"))
"""Headers every client sends that never carry a credential (only a secret-shaped value is cut from them)."""
_SHOWN = 4
"""Characters kept at each end of a credential that is not secret-shaped (only when it has 4 times as many)."""


def redact_text(text: str) -> str:
    """``text`` with every key secret in it cut to prefix and suffix."""
    return _SECRET_TEXT.sub(rf"\1{ELLIPSIS}\2", text) if "_" in text else text


def redact_bytes(data: bytes) -> bytes:
    """``data`` (a body) with every key secret in it cut to prefix and suffix (the ellipsis in UTF-8)."""
    if data.translate(_RUNS).find(_SHORTEST) < 0:
        return data
    return _SECRET_BYTES.sub(rb"\1" + ELLIPSIS.encode() + rb"\2", data)


def redact_credential(value: str) -> str:
    """A credential header's value: its scheme (``Bearer``) kept, the credential cut to prefix and suffix."""
    scheme, _, credential = value.strip().rpartition(" ")
    if _SECRET_TEXT.fullmatch(credential):
        cut = f"{credential[:-43]}{ELLIPSIS}{credential[-_SHOWN:]}"
    else:
        cut = redact_text(credential)
        if cut == credential:
            long = len(credential) >= 4 * _SHOWN
            cut = f"{credential[:_SHOWN]}{ELLIPSIS}{credential[-_SHOWN:]}" if long else ELLIPSIS
    return f"{scheme} {cut}" if scheme else cut


_SEEN: dict[tuple[bytes, bytes], tuple[str, str]] = {}
"""The text pair of each plain header already met: a client sends the same few on every request, and the journal
then holds one copy of each instead of one per entry."""
_SEEN_KEPT = 4096


def redact_headers(raw: Iterable[tuple[bytes, bytes]]) -> tuple[tuple[str, str], ...]:
    """ASGI headers as text pairs, credentials and secret-shaped values redacted."""
    pairs = []
    for name_bytes, value_bytes in raw:
        header = (name_bytes, value_bytes)  # a server may pass lists, which no dict takes as a key
        seen = _SEEN.get(header)
        if seen is not None:
            pairs.append(seen)
            continue
        name = name_bytes.decode("latin-1").lower()
        value = value_bytes.decode("latin-1")
        shown = value
        if name not in _PLAIN and _CREDENTIAL_NAME.search(name):
            shown = redact_credential(value)
        elif "_" in value:
            shown = redact_text(value)
        pair = (name, shown)
        if name in _PLAIN and shown == value:  # nothing secret in it: no secret is kept here, even as a key
            if len(_SEEN) >= _SEEN_KEPT:
                _SEEN.clear()
            _SEEN[header] = pair
        pairs.append(pair)
    return tuple(pairs)
