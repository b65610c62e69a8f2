"""Body matchers: an expected JSON value, with markers for what differs between runs and backends.

Objects must have exactly the expected keys in the expected order (production serialises struct fields in
order, and clients can see it); lists must have the expected length. Scalars compare by value and JSON type,
so ``0`` does not match ``0.0`` and ``1`` does not match ``true``. A string written as a marker matches a kind
of value instead:

``<id>`` a decimal id string · ``<timestamp>`` an RFC 3339 instant · ``<secret>`` an API key secret
(``prefix_`` + 43 base64url characters) · ``<string>`` · ``<int>`` · ``<number>`` · ``<any>`` any value ·
``<re:PATTERN>`` a string the regular expression matches in full. An object written as ``{<unordered>: {...}}``
matches an object with exactly those fields in any order, for maps production builds from a hash map (the
gateway decision's ``headers``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

from ..redact import redact_text as redact

UNORDERED = "<unordered>"
_TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)")
_SECRET = re.compile(r"[A-Za-z0-9_-]*_[A-Za-z0-9_-]{43}")


def _is_timestamp(value: Any) -> bool:
    if not isinstance(value, str) or _TIMESTAMP.fullmatch(value) is None:
        return False
    try:
        datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


_MARKERS: dict[str, Callable[[Any], bool]] = {
    "<id>": lambda v: isinstance(v, str) and v.isascii() and v.isdigit(),
    "<timestamp>": _is_timestamp,
    "<secret>": lambda v: isinstance(v, str) and _SECRET.fullmatch(v) is not None,
    "<string>": lambda v: isinstance(v, str),
    "<int>": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "<number>": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    "<any>": lambda v: True,
}


def is_marker(value: Any) -> bool:
    """Whether ``value`` is a marker rather than a literal."""
    return isinstance(value, str) and (value in _MARKERS or (value.startswith("<re:") and value.endswith(">")))


def mismatches(expected: Any, actual: Any, where: str = "body") -> list[str]:
    """Every difference between ``actual`` and ``expected``, each naming its place (``body.data[0].name``)."""
    if is_marker(expected):
        return [] if _marker_matches(expected, actual) else [f"{where}: expected {expected}, got {_show(actual)}"]
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return [f"{where}: expected an object, got {_show(actual)}"]
        if list(expected) == [UNORDERED] and isinstance(expected[UNORDERED], dict):
            return _object_mismatches(expected[UNORDERED], actual, where, ordered=False)
        return _object_mismatches(expected, actual, where)
    if isinstance(expected, list):
        if not isinstance(actual, list):
            return [f"{where}: expected a list, got {_show(actual)}"]
        if len(expected) != len(actual):
            return [f"{where}: expected {len(expected)} items, got {len(actual)}: {_show(actual)}"]
        return [
            m for i, (e, a) in enumerate(zip(expected, actual, strict=True)) for m in mismatches(e, a, f"{where}[{i}]")
        ]
    if type(expected) is not type(actual) or expected != actual:
        return [f"{where}: expected {_show(expected)}, got {_show(actual)}"]
    return []


def _object_mismatches(expected: dict[str, Any], actual: dict[str, Any], where: str, ordered: bool = True) -> list[str]:
    missing = [k for k in expected if k not in actual]
    extra = [k for k in actual if k not in expected]
    found: list[str] = []
    if missing:
        found.append(f"{where}: missing {', '.join(missing)}")
    if extra:
        found.append(f"{where}: unexpected {', '.join(extra)}")
    if ordered and not missing and not extra and list(expected) != list(actual):
        found.append(f"{where}: fields in order {', '.join(actual)}; expected {', '.join(expected)}")
    for key, value in expected.items():
        if key in actual:
            found += mismatches(value, actual[key], f"{where}.{key}")
    return found


def _marker_matches(marker: str, value: Any) -> bool:
    if marker.startswith("<re:"):
        return isinstance(value, str) and re.fullmatch(marker[4:-1], value, re.DOTALL) is not None
    return _MARKERS[marker](value)


def _show(value: Any, limit: int = 160) -> str:
    text = redact(json.dumps(value, ensure_ascii=False))  # before the cut, so no secret is cut into view
    return text if len(text) <= limit else text[: limit - 3] + "..."
