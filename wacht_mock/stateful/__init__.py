"""A Hypothesis state machine for Wacht's API-auth backend and gateway (it needs Hypothesis; ``import wacht_mock``
never loads it).

``WachtStateMachine`` drives a ``Target`` over HTTP and checks each answer against ``Model``, an independent oracle
of what the target should hold and answer. ``LiveServerStateMachine.against(url, secret)`` drives a served mock.
Run a machine with ``WachtStateMachine.TestCase`` (set ``TestCase.settings`` to size the run) or
``hypothesis.stateful.run_state_machine_as_test``.
"""

from __future__ import annotations

from .live import LiveServerStateMachine
from .machine import CLOCK_STEPS_MS, SCHEME_SLUGS, WachtStateMachine, limit_rules
from .model import LimitRule, Model
from .target import InProcessTarget, LiveServerTarget, Target

__all__ = [
    "CLOCK_STEPS_MS",
    "SCHEME_SLUGS",
    "InProcessTarget",
    "LimitRule",
    "LiveServerStateMachine",
    "LiveServerTarget",
    "Model",
    "Target",
    "WachtStateMachine",
    "limit_rules",
]
