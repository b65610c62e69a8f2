"""Backend-API framework rejections: JSON body extraction, query and path parsing (backend-behaviour.md §2.2;
§14 decisions).

Every case asserts the exact status and the exact body production answers with.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from conftest import APP, Mock, error, ok

TWO_MIB = 2 * 1024 * 1024


def post_raw(client: httpx.Client, path: str, content: bytes, content_type: str | None, method: str = "POST") -> Any:
    headers = {"content-type": content_type} if content_type is not None else {}
    return client.request(method, path, content=content, headers=headers)


# §2.2 JSON body extraction: 415 → 413 → 400 → 422


VALID = json.dumps(APP).encode()


@pytest.mark.parametrize(
    "content_type",
    [
        pytest.param(None, id="missing"),
        pytest.param("text/plain", id="text-plain"),
        pytest.param("text/json", id="text-json"),
        pytest.param("application/x-www-form-urlencoded", id="form"),
        pytest.param("multipart/form-data; boundary=x", id="multipart"),
        pytest.param("application/jsonx", id="jsonx"),
        pytest.param("json", id="no-slash"),
        pytest.param("", id="empty"),
    ],
)
@pytest.mark.parametrize(
    ("method", "path"),
    [
        pytest.param("POST", "/api-auth/apps", id="create"),
        pytest.param("PATCH", "/api-auth/apps/billing", id="update"),
        pytest.param("PATCH", "/api-auth/apps/missing", id="update-missing-app"),
    ],
)
def test_415_without_a_json_content_type(
    api: httpx.Client, billing: dict[str, Any], content_type: str | None, method: str, path: str
) -> None:
    response = post_raw(api, path, VALID, content_type, method)
    assert response.status_code == 415
    assert response.json() == error(415, "Request failed")


@pytest.mark.parametrize(
    "content_type",
    [
        "application/json",
        "application/json; charset=utf-8",
        "application/json;charset=UTF-8",
        "application/vnd.x+json",
        "application/merge-patch+json",
        "APPLICATION/JSON",
    ],
)
def test_json_content_types_accepted(api: httpx.Client, content_type: str) -> None:
    response = post_raw(api, "/api-auth/apps", VALID, content_type)
    assert response.status_code == 200, response.text
    assert response.json()["app_slug"] == "billing"


BAD_SYNTAX = [
    pytest.param(b"", id="empty-body"),
    pytest.param(b"   ", id="whitespace-only"),
    pytest.param(b'{"app_slug":', id="truncated"),
    pytest.param(b"{'app_slug': 'a'}", id="single-quotes"),
    pytest.param(VALID[:-1] + b',"user_id":NaN}', id="nan"),
    pytest.param(VALID[:-1] + b',"user_id":Infinity}', id="infinity"),
    pytest.param(VALID[:-1] + b',"x":-Infinity}', id="unknown-field-infinity"),
    pytest.param(VALID[:-1] + b",}", id="trailing-comma"),
    pytest.param(b'{"app_slug":"a","name":"\xff","key_prefix":"k"}', id="invalid-utf8"),
    pytest.param(b'{"app_slug":"a\x01","name":"n","key_prefix":"k"}', id="raw-control-char"),
    pytest.param(b'{"app_slug":"a","name":"n\\ud800","key_prefix":"k"}', id="lone-surrogate-escape"),
]


@pytest.mark.parametrize("raw", BAD_SYNTAX)
@pytest.mark.parametrize(
    ("deployment_id", "path", "method"),
    [
        pytest.param(1, "/api-auth/apps", "POST", id="create"),
        pytest.param(2, "/api-auth/apps", "POST", id="create-on-starter-plan"),
        pytest.param(1, "/api-auth/apps/billing", "PATCH", id="update"),
        pytest.param(1, "/api-auth/apps/missing", "PATCH", id="update-missing-app"),
    ],
)
def test_400_bad_json_syntax(
    mock: Mock, billing: dict[str, Any], raw: bytes, deployment_id: int, path: str, method: str
) -> None:
    with mock.client(deployment_id) as client:
        response = post_raw(client, path, raw, "application/json", method)
    assert response.status_code == 400
    assert response.json() == error(400, "Bad request")


def _with(**fields: Any) -> bytes:
    body: dict[str, Any] = {**APP, **fields}
    return json.dumps({k: v for k, v in body.items() if v is not _DROP}).encode()


_DROP = object()

CREATE_SHAPE_ERRORS = [
    pytest.param(_with(name=_DROP), id="missing-name"),
    pytest.param(_with(app_slug=_DROP), id="missing-app-slug"),
    pytest.param(_with(key_prefix=_DROP), id="missing-key-prefix"),
    pytest.param(b"{}", id="empty-object"),
    pytest.param(_with(name=5), id="name-number"),
    pytest.param(_with(name=None), id="name-null"),
    pytest.param(_with(name=True), id="name-bool"),
    pytest.param(_with(name=["a"]), id="name-array"),
    pytest.param(_with(app_slug=None), id="app-slug-null"),
    pytest.param(_with(description=5), id="description-number"),
    pytest.param(_with(rate_limit_scheme_slug=1), id="scheme-slug-number"),
    pytest.param(_with(user_id="abc"), id="user-id-not-numeric"),
    pytest.param(_with(user_id=1.5), id="user-id-fraction"),
    pytest.param(_with(user_id=11.0), id="user-id-float"),
    pytest.param(_with(user_id=""), id="user-id-empty-string"),
    pytest.param(_with(user_id=" 11"), id="user-id-padded-string"),
    pytest.param(_with(user_id="1.5"), id="user-id-fraction-string"),
    pytest.param(_with(user_id=True), id="user-id-bool"),
    pytest.param(_with(user_id=[11]), id="user-id-array"),
    pytest.param(_with(user_id=2**63), id="user-id-overflow"),
    pytest.param(_with(user_id=str(2**63)), id="user-id-overflow-string"),
    pytest.param(_with(organization_id="x"), id="organization-id-not-numeric"),
    pytest.param(_with(workspace_id=3.1), id="workspace-id-fraction"),
    pytest.param(_with(permissions="read"), id="permissions-string"),
    pytest.param(_with(permissions=[1]), id="permissions-numbers"),
    pytest.param(_with(permissions=[None]), id="permissions-null-item"),
    pytest.param(_with(resources={"a": 1}), id="resources-object"),
    pytest.param(b"5", id="top-level-number"),
    pytest.param(b'"billing"', id="top-level-string"),
    pytest.param(b"true", id="top-level-bool"),
    pytest.param(b"null", id="top-level-null"),
    pytest.param(b"[]", id="top-level-empty-array"),
]


@pytest.mark.parametrize("raw", CREATE_SHAPE_ERRORS)
@pytest.mark.parametrize("deployment_id", [pytest.param(1, id="growth"), pytest.param(2, id="starter")])
def test_422_create_body_of_the_wrong_shape(mock: Mock, raw: bytes, deployment_id: int) -> None:
    with mock.client(deployment_id) as client:
        response = post_raw(client, "/api-auth/apps", raw, "application/json")
    assert response.status_code == 422
    assert response.json() == error(422, "Invalid request payload")


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param(b'{"is_active":"true"}', id="is-active-string"),
        pytest.param(b'{"is_active":1}', id="is-active-number"),
        pytest.param(b'{"name":5}', id="name-number"),
        pytest.param(b'{"description":false}', id="description-bool"),
        pytest.param(b'{"organization_id":"abc"}', id="organization-id-not-numeric"),
        pytest.param(b'{"workspace_id":1.5}', id="workspace-id-fraction"),
        pytest.param(b'{"permissions":"a"}', id="permissions-string"),
        pytest.param(b'{"resources":[1]}', id="resources-numbers"),
        pytest.param(b"7", id="top-level-number"),
        pytest.param(b"null", id="top-level-null"),
    ],
)
@pytest.mark.parametrize("slug", ["billing", "missing"])
def test_422_update_body_of_the_wrong_shape(api: httpx.Client, billing: dict[str, Any], raw: bytes, slug: str) -> None:
    """The body is extracted before the app lookup, so a missing app still gives the body's error."""
    response = post_raw(api, f"/api-auth/apps/{slug}", raw, "application/json", "PATCH")
    assert response.status_code == 422
    assert response.json() == error(422, "Invalid request payload")


