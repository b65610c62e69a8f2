"""``wacht-mock verify`` from the command line: against ``wacht-mock serve`` over real HTTP, against a mock with one
rule deliberately altered (drift caught), against targets that lack what some scenarios need, and misuse."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_serve import start
from test_verify_scenarios import SCENARIOS, TARGET

from wacht_mock import LiveWacht, all_rules
from wacht_mock.cli import main
from wacht_mock.contract_files import DIVERGENCES, contract_path
from wacht_mock.rules import Rule

ALTERED = "keys.revoke.only_active"


def verify_args(url: str, key: str, *extra: str) -> list[str]:
    return ["verify", "--base-url", url, "--api-key", key, *extra]


def full_args(live: LiveWacht) -> list[str]:
    return verify_args(
        live.url,
        live.mock.secret_for(1),
        "--gateway-url",
        live.gateway_url,
        "--starter-api-key",
        live.mock.secret_for(2),
        "--context",
        str(TARGET / "context.yaml"),
    )


@pytest.fixture
def live(verify_target: LiveWacht) -> LiveWacht:
    """The session's verify target (tests/conftest.py), restored."""
    return verify_target


@pytest.fixture
def served() -> Iterator[tuple[str, str, str]]:
    """``wacht-mock serve`` as a subprocess on a free port: its URL and the two deployments' secrets."""
    server = start("--seed", str(TARGET / "seed.yaml"), lines=3)
    yield server.url, *(line.rsplit(" ", 1)[-1] for line in server.banner[1:])
    server.stop()


