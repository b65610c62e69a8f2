"""``WachtStateMachine`` holds against the in-process mock and against a live server, fails (with Hypothesis's
falsifying steps) on targets that break a production guarantee, and the README's example passes as a downstream
test module."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import Phase, settings
from hypothesis.stateful import run_state_machine_as_test

from wacht_mock import Backend, LiveServer, LiveWacht, VirtualClock, create_app
from wacht_mock.state_machine import LiveServerStateMachine, WachtStateMachine

pytest_plugins = ["pytester"]

README = (Path(__file__).resolve().parents[1] / "README.md").read_text()


def _settings(max_examples: int, steps: int) -> settings:
    return settings(max_examples=max_examples, stateful_step_count=steps, deadline=None, database=None)


TestWachtStateMachine = WachtStateMachine.TestCase
TestWachtStateMachine.settings = _settings(30, 25)


@pytest.fixture
def live(session_live: LiveWacht) -> LiveWacht:
    return session_live


def test_the_machine_holds_against_a_live_server(live: LiveWacht) -> None:
    run_state_machine_as_test(LiveServerStateMachine.against(live.url, live.secret), settings=_settings(10, 20))
    # It went over HTTP to this server (each example resets it; the last one's traffic is in the journal).
    assert live.mock.journal.calls("createRateLimitScheme")


def test_the_live_machine_needs_a_url_and_a_secret() -> None:
    with pytest.raises(TypeError, match=r"LiveServerStateMachine.against\(\)"):
        LiveServerStateMachine()


def test_the_live_machine_refuses_a_ticking_clock() -> None:
    backend = Backend(clock=VirtualClock(ticking=True))
    server = LiveServer(create_app(backend))
    try:
        machine = LiveServerStateMachine.against(server.url, backend.deployment(1).secret)
        # The target is reset at an example's first step, not when the machine is built.
        # Every example fails at its first step, so shrinking could only spend time finding the same failure.
        with pytest.raises(RuntimeError, match="ticking clock"):
            run_state_machine_as_test(machine, settings=settings(_settings(1, 5), phases=[Phase.generate]))
    finally:
        server.stop()


def test_the_machine_stays_under_the_backend_api_rate_limit() -> None:
    """With a budget of 20 calls a minute the machine moves the clock on instead of getting 429s."""

    class TightBudget(WachtStateMachine):
        api_calls_per_minute = 20

    run_state_machine_as_test(TightBudget, settings=_settings(5, 25))


# Broken targets: the in-process mock behind a transport that breaks one guarantee on the way out.

Rewrite = Callable[[httpx.Request, dict[str, Any], dict[str, Any]], dict[str, Any] | None]


class _Rewriting(httpx.BaseTransport):
    """Passes requests to the mock and lets ``rewrite`` replace a 200 JSON answer (``None`` keeps it)."""

    def __init__(self, inner: httpx.BaseTransport, rewrite: Rewrite) -> None:
        self.inner = inner
        self.rewrite = rewrite
        self.memory: dict[str, Any] = {}

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        if response.status_code != 200 or not response.headers.get("content-type", "").startswith("application/json"):
            return response
        replaced = self.rewrite(request, json.loads(response.read()), self.memory)
        return response if replaced is None else httpx.Response(200, json=replaced, request=request)


def _replay_the_first_secret(
    request: httpx.Request, body: dict[str, Any], memory: dict[str, Any]
) -> dict[str, Any] | None:
    """Every key issued after the first comes back with the first key's secret."""
    if request.method != "POST" or "secret" not in body:
        return None
    first = memory.setdefault("secret", body["secret"])
    return {**body, "secret": first}


def _hide_inactive_keys(request: httpx.Request, body: dict[str, Any], memory: dict[str, Any]) -> dict[str, Any] | None:
    """``include_inactive=true`` listings leave out revoked and rotated keys."""
    if request.url.params.get("include_inactive") != "true" or "keys" not in body:
        return None
    return {"keys": [key for key in body["keys"] if key["is_active"]]}


def _fail_open(request: httpx.Request, body: dict[str, Any], memory: dict[str, Any]) -> dict[str, Any] | None:
    """A gateway that lets rate-limited requests through."""
    if request.url.path != "/v1/authz/check" or body.get("reason") != "rate_limited":
        return None
    return {**body, "allowed": True, "reason": None, "blocked_rule": None, "retry_after": None}


def _broken(rewrite: Rewrite) -> type[WachtStateMachine]:
    class BrokenTarget(WachtStateMachine):
        def make_clients(self) -> tuple[httpx.Client, httpx.Client]:
            transport = _Rewriting(self.mock.transport(), rewrite)
            auth = {"authorization": f"Bearer {self.mock.secret}"}
            api = httpx.Client(transport=transport, base_url=self.mock.base_url, headers=auth)
            return api, httpx.Client(transport=transport, base_url=self.mock.gateway_url)

    return BrokenTarget


@pytest.mark.parametrize(
    ("rewrite", "failure", "step"),
    [
        (_replay_the_first_secret, r"returned secret 'sk_test_\S+' again", r"state\.(create|rotate)_key\("),
        (_hide_inactive_keys, r"keys of app-\d with include_inactive=true: listed \[", r"state\.(revoke|rotate)_key\("),
        (_fail_open, r"allowed, making \d allowed checks within \d+ms, over max_requests=\d", r"state\.gateway_check"),
    ],
    ids=["secret returned twice", "inactive keys missing from the listing", "gateway fails open"],
)
def test_a_broken_target_fails_the_machine_with_its_steps(rewrite: Rewrite, failure: str, step: str) -> None:
    machine = _broken(rewrite)
    # Generation only: shrinking the failure to its shortest steps is what a user waits for, not this suite.
    checks = settings(_settings(200, 25), phases=[Phase.generate], derandomize=True, print_blob=False)
    with pytest.raises(AssertionError, match=failure) as caught:
        run_state_machine_as_test(machine, settings=checks)
    # Hypothesis shrank it and reported the steps that break the guarantee.
    notes = "\n".join(getattr(caught.value, "__notes__", []))
    assert re.search(step, notes), notes


# The README's example, as a downstream team's test module.


def test_the_readme_state_machine_example_passes(pytester: pytest.Pytester) -> None:
    section = README.split("\n### State machine\n", 1)[1].split("\n## ", 1)[0]
    (example,) = re.findall(r"```python\n(.*?)```", section, flags=re.S)
    pytester.makepyfile(test_state_machine_example=example)
    result = pytester.runpytest_subprocess("-v", "-p", "no:cacheprovider", "-W", "error")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(
        [
            "*test_state_machine_example.py::TestOurClients::runTest PASSED*",
            "*test_state_machine_example.py::test_the_served_mock_keeps_the_contract PASSED*",
        ]
    )
