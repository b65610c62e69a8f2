"""Named vendor rules.

Every behaviour of the real backend that a test can observe has a stable id (``apps.create.requires_growth_plan``),
the source it was read from, and, for checks, the status and message production answers when it is broken.
A rule is declared once, beside the code where it fires; checking it records which side (allow or deny) was
taken, so journals and coverage reports can name the rules a request exercised.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Literal, NamedTuple, NoReturn, TypeVar

from .errors import VendorError

Outcome = Literal["allow", "deny", "applied"]
_T = TypeVar("_T")


class Firing(NamedTuple):
    """One rule taking one side during one request. A named tuple, not a dataclass: the journal interns each
    request's run of firings by value, and a tuple's hash is computed in C."""

    rule_id: str
    outcome: Outcome


_current: ContextVar[list[Firing] | None] = ContextVar("wacht_mock_rule_firings", default=None)
FiringsObserver = Callable[[Sequence[Firing]], None]
_observer: ContextVar[FiringsObserver | None] = ContextVar("wacht_mock_firings_observer", default=None)


@dataclass(frozen=True, slots=True)
class Rule:
    """A vendor rule. Checks have a status and a message (``{name}`` fields are filled at fire time).

    ``only`` names the one side that can ever happen: ``"allow"`` for a check production makes but that never
    fails (an earlier check always fails first), ``"deny"`` for one that never passes in the mock; coverage
    reports expect just that side. ``decision=True`` marks a rule whose deny side is answered as data
    (``decide``) rather than raised, such as a gateway denial.
    """

    id: str
    source: str
    status: int | None = None
    message: str | None = None
    only: Literal["allow", "deny"] | None = None
    decision: bool = False
    _firings: tuple[Firing, Firing, Firing] = field(init=False, repr=False, compare=False)
    """This rule's three possible firings (allow, deny, applied), built once: a request records several."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "_firings", _sides(self.id))

    @property
    def sides(self) -> tuple[Outcome, ...]:
        """What coverage expects to see: both sides of a check or a decision, ``applied`` for a behaviour."""
        if self.status is not None or self.decision:
            return (self.only,) if self.only is not None else ("allow", "deny")
        return ("applied",)

    def check(self, ok: bool, **fields: object) -> None:
        """Record the side taken; raise the vendor error when ``ok`` is false."""
        if not ok:
            self.deny(**fields)
        self.allow()

    def found(self, value: _T | None, **fields: object) -> _T:
        """A lookup that must have found something: return it, or raise the vendor error."""
        if value is None:
            self.deny(**fields)
        self.allow()
        return value

    def decide(self, ok: bool) -> bool:
        """Record the side taken without raising, for denials answered as data (a gateway decision)."""
        _record(self._firings[0 if ok else 1])
        return ok

    def allow(self) -> None:
        """Record the allow side (where the deny side is raised from an ``except`` clause)."""
        _record(self._firings[0])

    def deny(self, **fields: object) -> NoReturn:
        """Record the deny side and raise the vendor error."""
        _record(self._firings[1])
        assert self.status is not None and self.message is not None, self.id
        raise VendorError(self.status, self.message.format(**fields), self.id)

    def applied(self) -> None:
        """Record that a behaviour rule (one with no deny side) shaped the answer."""
        _record(self._firings[2])


_registry: dict[str, Rule] = {}


def rule(
    rule_id: str,
    source: str,
    status: int | None = None,
    message: str | None = None,
    *,
    only: Literal["allow", "deny"] | None = None,
    decision: bool = False,
) -> Rule:
    """Declare a rule; ids are unique across the package."""
    if rule_id in _registry:
        raise ValueError(f"rule {rule_id} declared twice")
    declared = Rule(rule_id, source, status, message, only, decision)
    _registry[rule_id] = declared
    return declared


def _sides(rule_id: str) -> tuple[Firing, Firing, Firing]:
    return Firing(rule_id, "allow"), Firing(rule_id, "deny"), Firing(rule_id, "applied")


def all_rules() -> list[Rule]:
    """Every declared rule, sorted by id."""
    return sorted(_registry.values(), key=lambda r: r.id)


def _record(firing: Firing) -> None:
    firings = _current.get()
    if firings is not None:
        firings.append(firing)


@contextmanager
def recording() -> Iterator[list[Firing]]:
    """Collect the rules fired inside the block (per thread and per task); then hand them to the observer."""
    firings: list[Firing] = []
    token = _current.set(firings)
    try:
        yield firings
    finally:
        _current.reset(token)
        observer = _observer.get()
        if observer is not None:
            observer(tuple(firings))


@contextmanager
def observing(observer: FiringsObserver) -> Iterator[None]:
    """Inside the block, every request any mock answers in this context (and in tasks started from it) hands its
    rule firings to ``observer``: the pytest plugin's coverage sees mocks it did not build (Hypothesis strategies,
    the state machine). A context variable, not a module-level list: it holds nothing once the block ends, nested
    blocks (a pytester run inside a test) each see their own, and threads started elsewhere are unaffected."""
    token = _observer.set(observer)
    try:
        yield
    finally:
        _observer.reset(token)
