"""Time for the mock: one injected clock, virtual so tests can set and advance it.

Nothing else in wacht-mock reads the wall clock. A frozen clock (the default for tests) moves only when told;
a ticking clock (the default for ``wacht-mock serve``) follows the wall clock from wherever it was last set.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    """Anything that tells the current instant as an aware UTC datetime."""

    def now(self) -> datetime:
        """The current instant, UTC, microsecond precision."""
        ...


class VirtualClock:
    """A clock tests drive: ``set`` jumps to an instant, ``advance`` moves forward.

    ``ticking=True`` makes it follow the wall clock between calls (monotonically), which is what a person
    clicking through a frontend expects; ``ticking=False`` freezes it, which is what a test wants.
    """

    def __init__(
        self,
        start: datetime | None = None,
        *,
        ticking: bool = False,
        wall: Callable[[], float] = time.time,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._ticking = ticking
        self._wall = wall
        self._monotonic = monotonic
        self._base = _utc(start) if start is not None else datetime.fromtimestamp(wall(), UTC)
        self._mark = monotonic()
        self._listeners: list[Callable[[datetime], object]] = []

    @property
    def ticking(self) -> bool:
        """Whether the clock follows the wall clock between calls."""
        return self._ticking

    def now(self) -> datetime:
        """The current virtual instant."""
        if not self._ticking:
            return self._base
        elapsed = self._monotonic() - self._mark
        return self._base + timedelta(microseconds=int(elapsed * 1_000_000))

    def set(self, instant: datetime) -> datetime:
        """Jump to ``instant`` (naive datetimes are taken as UTC); returns the new now."""
        self._base = _utc(instant)
        self._mark = self._monotonic()
        return self._moved()

    def offset_from_wall(self) -> timedelta:
        """How far the virtual now is from the wall clock (what a ticking clock keeps across a restart)."""
        return self.now() - datetime.fromtimestamp(self._wall(), UTC)

    def wall_plus(self, offset: timedelta) -> datetime:
        """The wall clock's instant shifted by ``offset`` (without moving this clock)."""
        return datetime.fromtimestamp(self._wall(), UTC) + offset

    def advance(self, delta: timedelta | None = None, *, ms: float = 0, seconds: float = 0) -> datetime:
        """Move forward by ``delta`` plus ``ms`` milliseconds plus ``seconds``; returns the new now."""
        step = (delta or timedelta()) + timedelta(milliseconds=ms, seconds=seconds)
        if step < timedelta():
            raise ValueError("the clock only moves forward; use set() to go back")
        self._base = self.now() + step
        self._mark = self._monotonic()
        return self._moved()

    def listen(self, listener: Callable[[datetime], object]) -> Callable[[], None]:
        """Call ``listener`` with the new now after every ``set`` and ``advance`` (e.g. to move a frozen wall clock
        along); returns a function that stops it."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    def _moved(self) -> datetime:
        now = self.now()
        for listener in list(self._listeners):
            listener(now)
        return now


def _utc(instant: datetime) -> datetime:
    if instant.tzinfo is None:
        return instant.replace(tzinfo=UTC)
    return instant.astimezone(UTC)