@pytest.mark.parametrize(
    "rule",
    [
        pytest.param({"unit": "week", "duration": 1, "max_requests": 1}, id="unknown-unit"),
        pytest.param({"unit": "Minute", "duration": 1, "max_requests": 1}, id="unit-wrong-case"),
        pytest.param({"unit": "minute", "duration": 1, "max_requests": 1, "mode": "per_user"}, id="unknown-mode"),
        pytest.param({"unit": "minute", "duration": "1", "max_requests": 1}, id="duration-string"),
        pytest.param({"unit": "minute", "duration": 2**31, "max_requests": 1}, id="duration-over-i32"),
        pytest.param({"unit": "minute", "duration": 1}, id="missing-max-requests"),
    ],
)
def test_422_unknown_enum_values_and_nested_shapes(api: httpx.Client, rule: dict[str, Any]) -> None:
    response = api.post("/api-auth/rate-limit-schemes", json={"slug": "s", "name": "S", "rules": [rule]})
    assert response.status_code == 422
    assert response.json() == error(422, "Invalid request payload")


def test_413_body_over_2_mib(api: httpx.Client) -> None:
    padded = VALID + b" " * (TWO_MIB - len(VALID) + 1)
    assert len(padded) == TWO_MIB + 1
    response = post_raw(api, "/api-auth/apps", padded, "application/json")
    assert response.status_code == 413
    assert response.json() == error(413, "Request failed")
    assert api.get("/api-auth/apps").json()["data"] == []


