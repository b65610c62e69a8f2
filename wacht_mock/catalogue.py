"""The published rule catalogue, ``docs/RULES.md``: every named rule, generated from the rule registry.

For each rule: its id read as words, production's source, the status and message of a check, the sides the test
suite exercised (from the committed coverage file that a whole-suite run writes with ``--wacht-rule-coverage``),
the sides the verify scenarios exercise (from the rules their steps name), and the register's divergences that
name it. Everything is read from files in the checkout, so the output is deterministic and cheap to produce; a
test regenerates it and compares. Regenerate with ``python -m wacht_mock.catalogue --write`` from the checkout.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .contract_files import DIVERGENCES, contract_path
from .errors import UsageError, WachtMockError
from .http import app as _declares_every_rule  # noqa: F401  (importing the pipeline declares every rule)
from .rules import Outcome, Rule, all_rules
from .verify.matching import is_marker
from .verify.scenario import Scenario, Step, load_scenarios

CATALOGUE = Path("docs/RULES.md")
COVERAGE = Path("docs/rule-coverage.json")
REGENERATE = "python -m wacht_mock.catalogue --write"
REFRESH_COVERAGE = f"python -m pytest -n auto --hypothesis-profile=ci --wacht-rule-coverage={COVERAGE.as_posix()}"


@dataclass
class ScenarioUse:
    """The sides of one rule that the verify scenarios exercise, and the scenarios whose steps name it."""

    sides: set[Outcome] = field(default_factory=set)
    scenarios: set[str] = field(default_factory=set)


def _error_message(body: Any) -> str | None:
    """The message of a vendor error envelope ``{"errors": [{"message": ...}]}``, if ``body`` is one."""
    if isinstance(body, dict):
        errors = body.get("errors")
        if isinstance(errors, list) and errors and isinstance(errors[0], dict):
            message = errors[0].get("message")
            return message if isinstance(message, str) else None
    return None


def _message_matches(template: str, message: str) -> bool:
    pattern = ".*".join(re.escape(part) for part in re.split(r"\{[a-z_]+\}", template))
    return re.fullmatch(pattern, message, flags=re.DOTALL) is not None


def _denies(rule: Rule, step: Step) -> bool:
    """Whether ``step``'s expected answer is ``rule``'s refusal: its status, and its message where the expected
    body is an error envelope whose message is not a marker such as ``<re:...>``."""
    if rule.status is None or step.expect.status != rule.status:
        return False
    message = _error_message(step.expect.body)
    return message is None or is_marker(message) or rule.message is None or _message_matches(rule.message, message)


def step_side(rule: Rule, step: Step, named: Mapping[str, Rule] | None = None) -> Outcome:
    """The side of ``rule`` a step naming it exercises, read from the answer the step expects.

    A behaviour is applied; a rule with one possible side takes it; a decision is denied when the expected gateway
    answer says ``allowed: false``. A check is denied when the step expects its refusal (``_denies``) and no check
    the step names after it (``named``: the registry by id) does too: a step lists its rules in the order
    production checks them, so of two checks with the same status the last is the one that refused.
    ``tests/test_verify_scenarios.py`` checks every such reading against the sides the mock really fires.
    """
    if rule.status is None and not rule.decision:
        return "applied"
    if rule.only is not None:
        return rule.only
    if rule.decision:
        body = step.expect.body
        return "deny" if isinstance(body, dict) and body.get("allowed") is False else "allow"
    if not _denies(rule, step):
        return "allow"
    later = step.rules[step.rules.index(rule.id) + 1 :] if rule.id in step.rules else []
    refusing_later = [r for r in later if named is not None and r in named and _denies(named[r], step)]
    return "allow" if refusing_later else "deny"


def scenario_uses(rules: Sequence[Rule], scenarios: Iterable[Scenario]) -> dict[str, ScenarioUse]:
    """Per rule id, the sides the scenarios exercise and the scenarios naming it (rules no step names are absent)."""
    by_id = {r.id: r for r in rules}
    uses: dict[str, ScenarioUse] = {}
    for scenario in scenarios:
        for step in scenario.steps:
            for rule_id in step.rules:
                if rule_id in by_id:
                    use = uses.setdefault(rule_id, ScenarioUse())
                    use.sides.add(step_side(by_id[rule_id], step, by_id))
                    use.scenarios.add(scenario.name)
    return uses


def read_coverage(path: Path) -> dict[str, dict[str, bool]]:
    """Per rule id, which sides the suite hit, from a ``--wacht-rule-coverage`` JSON report."""
    try:
        report = json.loads(path.read_text(encoding="utf-8"))
        return {str(r["id"]): {str(side): bool(hit) for side, hit in r["sides"].items()} for r in report["rules"]}
    except FileNotFoundError:
        raise UsageError(f"{path}: no coverage file; write it with `{REFRESH_COVERAGE}`") from None
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise UsageError(f"{path}: not a --wacht-rule-coverage JSON report ({type(exc).__name__}: {exc})") from None


def divergences_by_rule(path: Path) -> dict[str, list[str]]:
    """Per rule id, the ids of the register's entries (divergences and assumptions) that name it."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise UsageError(f"{path}: cannot read the divergence register ({type(exc).__name__})") from None
    named: dict[str, list[str]] = {}
    for part in ("divergences", "assumptions"):
        for entry in data.get(part) or []:
            if isinstance(entry, dict) and entry.get("rule") and entry.get("id"):
                named.setdefault(str(entry["rule"]), []).append(str(entry["id"]))
    return named


