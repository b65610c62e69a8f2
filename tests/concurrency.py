"""A live server for concurrency tests: a fresh backend behind uvicorn on loopback, a gate that holds every
request of a wave until all of them are inside the server (so they really overlap), and waves sent as parallel
connections from one ``httpx.AsyncClient``.

Each request carries an ``x-wave-tag`` header, which the journal keeps: the journal id of a tag is the order in
which the server ran that request."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx

from wacht_mock import Backend, Harness, Ids, LiveServer, VirtualClock, create_app, parse_seed
from wacht_mock.inprocess import WachtTransport
from wacht_mock.journal import JournalEntry

T0 = datetime(2026, 6, 12, 10, 20, 30, 123456, tzinfo=UTC)
SEED: dict[str, Any] = {"deployments": [{"id": 1, "plan": "growth"}]}
TAG = "x-wave-tag"
GATE_SECONDS = 10.0
"""How long the gate waits for a wave's last request (wall time, a bound on a wait that never runs out in a
passing run): a wave that does not all arrive is let through, and the test then fails on ``peak``."""


def counting_bytes() -> Callable[[int], bytes]:
    """A secret source that hands out 1, 2, 3, ... as big-endian bytes: two backends built alike issue the same
    secrets in the same order."""
    counter = itertools.count(1)
    return lambda n: next(counter).to_bytes(n, "big")


def fresh_backend(seed: int) -> Backend:
    """Deployment 1 (growth) on a frozen clock at ``T0``, ids from ``seed``, secrets from ``counting_bytes``."""
    return Backend(parse_seed(SEED), clock=VirtualClock(T0), ids=Ids(seed, token_bytes=counting_bytes()))


@dataclass(frozen=True, slots=True)
class Req:
    """One request of a wave (or of a set-up), as sent and as a replay sends it again."""

    method: str
    path: str
    json: Any = None
    tag: str = ""

    def send_kwargs(self) -> dict[str, Any]:
        """``httpx`` keyword arguments, the tag header included."""
        kwargs: dict[str, Any] = {"headers": {TAG: self.tag}}
        if self.json is not None:
            kwargs["json"] = self.json
        return kwargs


class Gate:
    """An ASGI layer that holds each request of an armed wave until ``expected`` of them have arrived, then lets
    them all through at once; ``peak`` is the most requests it held inside the server together."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.expected = 0
        self.arrived = 0
        self.in_flight = 0
        self.peak = 0
        self._open: asyncio.Event | None = None

    def arm(self, expected: int) -> None:
        """Hold the next ``expected`` requests (call it while the server is idle)."""
        self.expected, self.arrived, self.peak, self._open = expected, 0, 0, None

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or self.arrived >= self.expected:
            await self.app(scope, receive, send)
            return
        if self._open is None:
            self._open = asyncio.Event()
        opened = self._open
        self.arrived += 1
        self.in_flight += 1
        self.peak = max(self.peak, self.in_flight)
        if self.arrived >= self.expected:
            opened.set()
        try:
            try:
                await asyncio.wait_for(opened.wait(), GATE_SECONDS)
            except TimeoutError:
                pass
            await self.app(scope, receive, send)
        finally:
            self.in_flight -= 1


@dataclass
class Rig:
    """A fresh backend served over real HTTP through a ``Gate``."""

    seed: int
    harness: Harness = field(init=False)
    gate: Gate = field(init=False)
    server: LiveServer = field(init=False)
    _tags: Iterator[int] = field(init=False, default_factory=itertools.count)

    def __post_init__(self) -> None:
        self.harness = Harness(fresh_backend(self.seed))
        self.gate = Gate(create_app(self.harness))
        self.server = LiveServer(self.gate)

    @property
    def secret(self) -> str:
        """Deployment 1's backend secret."""
        return self.harness.backend.deployment(1).secret

    def tagged(self, method: str, path: str, json: Any = None) -> Req:
        """A request with a tag no other request of this rig has."""
        return Req(method, path, json, str(next(self._tags)))

    def client(self) -> httpx.Client:
        """A sync client over real HTTP, authenticated as deployment 1 (for set-up and reads)."""
        return httpx.Client(base_url=self.server.url, headers=auth(self.secret), timeout=30)

    def send(self, reqs: list[Req]) -> list[httpx.Response]:
        """Send ``reqs`` one after another."""
        with self.client() as client:
            return [client.request(r.method, r.path, **r.send_kwargs()) for r in reqs]

    def wave(self, reqs: list[Req]) -> list[httpx.Response]:
        """Send ``reqs`` all at once, each on its own connection, held at the gate until all are in the server;
        the answers in the order of ``reqs``. Asserts they really were all inside the server together."""
        self.gate.arm(len(reqs))
        answers = asyncio.run(_gathered(self.server.url, self.secret, reqs))
        assert self.gate.peak == len(reqs), f"only {self.gate.peak} of {len(reqs)} requests overlapped"
        return answers

    def journal_order(self, reqs: list[Req]) -> list[Req]:
        """``reqs`` in the order the server ran them (their journal ids)."""
        ids = self.journal_ids()
        return sorted(reqs, key=lambda r: ids[r.tag])

    def journal_ids(self) -> dict[str, int]:
        """Each tag's journal id."""
        return {tag: e.id for e in self.harness.journal.entries if (tag := _tag(e)) is not None}

    def stop(self) -> None:
        """Stop the server."""
        self.server.stop()


def auth(secret: str) -> dict[str, str]:
    """The backend API's authorization header."""
    return {"authorization": f"Bearer {secret}"}


def _tag(entry: JournalEntry) -> str | None:
    return dict(entry.headers).get(TAG)


async def _gathered(url: str, secret: str, reqs: list[Req]) -> list[httpx.Response]:
    limits = httpx.Limits(max_connections=len(reqs), max_keepalive_connections=len(reqs))
    async with httpx.AsyncClient(base_url=url, headers=auth(secret), limits=limits, timeout=30) as client:
        return list(await asyncio.gather(*(client.request(r.method, r.path, **r.send_kwargs()) for r in reqs)))


def in_process(backend: Backend) -> httpx.Client:
    """A sync client on a fresh app over ``backend``, in-process (for a replay)."""
    secret = backend.deployment(1).secret
    app = create_app(Harness(backend))
    return httpx.Client(transport=WachtTransport(app), base_url="http://replay", headers=auth(secret))


def error(status: int, message: str) -> dict[str, Any]:
    """Production's error body."""
    return {"errors": [{"message": message, "code": status}]}
