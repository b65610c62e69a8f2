"""Rule coverage that stays out of the way (issue 12, point 6), driven through pytester: ``--wacht-coverage``'s
three modes, and mocks the plugin did not build (one made inside a Hypothesis test, the state machine's) counting
toward the report, with and without pytest-xdist."""

from __future__ import annotations

import json

import pytest
from test_plugin import COVERAGE, expected_coverage, inner

pytest_plugins = ["pytester"]


def coverage_lines(result: pytest.RunResult) -> list[str]:
    return [line for line in result.stdout.lines if "rule coverage" in line or line.startswith("  ")]


def test_summary_is_one_line_with_the_count_never_exercised(pytester: pytest.Pytester) -> None:
    inner(pytester, "test_coverage", COVERAGE)
    want = expected_coverage()
    result = pytester.runpytest_inprocess()
    result.assert_outcomes(passed=2)
    line = (
        f"wacht-mock rule coverage: {want['covered']} of {want['total']} rule sides ({want['percent']}%), "
        f"{len(want['missing'])} never exercised (--wacht-coverage=full lists them)"
    )
    assert coverage_lines(result) == [line]
    assert "never exercised:" not in result.stdout.lines


def test_full_lists_the_sides_never_exercised(pytester: pytest.Pytester) -> None:
    inner(pytester, "test_coverage", COVERAGE)
    want = expected_coverage()
    result = pytester.runpytest_inprocess("--wacht-coverage=full")
    result.stdout.fnmatch_lines(
        [
            "*= wacht-mock rule coverage =*",
            f"wacht-mock rule coverage: {want['covered']} of {want['total']} rule sides ({want['percent']}%)",
            "never exercised:",
            *[f"  {side}" for side in want["missing"]],
        ]
    )


def test_off_prints_nothing_but_still_writes_the_report_and_judges_the_minimum(pytester: pytest.Pytester) -> None:
    inner(pytester, "test_coverage", COVERAGE)
    want = expected_coverage()
    quiet = pytester.runpytest_inprocess("--wacht-coverage=off", "--wacht-rule-coverage=coverage.json")
    quiet.assert_outcomes(passed=2)
    assert not [line for line in quiet.stdout.lines if "rule coverage" in line]
    assert json.loads((pytester.path / "coverage.json").read_text())["covered"] == want["covered"]

    under = pytester.runpytest_inprocess("--wacht-coverage=off", "--wacht-rule-coverage-min=99.5")
    assert under.ret == pytest.ExitCode.TESTS_FAILED
    assert coverage_lines(under) == [f"FAILED: rule coverage {want['percent']}% is under the minimum 99.5%"]


def test_a_bad_mode_is_refused_naming_the_choices(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest_inprocess("--wacht-coverage=some")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--wacht-coverage: invalid choice: 'some' (choose from *off*summary*full*)"])


BUILT_ELSEWHERE = """
from hypothesis import given, settings
from hypothesis import strategies as st

from wacht_mock import WachtMock
from wacht_mock.state_machine import WachtStateMachine


@settings(max_examples=3, deadline=None)
@given(st.sampled_from(["nope", "gone"]))
def test_a_mock_built_inside_a_hypothesis_test(slug):
    with WachtMock().client() as client:
        assert client.post(f"/api-auth/apps/{slug}/keys", json={"name": "k"}).status_code == 404


TestMachine = WachtStateMachine.TestCase
TestMachine.settings = settings(max_examples=2, stateful_step_count=5, deadline=None)
"""


def fired(report: dict[str, object]) -> set[tuple[str, str]]:
    rules = report["rules"]
    assert isinstance(rules, list)
    return {(rule["id"], side) for rule in rules for side, hit in rule["sides"].items() if hit}


@pytest.mark.parametrize("workers", [[], ["-n", "2"]], ids=["serial", "xdist"])
def test_mocks_built_by_hypothesis_and_the_state_machine_count(pytester: pytest.Pytester, workers: list[str]) -> None:
    inner(pytester, "test_built_elsewhere", BUILT_ELSEWHERE)
    result = pytester.runpytest_subprocess(*workers, "--wacht-rule-coverage=coverage.json", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(["wacht-mock rule coverage: * of * rule sides (*%), * never exercised*"])
    sides = fired(json.loads((pytester.path / "coverage.json").read_text()))
    assert ("apps.lookup.not_found", "deny") in sides  # the Hypothesis test's own mock
    assert ("apps.create.requires_growth_plan", "allow") in sides  # the state machine creates apps
