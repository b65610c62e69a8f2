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
ELLIPSIS = "…"
_CREDENTIAL_WORDS = ("authorization", "cookie", "token", "secret", "key", "password")
_SHOWN = 4
"""Characters kept at each end of a credential that is not secret-shaped (only when it has 4 times as many)."""


def redact_text(text: str) -> str:
    """``text`` with every key secret in it cut to prefix and suffix."""
    return _SECRET_TEXT.sub(rf"\1{ELLIPSIS}\2", text) if "_" in text else text


def redact_bytes(data: bytes) -> bytes:
    """``data`` (a body) with every key secret in it cut to prefix and suffix (the ellipsis in UTF-8)."""
    return _SECRET_BYTES.sub(rb"\1" + ELLIPSIS.encode() + rb"\2", data) if b"_" in data else data


def redact_credential(value: str) -> str:
    """A credential header's value: its scheme (``Bearer``) kept, the credential cut to prefix and suffix."""
    scheme, _, credential = value.strip().rpartition(" ")
    cut = redact_text(credential)
    if cut == credential:
        long = len(credential) >= 4 * _SHOWN
        cut = f"{credential[:_SHOWN]}{ELLIPSIS}{credential[-_SHOWN:]}" if long else ELLIPSIS
    return f"{scheme} {cut}" if scheme else cut


def redact_headers(raw: Iterable[tuple[bytes, bytes]]) -> tuple[tuple[str, str], ...]:
    """ASGI headers as text pairs, credentials and secret-shaped values redacted."""
    pairs = []
    for name_bytes, value_bytes in raw:
        name = name_bytes.decode("latin-1").lower()
        value = value_bytes.decode("latin-1")
        if any(word in name for word in _CREDENTIAL_WORDS):
            value = redact_credential(value)
        else:
            value = redact_text(value)
        pairs.append((name, value))
    return tuple(pairs)
