"""The request journal: every vendor request with its operation, status and the rules that fired, and
assertion helpers whose failures explain the nearest miss in vendor terms.

A ring: it keeps the last ``size`` entries (10,000 by default), so a server that runs for days holds a bounded
amount. Each entry gets an ``id`` one above the previous one's, never reused by the same harness (a reset starts
a new journal that goes on counting), so a client paging backwards with ``before=<id>`` never sees an entry twice.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime

from .errors import UsageError
from .rules import Firing

DEFAULT_SIZE = 10_000


@dataclass(frozen=True, slots=True)
class JournalEntry:
    """One request the mock answered."""

    operation: str | None
    method: str
    path: str
    status: int
    rules: tuple[Firing, ...]
    message: str | None = None
    fault: str | None = None
    id: int = field(default=0, compare=False)
    """Its place in the journal, from 1 (0 until recorded); ids only grow."""
    at: datetime | None = field(default=None, compare=False)
    """The virtual clock's instant when it was recorded."""

    @property
    def denied_by(self) -> str | None:
        """The rule whose deny side answered this request, if one did."""
        return next((f.rule_id for f in reversed(self.rules) if f.outcome == "deny"), None)

    def describe(self) -> str:
        """``POST /api-auth/apps/x/keys returned 404: API key app not found (rule apps.lookup.not_found)``."""
        text = f"{self.method} {self.path} returned {self.status}"
        if self.fault is not None:
            return f"{text}: injected fault {self.fault}"
        if self.message is not None:
            text += f": {self.message}"
        if self.denied_by is not None:
            text += f" (rule {self.denied_by})"
        return text


class Journal:
    """The last ``size`` entries in arrival order; safe to read while a server thread appends. ``first_id`` is the
    id the first entry gets (a reset's new journal goes on from the old one's ``next_id``)."""

    def __init__(self, size: int = DEFAULT_SIZE, *, first_id: int = 1) -> None:
        if not isinstance(size, int) or isinstance(size, bool) or size < 1:
            raise UsageError(f"journal size must be a positive integer, got {size!r}")
        self._entries: deque[JournalEntry] = deque(maxlen=size)
        self._next_id = first_id
        self._lock = threading.Lock()

    @property
    def size(self) -> int:
        """How many entries it keeps at most."""
        return self._entries.maxlen or 0

    @property
    def next_id(self) -> int:
        """The id the next recorded entry gets."""
        return self._next_id

    def fresh(self) -> Journal:
        """A new, empty journal of the same size whose ids go on from this one's."""
        return Journal(self.size, first_id=self._next_id)

    def record(self, entry: JournalEntry) -> JournalEntry:
        """Append one entry (the oldest falls out when full); returns it with its id."""
        with self._lock:
            entry = replace(entry, id=self._next_id)
            self._next_id += 1
            self._entries.append(entry)
        return entry

    @property
    def entries(self) -> list[JournalEntry]:
        """A snapshot of every entry kept, oldest first."""
        with self._lock:
            return list(self._entries)

    def page(
        self, limit: int | None = None, *, before: int | None = None, after: int | None = None
    ) -> list[JournalEntry]:
        """The newest ``limit`` entries (all when None) with ``after < id < before``, oldest first: pass the first
        entry's id as the next call's ``before`` to page back through the journal."""
        entries = self.entries  # a copy: the lock is held only for that
        if not entries:
            return []
        first = entries[0].id  # ids in the ring are consecutive
        end = len(entries) if before is None else min(max(before - first, 0), len(entries))
        start = 0 if after is None else min(max(after + 1 - first, 0), end)
        if limit is not None:
            start = max(start, end - limit)
        return entries[start:end]

    def __iter__(self) -> Iterator[JournalEntry]:
        return iter(self.entries)

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)

    def calls(self, operation: str, *, status: int | None = None) -> list[JournalEntry]:
        """Entries for a vendor operation (``createApiKey``), optionally with one status."""
        return [e for e in self.entries if e.operation == operation and (status is None or e.status == status)]

    def assert_called(self, operation: str, *, times: int | None = None, status: int | None = 200) -> None:
        """Assert the operation succeeded (or answered ``status``; None for any) at least once, or ``times`` times."""
        matching = self.calls(operation, status=status)
        if (times is None and matching) or (times is not None and len(matching) == times):
            return
        wanted = "at least once" if times is None else f"{times} time{'s' if times != 1 else ''}"
        answered = f" answering {status}" if status is not None else ""
        raise AssertionError(
            f"expected {operation}{answered} {wanted}, got {len(matching)}.\n{self._context(operation)}"
        )

    def assert_not_called(self, operation: str) -> None:
        """Assert the operation was never requested, whatever it answered."""
        seen = self.calls(operation)
        if seen:
            lines = "\n".join(f"  {e.describe()}" for e in seen)
            raise AssertionError(f"expected no {operation}, got {len(seen)}:\n{lines}")

    def _context(self, operation: str) -> str:
        entries = self.entries
        if not entries:
            return "The mock received no requests."
        misses = [e for e in entries if e.operation == operation]
        lines = [f"  {e.operation or '(no operation)'}: {e.describe()}" for e in entries]
        text = "Requests received instead:\n" + "\n".join(lines)
        if misses:
            text = f"Nearest miss: {misses[-1].describe()}\n" + text
        return text
