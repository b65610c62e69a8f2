"""The state machine's model predicts what production answers, without HTTP: sliding windows on the virtual clock,
per_key and per_app counters, the default rule, key transitions and the JSON the target must show."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from wacht_mock.stateful.model import DEFAULT_RULE, REVOKE_REASON, ExpectedError, LimitRule, Model

MODEL = Path(__file__).resolve().parents[1] / "wacht_mock" / "stateful" / "model.py"
SECRET = "sk_test_" + "a" * 35 + "SUFFIX12"


def _model(*schemes: tuple[str, LimitRule]) -> Model:
    model = Model(resource="/orders")
    for slug, rule in schemes:
        model.create_scheme(slug, rule)
    return model


def _app_with_key(model: Model, scheme: str | None, app: str = "app-1", key: str = "k1") -> str:
    if app not in model.apps:
        model.create_app(app, scheme)
    model.create_key(app, key, f"{SECRET}-{key}")
    return key


def _check(model: Model, key: str) -> tuple[bool, int]:
    """One gateway check as the machine makes it when the target agrees: predict, then count it if allowed."""
    decision = model.predict(key)
    if decision.allowed:
        model.record_allowed(key)
    return decision.allowed, decision.remaining


# Limit rules


def test_a_rule_is_sent_without_its_unset_fields_and_echoed_with_priority_zero() -> None:
    rule = LimitRule("second", 2, 3)
    assert rule.request_json() == {"unit": "second", "duration": 2, "max_requests": 3}
    assert rule.echoed_json() == {"unit": "second", "duration": 2, "max_requests": 3, "priority": 0}
    keyed = LimitRule("minute", 1, 1, "per_key", 2)
    assert keyed.request_json() == {
        "unit": "minute",
        "duration": 1,
        "max_requests": 1,
        "mode": "per_key",
        "priority": 2,
    }
    assert keyed.echoed_json() == keyed.request_json()


def test_a_rule_string_names_its_window_in_whole_seconds() -> None:
    assert LimitRule("second", 2, 3).window_ms == 2000
    assert LimitRule("second", 2, 3).rule_string == "3/2s"
    assert LimitRule("minute", 2, 1).window_ms == 120_000
    assert LimitRule("minute", 2, 1).rule_string == "1/120s"
    assert DEFAULT_RULE.rule_string == "1000/60s"


# Sliding windows


def test_checks_beyond_max_requests_are_refused_until_the_window_slides_past_the_first() -> None:
    model = _model(("basic", LimitRule("second", 1, 2, "per_app")))
    key = _app_with_key(model, "basic")
    assert _check(model, key) == (True, 1)
    model.advance(500)
    assert _check(model, key) == (True, 0)
    refused = model.predict(key)
    assert (refused.allowed, refused.remaining, refused.before) == (False, 0, 2)
    assert refused.expected_json() == {
        "reason": "rate_limited",
        "blocked_rule": "2/1s",
        "retry_after": 1000,
        "rate_limits": [{"rule": "2/1s", "remaining": 0, "limit": 2}],
    }
    model.advance(499)  # t=999: both hits are still inside the window
    assert not model.predict(key).allowed
    model.advance(1)  # t=1000: the hit at 0 leaves the window (a hit counts while it is later than now - window)
    assert _check(model, key) == (True, 0)
    assert not model.predict(key).allowed  # the hits at 500 and 1000
    model.advance(500)  # t=1500: only the hit at 1000 is left
    assert model.predict(key).before == 1


def test_refused_checks_are_not_counted() -> None:
    model = _model(("basic", LimitRule("second", 1, 1)))
    key = _app_with_key(model, "basic")
    assert _check(model, key) == (True, 0)
    for _ in range(3):
        assert _check(model, key) == (False, 0)
    model.advance(1000)
    assert _check(model, key) == (True, 0)


def test_an_allowed_decision_shows_no_refusal_fields() -> None:
    model = _model(("basic", LimitRule("minute", 1, 3, "per_key")))
    key = _app_with_key(model, "basic")
    assert model.predict(key).expected_json() == {
        "reason": None,
        "blocked_rule": None,
        "retry_after": None,
        "rate_limits": [{"rule": "3/60s", "remaining": 2, "limit": 3}],
    }


def test_record_allowed_reports_how_many_allowed_checks_the_window_then_holds() -> None:
    model = _model(("basic", LimitRule("second", 1, 1)))
    key = _app_with_key(model, "basic")
    assert model.record_allowed(key) == 1
    # A target that fails open: the model counts what it allowed, so the machine sees 2 > max_requests.
    assert model.record_allowed(key) == 2
    model.advance(999)
    assert model.record_allowed(key) == 3
    model.advance(1)  # the two hits at 0 leave the window
    assert model.record_allowed(key) == 2


# Counters


def test_per_app_keys_share_one_counter() -> None:
    for mode in ("per_app", None):
        model = _model(("basic", LimitRule("minute", 1, 2, mode)))
        first = _app_with_key(model, "basic", key="k1")
        second = _app_with_key(model, "basic", key="k2")
        assert _check(model, first) == (True, 1)
        assert _check(model, second) == (True, 0)
        assert not model.predict(first).allowed, mode


def test_per_key_keys_count_alone() -> None:
    model = _model(("basic", LimitRule("minute", 1, 1, "per_key")))
    first = _app_with_key(model, "basic", key="k1")
    second = _app_with_key(model, "basic", key="k2")
    assert _check(model, first) == (True, 0)
    assert _check(model, second) == (True, 0)
    assert not model.predict(first).allowed
    assert not model.predict(second).allowed


def test_apps_do_not_share_per_app_counters() -> None:
    model = _model(("basic", LimitRule("minute", 1, 1)))
    first = _app_with_key(model, "basic", app="app-1", key="k1")
    other = _app_with_key(model, "basic", app="app-2", key="k2")
    assert _check(model, first) == (True, 0)
    assert _check(model, other) == (True, 0)


def test_a_scheme_edit_keeps_the_hits_of_a_counter_with_the_same_window_only() -> None:
    model = _model(("basic", LimitRule("minute", 1, 1)))
    key = _app_with_key(model, "basic")
    assert _check(model, key) == (True, 0)
    model.update_scheme("basic", LimitRule("minute", 1, 2))
    assert model.predict(key).before == 1  # the same per_app 60 s counter
    model.update_scheme("basic", LimitRule("second", 60, 2))
    assert model.predict(key).before == 1  # 60 seconds is the same window
    model.update_scheme("basic", LimitRule("minute", 2, 1))
    assert model.predict(key).before == 0  # a 120 s window counts on a counter of its own


# Which rule applies


def test_an_unknown_scheme_slug_gets_the_default_rule_until_the_scheme_exists() -> None:
    model = _model()
    key = _app_with_key(model, "strict")
    assert model.rule_for(key) == DEFAULT_RULE == LimitRule("minute", 1, 1000, "per_app")
    assert model.predict(key).remaining == 999
    assert model.expected_app("app-1") == {"rate_limit_scheme_slug": "strict", "rate_limits": []}
    strict = LimitRule("second", 1, 1, "per_key", 1)
    model.create_scheme("strict", strict)
    assert model.rule_for(key) == strict
    assert model.expected_app("app-1")["rate_limits"] == [strict.echoed_json()]


def test_no_scheme_gets_the_default_rule() -> None:
    model = _model(("basic", LimitRule("second", 1, 1)))
    key = _app_with_key(model, None)
    assert model.rule_for(key) == DEFAULT_RULE
    assert model.expected_app("app-1") == {"rate_limit_scheme_slug": None, "rate_limits": []}


def test_a_key_without_a_scheme_slug_uses_its_apps() -> None:
    basic, burst = LimitRule("second", 1, 1), LimitRule("second", 2, 3)
    model = _model(("basic", basic), ("burst", burst))
    key = _app_with_key(model, "basic")
    assert model.rule_for(key) == basic
    model.keys[key].scheme = None
    model.apps["app-1"].scheme = "burst"
    assert model.rule_for(key) == burst


def test_patching_an_apps_scheme_cascades_to_every_key_inactive_ones_included() -> None:
    model = _model(("basic", LimitRule("second", 1, 1)), ("burst", LimitRule("second", 2, 3)))
    active = _app_with_key(model, "basic", key="k1")
    revoked = _app_with_key(model, "basic", key="k2")
    model.revoke_key(revoked)
    model.set_app_scheme("app-1", "burst")
    assert [model.keys[k].scheme for k in (active, revoked)] == ["burst", "burst"]
    assert model.expected_listed_key(revoked)["rate_limits"] == [LimitRule("second", 2, 3).echoed_json()]


# Key transitions


def test_rotation_retires_the_old_key_and_issues_an_active_one_with_its_scheme() -> None:
    model = _model(("basic", LimitRule("second", 1, 1)))
    old = _app_with_key(model, "basic")
    assert model.rotate_error(old) is None
    new = model.rotate_key(old, "k2", f"{SECRET}-new")
    assert (model.keys[old].state, new.state, new.app, new.scheme) == ("rotated", "active", "app-1", "basic")
    assert model.apps["app-1"].keys == [old, "k2"]
    assert model.active_keys("app-1") == ["k2"]
    assert model.rotate_error(old) == ExpectedError(404, "API key not found or inactive")
    assert model.revoke_error(old) == ExpectedError(404, "API key not found or already revoked")
    with pytest.raises(ValueError, match="not active"):
        model.rotate_key(old, "k3", f"{SECRET}-k3")


def test_revocation_is_final() -> None:
    model = _model()
    key = _app_with_key(model, None)
    assert model.revoke_error(key) is None
    model.revoke_key(key)
    assert model.keys[key].state == "revoked"
    assert model.active_keys("app-1") == []
    assert model.revoke_error(key) == ExpectedError(404, "API key not found or already revoked")
    assert model.rotate_error(key) == ExpectedError(404, "API key not found or inactive")
    with pytest.raises(ValueError, match="not active"):
        model.revoke_key(key)


def test_a_key_id_and_a_scheme_slug_are_taken_once() -> None:
    model = _model(("basic", LimitRule("second", 1, 1)))
    key = _app_with_key(model, "basic")
    with pytest.raises(ValueError, match="exists"):
        model.create_key("app-1", key, "sk_test_other")
    assert model.create_scheme_error("basic") == ExpectedError(409, "Rate limit scheme 'basic' already exists")
    assert model.create_scheme_error("burst") is None
    with pytest.raises(ValueError, match="exists"):
        model.create_scheme("basic", LimitRule("minute", 1, 1))


def test_the_model_remembers_every_secret_it_was_given() -> None:
    model = _model()
    key = _app_with_key(model, None)
    assert not model.is_new_secret(model.keys[key].secret)
    model.rotate_key(key, "k2", "sk_test_rotated")
    assert not model.is_new_secret("sk_test_rotated")
    assert model.is_new_secret("sk_test_never")
    assert model.secrets_returned == [f"{SECRET}-k1", "sk_test_rotated"]


def test_an_error_is_the_vendor_envelope() -> None:
    assert ExpectedError(404, "API key not found or inactive").json() == {
        "errors": [{"message": "API key not found or inactive", "code": 404}]
    }


# Listed keys


def test_a_listed_key_shows_its_suffix_state_revocation_and_scheme_rules() -> None:
    basic = LimitRule("minute", 2, 3, "per_key", 1)
    model = _model(("basic", basic))
    model.create_app("app-1", "basic")
    model.create_key("app-1", "k1", "sk_test_" + "x" * 35 + "ABCDEFGH")
    model.create_key("app-1", "k2", "sk_test_" + "y" * 35 + "IJKLMNOP")
    model.rotate_key("k1", "k3", "sk_test_" + "z" * 35 + "QRSTUVWX")
    model.revoke_key("k2")
    echoed = [basic.echoed_json()]
    assert model.expected_listed_key("k3") == {
        "key_suffix": "QRSTUVWX",
        "is_active": True,
        "revoked_reason": None,
        "revoked": False,
        "rate_limit_scheme_slug": "basic",
        "rate_limits": echoed,
    }
    rotated = model.expected_listed_key("k1")
    assert (rotated["key_suffix"], rotated["is_active"], rotated["revoked_reason"], rotated["revoked"]) == (
        "ABCDEFGH",
        False,
        "Rotated",
        True,
    )
    revoked = model.expected_listed_key("k2")
    assert (revoked["revoked_reason"], revoked["revoked"], revoked["rate_limits"]) == (REVOKE_REASON, True, echoed)


def test_the_check_request_carries_the_keys_secret_and_the_resource() -> None:
    model = _model()
    key = _app_with_key(model, None)
    assert model.check_request(key) == {
        "principal": {"type": "api_key", "value": f"{SECRET}-k1"},
        "resource": "/orders",
        "method": "GET",
    }


# The backend API's own limit


def test_the_api_budget_asks_for_a_minute_once_a_minute_holds_its_calls() -> None:
    model = _model()
    assert model.api_call_delay_ms(2) == 0
    model.record_api_call()
    model.advance(59_000)
    assert model.api_call_delay_ms(2) == 0
    model.record_api_call()
    assert model.api_call_delay_ms(2) == 60_000
    model.advance(1000)  # t=60 s: the call at 0 is a whole minute old and no longer counts
    assert model.api_call_delay_ms(2) == 0
    model.record_api_call()
    assert model.api_call_delay_ms(2) == 60_000
    model.advance(60_000)
    assert model.api_call_delay_ms(2) == 0


# An independent oracle


def test_the_model_loads_on_its_own_without_hypothesis_httpx_or_the_domain() -> None:
    code = (
        "import importlib.util, sys\n"
        f"spec = importlib.util.spec_from_file_location('model', {str(MODEL)!r})\n"
        "module = importlib.util.module_from_spec(spec); sys.modules['model'] = module\n"
        "spec.loader.exec_module(module)\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('hypothesis', 'httpx', 'wacht_mock')))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