def test_verify_passes_against_the_served_mock(served: tuple[str, str, str]) -> None:
    url, growth, starter = served
    args = [sys.executable, "-m", "wacht_mock", *verify_args(url, growth, "--gateway-url", url)]
    args += ["--starter-api-key", starter, "--context", str(TARGET / "context.yaml"), "--burst"]
    done = subprocess.run(args, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == f"wacht-mock verify: {len(SCENARIOS)} scenarios against {url}"
    assert sum(line.startswith("PASS  ") for line in lines) == len(SCENARIOS)
    assert lines[-1] == f"scenarios: {len(SCENARIOS)} passed, 0 failed, 0 skipped"
    named = {r for s in SCENARIOS for r in s.rules}
    assert f"rules: {len(named)} passed, 0 failed, 0 skipped" in lines


@pytest.fixture
def altered_rule() -> Iterator[Rule]:
    """The mock with one rule drifted from production: revoking a revoked key gets another message."""
    rule = next(r for r in all_rules() if r.id == ALTERED)
    original = rule.message
    object.__setattr__(rule, "message", "API key already revoked")  # frozen: the drift is deliberate and undone
    yield rule
    object.__setattr__(rule, "message", original)


def test_verify_catches_one_altered_rule_and_says_where(
    live: LiveWacht, altered_rule: Rule, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(full_args(live)) == 1
    out = capsys.readouterr().out
    failing = re.findall(r"^FAIL  (\S+): step (\d+) (.+)$", out, re.MULTILINE)
    assert failing, out
    for name, step, request in failing:
        scenario = next(s for s in SCENARIOS if s.name == name)
        assert ALTERED in scenario.steps[int(step) - 1].rules, (name, step)
        assert request.endswith("/revoke")
    assert (
        'body.errors[0].message: expected "API key not found or already revoked", got "API key already revoked"' in out
    )
    assert f"        rules: {ALTERED}" in out
    assert re.search(rf"^  FAIL  {re.escape(ALTERED)}  \(", out, re.MULTILINE)
    assert not re.search(r"^  FAIL  (?!" + re.escape(ALTERED) + r" )", out, re.MULTILINE), "only the altered rule fails"
    bursts = sum("burst" in s.requires for s in SCENARIOS)
    assert re.search(rf"^scenarios: \d+ passed, {len(failing)} failed, {bursts} skipped$", out, re.MULTILINE)


def test_scenarios_the_target_cannot_serve_are_skipped_with_the_reason(
    live: LiveWacht, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(verify_args(live.url, live.mock.secret_for(1))) == 0
    out = capsys.readouterr().out
    skips = dict(re.findall(r"^SKIP  (\S+): (.+)$", out, re.MULTILINE))
    for scenario in SCENARIOS:
        wanted = {"gateway", "users", "starter", "burst"} & set(scenario.requires)
        assert (scenario.name in skips) == bool(wanted), scenario.name
    reasons = {reason for text in skips.values() for reason in text.split("; ")}
    assert "needs the gateway (pass --gateway-url)" in reasons
    assert "needs seeded users, organizations and workspaces (pass --context FILE)" in reasons
    assert "sends over 1000 requests to trip the backend API's rate limit (pass --burst)" in reasons
    assert re.search(r"^scenarios: \d+ passed, 0 failed, \d+ skipped$", out, re.MULTILINE)


def test_a_deployment_not_on_growth_skips_what_needs_growth(
    live: LiveWacht, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(verify_args(live.url, live.mock.secret_for(2))) == 0
    out = capsys.readouterr().out
    reason = "needs a deployment on the Growth plan (this one answered app creation with 403)"
    for scenario in SCENARIOS:
        if "growth" in scenario.requires:
            assert f"SKIP  {scenario.name}: " in out
    assert reason in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["verify", "--base-url", "http://127.0.0.1:9"],
            "verify needs --api-key KEY (or WACHT_API_KEY in the environment)",
        ),
        (verify_args("http://127.0.0.1:9", "sk_x"), "cannot reach http://127.0.0.1:9: "),
        (verify_args("http://127.0.0.1:9", "sk_x", "--only", "no-such"), "--only: no scenario named 'no-such'"),
        (
            verify_args("http://127.0.0.1:9", "sk_x", "--context", "missing.yaml"),
            "missing.yaml: cannot read the context",
        ),
        (verify_args("http://127.0.0.1:9", "sk_x", "--scenarios", "."), "no scenario files (*.yaml)"),
    ],
)
def test_misuse_is_one_line_and_exit_2(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("WACHT_API_KEY", raising=False)
    monkeypatch.chdir(tmp_path)
    assert main(args) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("wacht-mock: error: ")
    assert message in err


def test_a_refused_api_key_is_one_line(live: LiveWacht, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(verify_args(live.url, "sk_" + "A" * 43)) == 2
    err = capsys.readouterr().err
    assert err == (
        f"wacht-mock: error: {live.url} refused the probe request: 401 "
        '{"errors":[{"message":"Authentication failed","code":401}]}\n'
    )


def test_the_api_key_may_come_from_the_environment(
    live: LiveWacht, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WACHT_API_KEY", live.mock.secret_for(1))
    name = next(s.name for s in SCENARIOS if set(s.requires) <= {"growth"})
    assert main(["verify", "--base-url", live.url, "--only", name]) == 0
    assert capsys.readouterr().out.splitlines()[1].startswith(f"PASS  {name} (")


def test_a_bad_scenario_file_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "bad.yaml").write_text(
        "scenarios:\n  - name: x\n    about: y\n    steps: [{request: FETCH /a, expect: {status: 200}}]\n"
    )
    assert main(verify_args("http://127.0.0.1:9", "sk_x", "--scenarios", str(tmp_path))) == 2
    err = capsys.readouterr().err
    assert err.startswith("wacht-mock: error: bad.yaml: scenarios.0.steps.0.request: ")
    assert "request must be 'METHOD /path'" in err


def test_a_checkout_runs_its_own_contracts_scenarios() -> None:
    from wacht_mock.verify import packaged_scenarios

    assert packaged_scenarios() == TARGET.parent / "scenarios"
    assert os.path.isdir(packaged_scenarios())


def test_a_registered_divergence_is_reported_but_does_not_fail(
    live: LiveWacht, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "known.yaml").write_text(
        "scenarios:\n"
        "  - name: slug-reuse\n"
        "    about: the mock keeps a soft-deleted app's slug taken, a registered choice\n"
        "    steps:\n"
        "      - request: POST /api-auth/apps\n"
        "        body: {app_slug: reused, name: R, key_prefix: rk}\n"
        "        expect: {status: 200, body: '<any>'}\n"
        "      - request: DELETE /api-auth/apps/reused\n"
        "        expect: {status: 200, body: {}}\n"
        "      - request: POST /api-auth/apps\n"
        "        body: {app_slug: reused, name: R, key_prefix: rk}\n"
        "        expect: {status: 200}\n"
        "        rules: [apps.create.slug_unique]\n"
        "        divergence: soft-deleted-slug-stays-taken\n"
    )
    assert main(verify_args(live.url, live.mock.secret, "--scenarios", str(tmp_path))) == 0
    out = capsys.readouterr().out.splitlines()
    from wacht_mock.verify.register import register_ids

    register = contract_path(DIVERGENCES)  # the register this installation ships (in a wheel: inside the package)
    assert out[1:3] == [
        "KNOWN  slug-reuse: step 3 POST /api-auth/apps",
        f"        differs as registered: soft-deleted-slug-stays-taken in {register}",
    ]
    status = 'status: expected 200, got 409: {"errors":[{"message":"Resource already exists","code":409}]}'
    assert f"        {status}" in out
    assert out[-1] == "scenarios: 0 passed, 0 failed, 1 as registered, 0 skipped"
    assert "  KNOWN  apps.create.slug_unique  (slug-reuse)" in out
    assert register.is_absolute() and "soft-deleted-slug-stays-taken" in register_ids(register)


def test_an_interrupted_run_is_not_a_pass(live: LiveWacht, monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr("wacht_mock.verify.verify", interrupted)
    assert main(verify_args(live.url, live.mock.secret)) == 130


def test_scenario_mistakes_fail_that_scenario_with_the_reason(
    live: LiveWacht, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    step = "    steps:\n      - request: {}\n        expect: {{status: {}}}\n        rules: [auth.secret_known]\n"
    (tmp_path / "mistakes.yaml").write_text(
        "scenarios:\n"
        + "  - name: unknown-placeholder\n    about: x\n"
        + step.format("GET /api-auth/apps/${nope}", 404)
        + "  - name: nothing-to-save\n    about: x\n"
        + step.format("GET /api-auth/apps", 200)
        + "        save: {first: data.0.app_slug}\n"
        + "  - name: text-to-save\n    about: x\n"
        + step.format("POST /v1/authz/check", 401)
        + "        body: {principal: {type: api_key, value: sk_test_"
        + "A" * 43
        + "}, resource: /r, method: GET}\n"
        + "        save: {x: y}\n"
    )
    args = verify_args(live.url, live.mock.secret, "--gateway-url", live.gateway_url, "--scenarios", str(tmp_path))
    assert main(args) == 1
    out = capsys.readouterr().out
    assert "FAIL  unknown-placeholder: step 1 GET /api-auth/apps/${nope}\n" in out
    assert "        ScenarioError: unknown placeholder ${nope} (known: api_key, prefix)\n" in out
    assert (
        "FAIL  nothing-to-save: step 1 GET /api-auth/apps\n        save first: the answer has no data.0.app_slug\n"
        in out
    )
    assert (
        "FAIL  text-to-save: step 1 POST /v1/authz/check\n"
        '        sent: {"principal":{"type":"api_key","value":"sk_test_…AAAA"},"resource":"/r","method":"GET"}\n'
        "        save: the answer is not JSON: 'Invalid API key'\n" in out
    )


def test_a_fail_shows_the_body_sent_beside_expected_and_got_with_secrets_redacted(
    live: LiveWacht, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "sent.yaml").write_text(
        "scenarios:\n  - name: sent\n    about: the app's name carries the backend secret, sent and echoed back\n"
        "    requires: [growth]\n    steps:\n"
        "      - request: POST /api-auth/apps\n"
        "        body: {app_slug: '${prefix}a', name: 'key ${api_key}', key_prefix: wm}\n"
        "        expect: {status: 400}\n"
        "        rules: [apps.create.requires_growth_plan]\n"
    )
    assert main(verify_args(live.url, live.mock.secret, "--scenarios", str(tmp_path))) == 1
    out = capsys.readouterr().out
    secret = live.mock.secret
    shown = f"{secret[:3]}…{secret[-4:]}"
    lines = out.splitlines()
    at = lines.index(next(line for line in lines if line.startswith("FAIL  sent: step 1 POST /api-auth/apps")))
    assert re.fullmatch(
        rf'        sent: \{{"app_slug":"wm\w+-\w+-a","name":"key {re.escape(shown)}","key_prefix":"wm"\}}',
        lines[at + 1],
    ), lines[at + 1]
    assert lines[at + 2].startswith("        status: expected 400, got 200: {")
    assert f'"name":"key {shown}"' in lines[at + 2]
    assert secret not in out and secret[3:] not in out


def test_counts_are_grammatical(live: LiveWacht, capsys: pytest.CaptureFixture[str]) -> None:
    name = next(s.name for s in SCENARIOS if set(s.requires) <= {"growth"})
    assert main(verify_args(live.url, live.mock.secret, "--only", name)) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == f"wacht-mock verify: 1 scenario against {live.url}"
    assert out[-1] == "scenarios: 1 passed, 0 failed, 0 skipped"


def test_burst_says_what_it_needs_in_help_and_readme(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["verify", "--help"])
    help_text = " ".join(capsys.readouterr().out.split())
    burst = help_text[help_text.index("--burst also") : help_text.index("--scenarios DIR scenario")]
    for need in ("needs --starter-api-key", "1000 calls a minute", "up to 1100 calls", "429 for up to a minute"):
        assert need in burst, burst
    readme = (TARGET.parents[1] / "README.md").read_text()
    row = next(line for line in readme.splitlines() if line.startswith("|") and "`--burst`" in line)
    for need in ("`--starter-api-key KEY`", "1100", "429", "nothing is created"):
        assert need in row, row
