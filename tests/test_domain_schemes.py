"""Domain rules of rate-limit schemes, called directly, with the named rules they fire
(backend-behaviour.md §5, §7)."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import RULE, app_req, ids_of, key_req, scheme_req

from wacht_mock import VendorError, VirtualClock
from wacht_mock.domain import apps, keys, rate_limit_schemes
from wacht_mock.domain.state import Deployment, RateLimitRule
from wacht_mock.models import RateLimitRuleInput, RevokeApiKeyRequest, UpdateRateLimitSchemeRequest
from wacht_mock.rules import Firing, recording

MS_MSG = "Millisecond-based limits cannot exceed 60000 milliseconds (60 seconds)"


def rules_in(*rules: dict[str, Any]) -> list[RateLimitRuleInput]:
    return [RateLimitRuleInput.model_validate(r) for r in rules]


# Rule validation (§5.1)


def test_validate_rules_fires_every_check_in_order() -> None:
    with recording() as firings:
        rate_limit_schemes.validate_rules(rules_in(RULE, {**RULE, "unit": "calendar_day"}))
    checks = [
        "schemes.rules.duration_positive",
        "schemes.rules.max_requests_positive",
        "schemes.rules.window_at_most_30_days",
    ]
    assert firings == [
        Firing("schemes.rules.at_least_one", "allow"),
        *(Firing(c, "allow") for c in checks),
        Firing("schemes.rules.minute_at_most_1440", "allow"),
        *(Firing(c, "allow") for c in checks),
        Firing("schemes.rules.calendar_day_exactly_1", "allow"),
    ]


@pytest.mark.parametrize(
    ("rules", "rule_id", "message"),
    [
        pytest.param([], "schemes.rules.at_least_one", "Rate limit scheme must include at least one rule", id="none"),
        pytest.param(
            [{**RULE, "duration": 0}], "schemes.rules.duration_positive", "Duration must be positive", id="d0"
        ),
        pytest.param(
            [{**RULE, "max_requests": -1}],
            "schemes.rules.max_requests_positive",
            "Max requests must be positive",
            id="m",
        ),
        pytest.param(
            [{"unit": "second", "duration": 2592001, "max_requests": 1}],
            "schemes.rules.window_at_most_30_days",
            "Rate limit window cannot exceed 30 days",
            id="window",
        ),
        pytest.param(
            [{"unit": "millisecond", "duration": 60001, "max_requests": 1}],
            "schemes.rules.millisecond_at_most_60000",
            MS_MSG,
            id="millisecond",
        ),
        pytest.param(
            [{"unit": "second", "duration": 1801, "max_requests": 1}],
            "schemes.rules.second_at_most_1800",
            "Second-based limits cannot exceed 1800 seconds (30 minutes)",
            id="second",
        ),
        pytest.param(
            [{"unit": "minute", "duration": 1441, "max_requests": 1}],
            "schemes.rules.minute_at_most_1440",
            "Minute-based limits cannot exceed 1440 minutes (24 hours)",
            id="minute",
        ),
        pytest.param(
            [{"unit": "calendar_day", "duration": 2, "max_requests": 1}],
            "schemes.rules.calendar_day_exactly_1",
            "Calendar day limits must be exactly 1 day",
            id="calendar-day",
        ),
        pytest.param(
            [RULE, {"unit": "second", "duration": 1801, "max_requests": 1}, {**RULE, "duration": 0}],
            "schemes.rules.second_at_most_1800",
            "Second-based limits cannot exceed 1800 seconds (30 minutes)",
            id="first-failure-wins",
        ),
    ],
)
def test_validate_rules_denies_with_the_named_rule(rules: list[dict[str, Any]], rule_id: str, message: str) -> None:
    with recording() as firings, pytest.raises(VendorError) as raised:
        rate_limit_schemes.validate_rules(rules_in(*rules))
    assert (raised.value.status, raised.value.message, raised.value.rule_id) == (400, message, rule_id)
    assert firings[-1] == Firing(rule_id, "deny")
    assert [f for f in firings if f.outcome == "deny"] == [firings[-1]]


@pytest.mark.parametrize(
    ("unit", "duration", "unit_rule"),
    [
        ("hour", 721, "schemes.rules.hour_at_most_720"),
        ("day", 31, "schemes.rules.day_at_most_30"),
        ("month", 2, "schemes.rules.month_exactly_1"),
        ("calendar_month", 2, "schemes.rules.calendar_month_exactly_1"),
        ("calendar_day", 31, "schemes.rules.calendar_day_exactly_1"),
    ],
)
def test_validate_rules_window_check_shadows_unit_check(unit: str, duration: int, unit_rule: str) -> None:
    with recording() as firings, pytest.raises(VendorError) as raised:
        rate_limit_schemes.validate_rules(rules_in({"unit": unit, "duration": duration, "max_requests": 1}))
    assert raised.value.rule_id == "schemes.rules.window_at_most_30_days"
    assert firings[-1] == Firing("schemes.rules.window_at_most_30_days", "deny")
    assert not any(f.rule_id == unit_rule for f in firings)


@pytest.mark.parametrize(
    ("unit", "duration", "unit_rule"),
    [
        ("millisecond", 60000, "schemes.rules.millisecond_at_most_60000"),
        ("second", 1800, "schemes.rules.second_at_most_1800"),
        ("minute", 1440, "schemes.rules.minute_at_most_1440"),
        ("hour", 720, "schemes.rules.hour_at_most_720"),
        ("day", 30, "schemes.rules.day_at_most_30"),
        ("calendar_day", 1, "schemes.rules.calendar_day_exactly_1"),
        ("month", 1, "schemes.rules.month_exactly_1"),
        ("calendar_month", 1, "schemes.rules.calendar_month_exactly_1"),
    ],
)
def test_validate_rules_upper_edges_allow(unit: str, duration: int, unit_rule: str) -> None:
    with recording() as firings:
        (normalised,) = rate_limit_schemes.validate_rules(
            rules_in({"unit": unit, "duration": duration, "max_requests": 1})
        )
    assert firings[-1] == Firing(unit_rule, "allow")
    assert normalised == RateLimitRule(unit, duration, 1, None, None, 0)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("unit", "duration", "seconds"),
    [
        ("millisecond", 999, 0),
        ("millisecond", 1999, 1),
        ("millisecond", 60000, 60),
        ("second", 7, 7),
        ("minute", 2, 120),
        ("hour", 3, 10800),
        ("day", 2, 172800),
        ("calendar_day", 1, 86400),
        ("month", 1, 2592000),
        ("calendar_month", 2, 5184000),
        ("hour", 2**31 - 1, (2**31 - 1) * 3600),
    ],
)
def test_window_seconds(unit: str, duration: int, seconds: int) -> None:
    assert rate_limit_schemes.window_seconds(unit, duration) == seconds


def test_validate_rules_normalises() -> None:
    rules = rules_in(
        {**RULE, "mode": "per_key", "endpoints": ["/a"], "priority": 4},
        {**RULE, "mode": None, "endpoints": []},
    )
    assert rate_limit_schemes.validate_rules(rules) == (
        RateLimitRule("minute", 1, 10, "per_key", ("/a",), 4),
        RateLimitRule("minute", 1, 10, None, (), 0),
    )


# Scheme operations


def test_create_rate_limit_scheme_stores_it(d: Deployment, clock: VirtualClock) -> None:
    with recording() as firings:
        scheme = rate_limit_schemes.create_rate_limit_scheme(d, scheme_req(" basic ", " Basic ", description="x"))
    assert ids_of(firings, "schemes.create") == [
        Firing("schemes.create.slug_required", "allow"),
        Firing("schemes.create.name_required", "allow"),
        Firing("schemes.create.slug_unique", "allow"),
    ]
    assert d.schemes == {" basic ": scheme}
    assert (scheme.deployment_id, scheme.slug, scheme.name, scheme.description) == (1, " basic ", " Basic ", "x")
    assert scheme.created_at == scheme.updated_at == clock.now()
    assert scheme.rules == (RateLimitRule("minute", 1, 10, None, None, 0),)


@pytest.mark.parametrize(
    ("request_body", "rule_id", "message"),
    [
        pytest.param({"slug": "  "}, "schemes.create.slug_required", "Scheme slug is required", id="slug"),
        pytest.param({"name": "\t"}, "schemes.create.name_required", "Scheme name is required", id="name"),
        pytest.param(
            {"slug": " ", "rules": []}, "schemes.create.slug_required", "Scheme slug is required", id="slug-first"
        ),
    ],
)
def test_create_rate_limit_scheme_blank_fields(
    d: Deployment, request_body: dict[str, Any], rule_id: str, message: str
) -> None:
    with recording() as firings, pytest.raises(VendorError) as raised:
        rate_limit_schemes.create_rate_limit_scheme(d, scheme_req(**request_body))
    assert (raised.value.status, raised.value.message, raised.value.rule_id) == (400, message, rule_id)
    assert firings[-1] == Firing(rule_id, "deny")
    assert ids_of(firings, "schemes.rules") == []
    assert d.schemes == {}


def test_create_rate_limit_scheme_duplicate(d: Deployment) -> None:
    first = rate_limit_schemes.create_rate_limit_scheme(d, scheme_req())
    with recording() as firings, pytest.raises(VendorError) as raised:
        rate_limit_schemes.create_rate_limit_scheme(d, scheme_req(name="Other"))
    assert (raised.value.status, raised.value.message) == (409, "Rate limit scheme 'basic' already exists")
    assert firings[-1] == Firing("schemes.create.slug_unique", "deny")
    assert Firing("schemes.rules.at_least_one", "allow") in firings
    assert d.schemes == {"basic": first}


def test_get_rate_limit_scheme(d: Deployment) -> None:
    scheme = rate_limit_schemes.create_rate_limit_scheme(d, scheme_req())
    with recording() as firings:
        assert rate_limit_schemes.get_rate_limit_scheme(d, "basic") is scheme
    assert firings == [Firing("schemes.not_found", "allow")]
    with recording() as firings, pytest.raises(VendorError) as raised:
        rate_limit_schemes.get_rate_limit_scheme(d, "Basic")
    assert (raised.value.status, raised.value.message) == (404, "Rate limit scheme not found")
    assert firings == [Firing("schemes.not_found", "deny")]


def test_update_rate_limit_scheme_coalesces(d: Deployment, clock: VirtualClock) -> None:
    scheme = rate_limit_schemes.create_rate_limit_scheme(d, scheme_req(description="keep"))
    clock.advance(ms=42)
    req = UpdateRateLimitSchemeRequest.model_validate({"name": "New", "description": None})
    updated = rate_limit_schemes.update_rate_limit_scheme(d, "basic", req)
    assert updated is scheme
    assert (updated.name, updated.description, updated.rules) == ("New", "keep", scheme.rules)
    assert updated.updated_at == clock.now() != updated.created_at


def test_update_rate_limit_scheme_validates_before_lookup(d: Deployment) -> None:
    bad = UpdateRateLimitSchemeRequest.model_validate({"name": " ", "rules": []})
    with recording() as firings, pytest.raises(VendorError) as raised:
        rate_limit_schemes.update_rate_limit_scheme(d, "missing", bad)
    assert raised.value.rule_id == "schemes.update.name_not_empty"
    assert firings == [Firing("schemes.update.name_not_empty", "deny")]

    empty_rules = UpdateRateLimitSchemeRequest.model_validate({"rules": []})
    with recording() as firings, pytest.raises(VendorError) as raised:
        rate_limit_schemes.update_rate_limit_scheme(d, "missing", empty_rules)
    assert raised.value.rule_id == "schemes.rules.at_least_one"
    assert not any(f.rule_id == "schemes.not_found" for f in firings)

    good = UpdateRateLimitSchemeRequest.model_validate({"name": "ok", "rules": [RULE]})
    with recording() as firings, pytest.raises(VendorError) as raised:
        rate_limit_schemes.update_rate_limit_scheme(d, "missing", good)
    assert (raised.value.status, raised.value.message) == (404, "Rate limit scheme not found")
    assert firings[0] == Firing("schemes.update.name_not_empty", "allow")
    assert firings[-1] == Firing("schemes.not_found", "deny")


def test_delete_rate_limit_scheme_fires_both_usage_checks(d: Deployment) -> None:
    rate_limit_schemes.create_rate_limit_scheme(d, scheme_req())
    with recording() as firings:
        rate_limit_schemes.delete_rate_limit_scheme(d, "basic")
    assert firings == [
        Firing("schemes.not_found", "allow"),
        Firing("schemes.delete.not_assigned_to_apps", "allow"),
        Firing("schemes.delete.not_assigned_to_active_keys", "allow"),
    ]
    assert d.schemes == {}


def test_delete_rate_limit_scheme_blocked_by_app_then_by_key(d: Deployment) -> None:
    rate_limit_schemes.create_rate_limit_scheme(d, scheme_req())
    apps.create_api_auth_app(d, app_req(rate_limit_scheme_slug="basic"))
    keys.create_api_key(d, "app1", key_req())

    with recording() as firings, pytest.raises(VendorError) as raised:
        rate_limit_schemes.delete_rate_limit_scheme(d, "basic")
    assert raised.value.message == "Cannot delete rate limit scheme while it is assigned to API auth apps"
    assert firings[-1] == Firing("schemes.delete.not_assigned_to_apps", "deny")

    apps.delete_api_auth_app(d, "app1")
    with recording() as firings, pytest.raises(VendorError) as raised:
        rate_limit_schemes.delete_rate_limit_scheme(d, "basic")
    assert raised.value.message == "Cannot delete rate limit scheme while it is assigned to active API keys"
    assert firings[-2:] == [
        Firing("schemes.delete.not_assigned_to_apps", "allow"),
        Firing("schemes.delete.not_assigned_to_active_keys", "deny"),
    ]
    assert "basic" in d.schemes


def test_delete_rate_limit_scheme_ignores_revoked_keys(d: Deployment) -> None:
    rate_limit_schemes.create_rate_limit_scheme(d, scheme_req())
    apps.create_api_auth_app(d, app_req(rate_limit_scheme_slug="basic"))
    issued = keys.create_api_key(d, "app1", key_req())
    keys.revoke_api_key_for_app(d, "app1", issued.key.id, RevokeApiKeyRequest())
    apps.delete_api_auth_app(d, "app1")
    rate_limit_schemes.delete_rate_limit_scheme(d, "basic")
    assert d.schemes == {}


def test_rules_for_resolves_on_every_read(d: Deployment) -> None:
    scheme = rate_limit_schemes.create_rate_limit_scheme(d, scheme_req())
    with recording() as firings:
        assert rate_limit_schemes.rules_for(d, None) == ()
        assert rate_limit_schemes.rules_for(d, "unknown") == ()
        assert rate_limit_schemes.rules_for(d, "basic") == scheme.rules
    assert firings == [Firing("rate_limits.resolved_from_scheme_on_read", "applied")] * 3
    rate_limit_schemes.update_rate_limit_scheme(
        d, "basic", UpdateRateLimitSchemeRequest.model_validate({"rules": [{**RULE, "unit": "hour"}]})
    )
    assert rate_limit_schemes.rules_for(d, "basic") == (RateLimitRule("hour", 1, 10, None, None, 0),)
