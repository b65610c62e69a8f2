"""The scenario contracts against the mock's live server: every scenario passes, every step fires the rules it
names, and together they exercise every named vendor rule."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import pytest
import yaml

from wacht_mock import LiveWacht, WachtMock, all_rules
from wacht_mock.catalogue import step_side
from wacht_mock.rules import Firing
from wacht_mock.verify import Report, Scenario, Target, TargetContext, load_scenarios, verify

ROOT = Path(__file__).resolve().parents[1]
TARGET = ROOT / "contracts" / "verify-target"
# Under xdist's --dist loadgroup every test of this module goes to one worker: the module's fixture is a whole
# verify run, which each worker that got one of these tests would otherwise repeat.
pytestmark = pytest.mark.xdist_group("verify_scenarios")

SCENARIOS = load_scenarios(known_rules={r.id for r in all_rules()})


def full_target(live: LiveWacht) -> Target:
    """Everything a target can provide: Growth, a starter deployment, seeded users, the gateway, bursts."""
    return Target(
        base_url=live.url,
        api_key=live.mock.secret_for(1),
        gateway_url=live.gateway_url,
        starter_api_key=live.mock.secret_for(2),
        context=TargetContext.load(TARGET / "context.yaml"),
        burst=True,
    )


@dataclass
class Run:
    """One verify run against a live mock, with the rules each step fired (read from the mock's journal)."""

    report: Report
    mock: WachtMock
    fired: dict[tuple[str, int], list[Firing]] = field(default_factory=dict)
    lines: list[str] = field(default_factory=list)


@pytest.fixture(scope="module")
def run() -> Iterator[Run]:
    live = LiveWacht(WachtMock(seed=TARGET / "seed.yaml"))
    starts: dict[tuple[str, int], int] = {}
    result = Run(Report([]), live.mock)

    def on_step(scenario: Scenario, index: int, phase: Literal["start", "end"]) -> None:
        journal = live.mock.journal.entries
        if phase == "start":
            starts[scenario.name, index] = len(journal)
        else:
            entries = journal[starts[scenario.name, index] :]
            result.fired[scenario.name, index] = [f for e in entries for f in e.rules]

    try:
        result.report = verify(full_target(live), SCENARIOS, echo=result.lines.append, on_step=on_step)
        yield result
    finally:
        live.stop()


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.name)
def test_scenario_passes_against_the_mock(run: Run, scenario: Scenario) -> None:
    result = next(r for r in run.report.results if r.scenario.name == scenario.name)
    assert result.outcome == "pass", "\n".join(result.lines())
    assert result.cleanup_problems == []


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.name)
def test_scenario_steps_fire_the_rules_they_name(run: Run, scenario: Scenario) -> None:
    for index, step in enumerate(scenario.steps, start=1):
        fired = {f.rule_id for f in run.fired[scenario.name, index]}
        silent = [r for r in step.rules if r not in fired]
        assert not silent, f"{scenario.file}: {scenario.name} step {index} ({step.request}) never fired {silent}"


def test_scenarios_together_exercise_every_named_rule(run: Run) -> None:
    fired = {f.rule_id for firings in run.fired.values() for f in firings}
    named = {r for s in SCENARIOS for r in s.rules}
    missing = sorted({r.id for r in all_rules()} - (fired & named) - NEVER_SENT_TO_A_REAL_DEPLOYMENT)
    assert missing == [], f"rules no scenario step names and exercises: {missing}"


# Sides the API alone cannot reach without leaving things behind for good: a key owner's membership cannot be
# removed through the API, and an unrevoked key of a deleted app (the only way to block a scheme by keys alone)
# can never be revoked, so its scheme could never be deleted.
UNREACHABLE_SIDES = {
    ("keys.owner_member_of_organization", "deny"),
    ("keys.owner_member_of_workspace", "deny"),
    ("schemes.delete.not_assigned_to_active_keys", "deny"),
}
# Stand-ins for inputs production never answers (divergences permission-parser-crash and -panic): a scenario
# sending one would abort a real gateway's process, so none may; tests/test_gateway_checks.py exercises them.
NEVER_SENT_TO_A_REAL_DEPLOYMENT = {
    "gateway.permission_parser_abort_answered_with_500",
    "gateway.permission_parser_panic_answered_with_500",
}


def test_scenarios_exercise_every_side_the_api_can_reach(run: Run) -> None:
    fired = {(f.rule_id, f.outcome) for firings in run.fired.values() for f in firings}
    wanted = {(r.id, side) for r in all_rules() for side in r.sides if r.id not in NEVER_SENT_TO_A_REAL_DEPLOYMENT}
    assert wanted - fired == UNREACHABLE_SIDES


def test_what_a_run_creates_is_deleted(run: Run) -> None:
    d = run.mock.backend.deployment(1)
    assert d.apps, "the scenarios created apps"
    assert all(a.deleted_at is not None for a in d.apps.values())
    assert all(re.fullmatch(r"wm[0-9a-f]{8}-([0-9a-f]{6}-.+|probe)", slug) for slug in d.apps)
    # except the key whose app a gateway scenario deletes first: revoking it answers 404 'API key app not found'
    assert {k.app_slug.split("-", 2)[2] for k in d.keys.values() if k.revoked_at is None} == {"gone"}
    assert d.schemes == {}
    assert not any("cleanup" in line for line in run.lines)


def test_every_scenario_says_what_it_is_about_and_which_rules() -> None:
    assert SCENARIOS, "no scenarios loaded"
    for scenario in SCENARIOS:
        assert scenario.rules, f"{scenario.name} names no rule"


def test_steps_tagged_as_divergences_name_a_deliberate_register_entry() -> None:
    register = yaml.safe_load((ROOT / "contracts" / "divergences.yaml").read_text())["divergences"]
    deliberate = {e["id"] for e in register if e["kind"] == "deliberate"}
    tagged = {s.divergence for sc in SCENARIOS for s in sc.steps if s.divergence is not None}
    assert tagged <= deliberate, tagged - deliberate


def test_the_catalogue_reads_each_named_rules_side_as_the_mock_fires_it(run: Run) -> None:
    rules = {r.id: r for r in all_rules()}
    for scenario in SCENARIOS:
        for index, step in enumerate(scenario.steps, start=1):
            fired = run.fired[scenario.name, index]
            for rule_id in step.rules:
                side = step_side(rules[rule_id], step, rules)
                sides = {f.outcome for f in fired if f.rule_id == rule_id}
                assert side in sides, (
                    f"{scenario.name} step {index}: the catalogue reads {rule_id} {side}, fired {sides}"
                )