def _words(rule_id: str) -> str:
    """An id read as words: ``apps.create.requires_growth_plan`` → ``apps, create: requires growth plan``."""
    *where, what = rule_id.split(".")
    return f"{', '.join(where)}: {what.replace('_', ' ')}" if where else what.replace("_", " ")


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _code(text: str) -> str:
    return f"`{text}`" if "`" not in text else f"`` {text} ``"


def _sides(expected: Sequence[str], hit: Iterable[str]) -> str:
    got = set(hit)
    return ", ".join(side for side in expected if side in got) or "—"


def _suite(rule: Rule, coverage: Mapping[str, Mapping[str, bool]]) -> str:
    if rule.id not in coverage:
        return "not recorded"
    return _sides(rule.sides, [side for side, hit in coverage[rule.id].items() if hit])


def _row(rule: Rule, coverage: Mapping[str, Mapping[str, bool]], use: ScenarioUse | None, register: list[str]) -> str:
    status = str(rule.status) if rule.status is not None else ("data" if rule.decision else "—")
    message = _code(rule.message) if rule.message is not None else "—"
    scenario = f"{_sides(rule.sides, use.sides)} ({', '.join(sorted(use.scenarios))})" if use else "—"
    divergence = ", ".join(f"[{d}](#{d})" for d in register) or "—"
    cells = [_code(rule.id), _words(rule.id), _code(rule.source), status, message]
    cells += [", ".join(rule.sides), _suite(rule, coverage), scenario, divergence]
    return "| " + " | ".join(_cell(c) for c in cells) + " |"


_HEADER = """# Rule catalogue

Generated from the rule registry (`wacht_mock.all_rules()`) by `{regenerate}`, run from the checkout's
root; do not edit it by hand (`tests/test_catalogue.py` fails when it is stale).

Every behaviour of Wacht's backend that a test can observe is a named rule, declared beside the code that carries
it with the production source it was read from. A **check** has a status and a message (`{{name}}` fields are
filled when it fires) and two sides, *allow* and *deny*; a **decision** is a gateway check whose denial is
answered as data (status "data"); a **behaviour** has one side, *applied*. Columns:

- **what it does**: the id read as words (ids are written as sentences: noun, operation, behaviour).
- **sides**: the sides the rule has (a check that can only ever take one side lists just that one).
- **suite**: the sides the test suite exercised, from `{coverage}`, the JSON report of a whole-suite run
  (`{refresh}`, then regenerate this file); "not recorded" means the rule is newer than that report.
- **scenarios**: the sides the verify scenarios (`contracts/scenarios/*.yaml`, which `wacht-mock verify` runs
  against the mock and a real deployment alike) exercise, read from each step that names the rule (*deny* where
  the step expects the check's status, and its message when the expected body is an error, *allow* otherwise),
  then the scenarios that name it.
- **register**: the entries of the divergence register (`contracts/divergences.yaml`) that name the rule.

{totals}

| id | what it does | production source | status | message | sides | suite | scenarios | register |
|---|---|---|---|---|---|---|---|---|
"""


