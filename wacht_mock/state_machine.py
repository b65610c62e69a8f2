"""The state machine's original import path: ``wacht_mock.stateful`` holds it (it needs Hypothesis)."""

from __future__ import annotations

from .stateful import (
    CLOCK_STEPS_MS,
    SCHEME_SLUGS,
    LimitRule,
    LiveServerStateMachine,
    WachtStateMachine,
    limit_rules,
)

__all__ = [
    "CLOCK_STEPS_MS",
    "SCHEME_SLUGS",
    "LimitRule",
    "LiveServerStateMachine",
    "WachtStateMachine",
    "limit_rules",
]
