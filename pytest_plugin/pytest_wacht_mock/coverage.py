"""Vendor-rule coverage for a pytest run: which sides of which rules the run's requests exercised.

Every mock answering in the run's context counts, not only the fixtures' ones: the plugin installs a ``Coverage``
as the firings observer (``wacht_mock.observing``) for the whole run, so a ``WachtMock`` built inside a Hypothesis
test or by the state machine feeds it too. The fixtures' mocks are also read from their journals at teardown,
which covers a live server answering on its own thread. Under pytest-xdist each worker hands its firings to the
controller (``hand_over`` / ``merge``), which reports.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from wacht_mock import Firing, WachtMock

MODES = ("off", "summary", "full")


def add_options(group: pytest.OptionGroup) -> None:
    """``--wacht-coverage``, ``--wacht-rule-coverage FILE`` and ``--wacht-rule-coverage-min N``."""
    group.addoption(
        "--wacht-coverage",
        choices=MODES,
        default="summary",
        help="rule coverage at the end of the run: one summary line (default), the full list of sides never "
        "exercised, or nothing",
    )
    group.addoption("--wacht-rule-coverage", metavar="FILE", help="write the vendor-rule coverage as JSON")
    group.addoption(
        "--wacht-rule-coverage-min",
        metavar="N",
        type=float,
        help="fail the run when under N%% of the vendor rules' sides were exercised",
    )


class Coverage:
    """The rule sides this run exercised, and whether any mock answered at all."""

    def __init__(self) -> None:
        self.firings: set[tuple[str, str]] = set()
        self.used = False
        self._observing = ExitStack()

    def start(self) -> None:
        """Observe every request answered in this context until ``stop``."""
        from wacht_mock import observing

        self._observing.enter_context(observing(self.observe))

    def stop(self) -> None:
        """Stop observing."""
        self._observing.close()

    def observe(self, firings: Sequence[Firing]) -> None:
        """One request's firings (the observer ``wacht_mock.observing`` calls)."""
        self.used = True
        self.firings.update((f.rule_id, f.outcome) for f in firings)

    def collect(self, mock: WachtMock) -> None:
        """Everything in a mock's journal."""
        self.used = True
        for entry in mock.journal:
            self.observe(entry.rules)

    def hand_over(self, workeroutput: dict[str, Any]) -> None:
        """xdist worker: leave the firings for the controller."""
        workeroutput["wacht_firings"] = sorted(self.firings)
        workeroutput["wacht_used"] = self.used

    def merge(self, workeroutput: dict[str, Any]) -> None:
        """xdist controller: add one worker's firings."""
        self.firings.update((rule_id, side) for rule_id, side in workeroutput.get("wacht_firings", []))
        self.used = self.used or bool(workeroutput.get("wacht_used", False))

    def result(self) -> dict[str, Any]:
        """Covered, total and percent of the rule sides; the sides missing; per rule, which sides were hit."""
        from wacht_mock import all_rules

        sides = {r.id: {side: (r.id, side) in self.firings for side in r.sides} for r in all_rules()}
        rules = [{"id": rule_id, "sides": hits} for rule_id, hits in sides.items()]
        total = sum(len(hits) for hits in sides.values())
        covered = sum(hit for hits in sides.values() for hit in hits.values())
        missing = [f"{rule_id}: {side}" for rule_id, hits in sides.items() for side, hit in hits.items() if not hit]
        percent = round(100.0 * covered / total, 1) if total else 100.0
        return {"covered": covered, "total": total, "percent": percent, "missing": missing, "rules": rules}


def summary(result: dict[str, Any], mode: str, minimum: float | None) -> Iterable[str]:
    """The lines the terminal summary writes: none when ``off`` (but a missed minimum is always said), one in
    ``summary``, the list of sides never exercised as well in ``full``."""
    missing = result["missing"]
    if mode != "off":
        line = f"wacht-mock rule coverage: {result['covered']} of {result['total']} rule sides ({result['percent']}%)"
        if missing and mode == "summary":
            line += f", {len(missing)} never exercised (--wacht-coverage=full lists them)"
        yield line
    if mode == "full" and missing:
        yield "never exercised:"
        yield from (f"  {side}" for side in missing)
    if minimum is not None and result["percent"] < minimum:
        yield f"FAILED: rule coverage {result['percent']}% is under the minimum {minimum}%"


def wanted(config: pytest.Config, coverage: Coverage) -> bool:
    """Whether this run reports coverage: some mock answered, or an option asks for it."""
    asked = config.getoption("--wacht-rule-coverage-min") is not None or config.getoption("--wacht-rule-coverage")
    return coverage.used or bool(asked)


def finish(config: pytest.Config, coverage: Coverage, session: pytest.Session) -> None:
    """Write the JSON report and judge the minimum (on the controller, or a run without xdist)."""
    if not wanted(config, coverage):
        return
    result = coverage.result()
    report = config.getoption("--wacht-rule-coverage")
    if report:
        Path(report).write_text(json.dumps(result, indent=2) + "\n")
    minimum = config.getoption("--wacht-rule-coverage-min")
    if minimum is not None and result["percent"] < minimum and session.exitstatus == 0:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def report(terminalreporter: Any, config: pytest.Config, coverage: Coverage) -> None:
    """The terminal summary, as ``--wacht-coverage`` asks."""
    if not wanted(config, coverage):
        return
    mode = config.getoption("--wacht-coverage")
    lines = list(summary(coverage.result(), mode, config.getoption("--wacht-rule-coverage-min")))
    if mode == "full" and lines:
        terminalreporter.section("wacht-mock rule coverage")
    for line in lines:
        terminalreporter.write_line(line)
