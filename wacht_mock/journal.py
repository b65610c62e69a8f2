"""The request journal: every vendor request with what was sent (method, path and query, headers, body), what it
answered (status, body), the rules that fired, and assertion helpers whose failures explain the nearest miss in
vendor terms.

A ring: it keeps the last ``size`` entries (10,000 by default), so a server that runs for days holds a bounded
amount. Each entry gets an ``id`` one above the previous one's, never reused by the same harness (a reset starts
a new journal that goes on counting), so a client paging backwards with ``before=<id>`` never sees an entry twice.

Secrets never reach it: credentials and anything shaped like a key secret are cut to prefix and suffix when an
entry is recorded (``wacht_mock.redact``), in the request and in the answer alike.
"""

from __future__ import annotations

import json as jsonlib
import threading
from collections import deque
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from itertools import islice
from typing import TYPE_CHECKING, Any

from .errors import UsageError
from .journal_match import NOT_GIVEN, check_query_matcher, json_differences, query_differences
from .rules import Firing

if TYPE_CHECKING:
    import httpx

DEFAULT_SIZE = 10_000
_RULE_RUNS_KEPT = 4096  # distinct runs of firings shared between entries (the table is cleared when full)


@dataclass(frozen=True, slots=True)
class JournalEntry:
    """One request the mock answered. ``path`` is the path as sent, without the query; ``url`` adds the query."""

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
    query: str = field(default="", compare=False)
    """The raw query string, without the ``?`` (secrets redacted)."""
    headers: tuple[tuple[str, str], ...] = field(default=(), compare=False)
    """The request headers as sent, names lowercase (credentials and secrets redacted)."""
    body: bytes = field(default=b"", compare=False)
    """The request body the operation read (empty when it reads none; secrets redacted)."""
    response_body: bytes = field(default=b"", compare=False)
    """The answer's body (empty for a dropped connection or HEAD; secrets redacted)."""
    response_type: str | None = field(default=None, compare=False)
    """The answer's ``Content-Type``."""
    origin: str = field(default="", compare=False)
    """``scheme://host`` the request was sent to, when known."""

    def numbered(self, id: int, rules: tuple[Firing, ...]) -> JournalEntry:
        """This entry as recorded: its id, and the journal's shared tuple of its rules (``dataclasses.replace``
        spelled out: it is on every request's path)."""
        return JournalEntry(
            self.operation,
            self.method,
            self.path,
            self.status,
            rules,
            self.message,
            self.fault,
            id,
            self.at,
            self.query,
            self.headers,
            self.body,
            self.response_body,
            self.response_type,
            self.origin,
        )

    @property
    def url(self) -> str:
        """The path with its query: ``/api-auth/apps?limit=2``."""
        return f"{self.path}?{self.query}" if self.query else self.path

    @property
    def json(self) -> Any:
        """The request body parsed as JSON; None when there is none or it is not JSON."""
        return _parse(self.body)

    @property
    def response_json(self) -> Any:
        """The answer's body parsed as JSON; None when there is none or it is not JSON (the gateway's plain text)."""
        return _parse(self.response_body)

    @property
    def request(self) -> httpx.Request:
        """The request as an ``httpx.Request`` (like respx's ``route.calls.last.request``): ``.method``, ``.url``
        (``.url.params``), ``.headers``, ``.content``; ``json.loads(request.content)`` for the body."""
        import httpx

        return httpx.Request(
            self.method,
            self.origin + self.url,
            headers=[(k.encode(), v.encode()) for k, v in self.headers],
            content=self.body,
        )

    @property
    def response(self) -> httpx.Response | None:
        """The answer as an ``httpx.Response`` (``.status_code``, ``.json()``, ``.text``); None (status 0) when the
        connection was dropped instead, or the client left before sending its whole request."""
        import httpx

        if self.status == 0:
            return None
        headers = [("content-type", self.response_type)] if self.response_type is not None else []
        return httpx.Response(self.status, headers=headers, content=self.response_body, request=self.request)

    @property
    def denied_by(self) -> str | None:
        """The rule whose deny side answered this request, if one did."""
        return next((f.rule_id for f in reversed(self.rules) if f.outcome == "deny"), None)

    def describe(self) -> str:
        """``POST /api-auth/apps/x/keys returned 404: API key app not found (rule apps.lookup.not_found)``."""
        text = f"{self.method} {self.url} returned {self.status}"
        if self.fault is not None:
            return f"{text}: injected fault {self.fault}"
        if self.message is not None:
            text += f": {self.message}"
        if self.denied_by is not None:
            text += f" (rule {self.denied_by})"
        return text

    def differences(
        self, *, status: int | None = None, json: Any = NOT_GIVEN, query: Mapping[str, Any] | None = None
    ) -> list[str]:
        """How this entry falls short of the matchers (``status``, ``json=`` and ``query=`` subsets, see
        ``wacht_mock.journal_match``): ``["json.name was 'a', expected 'b'"]``; empty when it matches."""
        found = [] if status is None or self.status == status else [f"status was {self.status}, expected {status}"]
        if json is not NOT_GIVEN:
            found += json_differences(self.json, json)
        if query is not None:
            found += query_differences(self.query, query)
        return found


def _parse(body: bytes) -> Any:
    if not body:
        return None
    try:
        return jsonlib.loads(body)
    except (ValueError, RecursionError):  # RecursionError: nesting deeper than the parser goes
        return None


