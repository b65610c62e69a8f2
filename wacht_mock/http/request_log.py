"""The request log ``wacht-mock serve`` prints: one line per request, as its answer leaves.

``POST /api-auth/apps 403 createApiAuthApp denied: apps.create.requires_growth_plan 1.4ms`` — method, path (never
the query, which may carry a token), status, the operation (``-`` for the control plane or an unknown path), the
rules whose deny side fired, an injected fault, and the milliseconds the app took. A wrapper around the app: it
reads the journal entry the pipeline leaves in the scope and is not threaded through the pipeline.

Lines go out through a ``LineWriter``: a request never waits on stdout. When nobody reads it (a pipe left unread
by the process that started the server), lines are dropped and counted, instead of the server stalling.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable
from typing import TextIO

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..journal import JournalEntry
from .app import JOURNAL_SCOPE_KEY, raw_path


def log_line(method: str, path: str, status: int, entry: JournalEntry | None, ms: float) -> str:
    """One line of the request log (see the module docstring)."""
    operation = entry.operation if entry is not None else None
    parts = [method, path, str(status), operation or "-"]
    if entry is not None:
        denied = [f.rule_id for f in entry.rules if f.outcome == "deny"]
        if denied:
            parts.append("denied: " + ", ".join(denied))
        if entry.fault is not None:
            parts.append(f"fault: {entry.fault}")
    parts.append(f"{ms:.1f}ms")
    return " ".join(parts)


class RequestLog:
    """ASGI middleware calling ``write`` with one log line per HTTP request; ``timer`` measures the time taken."""

    def __init__(
        self, app: ASGIApp, write: Callable[[str], None], *, timer: Callable[[], float] = time.perf_counter
    ) -> None:
        self.app = app
        self.write = write
        self.timer = timer

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = self.timer()
        status = 0

        async def send_noting_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_noting_status)
        finally:
            entry = scope.get(JOURNAL_SCOPE_KEY)
            if entry is not None:
                status = entry.status  # a dropped connection is status 0 there, whatever was started
            ms = (self.timer() - start) * 1000
            self.write(log_line(scope["method"], raw_path(scope), status, entry, ms))


class LineWriter:
    """Writes lines to ``stream`` from its own thread; ``write`` never blocks (past ``backlog`` waiting lines, it
    drops them and says how many once the stream takes lines again). ``close`` writes what is queued."""

    def __init__(self, stream: TextIO, *, backlog: int = 10_000) -> None:
        self.stream = stream
        self._lines: queue.Queue[str | None] = queue.Queue(backlog)
        self._dropped = 0
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name="wacht-mock request log", daemon=True)
        self._thread.start()

    def write(self, line: str) -> None:
        """Queue one line."""
        try:
            self._lines.put_nowait(line)
        except queue.Full:
            with self._lock:
                self._dropped += 1

    def close(self, timeout: float = 5.0) -> None:
        """Write the queued lines (waiting ``timeout`` seconds at most) and stop."""
        try:
            self._lines.put(None, timeout=timeout)
        except queue.Full:
            return
        self._thread.join(timeout)

    def _run(self) -> None:
        while (line := self._lines.get()) is not None:
            with self._lock:
                dropped, self._dropped = self._dropped, 0
            try:
                if dropped:
                    self.stream.write(f"wacht-mock: {dropped} request log lines dropped (stdout was not read)\n")
                self.stream.write(line + "\n")
                self.stream.flush()
            except (OSError, ValueError):  # stdout closed: the log has nowhere to go, the server goes on
                return
