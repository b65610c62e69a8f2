"""The request journal: every vendor request with its operation, status and the rules that fired, and
assertion helpers whose failures explain the nearest miss in vendor terms."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass

from .rules import Firing


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
    """Entries in arrival order; safe to read while a server thread appends."""

    def __init__(self) -> None:
        self._entries: list[JournalEntry] = []
        self._lock = threading.Lock()

    def record(self, entry: JournalEntry) -> None:
        """Append one entry."""
        with self._lock:
            self._entries.append(entry)

    @property
    def entries(self) -> list[JournalEntry]:
        """A snapshot of every entry."""
        with self._lock:
            return list(self._entries)

    def __iter__(self) -> Iterator[JournalEntry]:
        return iter(self.entries)

    def __len__(self) -> int:
        return len(self.entries)

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
