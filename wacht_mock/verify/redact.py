"""Key secrets in report lines, cut to their prefix and last characters.

A report is pasted into CI logs and bug reports, so no full secret may appear in it: not the backend API key a
step sent, not a key secret an answer carried. A secret is a key prefix ending in ``_`` followed by 43
base64url characters (``sk_...`` for a backend key, ``wm_live_...`` for an app's key).
"""

from __future__ import annotations

import re

_SECRET = re.compile(r"(?<![A-Za-z0-9_-])([A-Za-z0-9_-]*_)([A-Za-z0-9_-]{43})(?![A-Za-z0-9_-])")
KEPT = 4


def redact(text: str) -> str:
    """``text`` with every secret-shaped word cut to its prefix and its last four characters: ``sk_…x9Qz``."""
    return _SECRET.sub(lambda m: f"{m[1]}…{m[2][-KEPT:]}", text)
