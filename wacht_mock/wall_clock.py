"""Freezing the wall clock of the code under test at the mock's virtual now, through time-machine.

Code under test that reads the time itself (``datetime.now()``, ``time.time()``, ``date.today()``) sees the
virtual clock's now, frozen, and moves with it on every ``advance`` and ``set_time`` (also over the control plane).
time-machine is an optional dependency (``pip install 'wacht-mock[time]'``), imported only when used.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from .errors import UsageError

if TYPE_CHECKING:
    from .clock import VirtualClock

INSTALL_HINT = "freezing the wall clock needs time-machine: pip install 'wacht-mock[time]' (or time-machine)"


@contextmanager
def frozen_wall_clock(clock: VirtualClock) -> Iterator[VirtualClock]:
    """Inside the block, the process's wall clock stands at ``clock.now()`` and follows the clock when it is set or
    advanced; yields ``clock``. A ``UsageError`` names the missing package when time-machine is not installed."""
    try:
        import time_machine
    except ImportError:
        raise UsageError(INSTALL_HINT) from None
    traveller = time_machine.travel(clock.now(), tick=False)
    coordinates = traveller.start()
    stop_following = clock.listen(coordinates.move_to)
    try:
        yield clock
    finally:
        stop_following()
        traveller.stop()