def _totals(rules: Sequence[Rule], coverage: Mapping[str, Mapping[str, bool]], uses: Mapping[str, ScenarioUse]) -> str:
    sides = sum(len(r.sides) for r in rules)
    suite = sum(1 for r in rules for s in r.sides if coverage.get(r.id, {}).get(s, False))
    verify = sum(1 for r in rules for s in r.sides if r.id in uses and s in uses[r.id].sides)
    unrecorded = sum(1 for r in rules if r.id not in coverage)
    gone = len(set(coverage) - {r.id for r in rules})
    line = f"{len(rules)} rules, {sides} sides: the suite exercises {suite}, the verify scenarios {verify}."
    line += f" Rules not yet in the coverage report: {unrecorded}." if unrecorded else ""
    return line + (f" Rules of the coverage report no longer declared: {gone}." if gone else "")


def _register_section(path: Path, named: Mapping[str, list[str]]) -> str:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    lines = ["", "## The divergence register, by rule", ""]
    lines.append("Every entry of `contracts/divergences.yaml`, with the rule it names (entries about the contract")
    lines.append("files or the SDK name none).")
    lines += ["", "| entry | kind | rule | what |", "|---|---|---|---|"]
    for part in ("divergences", "assumptions"):
        for entry in data.get(part) or []:
            if isinstance(entry, dict) and entry.get("id"):
                rule_id = entry.get("rule")
                anchor = f'<a id="{entry["id"]}"></a>{_code(str(entry["id"]))}'
                cells = [anchor, str(entry.get("kind", part)), _code(str(rule_id)) if rule_id else "—"]
                cells.append(" ".join(str(entry.get("what", "")).split()))
                lines.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    return "\n".join(lines) + "\n"


def render(
    rules: Sequence[Rule], scenarios: Sequence[Scenario], coverage: Mapping[str, Mapping[str, bool]], register: Path
) -> str:
    """The catalogue's Markdown."""
    uses = scenario_uses(rules, scenarios)
    named = divergences_by_rule(register)
    head = _HEADER.format(
        regenerate=REGENERATE,
        coverage=COVERAGE.as_posix(),
        refresh=REFRESH_COVERAGE,
        totals=_totals(rules, coverage, uses),
    )
    rows = "\n".join(_row(r, coverage, uses.get(r.id), named.get(r.id, [])) for r in rules)
    return head + rows + "\n" + _register_section(register, named)


def build(coverage_path: Path = COVERAGE) -> str:
    """The catalogue from this checkout: the registry, the packaged scenarios, the register and the coverage file."""
    rules = all_rules()
    scenarios = load_scenarios(known_rules={r.id for r in rules})
    return render(rules, scenarios, read_coverage(coverage_path), contract_path(DIVERGENCES))


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m wacht_mock.catalogue [--write] [--coverage FILE]``, from the checkout's root."""
    parser = argparse.ArgumentParser(prog="python -m wacht_mock.catalogue", description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help=f"write {CATALOGUE} instead of printing it")
    parser.add_argument("--coverage", type=Path, default=COVERAGE, help=f"the coverage report (default {COVERAGE})")
    args = parser.parse_args(argv)
    try:
        text = build(args.coverage)
        if args.write:
            if not CATALOGUE.parent.is_dir():
                raise UsageError(f"{CATALOGUE.parent}/ not found: run this from the checkout's root")
            CATALOGUE.write_text(text, encoding="utf-8")
        else:
            sys.stdout.write(text)
    except WachtMockError as exc:
        print(f"wacht_mock.catalogue: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
