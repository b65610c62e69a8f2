"""The published rule catalogue, docs/RULES.md: current with the registry, and the sides it reports read right."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from wacht_mock import all_rules
from wacht_mock.catalogue import CATALOGUE, COVERAGE, REGENERATE, build, main, scenario_uses, step_side
from wacht_mock.rules import Rule
from wacht_mock.verify.scenario import Scenario, Step

ROOT = Path(__file__).resolve().parents[1]
CHECK = Rule("t.check", "src.rs:1", 400, "Scheme '{slug}' is bad")
DECISION = Rule("t.decision", "src.rs:2", decision=True)
BEHAVIOUR = Rule("t.behaviour", "src.rs:3")


def _step(status: int, body: object = None, rules: tuple[str, ...] = ()) -> Step:
    return Step.model_validate({"request": "POST /x", "expect": {"status": status, "body": body}, "rules": rules})


def test_docs_rules_md_is_current_with_the_registry_scenarios_register_and_coverage() -> None:
    current = build(ROOT / COVERAGE)
    written = (ROOT / CATALOGUE).read_text(encoding="utf-8")
    assert written == current, f"{CATALOGUE} is stale: run `{REGENERATE}` from the checkout's root"


def test_the_catalogue_lists_every_rule_with_its_source_status_and_message() -> None:
    written = (ROOT / CATALOGUE).read_text(encoding="utf-8")
    rows = {line.split(" | ")[0].strip("| `"): line for line in written.splitlines() if line.startswith("| `")}
    for rule in all_rules():
        assert rule.id in rows, rule.id
        assert rule.source in rows[rule.id]
        if rule.message is not None:
            assert rule.message.replace("|", "\\|") in rows[rule.id]
    assert "[app-list-negative-limit-or-offset](#app-list-negative-limit-or-offset)" in written or not any(
        r.id == "apps.list.negative_limit_or_offset_is_400" for r in all_rules()
    )


def test_a_step_denies_a_check_when_it_expects_the_checks_status_and_message() -> None:
    assert step_side(CHECK, _step(400, {"errors": [{"message": "Scheme 'a-b' is bad", "code": 400}]})) == "deny"
    assert step_side(CHECK, _step(400)) == "deny"
    assert step_side(CHECK, _step(400, {"errors": [{"message": "Bad request", "code": 400}]})) == "allow"
    assert step_side(CHECK, _step(200, {"slug": "a"})) == "allow"
    marker = {"errors": [{"message": "<re:Scheme .* is bad>", "code": 400}]}
    assert step_side(CHECK, _step(400, marker)) == "deny"


def test_of_two_checks_with_the_expected_status_the_last_named_is_the_one_that_refused() -> None:
    later = Rule("t.later", "src.rs:4", 400, "later")
    named = {r.id: r for r in (CHECK, later)}
    step = _step(400, None, ("t.check", "t.later"))
    assert step_side(CHECK, step, named) == "allow"
    assert step_side(later, step, named) == "deny"
    assert step_side(CHECK, _step(400, None, ("t.check",)), named) == "deny"


def test_decisions_behaviours_and_one_sided_rules() -> None:
    assert step_side(DECISION, _step(200, {"allowed": False})) == "deny"
    assert step_side(DECISION, _step(200, {"allowed": True})) == "allow"
    assert step_side(BEHAVIOUR, _step(404)) == "applied"
    assert step_side(Rule("t.only", "s", 401, "no", only="deny"), _step(200)) == "deny"


def test_scenario_uses_collect_sides_and_scenario_names_of_known_rules_only() -> None:
    steps = [_step(200, None, ("t.check", "t.unknown")), _step(400, None, ("t.check",))]
    scenario = Scenario(name="demo", about="a demo", steps=steps)
    uses = scenario_uses([CHECK, BEHAVIOUR], [scenario])
    assert set(uses) == {"t.check"}
    assert uses["t.check"].sides == {"allow", "deny"}
    assert uses["t.check"].scenarios == {"demo"}


def test_the_command_writes_the_catalogue_and_refuses_a_bad_coverage_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "docs").mkdir()
    report = [{"id": all_rules()[0].id, "sides": {"allow": True}}, {"id": "renamed.rule", "sides": {"applied": True}}]
    (tmp_path / COVERAGE).write_text(json.dumps({"rules": report}))
    assert main(["--write"]) == 0
    assert (tmp_path / CATALOGUE).read_text(encoding="utf-8") == build(tmp_path / COVERAGE)
    written = (tmp_path / CATALOGUE).read_text(encoding="utf-8")
    assert "not recorded" in written
    assert f"Rules not yet in the coverage report: {len(all_rules()) - 1}." in written
    assert "Rules of the coverage report no longer declared: 1." in written

    (tmp_path / COVERAGE).write_text("[1, 2]")
    assert main([]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "not a --wacht-rule-coverage JSON report" in err[0], err
    assert main(["--coverage", "missing.json"]) == 2
    assert "no coverage file; write it with `python -m pytest" in capsys.readouterr().err
