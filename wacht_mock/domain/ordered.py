"""Rows kept in a sort order as they are added, so that a read walks only the page it answers.

What production's indexes do for its queries: ``api_auth_apps`` by deployment and creation, ``api_keys`` by app,
the audit table by app and time. Ties (equal sort keys) are held newest-added first, so that walking backwards
gives equal rows in the order they were added, as a stable sort with ``reverse=True`` gives them.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Iterator
from typing import Any, Generic, TypeVar

_T = TypeVar("_T")


class Ordered(Generic[_T]):
    """A list of rows in ascending ``key`` order; ``newest_first`` walks it descending."""

    __slots__ = ("key", "rows")

    def __init__(self, key: Callable[[_T], Any]) -> None:
        self.key = key
        self.rows: list[_T] = []

    def __len__(self) -> int:
        return len(self.rows)

    def add(self, row: _T) -> None:
        """Insert ``row`` before any row with an equal key (appending is the common case and costs O(1))."""
        rows, key = self.rows, self.key
        k = key(row)
        if not rows or key(rows[-1]) < k:
            rows.append(row)
        else:
            rows.insert(bisect_left(rows, k, key=key), row)

    def remove(self, row: _T) -> None:
        """Take out ``row`` (before its key changes: the list must stay sorted while it is searched)."""
        at = bisect_left(self.rows, self.key(row), key=self.key)
        while self.rows[at] is not row:
            at += 1
        del self.rows[at]

    def newest_first(self, below: int | None = None) -> Iterator[_T]:
        """The rows in descending key order, starting below position ``below`` (all rows when None)."""
        rows = self.rows
        for i in range(len(rows) if below is None else below, 0, -1):
            yield rows[i - 1]