def test_body_of_exactly_2_mib_is_accepted(api: httpx.Client) -> None:
    padded = VALID + b" " * (TWO_MIB - len(VALID))
    assert len(padded) == TWO_MIB
    ok(post_raw(api, "/api-auth/apps", padded, "application/json"))


@pytest.mark.parametrize(
    ("content_type", "status"),
    [pytest.param("text/plain", 415, id="content-type-before-size"), pytest.param("application/json", 413, id="size")],
)
def test_413_is_checked_after_content_type_and_before_syntax(api: httpx.Client, content_type: str, status: int) -> None:
    garbage = b"x" * (TWO_MIB + 1)
    response = post_raw(api, "/api-auth/apps", garbage, content_type)
    assert response.status_code == status
    assert response.json() == error(status, "Request failed")


@pytest.mark.parametrize(
    "extra",
    [
        pytest.param({"rate_limits": [{"unit": "minute", "duration": 1, "max_requests": 5}]}, id="sdk-rate-limits"),
        pytest.param({"id": "x", "is_active": False, "deleted_at": "never"}, id="read-only-fields"),
        pytest.param({"App_Slug": 5, "unknown": {"nested": [1, 2]}}, id="unknown-names"),
    ],
)
def test_unknown_fields_are_ignored(api: httpx.Client, extra: dict[str, Any]) -> None:
    response = api.post("/api-auth/apps", json={**APP, **extra})
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["is_active"], body["rate_limits"], body["deleted_at"]) == (True, [], None)
    assert "id" not in body


@pytest.mark.parametrize(
    ("ids", "expected"),
    [
        pytest.param({"user_id": 11, "workspace_id": 31}, ("11", "21", "31"), id="numbers"),
        pytest.param({"user_id": "11", "workspace_id": "31"}, ("11", "21", "31"), id="numeric-strings"),
        pytest.param({"user_id": "+11", "organization_id": "21"}, ("11", "21", None), id="plus-sign"),
        pytest.param({"user_id": "0011", "organization_id": 21}, ("11", "21", None), id="leading-zeros"),
        pytest.param({"user_id": 11, "organization_id": None, "workspace_id": None}, ("11", None, None), id="nulls"),
    ],
)
def test_ids_accepted_as_numbers_or_numeric_strings(
    api: httpx.Client, ids: dict[str, Any], expected: tuple[str | None, ...]
) -> None:
    response = api.post("/api-auth/apps", json={**APP, **ids})
    assert response.status_code == 200, response.text
    body = response.json()
    assert tuple(body.get(k) for k in ("user_id", "organization_id", "workspace_id")) == expected


# §2.2 Query and path parsing


