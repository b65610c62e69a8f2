"""Injected faults: what a flaky network or a flaky Wacht does to a client, on purpose and replayably.

Each fault targets one vendor operation (or every one), fires for its first ``count`` matching requests, or with
probability ``ratio`` drawn from its own seeded generator, or (given neither) for every matching request until it
is removed, and is one of:

* ``error`` — answer ``status`` in the vendor envelope (the message production's normaliser would write);
* ``latency`` — wait ``latency_ms`` of real time, then answer normally (in-process, a client whose read timeout
  comes first gets ``httpx.ReadTimeout`` when it runs out, as over a socket; see ``Waiting``);
* ``drop`` — close the connection before any answer;
* ``lost_response`` — do the work (the write commits, a secret is issued) and then drop the connection: the
  one-time-secret hazard of ``createApiKey`` and ``rotateApiKeyForApp``.

A fault whose ``count`` is used up is spent and leaves the active list. Each fault gets an ``id`` when added,
never reused by the same harness, so one can be removed by it.
"""

from __future__ import annotations

import asyncio
import math
import random
import threading
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal, NoReturn, get_args

from starlette.responses import Response
from starlette.types import Message, Receive, Send

from .errors import UsageError
from .http.axum import normaliser_message
from .http.responses import Answer, error_response

FaultKind = Literal["error", "latency", "drop", "lost_response"]
KINDS: tuple[FaultKind, ...] = get_args(FaultKind)
MAX_LATENCY_MS = 60_000
"""A latency fault holds its request (and, in-process, the caller's thread) for at most a minute."""


@dataclass
class Fault:
    """One fault rule; see the module docstring."""

    kind: FaultKind
    operation: str | None = None
    status: int = 500
    message: str | None = None
    latency_ms: int = 0
    count: int | None = None
    ratio: float | None = None
    seed: int = 0
    fired: int = 0
    id: int = field(default=0, init=False)
    """Given by ``Faults.add`` (from 1); 0 until then."""
    _rng: random.Random = field(init=False, repr=False)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise UsageError(f"fault kind must be one of {', '.join(KINDS)}, got {self.kind!r}")
        if self.count is not None and self.ratio is not None:
            raise UsageError(
                "a fault takes count (first N requests) or ratio (0..1), not both; neither fires it for every"
                " matching request until it is removed"
            )
        if self.count is not None and (not _is_int(self.count) or self.count < 0):
            raise UsageError(f"fault count must be a non-negative integer, got {self.count!r}")
        if self.ratio is not None and (not _is_number(self.ratio) or not 0 <= self.ratio <= 1):
            raise UsageError(f"fault ratio must be between 0 and 1, got {self.ratio!r}")
        if self.kind == "error" and (not _is_int(self.status) or not 400 <= self.status <= 599):
            raise UsageError(f"an error fault's status must be 400-599, got {self.status!r}")
        if self.kind == "latency" and (not _is_number(self.latency_ms) or not self.latency_ms > 0):
            raise UsageError(f"a latency fault needs latency_ms > 0, got {self.latency_ms!r}")
        if self.kind == "latency" and self.latency_ms > MAX_LATENCY_MS:
            raise UsageError(
                f"a latency fault's latency_ms is at most {MAX_LATENCY_MS} (a minute), got {self.latency_ms!r}"
            )
        if self.message is not None and not isinstance(self.message, str):
            raise UsageError(f"a fault's message must be a string, got {self.message!r}")
        if self.operation is not None:
            check_operation(self.operation)
        self._rng = random.Random(self.seed)

    def matches(self, operation: str | None) -> bool:
        """Whether this fault fires for the next request to ``operation`` (consumes a count or a draw)."""
        if self.operation is not None and self.operation != operation:
            return False
        if self.count is not None:
            if self.fired >= self.count:
                return False
        elif self.ratio is not None and self._rng.random() >= self.ratio:
            return False
        self.fired += 1
        return True

    @property
    def remaining(self) -> int | None:
        """How many more requests a ``count`` fault answers (None for a ``ratio`` fault)."""
        return None if self.count is None else max(self.count - self.fired, 0)

    @property
    def spent(self) -> bool:
        """A ``count`` fault that has fired its last time."""
        return self.remaining == 0

    @property
    def text(self) -> str:
        """A short name for journals: ``error 503``, ``latency 200ms``, ``drop``, ``lost_response``."""
        if self.kind == "error":
            return f"error {self.status}"
        if self.kind == "latency":
            return f"latency {self.latency_ms}ms"
        return self.kind

    @classmethod
    def from_json(cls, body: Any) -> Fault:
        """A fault from the control plane's JSON (the same field names); UsageError names what is wrong."""
        if not isinstance(body, dict):
            raise UsageError("a fault is a JSON object")
        allowed = {"kind", "operation", "status", "message", "latency_ms", "count", "ratio", "seed"}
        unknown = sorted(set(body) - allowed)
        if unknown:
            raise UsageError(f"unknown fault field {unknown[0]!r}; fields are {', '.join(sorted(allowed))}")
        if "kind" not in body:
            raise UsageError("a fault needs a kind: " + ", ".join(KINDS))
        try:
            return cls(**body)
        except TypeError as exc:
            raise UsageError(f"bad fault: {exc}") from None


def _is_int(value: object) -> bool:
    """An int, but not a bool (JSON's true is no count)."""
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: object) -> bool:
    """A finite int or float, but not a bool."""
    if isinstance(value, float):
        return math.isfinite(value)
    return isinstance(value, int) and not isinstance(value, bool)


def operation_names() -> list[str]:
    """Every operationId a fault can target, sorted (the backend API's and the gateway's)."""
    from .http import app  # noqa: F401  (importing the app declares every operation)
    from .http.operations import routes

    return sorted({op.name for route in routes() for op in route.operations.values()})


