"""``wacht-mock verify``: scenario contracts (``contracts/scenarios/*.yaml``) run against any backend.

A scenario is a sequence of requests with the status and body each must get, ids, timestamps and secrets
normalised by matchers. The same files run against the mock's live server in CI and against a real
deployment on a schedule, so a difference between the two shows up as a failing scenario that names the rule.
"""

from .matching import mismatches
from .report import Report, ScenarioResult
from .runner import Target, TargetContext, verify
from .scenario import Scenario, ScenarioError, Step, load_scenarios, packaged_scenarios

__all__ = [
    "Report",
    "Scenario",
    "ScenarioError",
    "ScenarioResult",
    "Step",
    "Target",
    "TargetContext",
    "load_scenarios",
    "mismatches",
    "packaged_scenarios",
    "verify",
]
