"""The machine's assertions on HTTP answers: each failure is an ``AssertionError`` that names what was asked, what
came back and what the model expected."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

from .model import ExpectedError


def check(condition: bool, message: str) -> None:
    """An AssertionError that survives ``python -O``."""
    if not condition:
        raise AssertionError(message)


def ok(response: httpx.Response, what: str) -> Any:
    """The JSON of a 200 answer."""
    check(response.status_code == 200, f"{what}: answered {response.status_code} {response.text[:300]}")
    return response.json()


def expect_error(response: httpx.Response, expected: ExpectedError, what: str) -> None:
    """The answer is the vendor's error envelope with exactly this status and message."""
    envelope = expected.json()
    body = response.json() if response.headers.get("content-type", "").startswith("application/json") else None
    check(
        response.status_code == expected.status and body == envelope,
        f"{what}: answered {response.status_code} {response.text[:300]}, expected {expected.status} {envelope}",
    )


def expect_fields(got: Mapping[str, Any], expected: Mapping[str, Any], what: str) -> None:
    """``got`` holds ``expected``'s values, of the same types (``1`` is not ``true``); the message lists every field
    that differs."""
    wrong = [
        f"{name} {got[name]!r}, expected {value!r}"
        for name, value in expected.items()
        if type(got[name]) is not type(value) or got[name] != value
    ]
    check(not wrong, f"{what}: {'; '.join(wrong)}")


def app_fields(app: Mapping[str, Any]) -> dict[str, Any]:
    """An app's scheme fields as ``Model.expected_app`` describes them (a missing scheme slug reads as null)."""
    return {"rate_limit_scheme_slug": app.get("rate_limit_scheme_slug"), "rate_limits": app["rate_limits"]}


def listed_key_fields(listed: Mapping[str, Any]) -> dict[str, Any]:
    """A listed key's fields as ``Model.expected_listed_key`` describes them."""
    return {
        "key_suffix": listed["key_suffix"],
        "is_active": listed["is_active"],
        "revoked_reason": listed["revoked_reason"],
        "revoked": listed["revoked_at"] is not None,
        "rate_limit_scheme_slug": listed.get("rate_limit_scheme_slug"),
        "rate_limits": listed["rate_limits"],
    }
