"""The pipeline (wacht_mock/http/app.py): a failure of the mock's own is answered as production's router answers
a 500, journaled, logged once — on the backend API and the gateway alike; never Starlette's plain-text 500."""

from __future__ import annotations

import logging

import httpx
import pytest

from wacht_mock import WachtMock
from wacht_mock.domain import apps, gateway
from wacht_mock.http.operations import BACKEND, GATEWAY, GATEWAY_PATH, routes


def _boom(*args: object, **kwargs: object) -> None:
    raise RuntimeError("a bug in the mock")


def test_a_mock_bug_on_the_backend_api_is_the_500_envelope_and_journaled(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(apps, "list_api_auth_apps", _boom)
    mock = WachtMock()
    with mock.client() as client, caplog.at_level(logging.ERROR, logger="wacht_mock"):
        response = client.get("/api-auth/apps")
    assert (response.status_code, response.json()) == (
        500,
        {"errors": [{"message": "Something went wrong", "code": 500}]},
    )
    entry = mock.journal.entries[-1]
    assert (entry.operation, entry.status) == ("listApiAuthApps", 500)
    assert [r.exc_info[0] for r in caplog.records if r.exc_info] == [RuntimeError]


def test_a_mock_bug_on_the_gateway_is_its_plain_text_500_and_journaled(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(gateway, "check_authz", _boom)
    mock = WachtMock()
    body = {"principal": {"type": "api_key", "value": "sk_" + "a" * 43}, "resource": "/x", "method": "GET"}
    with httpx.Client(transport=mock.transport(), base_url=mock.gateway_url) as client:
        with caplog.at_level(logging.ERROR, logger="wacht_mock"):
            response = client.post(GATEWAY_PATH, json=body)
    assert (response.status_code, response.headers["content-type"], response.text) == (
        500,
        "text/plain; charset=utf-8",
        "Something went wrong",
    )
    entry = mock.journal.entries[-1]
    assert (entry.operation, entry.status) == ("checkAuthz", 500)
    assert [r.exc_info[0] for r in caplog.records if r.exc_info] == [RuntimeError]


def test_every_operation_is_declared_once_with_named_path_parameters() -> None:
    table = routes()
    names = [op.name for route in table for op in route.operations.values()]
    assert len(names) == len(set(names)) == 18
    assert [route.router for route in table if route.template == GATEWAY_PATH] == [GATEWAY]
    assert {route.router for route in table if route.template != GATEWAY_PATH} == {BACKEND}
    revoke = next(route for route in table if route.template.endswith("/revoke"))
    assert revoke.pattern.match("/api-auth/apps/a%20b/keys/42/revoke").groupdict() == {  # type: ignore[union-attr]
        "app_slug": "a%20b",
        "key_id": "42",
    }


def test_head_is_answered_as_get_without_a_body() -> None:
    mock = WachtMock()
    with mock.client() as client:
        head, get = client.head("/api-auth/apps"), client.get("/api-auth/apps")
    assert (head.status_code, head.content) == (200, b"")
    assert head.headers["content-length"] == get.headers["content-length"] == str(len(get.content))
    assert [e.operation for e in mock.journal] == ["listApiAuthApps", "listApiAuthApps"]


@pytest.mark.parametrize("path", ["/api-auth/apps/R%0A%C2%81", "/api-auth/apps/a%0Ab/keys"])
def test_a_percent_encoded_line_break_in_the_path_is_routed_like_any_other_character(path: str) -> None:
    # axum routes on the raw path; Starlette's decoded path must not keep a line break from the vendor routes
    # (scripts/fuzz_contracts.py found Starlette's own plain-text 'Not Found' here, not journaled).
    mock = WachtMock()
    with mock.client() as client:
        response = client.get(path)
    assert (response.status_code, response.json()) == (
        404,
        {"errors": [{"message": "API key app not found", "code": 404}]},
    )
    assert [entry.status for entry in mock.journal] == [404]
