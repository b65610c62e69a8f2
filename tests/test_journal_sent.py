"""The journal keeps what was sent and what was answered (issue 12, point 3), with no secret in it; its
``json=`` / ``query=`` matchers, ``last``, respx-like ``.request`` / ``.response``; and it refuses operation names
it does not know (point 4)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import httpx
import pytest

from wacht_mock import LiveWacht, UsageError, WachtMock

APP = {"app_slug": "billing", "name": "Billing", "key_prefix": "sk_live"}


@pytest.fixture
def mock() -> WachtMock:
    return WachtMock(now="2026-01-01T00:00:00Z")


@pytest.fixture
def api(mock: WachtMock) -> Iterator[httpx.Client]:
    with mock.client() as client:
        yield client


def _issue_key(api: httpx.Client) -> str:
    api.post("/api-auth/apps", json=APP)
    response = api.post("/api-auth/apps/billing/keys", json={"name": "ci", "metadata": {"team": "pay"}})
    secret: str = response.json()["secret"]
    return secret


def _cut(secret: str) -> str:
    """A secret as the journal shows it: prefix, ellipsis, last four."""
    return f"{secret[:-43]}…{secret[-4:]}"


# What an entry keeps


def test_an_entry_keeps_the_query_headers_body_and_answer(mock: WachtMock, api: httpx.Client) -> None:
    api.post("/api-auth/apps?dry=1", json=APP, headers={"X-Trace": "t-1"})
    entry = mock.journal.last("createApiAuthApp")
    assert (entry.method, entry.path, entry.query, entry.url) == (
        "POST",
        "/api-auth/apps",
        "dry=1",
        "/api-auth/apps?dry=1",
    )
    headers = dict(entry.headers)
    assert headers["x-trace"] == "t-1"
    assert headers["content-type"] == "application/json"
    assert headers["authorization"] == f"Bearer {_cut(mock.secret)}"
    assert entry.json == APP
    assert entry.status == 200
    assert entry.response_json["app_slug"] == "billing"
    assert entry.response_type == "application/json"
    assert entry.describe() == "POST /api-auth/apps?dry=1 returned 200"


def test_an_entry_without_a_body_or_with_a_plain_text_answer(mock: WachtMock, api: httpx.Client) -> None:
    api.get("/api-auth/apps")
    listed = mock.journal.last("listApiAuthApps")
    assert (listed.body, listed.json, listed.query) == (b"", None, "")
    check = {"principal": {"type": "api_key", "value": "sk_live_" + "A" * 43}, "resource": "/x", "method": "GET"}
    api.post("/v1/authz/check", json=check)
    denied = mock.journal.last("checkAuthz")
    assert denied.status == 401
    assert (denied.response_json, denied.response_body, denied.response_type) == (
        None,
        b"Invalid API key",
        "text/plain",
    )
    assert denied.json["principal"]["value"] == "sk_live_…AAAA"


def test_request_and_response_are_httpx_objects_like_respx_calls(mock: WachtMock, api: httpx.Client) -> None:
    secret = _issue_key(api)
    call = mock.journal.last("createApiKey")
    request = call.request
    assert isinstance(request, httpx.Request)
    assert (request.method, str(request.url)) == ("POST", "https://api.wacht.dev/api-auth/apps/billing/keys")
    assert request.headers["authorization"] == f"Bearer {_cut(mock.secret)}"
    assert json.loads(request.content) == {"name": "ci", "metadata": {"team": "pay"}}
    response = call.response
    assert isinstance(response, httpx.Response)
    assert response.status_code == 200
    assert response.json()["secret"] == _cut(secret)
    api.get("/api-auth/apps", params={"limit": 2, "search": "billing"})
    assert mock.journal.last("listApiAuthApps").request.url.params["limit"] == "2"


def test_a_dropped_connection_has_no_response(mock: WachtMock, api: httpx.Client) -> None:
    mock.add_fault("drop", operation="listApiAuthApps", count=1)
    with pytest.raises(httpx.RemoteProtocolError):
        api.get("/api-auth/apps")
    entry = mock.journal.last("listApiAuthApps", status=None)
    assert (entry.status, entry.response, entry.response_body) == (0, None, b"")


def test_head_keeps_no_response_body(mock: WachtMock, api: httpx.Client) -> None:
    api.head("/api-auth/apps")
    assert mock.journal.last("listApiAuthApps").response_body == b""


# No secret in the journal


def test_no_issued_or_backend_secret_anywhere_in_the_journal(mock: WachtMock, api: httpx.Client) -> None:
    secret = _issue_key(api)
    key_id = api.get("/api-auth/apps/billing/keys").json()["keys"][0]["id"]
    rotated = api.post(f"/api-auth/apps/billing/keys/{key_id}/rotate").json()["secret"]
    check = {"principal": {"type": "api_key", "value": rotated}, "resource": "/x", "method": "GET"}
    api.post("/v1/authz/check", json=check, headers={"X-Api-Key": rotated, "X-Wacht-Mock-Token": "admin-token-123456"})
    api.get(f"/api-auth/apps?search={secret}")
    shown = [
        repr(mock.journal.entries),
        *(e.describe() for e in mock.journal),
        *(str(e.request.headers) + e.request.content.decode() for e in mock.journal),
        *(e.response.text for e in mock.journal if e.response is not None),
        api.get("/_mock/journal").text,
        api.get("/_mock/dashboard.json").text.replace(mock.secret, ""),  # the dashboard shows the backend secret
    ]
    for text in shown:
        for hidden in (secret, rotated, mock.secret, secret[-43:], rotated[-43:], "admin-token-123456"):
            assert hidden not in text
    assert _cut(rotated) in api.get("/_mock/journal").text


def test_the_journal_over_http_carries_the_request_and_the_answer(mock: WachtMock, api: httpx.Client) -> None:
    secret = _issue_key(api)
    api.post("/v1/authz/check", content=b"not json", headers={"content-type": "text/plain"})
    entries = api.get("/_mock/journal").json()["entries"]
    created = entries[1]
    assert (created["operation"], created["query"], created["url"]) == (
        "createApiKey",
        "",
        "/api-auth/apps/billing/keys",
    )
    assert created["headers"]["authorization"] == f"Bearer {_cut(mock.secret)}"
    assert created["request_body"] == {"name": "ci", "metadata": {"team": "pay"}}
    assert created["response_body"]["secret"] == _cut(secret)
    gateway = entries[2]
    assert gateway["request_body"] == "not json"
    assert gateway["status"] == 415
    assert isinstance(gateway["response_body"], str)


def test_a_live_server_serves_no_secret_in_its_journal() -> None:
    live = LiveWacht()
    try:
        with httpx.Client(base_url=live.url, headers={"Authorization": f"Bearer {live.secret}"}) as client:
            client.post("/api-auth/apps", json=APP)
            secret = client.post("/api-auth/apps/billing/keys", json={"name": "ci"}).json()["secret"]
            text = client.get("/_mock/journal").text
        assert secret not in text and live.secret not in text
        assert _cut(secret) in text
    finally:
        live.stop()


# Matchers


def test_assert_called_matches_json_and_query_subsets(mock: WachtMock, api: httpx.Client) -> None:
    _issue_key(api)
    api.get("/api-auth/apps", params={"limit": 2, "include_inactive": "true"})
    journal = mock.journal
    journal.assert_called("createApiKey", json={"name": "ci"})
    journal.assert_called("createApiKey", times=1, json={"metadata": {"team": "pay"}})
    journal.assert_called("createApiAuthApp", json=APP)
    journal.assert_called("listApiAuthApps", query={"limit": 2, "include_inactive": True})
    journal.assert_called("listApiAuthApps", query={"limit": "2"})
    assert journal.calls("createApiKey", json={"name": "other"}) == []
    assert journal.calls("listApiAuthApps", query={"offset": "0"}) == []
    assert len(journal.calls("createApiAuthApp", json={"permissions": None})) == 0  # absent is not null


def test_lists_are_compared_whole(mock: WachtMock, api: httpx.Client) -> None:
    api.post("/api-auth/apps", json={**APP, "permissions": ["a:read", "a:write"]})
    mock.journal.assert_called("createApiAuthApp", json={"permissions": ["a:read", "a:write"]})
    assert mock.journal.calls("createApiAuthApp", json={"permissions": ["a:read"]}) == []


def test_the_nearest_miss_names_the_field_that_differed(mock: WachtMock, api: httpx.Client) -> None:
    api.post("/api-auth/apps", json={**APP, "name": "a"})
    with pytest.raises(AssertionError) as raised:
        mock.journal.assert_called("createApiAuthApp", json={"name": "b"})
    assert str(raised.value).splitlines()[:2] == [
        "expected createApiAuthApp answering 200 with json={'name': 'b'} at least once, got 0.",
        "Nearest miss: POST /api-auth/apps returned 200: json.name was 'a', expected 'b'",
    ]


def test_the_nearest_miss_is_the_closest_request_then_the_newest(mock: WachtMock, api: httpx.Client) -> None:
    api.post("/api-auth/apps", json={**APP, "app_slug": "one", "name": "x", "description": "d"})
    api.post("/api-auth/apps", json={**APP, "app_slug": "two", "name": "y", "description": "e"})
    api.post("/api-auth/apps", json={**APP, "app_slug": "three", "name": "z", "description": "d"})
    with pytest.raises(AssertionError) as raised:
        mock.journal.assert_called("createApiAuthApp", json={"name": "x", "description": "e"})
    assert str(raised.value).splitlines()[1] == (
        "Nearest miss: POST /api-auth/apps returned 200: json.name was 'y', expected 'x'"
    )
    with pytest.raises(AssertionError) as nested:
        mock.journal.assert_called("createApiAuthApp", json={"metadata": {"team": "a"}, "missing": 1})
    assert str(nested.value).splitlines()[1] == (
        "Nearest miss: POST /api-auth/apps returned 200: json.metadata was missing, expected {'team': 'a'},"
        " json.missing was missing, expected 1"
    )


def test_the_nearest_miss_for_a_query_and_a_refused_request(mock: WachtMock, api: httpx.Client) -> None:
    api.get("/api-auth/apps", params={"limit": 2})
    api.get("/api-auth/apps/nope", params={"x": 1})
    with pytest.raises(AssertionError) as raised:
        mock.journal.assert_called("listApiAuthApps", query={"limit": 3, "offset": 0})
    assert str(raised.value).splitlines()[1] == (
        "Nearest miss: GET /api-auth/apps?limit=2 returned 200: query.limit was '2', expected '3',"
        " query.offset was missing, expected '0'"
    )
    with pytest.raises(AssertionError) as refused:
        mock.journal.assert_called("getApiAuthApp", query={"x": 2})
    assert str(refused.value).splitlines()[1] == (
        "Nearest miss: GET /api-auth/apps/nope?x=1 returned 404: API key app not found (rule apps.lookup.not_found);"
        " query.x was '1', expected '2'"
    )


def test_a_body_that_is_not_json_misses_a_json_matcher(mock: WachtMock, api: httpx.Client) -> None:
    api.post("/api-auth/apps", content=b"name=a", headers={"content-type": "application/json"})
    with pytest.raises(AssertionError) as raised:
        mock.journal.assert_called("createApiAuthApp", status=None, json={"name": "a"})
    assert "json was absent (no JSON body), expected {'name': 'a'}" in str(raised.value)


def test_last_gives_the_newest_and_says_when_there_is_none(mock: WachtMock, api: httpx.Client) -> None:
    api.post("/api-auth/apps", json={**APP, "app_slug": "one"})
    api.post("/api-auth/apps", json={**APP, "app_slug": "two"})
    assert mock.journal.last("createApiAuthApp").json["app_slug"] == "two"
    assert mock.journal.last("createApiAuthApp", json={"app_slug": "one"}).id == 1
    with pytest.raises(AssertionError) as raised:
        mock.journal.last("deleteApiAuthApp")
    assert str(raised.value).splitlines()[:2] == ["no deleteApiAuthApp in the journal.", "Requests received instead:"]
    assert mock.journal.calls("createApiAuthApp", status=200)[0].json["app_slug"] == "one"


def test_a_query_matcher_must_be_a_mapping(mock: WachtMock) -> None:
    with pytest.raises(UsageError, match=r"query= must be a mapping of parameter names to values, got 'limit=2'"):
        mock.journal.calls("listApiAuthApps", query="limit=2")  # type: ignore[arg-type]


# Names that are checked


@pytest.mark.parametrize(
    "use",
    [
        lambda j: j.assert_called("createApiKeys"),
        lambda j: j.assert_not_called("createApiKeys"),
        lambda j: j.calls("createApiKeys"),
        lambda j: j.last("createApiKeys"),
    ],
)
def test_an_unknown_operation_is_refused_with_a_suggestion(mock: WachtMock, use: object) -> None:
    with pytest.raises(UsageError) as raised:
        use(mock.journal)  # type: ignore[operator]
    text = str(raised.value)
    assert text.startswith("unknown operation 'createApiKeys' (did you mean createApiKey?); operations are: ")
    assert re.search(r"checkAuthz, createApiAuthApp, createApiKey, .*updateRateLimitScheme$", text)


def test_assert_not_called_of_a_known_operation_still_passes(mock: WachtMock) -> None:
    mock.journal.assert_not_called("deleteApiAuthApp")


# A fault with neither count nor ratio


def test_a_fault_without_count_or_ratio_fires_until_removed(mock: WachtMock, api: httpx.Client) -> None:
    fault = mock.add_fault("error", operation="listApiAuthApps", status=503)
    assert [api.get("/api-auth/apps").status_code for _ in range(3)] == [503, 503, 503]
    assert api.get("/_mock/faults").json()["faults"][0]["remaining"] is None
    assert (fault.fired, fault.spent) == (3, False)
    mock.faults.remove(fault.id)
    assert api.get("/api-auth/apps").status_code == 200
    added = api.post("/_mock/faults", json={"kind": "error", "status": 502})
    assert added.status_code == 200
    assert [api.get("/api-auth/apps").status_code for _ in range(2)] == [502, 502]