class Journal:
    """The last ``size`` entries in arrival order; safe to read while a server thread appends. ``first_id`` is the
    id the first entry gets (a reset's new journal goes on from the old one's ``next_id``)."""

    def __init__(self, size: int = DEFAULT_SIZE, *, first_id: int = 1) -> None:
        if not isinstance(size, int) or isinstance(size, bool) or size < 1:
            raise UsageError(f"journal size must be a positive integer, got {size!r}")
        self._entries: deque[JournalEntry] = deque(maxlen=size)
        self._next_id = first_id
        self._lock = threading.Lock()
        # Requests of one kind fire the same rules: entries share one tuple of them instead of holding ~10 objects
        # each, which keeps a full ring small and cheap for the garbage collector to walk.
        self._rule_runs: dict[tuple[Firing, ...], tuple[Firing, ...]] = {}

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
            rules = self._rule_runs.get(entry.rules)
            if rules is None:
                if len(self._rule_runs) >= _RULE_RUNS_KEPT:
                    self._rule_runs.clear()
                rules = self._rule_runs[entry.rules] = entry.rules
            entry = entry.numbered(self._next_id, rules)
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
        with self._lock:  # only the page is copied: a poll for the newest few costs the same in a full ring
            entries = self._entries
            if not entries:
                return []
            first, count = entries[0].id, len(entries)  # ids in the ring are consecutive
            end = count if before is None else min(max(before - first, 0), count)
            start = 0 if after is None else min(max(after + 1 - first, 0), end)
            if limit is not None:
                start = max(start, end - limit)
            if start == 0 and end == count:
                return list(entries)
            if end - start <= count // 2:
                return [entries[i] for i in range(start, end)]
            return list(islice(entries, start, end))

    def __iter__(self) -> Iterator[JournalEntry]:
        return iter(self.entries)

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)

    def calls(
        self,
        operation: str,
        *,
        status: int | None = None,
        json: Any = NOT_GIVEN,
        query: Mapping[str, Any] | None = None,
    ) -> list[JournalEntry]:
        """Entries for a vendor operation (``createApiKey``), optionally only those that answered ``status`` and
        whose body or query match ``json=`` / ``query=`` (subsets, see ``wacht_mock.journal_match``). Each has
        ``.request`` and ``.response`` as respx's calls do. An unknown operation is a UsageError."""
        _check_operation(operation)
        check_query_matcher(query)
        return [
            e
            for e in self.entries
            if e.operation == operation and not e.differences(status=status, json=json, query=query)
        ]

    def last(
        self,
        operation: str,
        *,
        status: int | None = None,
        json: Any = NOT_GIVEN,
        query: Mapping[str, Any] | None = None,
    ) -> JournalEntry:
        """The newest entry ``calls`` gives: ``journal.last("createApiKey").request.url``. An AssertionError that
        says what was received instead when there is none."""
        found = self.calls(operation, status=status, json=json, query=query)
        if not found:
            raise AssertionError(f"no {operation} in the journal.\n{self._context(operation, status, json, query)}")
        return found[-1]

    def assert_called(
        self,
        operation: str,
        *,
        times: int | None = None,
        status: int | None = 200,
        json: Any = NOT_GIVEN,
        query: Mapping[str, Any] | None = None,
    ) -> None:
        """Assert the operation succeeded (or answered ``status``; None for any) at least once, or ``times`` times;
        with ``json=`` / ``query=``, only requests whose body or query contain those fields count. A failure names
        the nearest miss and the field that differed."""
        matching = self.calls(operation, status=status, json=json, query=query)
        if (times is None and matching) or (times is not None and len(matching) == times):
            return
        wanted = "at least once" if times is None else f"{times} time{'s' if times != 1 else ''}"
        answered = f" answering {status}" if status is not None else ""
        matched = _matchers_text(json, query)
        raise AssertionError(
            f"expected {operation}{answered}{matched} {wanted}, got {len(matching)}.\n"
            + self._context(operation, status, json, query)
        )

    def assert_not_called(self, operation: str) -> None:
        """Assert the operation was never requested, whatever it answered."""
        seen = self.calls(operation)
        if seen:
            lines = "\n".join(f"  {e.describe()}" for e in seen)
            raise AssertionError(f"expected no {operation}, got {len(seen)}:\n{lines}")

    def _context(self, operation: str, status: int | None, json: Any, query: Mapping[str, Any] | None) -> str:
        entries = self.entries
        if not entries:
            return "The mock received no requests."
        lines = [f"  {e.operation or '(no operation)'}: {e.describe()}" for e in entries]
        text = "Requests received instead:\n" + "\n".join(lines)
        misses = [e for e in entries if e.operation == operation]
        if not misses:
            return text
        if json is NOT_GIVEN and query is None:
            return f"Nearest miss: {misses[-1].describe()}\n" + text
        scored = [(len(e.differences(status=status, json=json, query=query)), -i, e) for i, e in enumerate(misses)]
        nearest = min(scored, key=lambda s: (s[0], s[1]))[2]
        fields = nearest.differences(json=json, query=query)
        described = nearest.describe()
        if fields:
            plain = nearest.message is None and nearest.fault is None
            described += (": " if plain else "; ") + ", ".join(fields)
        return f"Nearest miss: {described}\n" + text


def _matchers_text(json: Any, query: Mapping[str, Any] | None) -> str:
    parts = ([f"json={json!r}"] if json is not NOT_GIVEN else []) + ([f"query={dict(query)!r}"] if query else [])
    return f" with {' and '.join(parts)}" if parts else ""


def _check_operation(operation: object) -> None:
    from .faults import check_operation  # faults reaches the http layer, which imports this module

    check_operation(operation)
