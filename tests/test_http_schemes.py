"""HTTP contract of the rate-limit scheme endpoints (backend-behaviour.md §2.2-§2.4, §3.2-§3.3, §5, §7)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from conftest import Mock, error, ok

from wacht_mock import VirtualClock

SCHEMES = "/api-auth/rate-limit-schemes"
T0_TEXT = "2026-06-12T10:20:30.123456Z"

SCHEME_FIELDS = ["id", "deployment_id", "slug", "name", "description", "rules", "created_at", "updated_at"]


def rule_in(unit: str = "minute", duration: int = 1, max_requests: int = 10, **extra: Any) -> dict[str, Any]:
    """A rule as a client sends it."""
    return {"unit": unit, "duration": duration, "max_requests": max_requests, **extra}


def rule_out(unit: str = "minute", duration: int = 1, max_requests: int = 10, **extra: Any) -> dict[str, Any]:
    """A rule as production echoes it (priority always present, last)."""
    body = {"unit": unit, "duration": duration, "max_requests": max_requests, **extra}
    body.setdefault("priority", 0)
    body["priority"] = body.pop("priority")
    return body


def create(api: httpx.Client, slug: str = "basic", name: str = "Basic", **fields: Any) -> dict[str, Any]:
    """Create a scheme, asserting success, and return its JSON."""
    fields.setdefault("rules", [rule_in()])
    return ok(api.post(SCHEMES, json={"slug": slug, "name": name, **fields}))


def create_app(api: httpx.Client, slug: str, scheme: str | None = None, **fields: Any) -> dict[str, Any]:
    """Create an API auth app (deployment 1 is on Growth)."""
    body: dict[str, Any] = {"app_slug": slug, "name": slug, "key_prefix": "sk_test", **fields}
    if scheme is not None:
        body["rate_limit_scheme_slug"] = scheme
    return ok(api.post("/api-auth/apps", json=body))


def create_key(api: httpx.Client, app: str, **fields: Any) -> dict[str, Any]:
    """Create a key of ``app``."""
    return ok(api.post(f"/api-auth/apps/{app}/keys", json={"name": "k", **fields}))


# List


def test_list_rate_limit_schemes_empty(api: httpx.Client) -> None:
    resp = api.get(SCHEMES)
    assert resp.status_code == 200
    assert resp.json() == {"schemes": [], "total": 0}
    assert list(resp.json()) == ["schemes", "total"]


def test_list_rate_limit_schemes_orders_by_updated_at_desc(api: httpx.Client, clock: VirtualClock) -> None:
    create(api, "a")
    clock.advance(ms=1000)
    create(api, "b")
    clock.advance(ms=1000)
    create(api, "c")
    assert [s["slug"] for s in api.get(SCHEMES).json()["schemes"]] == ["c", "b", "a"]

    clock.advance(ms=1000)
    assert api.patch(f"{SCHEMES}/a", json={"name": "A2"}).status_code == 200
    body = api.get(SCHEMES).json()
    assert [s["slug"] for s in body["schemes"]] == ["a", "c", "b"]
    assert body["total"] == 3


def test_list_rate_limit_schemes_breaks_updated_at_ties_by_created_at_desc(
    api: httpx.Client, clock: VirtualClock
) -> None:
    create(api, "older")
    clock.advance(ms=5)
    create(api, "newer")
    # Same updated_at for both now; the one created later comes first.
    assert api.patch(f"{SCHEMES}/older", json={}).status_code == 200
    schemes = api.get(SCHEMES).json()["schemes"]
    assert [s["updated_at"] for s in schemes] == ["2026-06-12T10:20:30.128456Z"] * 2
    assert [s["slug"] for s in schemes] == ["newer", "older"]


def test_list_rate_limit_schemes_is_scoped_to_the_deployment(mock: Mock, api: httpx.Client) -> None:
    create(api, "mine")
    with mock.client(5) as other:
        assert other.get(SCHEMES).json() == {"schemes": [], "total": 0}
        create(other, "theirs")
    assert [s["slug"] for s in api.get(SCHEMES).json()["schemes"]] == ["mine"]


def test_list_rate_limit_schemes_works_on_every_plan(mock: Mock) -> None:
    for deployment in (2, 3, 4):
        with mock.client(deployment) as client:
            created = create(client, "s")
            assert created["deployment_id"] == deployment
            assert client.get(SCHEMES).json()["total"] == 1


# Create


def test_create_rate_limit_scheme_returns_200_with_the_scheme(api: httpx.Client) -> None:
    resp = api.post(
        SCHEMES, json={"slug": "basic", "name": "Basic", "description": "d", "rules": [rule_in("second", 30, 5)]}
    )
    assert resp.status_code == 200
    body = resp.json()
    assert list(body) == SCHEME_FIELDS
    assert isinstance(body["id"], int) and not isinstance(body["id"], bool)
    assert 0 < body["id"] < 2**63
    assert body == {
        "id": body["id"],
        "deployment_id": 1,
        "slug": "basic",
        "name": "Basic",
        "description": "d",
        "rules": [rule_out("second", 30, 5)],
        "created_at": T0_TEXT,
        "updated_at": T0_TEXT,
    }
    assert api.get(f"{SCHEMES}/basic").json() == body


def test_create_rate_limit_scheme_description_is_null_when_absent(api: httpx.Client) -> None:
    assert create(api, description=None)["description"] is None
    assert "description" in create(api, "other")


def test_create_rate_limit_scheme_gives_new_ids(api: httpx.Client) -> None:
    ids = {create(api, f"s{i}")["id"] for i in range(3)}
    assert len(ids) == 3


def test_create_rate_limit_scheme_stores_slug_and_name_untrimmed(api: httpx.Client) -> None:
    body = create(api, " padded ", "  Name\t")
    assert (body["slug"], body["name"]) == (" padded ", "  Name\t")
    got = api.get(f"{SCHEMES}/%20padded%20")
    assert got.status_code == 200
    assert got.json()["name"] == "  Name\t"
    assert api.get(f"{SCHEMES}/padded").json() == error(404, "Rate limit scheme not found")


def test_create_rate_limit_scheme_accepts_any_slug_text(api: httpx.Client) -> None:
    body = create(api, "Ünïcode slug.with:stuff")
    assert api.get(f"{SCHEMES}/{body['slug']}").json() == body


@pytest.mark.parametrize(
    ("slug", "name", "rules", "message"),
    [
        pytest.param("", "Name", [rule_in()], "Scheme slug is required", id="slug-empty"),
        pytest.param("   ", "Name", [rule_in()], "Scheme slug is required", id="slug-spaces"),
        pytest.param("\t\n\u3000", "Name", [rule_in()], "Scheme slug is required", id="slug-unicode-whitespace"),
        pytest.param("s", "", [rule_in()], "Scheme name is required", id="name-empty"),
        pytest.param("s", " \r\n", [rule_in()], "Scheme name is required", id="name-whitespace"),
        pytest.param("", "", [], "Scheme slug is required", id="slug-checked-before-name-and-rules"),
        pytest.param("s", " ", [], "Scheme name is required", id="name-checked-before-rules"),
        pytest.param("s", "Name", [], "Rate limit scheme must include at least one rule", id="no-rules"),
    ],
)
def test_create_rate_limit_scheme_rejects_blank_fields(
    api: httpx.Client, slug: str, name: str, rules: list[dict[str, Any]], message: str
) -> None:
    resp = api.post(SCHEMES, json={"slug": slug, "name": name, "rules": rules})
    assert (resp.status_code, resp.json()) == (400, error(400, message))
    assert api.get(SCHEMES).json()["total"] == 0


MS_MSG = "Millisecond-based limits cannot exceed 60000 milliseconds (60 seconds)"
SECOND_MSG = "Second-based limits cannot exceed 1800 seconds (30 minutes)"
MINUTE_MSG = "Minute-based limits cannot exceed 1440 minutes (24 hours)"
CAL_DAY_MSG = "Calendar day limits must be exactly 1 day"
WINDOW_MSG = "Rate limit window cannot exceed 30 days"
DURATION_MSG = "Duration must be positive"
MAX_MSG = "Max requests must be positive"
I32_MAX = 2**31 - 1

# (unit, duration, expected message or None for accepted): every row of §5.1's table at both edges.
RULE_TABLE = [
    ("millisecond", 1, None),
    ("millisecond", 60000, None),
    ("millisecond", 60001, MS_MSG),
    ("millisecond", I32_MAX, MS_MSG),  # 2147483 s is under 30 days: the window check never fires
    ("second", 1, None),
    ("second", 1800, None),
    ("second", 1801, SECOND_MSG),
    ("second", 2592000, SECOND_MSG),
    ("second", 2592001, WINDOW_MSG),
    ("minute", 1, None),
    ("minute", 1440, None),
    ("minute", 1441, MINUTE_MSG),
    ("minute", 43200, MINUTE_MSG),
    ("minute", 43201, WINDOW_MSG),
    ("minute", I32_MAX, WINDOW_MSG),  # i64 arithmetic, no overflow
    ("hour", 1, None),
    ("hour", 720, None),
    ("hour", 721, WINDOW_MSG),
    ("hour", I32_MAX, WINDOW_MSG),
    ("day", 1, None),
    ("day", 30, None),
    ("day", 31, WINDOW_MSG),
    ("calendar_day", 1, None),
    ("calendar_day", 2, CAL_DAY_MSG),
    ("calendar_day", 30, CAL_DAY_MSG),
    ("calendar_day", 31, WINDOW_MSG),
    ("month", 1, None),
    ("month", 2, WINDOW_MSG),
    ("calendar_month", 1, None),
    ("calendar_month", 2, WINDOW_MSG),
] + [(unit, d, DURATION_MSG) for unit in ("millisecond", "second", "calendar_day", "calendar_month") for d in (0, -1)]


@pytest.mark.parametrize(("unit", "duration", "message"), RULE_TABLE, ids=[f"{u}-{d}" for u, d, _ in RULE_TABLE])
def test_create_rate_limit_scheme_rule_ranges(api: httpx.Client, unit: str, duration: int, message: str | None) -> None:
    resp = api.post(SCHEMES, json={"slug": "s", "name": "S", "rules": [rule_in(unit, duration, 5)]})
    if message is None:
        assert resp.status_code == 200, resp.text
        assert resp.json()["rules"] == [rule_out(unit, duration, 5)]
    else:
        assert (resp.status_code, resp.json()) == (400, error(400, message))
        assert api.get(f"{SCHEMES}/s").status_code == 404


@pytest.mark.parametrize(
    ("rules", "message"),
    [
        pytest.param([rule_in(max_requests=0)], MAX_MSG, id="max-requests-zero"),
        pytest.param([rule_in(max_requests=-5)], MAX_MSG, id="max-requests-negative"),
        pytest.param([rule_in(max_requests=I32_MAX)], None, id="max-requests-i32-max"),
        pytest.param([rule_in(duration=0, max_requests=0)], DURATION_MSG, id="duration-before-max"),
        pytest.param([rule_in("second", 2592001, 0)], MAX_MSG, id="max-before-window"),
        pytest.param([rule_in("day", 0, 1)], DURATION_MSG, id="duration-before-window"),
        pytest.param([rule_in("calendar_day", 31, 1)], WINDOW_MSG, id="window-before-unit"),
        pytest.param(
            [rule_in(), rule_in("second", 1801), rule_in(duration=0)], SECOND_MSG, id="first-failing-rule-wins"
        ),
        pytest.param([rule_in(duration=0), rule_in("second", 1801)], DURATION_MSG, id="first-rule-fails-first"),
        pytest.param([rule_in(), rule_in()], None, id="duplicate-rules-allowed"),
    ],
)
def test_create_rate_limit_scheme_rule_check_order(
    api: httpx.Client, rules: list[dict[str, Any]], message: str | None
) -> None:
    resp = api.post(SCHEMES, json={"slug": "s", "name": "S", "rules": rules})
    if message is None:
        assert resp.status_code == 200, resp.text
    else:
        assert (resp.status_code, resp.json()) == (400, error(400, message))


def test_create_rate_limit_scheme_duplicate_slug_is_409(api: httpx.Client) -> None:
    first = create(api, "basic")
    resp = api.post(SCHEMES, json={"slug": "basic", "name": "Other", "rules": [rule_in("hour")]})
    assert (resp.status_code, resp.json()) == (409, error(409, "Rate limit scheme 'basic' already exists"))
    assert api.get(f"{SCHEMES}/basic").json() == first


def test_create_rate_limit_scheme_409_message_quotes_the_slug_verbatim(api: httpx.Client) -> None:
    create(api, " it's ")
    resp = api.post(SCHEMES, json={"slug": " it's ", "name": "N", "rules": [rule_in()]})
    assert resp.json() == error(409, "Rate limit scheme ' it's ' already exists")


def test_create_rate_limit_scheme_validates_rules_before_the_duplicate_check(api: httpx.Client) -> None:
    create(api, "basic")
    resp = api.post(SCHEMES, json={"slug": "basic", "name": "N", "rules": []})
    assert resp.json() == error(400, "Rate limit scheme must include at least one rule")
    resp = api.post(SCHEMES, json={"slug": "basic", "name": " ", "rules": [rule_in()]})
    assert resp.json() == error(400, "Scheme name is required")


def test_create_rate_limit_scheme_slugs_differ_by_whitespace_and_case(api: httpx.Client) -> None:
    create(api, "basic")
    create(api, "basic ")
    create(api, "Basic")
    assert api.get(SCHEMES).json()["total"] == 3


def test_create_rate_limit_scheme_same_slug_in_another_deployment(mock: Mock, api: httpx.Client) -> None:
    create(api, "basic")
    with mock.client(5) as other:
        body = create(other, "basic")
    assert body["deployment_id"] == 5


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        pytest.param(rule_in(), rule_out(), id="priority-filled"),
        pytest.param(rule_in(mode=None, endpoints=None), rule_out(), id="null-mode-endpoints-omitted"),
        pytest.param(rule_in(endpoints=[]), rule_out(endpoints=[]), id="empty-endpoints-kept"),
        pytest.param(rule_in(priority=-3), rule_out(priority=-3), id="negative-priority"),
        pytest.param(
            {
                "priority": 7,
                "endpoints": ["/a", "*"],
                "mode": "per_key",
                "max_requests": 2,
                "duration": 5,
                "unit": "hour",
            },
            rule_out("hour", 5, 2, mode="per_key", endpoints=["/a", "*"], priority=7),
            id="field-order-canonical",
        ),
        pytest.param(
            rule_in(mode="per_app_and_ip", endpoints=["anything at all"], extra_field=True),
            rule_out(mode="per_app_and_ip", endpoints=["anything at all"]),
            id="unknown-field-dropped",
        ),
        pytest.param(rule_in(mode="per_key_and_ip"), rule_out(mode="per_key_and_ip"), id="mode-per-key-and-ip"),
        pytest.param(rule_in(mode="per_app"), rule_out(mode="per_app"), id="explicit-mode-kept"),
    ],
)
def test_create_rate_limit_scheme_normalises_rules(
    api: httpx.Client, rule: dict[str, Any], expected: dict[str, Any]
) -> None:
    body = create(api, rules=[rule])
    assert body["rules"] == [expected]
    assert [list(r) for r in body["rules"]] == [list(expected)]
    assert api.get(f"{SCHEMES}/basic").json()["rules"] == [expected]


BAD_SHAPES = [
    pytest.param({"slug": "s", "name": "S"}, id="rules-missing"),
    pytest.param({"slug": "s", "name": "S", "rules": None}, id="rules-null"),
    pytest.param({"slug": "s", "name": "S", "rules": {}}, id="rules-object"),
    pytest.param({"name": "S", "rules": [rule_in()]}, id="slug-missing"),
    pytest.param({"slug": "s", "rules": [rule_in()]}, id="name-missing"),
    pytest.param({"slug": None, "name": "S", "rules": [rule_in()]}, id="slug-null"),
    pytest.param({"slug": 5, "name": "S", "rules": [rule_in()]}, id="slug-number"),
    pytest.param({"slug": "s", "name": "S", "description": 1, "rules": [rule_in()]}, id="description-number"),
    pytest.param({"slug": "s", "name": "S", "rules": [rule_in("week")]}, id="unit-week"),
    pytest.param({"slug": "s", "name": "S", "rules": [rule_in("Minute")]}, id="unit-case"),
    pytest.param({"slug": "s", "name": "S", "rules": [rule_in(mode="global")]}, id="mode-unknown"),
    pytest.param({"slug": "s", "name": "S", "rules": [rule_in(duration="1")]}, id="duration-string"),
    pytest.param({"slug": "s", "name": "S", "rules": [rule_in(duration=1.5)]}, id="duration-float"),
    pytest.param({"slug": "s", "name": "S", "rules": [rule_in(duration=2**31)]}, id="duration-over-i32"),
    pytest.param({"slug": "s", "name": "S", "rules": [rule_in(max_requests=None)]}, id="max-requests-null"),
    pytest.param({"slug": "s", "name": "S", "rules": [{"unit": "minute", "duration": 1}]}, id="max-requests-missing"),
    pytest.param({"slug": "s", "name": "S", "rules": [rule_in(endpoints="*")]}, id="endpoints-string"),
    pytest.param({"slug": "s", "name": "S", "rules": [rule_in(priority="1")]}, id="priority-string"),
    pytest.param({"slug": "s", "name": "S", "rules": [rule_in(priority=None)]}, id="priority-null"),
    pytest.param([], id="top-level-array"),
    pytest.param("text", id="top-level-string"),
]


@pytest.mark.parametrize("body", BAD_SHAPES)
def test_create_rate_limit_scheme_wrong_shape_is_422(api: httpx.Client, body: Any) -> None:
    resp = api.post(SCHEMES, json=body)
    assert (resp.status_code, resp.json()) == (422, error(422, "Invalid request payload"))


@pytest.mark.parametrize(
    ("headers", "content", "status", "message"),
    [
        pytest.param({}, b'{"slug":"s","name":"S","rules":[]}', 415, "Request failed", id="no-content-type"),
        pytest.param({"content-type": "text/plain"}, b"{}", 415, "Request failed", id="text-plain"),
        pytest.param({"content-type": "application/json"}, b"", 400, "Bad request", id="empty-body"),
        pytest.param({"content-type": "application/json"}, b"{", 400, "Bad request", id="syntax-error"),
        pytest.param(
            {"content-type": "application/json"}, b"{} x", 422, "Invalid request payload", id="trailing-data-ignored"
        ),
        pytest.param(
            {"content-type": "application/json; charset=utf-8"},
            b'{"slug":"s","name":"S","rules":[{"unit":"minute","duration":1,"max_requests":1}]}',
            200,
            None,
            id="charset-parameter",
        ),
        pytest.param(
            {"content-type": "application/vnd.api+json"},
            b'{"slug":"s","name":"S","rules":[{"unit":"minute","duration":1,"max_requests":1}]}',
            200,
            None,
            id="plus-json",
        ),
    ],
)
def test_create_rate_limit_scheme_body_extraction(
    api: httpx.Client, headers: dict[str, str], content: bytes, status: int, message: str | None
) -> None:
    resp = api.post(SCHEMES, content=content, headers=headers)
    assert resp.status_code == status
    if message is not None:
        assert resp.json() == error(status, message)


def test_create_rate_limit_scheme_shape_error_beats_blank_slug(api: httpx.Client) -> None:
    resp = api.post(SCHEMES, json={"slug": "", "name": "", "rules": [rule_in("week")]})
    assert resp.json() == error(422, "Invalid request payload")


# Get


def test_get_rate_limit_scheme(api: httpx.Client) -> None:
    created = create(api, "basic", description="x")
    resp = api.get(f"{SCHEMES}/basic")
    assert resp.status_code == 200
    assert resp.json() == created


@pytest.mark.parametrize("slug", ["missing", "basic%20", "BASIC"])
def test_get_rate_limit_scheme_not_found(api: httpx.Client, slug: str) -> None:
    create(api, "basic")
    resp = api.get(f"{SCHEMES}/{slug}")
    assert (resp.status_code, resp.json()) == (404, error(404, "Rate limit scheme not found"))


def test_get_rate_limit_scheme_of_another_deployment_is_404(mock: Mock, api: httpx.Client) -> None:
    create(api, "basic")
    with mock.client(5) as other:
        assert other.get(f"{SCHEMES}/basic").json() == error(404, "Rate limit scheme not found")


# Update


def test_update_rate_limit_scheme_changes_fields_and_moves_updated_at(api: httpx.Client, clock: VirtualClock) -> None:
    created = create(api, "basic", description="old")
    clock.advance(ms=1500)
    resp = api.patch(
        f"{SCHEMES}/basic",
        json={"name": " New ", "description": "", "rules": [rule_in("hour", 2, 50, endpoints=["/x"])]},
    )
    assert resp.status_code == 200
    assert resp.json() == {
        **created,
        "name": " New ",
        "description": "",
        "rules": [rule_out("hour", 2, 50, endpoints=["/x"])],
        "updated_at": "2026-06-12T10:20:31.623456Z",
    }
    assert api.get(f"{SCHEMES}/basic").json() == resp.json()


@pytest.mark.parametrize(
    "body",
    [
        pytest.param({}, id="empty"),
        pytest.param({"name": None, "description": None, "rules": None}, id="all-null"),
        pytest.param({"slug": "renamed", "id": 5, "deployment_id": 9}, id="unknown-fields-ignored"),
    ],
)
def test_update_rate_limit_scheme_null_means_unchanged(
    api: httpx.Client, clock: VirtualClock, body: dict[str, Any]
) -> None:
    created = create(api, "basic", description="kept", rules=[rule_in("second", 10, 3)])
    clock.advance(ms=2000)
    resp = api.patch(f"{SCHEMES}/basic", json=body)
    assert resp.status_code == 200
    assert resp.json() == {**created, "updated_at": "2026-06-12T10:20:32.123456Z"}
    assert api.get(f"{SCHEMES}/renamed").status_code == 404


def test_update_rate_limit_scheme_description_cannot_be_cleared(api: httpx.Client) -> None:
    create(api, "basic", description="stays")
    assert api.patch(f"{SCHEMES}/basic", json={"description": None}).json()["description"] == "stays"


def test_update_rate_limit_scheme_replaces_all_rules(api: httpx.Client) -> None:
    create(api, "basic", rules=[rule_in(), rule_in("hour")])
    body = api.patch(f"{SCHEMES}/basic", json={"rules": [rule_in("day", 3)]}).json()
    assert body["rules"] == [rule_out("day", 3)]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        pytest.param({"name": ""}, "Scheme name cannot be empty", id="name-empty"),
        pytest.param({"name": "  \t"}, "Scheme name cannot be empty", id="name-whitespace"),
        pytest.param({"rules": []}, "Rate limit scheme must include at least one rule", id="rules-empty"),
        pytest.param({"rules": [rule_in("second", 1801)]}, SECOND_MSG, id="rule-invalid"),
        pytest.param({"rules": [rule_in(), rule_in(max_requests=0)]}, MAX_MSG, id="second-rule-invalid"),
        pytest.param({"name": "", "rules": []}, "Scheme name cannot be empty", id="name-before-rules"),
    ],
)
def test_update_rate_limit_scheme_validation(api: httpx.Client, body: dict[str, Any], message: str) -> None:
    created = create(api, "basic")
    resp = api.patch(f"{SCHEMES}/basic", json=body)
    assert (resp.status_code, resp.json()) == (400, error(400, message))
    assert api.get(f"{SCHEMES}/basic").json() == created


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        pytest.param({"name": ""}, 400, "Scheme name cannot be empty", id="invalid-name"),
        pytest.param({"rules": []}, 400, "Rate limit scheme must include at least one rule", id="invalid-rules"),
        pytest.param({"rules": [rule_in("calendar_day", 2)]}, 400, CAL_DAY_MSG, id="invalid-rule"),
        pytest.param({"rules": [rule_in("week")]}, 422, "Invalid request payload", id="bad-shape"),
        pytest.param({"name": "ok"}, 404, "Rate limit scheme not found", id="valid-body"),
        pytest.param({}, 404, "Rate limit scheme not found", id="empty-body"),
    ],
)
def test_update_rate_limit_scheme_validates_before_existence(
    api: httpx.Client, body: dict[str, Any], status: int, message: str
) -> None:
    resp = api.patch(f"{SCHEMES}/missing", json=body)
    assert (resp.status_code, resp.json()) == (status, error(status, message))


def test_update_rate_limit_scheme_body_extraction(api: httpx.Client) -> None:
    create(api, "basic")
    resp = api.patch(f"{SCHEMES}/basic", content=b"{}")
    assert resp.json() == error(415, "Request failed")
    resp = api.patch(f"{SCHEMES}/missing", content=b"", headers={"content-type": "application/json"})
    assert resp.json() == error(400, "Bad request")


def test_update_rate_limit_scheme_of_another_deployment_is_404(mock: Mock, api: httpx.Client) -> None:
    created = create(api, "basic")
    with mock.client(5) as other:
        assert other.patch(f"{SCHEMES}/basic", json={"name": "x"}).json() == error(404, "Rate limit scheme not found")
    assert api.get(f"{SCHEMES}/basic").json() == created


def test_update_rate_limit_scheme_shows_in_app_and_key_reads(api: httpx.Client) -> None:
    create(api, "basic")
    app = create_app(api, "app1", scheme="basic")
    assert app["rate_limits"] == [rule_out()]
    create_key(api, "app1")
    api.patch(f"{SCHEMES}/basic", json={"rules": [rule_in("hour", 3, 7, mode="per_key")]})
    expected = [rule_out("hour", 3, 7, mode="per_key")]
    assert api.get("/api-auth/apps/app1").json()["rate_limits"] == expected
    assert [k["rate_limits"] for k in api.get("/api-auth/apps/app1/keys").json()["keys"]] == [expected]


# Delete


def test_delete_rate_limit_scheme_is_204_with_no_body(api: httpx.Client) -> None:
    create(api, "basic")
    resp = api.delete(f"{SCHEMES}/basic")
    assert resp.status_code == 204
    assert resp.content == b""
    assert api.get(f"{SCHEMES}/basic").json() == error(404, "Rate limit scheme not found")
    assert api.get(SCHEMES).json() == {"schemes": [], "total": 0}


def test_delete_rate_limit_scheme_not_found(api: httpx.Client) -> None:
    resp = api.delete(f"{SCHEMES}/missing")
    assert (resp.status_code, resp.json()) == (404, error(404, "Rate limit scheme not found"))
    create(api, "basic")
    assert api.delete(f"{SCHEMES}/basic").status_code == 204
    assert api.delete(f"{SCHEMES}/basic").json() == error(404, "Rate limit scheme not found")


def test_delete_rate_limit_scheme_slug_can_be_recreated(api: httpx.Client) -> None:
    old = create(api, "basic")
    api.delete(f"{SCHEMES}/basic")
    new = create(api, "basic", rules=[rule_in("day")])
    assert new["id"] != old["id"]


APPS_MSG = "Cannot delete rate limit scheme while it is assigned to API auth apps"
KEYS_MSG = "Cannot delete rate limit scheme while it is assigned to active API keys"


def _assert_delete_blocked(api: httpx.Client, message: str | None) -> None:
    resp = api.delete(f"{SCHEMES}/basic")
    if message is None:
        assert resp.status_code == 204
        assert api.get(f"{SCHEMES}/basic").status_code == 404
    else:
        assert (resp.status_code, resp.json()) == (400, error(400, message))
        assert api.get(f"{SCHEMES}/basic").status_code == 200


def test_delete_rate_limit_scheme_blocked_by_active_app(api: httpx.Client) -> None:
    create(api, "basic")
    create_app(api, "app1", scheme="basic")
    _assert_delete_blocked(api, APPS_MSG)


def test_delete_rate_limit_scheme_blocked_by_inactive_app(api: httpx.Client) -> None:
    create(api, "basic")
    create_app(api, "app1", scheme="basic")
    assert api.patch("/api-auth/apps/app1", json={"is_active": False}).status_code == 200
    _assert_delete_blocked(api, APPS_MSG)


def test_delete_rate_limit_scheme_apps_check_comes_before_keys_check(api: httpx.Client) -> None:
    create(api, "basic")
    create_app(api, "app1", scheme="basic")
    create_key(api, "app1")
    _assert_delete_blocked(api, APPS_MSG)


def test_delete_rate_limit_scheme_not_blocked_by_soft_deleted_app_without_keys(api: httpx.Client) -> None:
    create(api, "basic")
    create_app(api, "app1", scheme="basic")
    assert api.delete("/api-auth/apps/app1").status_code == 200
    _assert_delete_blocked(api, None)


def test_delete_rate_limit_scheme_not_blocked_by_app_moved_to_another_scheme(api: httpx.Client) -> None:
    create(api, "basic")
    create(api, "other")
    create_app(api, "app1", scheme="basic")
    create_key(api, "app1")
    api.patch("/api-auth/apps/app1", json={"rate_limit_scheme_slug": "other"})
    _assert_delete_blocked(api, None)


def test_delete_rate_limit_scheme_not_blocked_by_another_deployment(mock: Mock, api: httpx.Client) -> None:
    create(api, "basic")
    create_app(api, "app1", scheme="basic")
    with mock.client(5) as other:
        create(other, "basic")
        assert other.delete(f"{SCHEMES}/basic").status_code == 204
    assert api.get(f"{SCHEMES}/basic").status_code == 200


def test_delete_rate_limit_scheme_blocked_by_key_of_soft_deleted_app(api: httpx.Client) -> None:
    create(api, "basic")
    create_app(api, "app1", scheme="basic")
    create_key(api, "app1")
    api.delete("/api-auth/apps/app1")
    _assert_delete_blocked(api, KEYS_MSG)


def test_delete_rate_limit_scheme_blocked_by_expired_key(api: httpx.Client) -> None:
    create(api, "basic")
    create_app(api, "app1", scheme="basic")
    create_key(api, "app1", expires_at="2020-01-01T00:00:00Z")
    api.delete("/api-auth/apps/app1")
    _assert_delete_blocked(api, KEYS_MSG)


def test_delete_rate_limit_scheme_not_blocked_by_revoked_key(api: httpx.Client) -> None:
    create(api, "basic")
    create_app(api, "app1", scheme="basic")
    key = create_key(api, "app1")
    assert api.post(f"/api-auth/apps/app1/keys/{key['id']}/revoke", json={}).status_code == 200
    api.delete("/api-auth/apps/app1")
    _assert_delete_blocked(api, None)


def test_delete_rate_limit_scheme_blocked_by_rotated_keys_successor(api: httpx.Client) -> None:
    create(api, "basic")
    create_app(api, "app1", scheme="basic")
    key = create_key(api, "app1")
    assert api.post(f"/api-auth/apps/app1/keys/{key['id']}/rotate").status_code == 200
    api.delete("/api-auth/apps/app1")
    _assert_delete_blocked(api, KEYS_MSG)


def test_delete_rate_limit_scheme_not_blocked_by_rotated_away_key(api: httpx.Client) -> None:
    create(api, "basic")
    create_app(api, "app1", scheme="basic")
    key = create_key(api, "app1")
    successor = api.post(f"/api-auth/apps/app1/keys/{key['id']}/rotate").json()
    assert api.post(f"/api-auth/apps/app1/keys/{successor['id']}/revoke", json={}).status_code == 200
    api.delete("/api-auth/apps/app1")
    _assert_delete_blocked(api, None)
