"""The journal's ``json=`` and ``query=`` matchers: a subset match that says which field differed.

``json={"name": "ci", "metadata": {"team": "a"}}`` matches a request body that has at least those keys with
equal values; nested objects are matched the same way, lists and other values compared whole. ``query={"limit":
"2"}`` matches a query that has at least those parameters; values compare as text (``2`` matches ``"2"``), and
a list matches a parameter given several times.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl

from .errors import UsageError

NOT_GIVEN: Any = object()
"""``json=`` was left out (``json=None`` asks for a request without a JSON body)."""


def check_query_matcher(query: object) -> None:
    """Refuse a ``query=`` that is not a mapping of parameter names."""
    if query is not None and not (isinstance(query, Mapping) and all(isinstance(k, str) for k in query)):
        raise UsageError(f"query= must be a mapping of parameter names to values, got {query!r}")


def json_differences(actual: Any, expected: Any, where: str = "json") -> list[str]:
    """How ``actual`` (a parsed body, None when there is none) falls short of ``expected``; empty when it matches."""
    if where == "json" and actual is None and expected is not None:
        return [f"json was absent (no JSON body), expected {_show(expected)}"]
    if isinstance(expected, Mapping):
        if not isinstance(actual, Mapping):
            return [f"{where} was {_show(actual)}, expected an object with {_show(dict(expected))}"]
        found = []
        for key, value in expected.items():
            if key not in actual:
                found.append(f"{where}.{key} was missing, expected {_show(value)}")
            else:
                found += json_differences(actual[key], value, f"{where}.{key}")
        return found
    return [] if _equal(actual, expected) else [f"{where} was {_show(actual)}, expected {_show(expected)}"]


def query_differences(query: str, expected: Mapping[str, Any]) -> list[str]:
    """How a raw query string falls short of the ``query=`` matcher; empty when it matches."""
    given: dict[str, list[str]] = {}
    for name, value in parse_qsl(query, keep_blank_values=True):
        given.setdefault(name, []).append(value)
    found = []
    for name, value in expected.items():
        want: str | list[str] = [_text(v) for v in value] if isinstance(value, list | tuple) else _text(value)
        got = given.get(name)
        if got is None:
            found.append(f"query.{name} was missing, expected {want!r}")
            continue
        seen: str | list[str] = got if isinstance(want, list) or len(got) > 1 else got[0]
        if seen != want:
            found.append(f"query.{name} was {seen!r}, expected {want!r}")
    return found


def _equal(actual: Any, expected: Any) -> bool:
    """JSON equality: ``true`` is not ``1``."""
    if isinstance(actual, bool) or isinstance(expected, bool):
        return type(actual) is type(expected) and actual == expected
    return bool(actual == expected)


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _show(value: Any) -> str:
    return "null" if value is None else repr(value)
