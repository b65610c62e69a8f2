"""Exact sliding-log counters on the virtual clock (product decision 8: the real bucket artifacts are not
contract).

A log keeps the instants (epoch milliseconds) of accepted hits, sorted, in a packed array. Counting is a binary
search, and ``forget_until`` drops hits that no window can see any more, so memory stays bounded by the hits
inside the longest window that uses the log.
"""

from __future__ import annotations

from array import array
from bisect import bisect_right, insort


class SlidingLog:
    """Accepted hits of one counter, oldest first."""

    __slots__ = ("_hits", "_start")

    def __init__(self) -> None:
        self._hits = array("q")  # 8 bytes a hit
        self._start = 0

    def forget_until(self, cutoff_ms: int) -> None:
        """Drop hits at or before ``cutoff_ms`` (amortised: the list is compacted once half of it is dead)."""
        self._start = bisect_right(self._hits, cutoff_ms, lo=self._start)
        if self._start > 1024 and self._start * 2 > len(self._hits):
            del self._hits[: self._start]
            self._start = 0

    def count_after(self, cutoff_ms: int) -> int:
        """Hits strictly after ``cutoff_ms`` among those not forgotten."""
        return len(self._hits) - bisect_right(self._hits, cutoff_ms, lo=self._start)

    def add(self, at_ms: int) -> None:
        """Record one accepted hit (kept sorted even if the clock was set back)."""
        if not self._hits or self._hits[-1] <= at_ms:
            self._hits.append(at_ms)
        else:
            insort(self._hits, at_ms, lo=self._start)

    def __len__(self) -> int:
        return len(self._hits) - self._start
