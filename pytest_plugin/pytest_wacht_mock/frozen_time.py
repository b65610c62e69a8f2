"""The ``wacht_frozen_time`` fixture (imported into the plugin module, where pytest finds it)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from wacht_mock import VirtualClock, WachtHandle


@pytest.fixture
def wacht_frozen_time(wacht_mock: WachtHandle) -> Iterator[VirtualClock]:
    """``datetime.now()``, ``time.time()`` and the like frozen at ``wacht_mock``'s virtual now for this test, moving
    with its ``advance`` and ``set_time`` (time-machine: ``pip install 'wacht-mock[time]'``); yields the clock.
    Mock-only: skipped against a real deployment."""
    from wacht_mock import UsageError
    from wacht_mock.wall_clock import frozen_wall_clock

    clock = wacht_mock.clock  # a real deployment has none: RealWacht skips the test here
    with ExitStack() as stack:
        try:
            stack.enter_context(frozen_wall_clock(clock))
            missing = None
        except UsageError as exc:
            missing = str(exc)
        if missing is not None:  # outside the except: one line, not the error twice over a chain
            pytest.fail(f"wacht_frozen_time: {missing}", pytrace=False)
        yield clock
