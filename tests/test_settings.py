"""``RealTarget``: the settings of a real deployment, given values first, then ``WACHT_*`` variables, then the
Wacht hosts; read from the environment only when asked."""

from __future__ import annotations

import dataclasses

import pytest

from wacht_mock import RealTarget, UsageError

URL = "http://127.0.0.1:9"


def test_the_environment_fills_what_is_not_given() -> None:
    env = {"WACHT_API_KEY": "sk_env", "WACHT_BASE_URL": f"{URL}/api", "WACHT_GATEWAY_URL": f"{URL}/gw"}
    assert RealTarget.from_env(environ=env) == RealTarget(
        api_key="sk_env", base_url=f"{URL}/api", gateway_url=f"{URL}/gw"
    )


def test_given_values_win_over_the_environment() -> None:
    env = {"WACHT_API_KEY": "sk_env", "WACHT_BASE_URL": "http://env", "WACHT_GATEWAY_URL": "http://env"}
    target = RealTarget.from_env(api_key="sk_flag", base_url=URL, gateway_url=URL, environ=env)
    assert target == RealTarget(api_key="sk_flag", base_url=URL, gateway_url=URL)


def test_without_urls_the_wacht_hosts() -> None:
    target = RealTarget.from_env(api_key="sk_flag", environ={"WACHT_BASE_URL": ""})
    assert target == RealTarget(
        api_key="sk_flag", base_url="https://api.wacht.dev", gateway_url="https://gateway.wacht.dev"
    )


def test_no_api_key_is_none_so_the_caller_names_its_flag() -> None:
    assert RealTarget.from_env(environ={}) is None
    assert RealTarget.from_env(api_key="", environ={"WACHT_API_KEY": ""}) is None
    assert RealTarget.from_env(api_key="", environ={"WACHT_API_KEY": "sk_env"}) == RealTarget(api_key="sk_env")


def test_an_empty_url_flag_is_kept_not_replaced_by_the_real_wacht() -> None:
    target = RealTarget.from_env(api_key="sk", base_url="", environ={"WACHT_BASE_URL": URL})
    assert target is not None and target.base_url == ""


def test_os_environ_is_read_when_called(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("WACHT_BASE_URL", raising=False)
    monkeypatch.delenv("WACHT_GATEWAY_URL", raising=False)
    monkeypatch.setenv("WACHT_API_KEY", "sk_now")
    assert RealTarget.from_env() == RealTarget(api_key="sk_now")


def test_settings_are_keyword_only_frozen_and_need_a_key() -> None:
    with pytest.raises(TypeError):
        RealTarget("sk")  # type: ignore[misc]
    target = RealTarget(api_key="sk")
    with pytest.raises(dataclasses.FrozenInstanceError):
        target.api_key = "other"  # type: ignore[misc]
    with pytest.raises(UsageError, match="a real target needs an API key"):
        RealTarget(api_key="")
