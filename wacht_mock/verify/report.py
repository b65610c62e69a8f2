"""The verify report: each scenario's outcome, its report lines, and the summary by rule."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from .register import cite
from .scenario import Scenario

Outcome = Literal["pass", "fail", "known", "skip"]
_PRECEDENCE: tuple[Outcome, ...] = ("fail", "pass", "known", "skip")


@dataclass(slots=True)
class StepFailure:
    """The step that did not get the expected answer, and every difference found."""

    index: int
    request: str
    problems: list[str]
    rules: list[str]
    sent: str | None = None


@dataclass(slots=True)
class ScenarioResult:
    """One scenario's outcome: passed, failed at a step, or skipped for a reason."""

    scenario: Scenario
    outcome: Outcome
    reason: str = ""
    failure: StepFailure | None = None
    steps_run: int = 0
    cleanup_problems: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        """The report line, plus indented detail for a failure or a cleanup problem."""
        name = self.scenario.name
        if self.outcome == "skip":
            return [f"SKIP  {name}: {self.reason}"]
        if self.failure is None:
            head = [f"PASS  {name} ({self.steps_run} step{'s' if self.steps_run != 1 else ''})"]
        else:
            f = self.failure
            head = [f"{self.outcome.upper():4}  {name}: step {f.index} {f.request}"]
            if self.outcome == "known":
                divergence = self.scenario.steps[f.index - 1].divergence
                head.append(f"        differs as registered: {cite(str(divergence))}")
            if f.sent is not None:
                head.append(f"        sent: {f.sent}")
            head += [f"        {p}" for p in f.problems]
            if f.rules:
                head.append(f"        rules: {', '.join(f.rules)}")
            head.append(f"        ({self.scenario.file}: {self.scenario.about})")
        return head + [f"        cleanup: {p}" for p in self.cleanup_problems]


@dataclass(slots=True)
class Report:
    """Every scenario's result and the per-rule summary."""

    results: list[ScenarioResult]

    @property
    def ok(self) -> bool:
        """No scenario failed and nothing was left behind (skips and registered divergences are fine)."""
        return all(r.outcome != "fail" and not r.cleanup_problems for r in self.results)

    def counts(self) -> dict[Outcome, int]:
        """Scenarios per outcome."""
        found: dict[Outcome, int] = {"pass": 0, "fail": 0, "known": 0, "skip": 0}
        for r in self.results:
            found[r.outcome] += 1
        return found

    def by_rule(self) -> dict[str, tuple[Outcome, list[str]]]:
        """Each named rule's outcome (fail, then pass, then known, then skip) and the scenarios that decided it.

        A rule is checked by the steps that name it; in a failed scenario, the steps after the failing one were
        not run, so their rules count as skipped there.
        """
        verdicts: dict[str, dict[Outcome, list[str]]] = {}
        for r in self.results:
            for index, step in enumerate(r.scenario.steps, start=1):
                outcome = _step_outcome(r, index)
                for rule_id in step.rules:
                    names = verdicts.setdefault(rule_id, {"pass": [], "fail": [], "known": [], "skip": []})[outcome]
                    if r.scenario.name not in names:
                        names.append(r.scenario.name)
        summary: dict[str, tuple[Outcome, list[str]]] = {}
        for rule_id in sorted(verdicts):
            by = verdicts[rule_id]
            verdict = next(o for o in _PRECEDENCE if by[o] or o == "skip")
            summary[rule_id] = (verdict, by[verdict])
        return summary

    def summary_lines(self) -> list[str]:
        """The summary by rule (failed and skipped rules by name, passed ones counted) and the totals."""
        rules = self.by_rule()
        per: dict[Outcome, int] = {"pass": 0, "fail": 0, "known": 0, "skip": 0}
        for verdict, _ in rules.values():
            per[verdict] += 1
        lines = ["", f"rules: {_totals(per)}"]
        for rule_id, (outcome, names) in rules.items():
            lines.append(f"  {outcome.upper():4}  {rule_id}  ({', '.join(names)})")
        c = self.counts()
        left = sum(len(r.cleanup_problems) for r in self.results)
        tail = f", {left} cleanup problem{'s' if left != 1 else ''}" if left else ""
        lines.append(f"scenarios: {_totals(c)}{tail}")
        return lines


def _totals(counts: dict[Outcome, int]) -> str:
    known = f", {counts['known']} as registered" if counts["known"] else ""
    return f"{counts['pass']} passed, {counts['fail']} failed{known}, {counts['skip']} skipped"


def _step_outcome(result: ScenarioResult, index: int) -> Outcome:
    if result.outcome == "skip":
        return "skip"
    if result.failure is not None and index >= result.failure.index:
        return result.outcome if index == result.failure.index else "skip"
    return "pass"