@pytest.mark.parametrize(
    "query",
    [
        "include_inactive=1",
        "include_inactive=True",
        "include_inactive=yes",
        "include_inactive=",
        "limit=abc",
        "limit=",
        "limit=1.5",
        "limit=2147483648",
        "offset=x",
        "offset=-2147483649",
        "limit=1&limit=2",
        "include_inactive=true&include_inactive=true",
    ],
)
def test_app_list_query_parse_failure_is_400(api: httpx.Client, query: str) -> None:
    response = api.get(f"/api-auth/apps?{query}")
    assert response.status_code == 400
    assert response.json() == error(400, "Bad request")


@pytest.mark.parametrize(
    ("query", "limit", "offset"),
    [
        ("include_inactive=true", 50, 0),
        ("include_inactive=false", 50, 0),
        ("unknown=1&other", 50, 0),
        ("limit=2147483647", 2147483647, 0),
        ("limit=%2B5&offset=007", 5, 7),
        ("limit=0", 0, 0),
        ("search=", 50, 0),
    ],
)
def test_app_list_query_accepted(api: httpx.Client, query: str, limit: int, offset: int) -> None:
    response = api.get(f"/api-auth/apps?{query}")
    assert response.status_code == 200, response.text
    assert response.json() == {"data": [], "has_more": False, "limit": limit, "offset": offset}


@pytest.mark.parametrize(
    "path",
    [
        pytest.param("/api-auth/apps/missing/keys?include_inactive=1", id="keys-list-query"),
        pytest.param("/api-auth/apps/missing/audit/logs?limit=-1", id="audit-logs-u32"),
        pytest.param("/api-auth/apps/missing/audit/analytics?include_top_keys=1", id="audit-analytics-bool"),
        pytest.param("/api-auth/apps/missing/audit/timeseries?start_date=yesterday", id="audit-timeseries-date"),
    ],
)
def test_query_is_parsed_before_the_app_lookup(api: httpx.Client, path: str) -> None:
    response = api.get(path)
    assert response.status_code == 400
    assert response.json() == error(400, "Bad request")


@pytest.mark.parametrize("key_id", ["abc", "1.5", "9223372036854775808", "%20"])
@pytest.mark.parametrize("action", ["rotate", "revoke"])
def test_path_key_id_parse_failure_is_400_before_the_app_lookup(api: httpx.Client, key_id: str, action: str) -> None:
    response = api.post(f"/api-auth/apps/missing/keys/{key_id}/{action}", json={})
    assert response.status_code == 400
    assert response.json() == error(400, "Bad request")


def test_valid_key_id_on_a_missing_app_is_404(api: httpx.Client) -> None:
    response = api.post("/api-auth/apps/missing/keys/-7/rotate")
    assert response.status_code == 404
    assert response.json() == error(404, "API key app not found")


@pytest.mark.parametrize(
    ("content", "content_type", "status", "message"),
    [
        pytest.param(b"{", "application/json", 400, "Bad request", id="bad-json"),
        pytest.param(b"{}", None, 415, "Request failed", id="no-content-type"),
        pytest.param(b'{"name":1}', "application/json", 422, "Invalid request payload", id="wrong-shape"),
        pytest.param(b'{"name":"x"}', "application/json", 404, "API key app not found", id="valid-body"),
    ],
)
def test_body_is_extracted_before_the_missing_app_404(
    api: httpx.Client, content: bytes, content_type: str | None, status: int, message: str
) -> None:
    for method, path in [("PATCH", "/api-auth/apps/missing"), ("POST", "/api-auth/apps/missing/keys")]:
        response = post_raw(api, path, content, content_type, method)
        assert (response.status_code, response.json()) == (status, error(status, message)), path


def test_routes_without_a_body_ignore_body_and_content_type(api: httpx.Client, billing: dict[str, Any]) -> None:
    response = api.request("GET", "/api-auth/apps/billing", content=b"garbage", headers={"content-type": "text/plain"})
    assert response.status_code == 200
    deleted = api.request(
        "DELETE", "/api-auth/apps/billing", content=b"{", headers={"content-type": "application/json"}
    )
    assert (deleted.status_code, deleted.json()) == (200, {})
