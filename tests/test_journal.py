"""The request journal and its assertion helpers, and the ``/_mock/journal`` control plane."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from conftest import APP

from wacht_mock import Firing, JournalEntry, WachtMock

AUTH_ALLOWED = [
    Firing("http.unknown_path_is_404_before_auth", "allow"),
    Firing("auth.bearer_header_required", "allow"),
    Firing("auth.secret_known", "allow"),
    Firing("auth.backend_api_rate_limit", "allow"),
    Firing("http.wrong_method_is_405_after_auth", "allow"),
]
BODY_ALLOWED = [
    Firing("http.body.json_content_type_required", "allow"),
    Firing("http.body.at_most_2_mib", "allow"),
    Firing("http.body.json_syntax", "allow"),
    Firing("http.body.json_recursion_limit", "allow"),
    Firing("http.body.json_duplicate_field", "allow"),
    Firing("http.body.json_shape", "allow"),
    Firing("http.body.json_shape", "allow"),
]


@pytest.fixture
def mock() -> WachtMock:
    return WachtMock(now="2026-01-01T00:00:00Z")


@pytest.fixture
def api(mock: WachtMock) -> Iterator[httpx.Client]:
    with mock.client() as client:
        yield client


def _traffic(mock: WachtMock) -> None:
    """Six requests: a miss, a create, an unknown path, a wrong method, a key for a missing app, no auth."""
    with mock.client() as client:
        client.get("/api-auth/apps/nope")
        client.post("/api-auth/apps", json=APP)
        client.get("/nowhere")
        client.put("/api-auth/apps")
        client.post("/api-auth/apps/x/keys", json={"name": "ci"})
    with mock.client(authenticated=False) as anonymous:
        anonymous.get("/api-auth/apps")


# The journal


def test_entries_record_operation_method_path_status_rules_and_message(mock: WachtMock) -> None:
    _traffic(mock)
    assert mock.journal.entries == [
        JournalEntry(
            "getApiAuthApp",
            "GET",
            "/api-auth/apps/nope",
            404,
            (*AUTH_ALLOWED, Firing("apps.lookup.not_found", "deny")),
            "API key app not found",
        ),
        JournalEntry(
            "createApiAuthApp",
            "POST",
            "/api-auth/apps",
            200,
            (
                *AUTH_ALLOWED,
                *BODY_ALLOWED,
                Firing("apps.create.requires_growth_plan", "allow"),
                Firing("apps.create.user_id_required_for_scope", "allow"),
                Firing("apps.create.slug_unique", "allow"),
                Firing("rate_limits.resolved_from_scheme_on_read", "applied"),
            ),
        ),
        JournalEntry(
            None, "GET", "/nowhere", 404, (Firing("http.unknown_path_is_404_before_auth", "deny"),), "Not found"
        ),
        JournalEntry(
            None,
            "PUT",
            "/api-auth/apps",
            405,
            (*AUTH_ALLOWED[:4], Firing("http.wrong_method_is_405_after_auth", "deny")),
            "Method not allowed",
        ),
        JournalEntry(
            "createApiKey",
            "POST",
            "/api-auth/apps/x/keys",
            404,
            (*AUTH_ALLOWED, *BODY_ALLOWED, Firing("apps.lookup.not_found", "deny")),
            "API key app not found",
        ),
        JournalEntry(
            "listApiAuthApps",
            "GET",
            "/api-auth/apps",
            401,
            (AUTH_ALLOWED[0], Firing("auth.bearer_header_required", "deny")),
            "Authorization header must be Bearer token",
        ),
    ]
    assert [e.denied_by for e in mock.journal] == [
        "apps.lookup.not_found",
        None,
        "http.unknown_path_is_404_before_auth",
        "http.wrong_method_is_405_after_auth",
        "apps.lookup.not_found",
        "auth.bearer_header_required",
    ]
    assert len(mock.journal) == 6
    assert [e.status for e in mock.journal] == [404, 200, 404, 405, 404, 401]


def test_describe_reads_like_a_log_line(mock: WachtMock) -> None:
    _traffic(mock)
    assert [e.describe() for e in mock.journal] == [
        "GET /api-auth/apps/nope returned 404: API key app not found (rule apps.lookup.not_found)",
        "POST /api-auth/apps returned 200",
        "GET /nowhere returned 404: Not found (rule http.unknown_path_is_404_before_auth)",
        "PUT /api-auth/apps returned 405: Method not allowed (rule http.wrong_method_is_405_after_auth)",
        "POST /api-auth/apps/x/keys returned 404: API key app not found (rule apps.lookup.not_found)",
        "GET /api-auth/apps returned 401: Authorization header must be Bearer token (rule auth.bearer_header_required)",
    ]


def test_head_is_journalled_as_its_get_operation(mock: WachtMock, api: httpx.Client) -> None:
    mock.add_app(**APP)
    assert api.head("/api-auth/apps/billing").status_code == 200
    (entry,) = mock.journal.entries
    assert (entry.operation, entry.method, entry.status) == ("getApiAuthApp", "HEAD", 200)


def test_calls_filters_by_operation_and_status(mock: WachtMock) -> None:
    _traffic(mock)
    with mock.client() as client:
        client.post("/api-auth/apps/billing/keys", json={"name": "ci"})
    assert [e.path for e in mock.journal.calls("createApiKey")] == [
        "/api-auth/apps/x/keys",
        "/api-auth/apps/billing/keys",
    ]
    assert [e.path for e in mock.journal.calls("createApiKey", status=200)] == ["/api-auth/apps/billing/keys"]
    assert mock.journal.calls("createApiKey", status=500) == []
    assert mock.journal.calls("deleteApiAuthApp") == []


def test_control_plane_requests_are_not_journalled(mock: WachtMock, api: httpx.Client) -> None:
    api.get("/_mock/health")
    api.post("/_mock/clock", json={"advance_ms": 1})
    api.get("/_mock/journal")
    assert mock.journal.entries == []


def test_reset_empties_the_journal(mock: WachtMock) -> None:
    _traffic(mock)
    mock.reset()
    assert mock.journal.entries == []
    assert len(mock.journal) == 0


def test_assert_called_passes_on_success_count_and_status(mock: WachtMock) -> None:
    _traffic(mock)
    journal = mock.journal
    journal.assert_called("createApiAuthApp")
    journal.assert_called("createApiAuthApp", times=1)
    journal.assert_called("createApiKey", times=0)
    journal.assert_called("createApiKey", status=404, times=1)
    journal.assert_called("getApiAuthApp", status=None)
    journal.assert_called("listApiAuthApps", status=401)
    journal.assert_not_called("deleteApiAuthApp")


def test_assert_called_failure_lists_the_requests_and_explains_the_nearest_miss(mock: WachtMock) -> None:
    _traffic(mock)
    with pytest.raises(AssertionError) as raised:
        mock.journal.assert_called("createApiKey", times=1)
    assert str(raised.value) == (
        "expected createApiKey answering 200 1 time, got 0.\n"
        "Nearest miss: POST /api-auth/apps/x/keys returned 404: API key app not found (rule apps.lookup.not_found)\n"
        "Requests received instead:\n"
        "  getApiAuthApp: GET /api-auth/apps/nope returned 404: API key app not found (rule apps.lookup.not_found)\n"
        "  createApiAuthApp: POST /api-auth/apps returned 200\n"
        "  (no operation): GET /nowhere returned 404: Not found (rule http.unknown_path_is_404_before_auth)\n"
        "  (no operation): PUT /api-auth/apps returned 405: Method not allowed"
        " (rule http.wrong_method_is_405_after_auth)\n"
        "  createApiKey: POST /api-auth/apps/x/keys returned 404: API key app not found (rule apps.lookup.not_found)\n"
        "  listApiAuthApps: GET /api-auth/apps returned 401: Authorization header must be Bearer token"
        " (rule auth.bearer_header_required)"
    )


def test_assert_called_failure_wordings(mock: WachtMock) -> None:
    with pytest.raises(AssertionError) as empty:
        mock.journal.assert_called("createApiAuthApp")
    assert (
        str(empty.value)
        == "expected createApiAuthApp answering 200 at least once, got 0.\nThe mock received no requests."
    )
    with mock.client() as client:
        client.post("/api-auth/apps", json=APP)
        client.post("/api-auth/apps", json=APP)
    with pytest.raises(AssertionError) as too_many:
        mock.journal.assert_called("createApiAuthApp", times=1, status=None)
    assert str(too_many.value) == (
        "expected createApiAuthApp 1 time, got 2.\n"
        "Nearest miss: POST /api-auth/apps returned 409: Resource already exists (rule apps.create.slug_unique)\n"
        "Requests received instead:\n"
        "  createApiAuthApp: POST /api-auth/apps returned 200\n"
        "  createApiAuthApp: POST /api-auth/apps returned 409: Resource already exists (rule apps.create.slug_unique)"
    )
    with pytest.raises(AssertionError) as unrelated:
        mock.journal.assert_called("listApiKeys", times=3)
    assert str(unrelated.value).splitlines()[:2] == [
        "expected listApiKeys answering 200 3 times, got 0.",
        "Requests received instead:",
    ]


def test_assert_not_called_failure_lists_each_call(mock: WachtMock) -> None:
    _traffic(mock)
    with pytest.raises(AssertionError) as raised:
        mock.journal.assert_not_called("createApiKey")
    assert str(raised.value) == (
        "expected no createApiKey, got 1:\n"
        "  POST /api-auth/apps/x/keys returned 404: API key app not found (rule apps.lookup.not_found)"
    )


def test_journal_over_http(mock: WachtMock, api: httpx.Client) -> None:
    api.get("/api-auth/apps/nope")
    mock.add_fault("error", status=503, count=1)
    api.get("/api-auth/apps")
    kept = ("id", "at", "operation", "method", "path", "status", "message", "fault", "rules")
    entries = api.get("/_mock/journal").json()["entries"]
    assert {"entries": [{k: e[k] for k in kept} for e in entries]} == {
        "entries": [
            {
                "id": 1,
                "at": "2026-01-01T00:00:00Z",
                "operation": "getApiAuthApp",
                "method": "GET",
                "path": "/api-auth/apps/nope",
                "status": 404,
                "message": "API key app not found",
                "fault": None,
                "rules": [
                    {"rule": "http.unknown_path_is_404_before_auth", "outcome": "allow"},
                    {"rule": "auth.bearer_header_required", "outcome": "allow"},
                    {"rule": "auth.secret_known", "outcome": "allow"},
                    {"rule": "auth.backend_api_rate_limit", "outcome": "allow"},
                    {"rule": "http.wrong_method_is_405_after_auth", "outcome": "allow"},
                    {"rule": "apps.lookup.not_found", "outcome": "deny"},
                ],
            },
            {
                "id": 2,
                "at": "2026-01-01T00:00:00Z",
                "operation": "listApiAuthApps",
                "method": "GET",
                "path": "/api-auth/apps",
                "status": 503,
                "message": None,
                "fault": "error 503",
                "rules": [],
            },
        ]
    }


@pytest.mark.parametrize("depth", [600, 100_000])
def test_a_deeply_nested_body_is_journaled_as_text(mock: WachtMock, api: httpx.Client, depth: int) -> None:
    """Production skips an unknown field's value at any depth; the journal must still list the request (it
    answered 500 with a RecursionError once such a body was in it)."""
    body = '{"app_slug":"deep","name":"d","key_prefix":"pk","extra":' + "[" * depth + "]" * depth + "}"
    shallow = '{"extra":' + "[" * 400 + "]" * 400 + "}"
    assert api.post("/api-auth/apps", content=body, headers={"Content-Type": "application/json"}).status_code == 200
    api.post("/api-auth/apps", content=shallow, headers={"Content-Type": "application/json"})
    answer = api.get("/_mock/journal")
    assert answer.status_code == 200
    deep_entry, shallow_entry = answer.json()["entries"]
    assert deep_entry["request_body"] == body
    assert isinstance(shallow_entry["request_body"], dict)
    # The pytest plugin's view: parsed where Python's parser reaches, else None (not a RecursionError).
    assert isinstance(mock.journal.entries[0].json, dict if depth < 900 else type(None))


def test_a_lone_surrogate_escape_in_a_body_is_journaled_as_text(api: httpx.Client) -> None:
    """Production skips an unknown field's lone surrogate (§15.1); no UTF-8 can carry it as JSON, so the journal
    shows that body as its text (it answered 500 with a UnicodeEncodeError once such a body was in it)."""
    skipped = '{"app_slug":"sur","name":"s","key_prefix":"pk","extra":"\\ud800"}'
    paired = '{"app_slug":"pair","name":"\\ud83d\\ude00","key_prefix":"pk"}'
    for body in (skipped, paired):
        assert api.post("/api-auth/apps", content=body, headers={"Content-Type": "application/json"}).status_code == 200
    answer = api.get("/_mock/journal")
    assert answer.status_code == 200
    assert [e["request_body"] for e in answer.json()["entries"]] == [
        skipped,
        {"app_slug": "pair", "name": "\U0001f600", "key_prefix": "pk"},
    ]