def check_operation(name: object) -> None:
    """Refuse a name that is not an operationId, with a "did you mean" when one is close, and the list."""
    names = operation_names()
    if isinstance(name, str) and name in names:
        return
    import difflib  # here: only a misspelt name needs it

    close = difflib.get_close_matches(name, names, n=1) if isinstance(name, str) else []
    hint = f" (did you mean {close[0]}?)" if close else ""
    raise UsageError(f"unknown operation {name!r}{hint}; operations are: {', '.join(names)}")


class Faults:
    """The active faults of one mock, checked in the order they were added. ``first_id`` is the id the first one
    gets (a reset's new list goes on from the old one's ``next_id``)."""

    def __init__(self, *, first_id: int = 1) -> None:
        self._faults: list[Fault] = []
        self._next_id = first_id
        self._lock = threading.Lock()

    @property
    def next_id(self) -> int:
        """The id the next added fault gets."""
        return self._next_id

    def fresh(self) -> Faults:
        """A new, empty list whose ids go on from this one's."""
        return Faults(first_id=self._next_id)

    def add(self, fault: Fault) -> Fault:
        """Activate a fault and give it its id; returns it (its ``fired`` counter shows how often it fired). A
        fault with ``count=0`` is spent from the start and never listed."""
        with self._lock:
            fault.id = self._next_id
            self._next_id += 1
            if not fault.spent:
                self._faults.append(fault)
        return fault

    def remove(self, fault_id: int) -> Fault | None:
        """Remove the active fault with this id; returns it, or None when no active fault has it."""
        with self._lock:
            found = next((f for f in self._faults if f.id == fault_id), None)
            if found is not None:
                self._faults.remove(found)
            return found

    def clear(self) -> None:
        """Remove every fault."""
        with self._lock:
            self._faults.clear()

    @property
    def active(self) -> list[Fault]:
        """The active faults, in the order they are checked (a copy)."""
        with self._lock:
            return list(self._faults)

    def pick(self, operation: str | None) -> Fault | None:
        """The first fault that fires for this request, if any; a fault that fired its last time leaves the list."""
        with self._lock:
            fault = next((f for f in self._faults if f.matches(operation)), None)
            if fault is not None and fault.spent:
                self._faults.remove(fault)
            return fault

    def __len__(self) -> int:
        with self._lock:
            return len(self._faults)


class ConnectionDropped(Exception):
    """Raised from the ASGI app after the response started: transports see the connection close mid-answer."""


BLOCKING_SCOPE_KEY = "wacht_mock.blocking"  # set by the in-process bridge (a Waiting): sleep without awaiting


@dataclass(slots=True)
class Waiting:
    """How a latency fault waits in one request. A server awaits the whole latency. In-process (``blocking``) the
    caller's thread sleeps, but no longer than the client's ``read_timeout`` would let it wait: then ``gave_up``
    is set, the request is still answered (its effect applied and journaled, as a server finishing it after the
    client left would) and the in-process bridge raises ``httpx.ReadTimeout`` instead of returning the answer."""

    blocking: bool = False
    read_timeout: float | None = None
    gave_up: bool = False

    @classmethod
    def of(cls, scope: Mapping[str, Any]) -> Waiting:
        """The scope's Waiting (the in-process bridge sets one); a plain ``True`` there means blocking."""
        found = scope.get(BLOCKING_SCOPE_KEY)
        return found if isinstance(found, Waiting) else cls(blocking=bool(found))

    async def sleep(self, seconds: float) -> None:
        """Wait ``seconds``, or only until the client gives up when that comes first (in-process)."""
        if not self.blocking:
            await asyncio.sleep(seconds)
            return
        if self.read_timeout is not None and seconds > self.read_timeout:
            self.gave_up = True
            seconds = self.read_timeout
        time.sleep(seconds)


class HeldBody:
    """A request's ``receive`` that can take the body in before a latency fault waits (up to ``limit`` bytes and
    one more), so a client that gives up meanwhile does not take the body with it: the server then finishes the
    request, as one whose client left would, instead of failing on a disconnect."""

    def __init__(self, receive: Receive, limit: int) -> None:
        self._receive = receive
        self._limit = limit
        self._held: list[Message] = []

    async def hold(self) -> None:
        """Read the body now (what ``receive`` gives next)."""
        size = 0
        while size <= self._limit:
            message = await self._receive()
            self._held.append(message)
            size += len(message.get("body", b""))
            if message["type"] != "http.request" or not message.get("more_body", False):
                return

    async def receive(self) -> Message:
        """The held messages first, then the connection's."""
        return self._held.pop(0) if self._held else await self._receive()


async def inject(
    faults: Faults,
    operation: str | None,
    waiting: Waiting,
    answer: Callable[[], Awaitable[Answer]],
    body: HeldBody | None = None,
) -> Answer:
    """Answer a request through the first fault that fires for it, if any: ``answer()`` is the pipeline."""
    fault = faults.pick(operation) if len(faults) else None
    if fault is None:
        return await answer()
    if fault.kind == "latency":
        if body is not None:
            await body.hold()
        await waiting.sleep(fault.latency_ms / 1000)
        return await answer()
    if fault.kind == "error":
        response = error_response(fault.status, fault.message or normaliser_message(fault.status))
        return Answer(response, operation, fault=fault.text)
    if fault.kind == "drop":
        return Answer(Response(status_code=500), operation, fault=fault.text, dropped=True)
    return replace(await answer(), fault=fault.text, dropped=True)


async def drop(send: Send) -> NoReturn:
    """Start an answer that promises a body, then stop: the client sees the connection close mid-response."""
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"1")]})
    raise ConnectionDropped
