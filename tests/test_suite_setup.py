"""How the suite itself runs: Hypothesis's CI profile, and the live servers shared by the whole session."""

from __future__ import annotations

import os

import pytest
from conftest import APP
from hypothesis import HealthCheck, settings
from hypothesis_profiles import load

from wacht_mock import LiveWacht


def test_ci_loads_a_repeatable_profile_and_a_developer_keeps_the_defaults() -> None:
    loaded = settings.get_current_profile_name()
    try:
        assert load({"CI": "true"}) == "ci"
        assert settings.default.derandomize is True
        assert settings.default.deadline is None
        assert settings.default.database is None
        assert HealthCheck.too_slow in settings.default.suppress_health_check
        assert settings.default.max_examples == settings.get_profile("default").max_examples  # no fewer examples
        assert load({}) == "default"
        assert settings.default.derandomize is False
        assert settings.default.deadline == settings.get_profile("default").deadline
        assert load({"CI": ""}) == "default"
    finally:
        settings.load_profile(loaded)


def test_the_suite_runs_under_the_profile_its_environment_asks_for(request: pytest.FixtureRequest) -> None:
    named = request.config.getoption("--hypothesis-profile")
    wanted = named or ("ci" if os.environ.get("CI") else "default")
    assert settings.get_current_profile_name() == wanted


@pytest.mark.parametrize("turn", [1, 2])
def test_the_session_server_is_shared_and_comes_back_restored(
    session_live: LiveWacht, request: pytest.FixtureRequest, turn: int
) -> None:
    assert session_live is request.getfixturevalue("_session_live")
    with session_live.client() as client:
        assert client.get("/api-auth/apps").json()["data"] == []  # nothing left by the other turn
        assert client.post("/api-auth/apps", json={**APP, "app_slug": f"turn{turn}"}).status_code == 200
    session_live.add_fault("error", status=503, count=1)
    assert len(session_live.journal) == 2


def test_the_verify_target_is_shared_and_comes_back_restored(
    verify_target: LiveWacht, request: pytest.FixtureRequest
) -> None:
    assert verify_target is request.getfixturevalue("_verify_target")
    assert len(verify_target.journal) == 0 and verify_target.faults.active == []
