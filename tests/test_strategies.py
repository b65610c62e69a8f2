"""The strategies as oracles: every generated invalid request gets exactly its expected answer, every valid one
succeeds, and nothing ever gets a 5xx."""

from __future__ import annotations

import httpx
import pytest
from conftest import SEED
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wacht_mock import WachtMock
from wacht_mock.models import REQUEST_MODELS
from wacht_mock.strategies import (
    INVALID_RULES,
    SECRET,
    WachtRequest,
    create_app_requests,
    invalid_requests,
    valid_requests,
)

FAST = settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SOURCE = WachtMock(seed=SEED)


def answer(request: WachtRequest) -> httpx.Response:
    """Send to a fresh mock built from the same seed the strategy read."""
    with WachtMock(seed=SEED).client() as client:
        return request.send(client)


@pytest.mark.parametrize("rule", INVALID_RULES)
def test_every_invalid_request_gets_exactly_its_expected_answer(rule: str) -> None:
    @FAST
    @given(invalid_requests(SOURCE, rule=rule))
    def run(request: WachtRequest) -> None:
        assert request.expected.rule == rule
        response = answer(request)
        request.check(response)
        assert response.status_code < 500

    run()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(valid_requests(SOURCE))
def test_every_valid_request_succeeds(request: WachtRequest) -> None:
    response = answer(request)
    assert response.status_code == 200, response.text
    if request.operation == "checkAuthz":
        assert response.json()["allowed"] is True


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(invalid_requests(SOURCE))
def test_any_invalid_request_is_answered_as_its_rule_says(request: WachtRequest) -> None:
    request.check(answer(request))


def test_the_rules_cover_business_and_framework_rules() -> None:
    assert {
        "apps.create.requires_growth_plan",
        "apps.create.user_id_excludes_permissions",
        "apps.scope.user_member_of_organization",
        "schemes.rules.second_at_most_1800",
        "apps.create.slug_unique",
        "http.body.json_content_type_required",
        "http.body.json_syntax",
        "http.body.json_shape",
    } <= set(INVALID_RULES)


def test_asking_for_an_unknown_rule_or_one_the_seed_cannot_break_is_refused() -> None:
    with pytest.raises(ValueError, match="no invalid strategy for rule 'nope'"):
        invalid_requests(SOURCE, rule="nope")
    with pytest.raises(ValueError, match=r"the seed cannot break 'apps\.create\.requires_growth_plan'"):
        invalid_requests(WachtMock(), rule="apps.create.requires_growth_plan")


@FAST
@given(create_app_requests(SOURCE))
def test_valid_create_app_bodies_respect_the_cross_field_rules(request: WachtRequest) -> None:
    body = request.body
    assert not ("user_id" in body and ({"permissions", "resources"} & body.keys()))
    if "organization_id" in body or "workspace_id" in body:
        assert "user_id" in body


@pytest.mark.parametrize("model", REQUEST_MODELS, ids=lambda m: m.__name__)
def test_from_type_builds_valid_public_request_models(model: type) -> None:
    @FAST
    @given(st.from_type(model))
    def run(instance: object) -> None:
        assert isinstance(instance, model)

    run()


def test_strategies_are_not_imported_by_the_package() -> None:
    import subprocess
    import sys

    code = "import sys, wacht_mock; print('hypothesis' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"


def test_generated_text_that_reads_like_a_placeholder_is_sent_as_it_is() -> None:
    """Only ``KEY_ID``/``SECRET`` are filled from the set-up; a name Hypothesis happens to draw as ``{key_id}`` is
    plain text (it once failed CI with a KeyError)."""
    mock = WachtMock()
    request = WachtRequest(
        "createRateLimitScheme",
        "POST",
        "/api-auth/rate-limit-schemes",
        mock.secret,
        {"slug": "s", "name": "{key_id}", "rules": [{"unit": "hour", "duration": 1, "max_requests": 1}]},
    )
    with mock.client() as client:
        response = request.send(client)
    assert response.status_code == 200, response.text
    assert response.json()["name"] == "{key_id}"


def test_the_secret_is_filled_from_the_set_up() -> None:
    """A check carrying ``SECRET`` is allowed: it was sent with the key the set-up created."""
    mock = WachtMock()
    setup = (
        WachtRequest(
            "createApiAuthApp",
            "POST",
            "/api-auth/apps",
            mock.secret,
            {"app_slug": "a", "name": "a", "key_prefix": "sk_test"},
        ),
        WachtRequest("createApiKey", "POST", "/api-auth/apps/a/keys", mock.secret, {"name": "k"}),
    )
    check = WachtRequest(
        "checkAuthz",
        "POST",
        "/v1/authz/check",
        mock.secret,
        {"principal": {"type": "api_key", "value": SECRET}, "resource": "/r", "method": "GET"},
        setup=setup,
    )
    with mock.client() as client:
        response = check.send(client)
    assert response.status_code == 200, response.text
    assert response.json()["allowed"] is True
