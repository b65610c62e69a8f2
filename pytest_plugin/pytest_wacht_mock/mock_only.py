"""Telling, before a test runs, that it needs wacht-mock: against a real deployment it is then skipped up front,
before any fixture or line of it has done work there.

A test needs the mock when it (or a nested function of it, or a fixture of its own that takes the handle) reads
a mock-only member straight off the handle fixture: ``wacht_mock.advance(...)``, ``wacht_server.mock``,
``wacht_mock.journal.assert_called(...)``. The bytecode says so without running anything. What it cannot see
(the handle passed to a helper function, or kept under another name) is still refused when it is used, which
skips the test then, after its cleanup.
"""

from __future__ import annotations

import dis
import inspect
from collections.abc import Collection, Iterator
from types import CodeType
from typing import Any

import pytest

HANDLE_FIXTURES = frozenset({"wacht_mock", "wacht_server"})
"""The fixtures that give the test a handle (whose mock-only members refuse against a real deployment)."""
WACHT_FIXTURES = HANDLE_FIXTURES | {"wacht_client"}
"""The fixtures that reach the target: a test using none of them is never skipped for it."""

# the instructions that push a local or a closure variable (3.11 to 3.14), and the ones that read an attribute
_LOADS = frozenset(
    {
        "LOAD_FAST",
        "LOAD_FAST_CHECK",
        "LOAD_FAST_BORROW",
        "LOAD_DEREF",
        "LOAD_CLOSURE",
        "LOAD_FAST_LOAD_FAST",
        "LOAD_FAST_BORROW_LOAD_FAST_BORROW",
    }
)
_ATTRIBUTES = frozenset({"LOAD_ATTR", "LOAD_METHOD"})


def members_used(code: CodeType, handles: Collection[str] = HANDLE_FIXTURES) -> Iterator[str]:
    """The attributes read straight off a variable named in ``handles``, in ``code`` and its nested code."""
    loaded: str | None = None
    for instruction in dis.get_instructions(code):
        if instruction.opname in _ATTRIBUTES and loaded in handles:
            yield str(instruction.argval)
        loaded = None
        if instruction.opname in _LOADS:
            value: Any = instruction.argval
            loaded = str(value[-1] if isinstance(value, tuple) else value)  # a pair of loads: the last is on top
    for constant in code.co_consts:
        if isinstance(constant, CodeType):
            yield from members_used(constant, handles)


def _code(function: object) -> CodeType | None:
    code = getattr(inspect.unwrap(function), "__code__", None) if callable(function) else None
    return code if isinstance(code, CodeType) else None


def _functions(item: pytest.Item) -> Iterator[tuple[str | None, CodeType]]:
    """The test function, then each fixture of its closure that takes a handle and is not this plugin's."""
    code = _code(getattr(item, "function", None))
    if code is not None:
        yield None, code
    info = getattr(item, "_fixtureinfo", None)  # pytest keeps the closure's definitions there, and nowhere public
    for name, definitions in (getattr(info, "name2fixturedefs", None) or {}).items():
        for definition in definitions:
            func = getattr(definition, "func", None)
            takes = set(getattr(definition, "argnames", ()))
            if getattr(func, "__module__", "").startswith("pytest_wacht_mock") or not takes & HANDLE_FIXTURES:
                continue
            code = _code(func)
            if code is not None:
                yield name, code


def first_mock_only_use(item: pytest.Item, mock_only: Collection[str]) -> tuple[str, str | None] | None:
    """The first mock-only member the test (or one of its fixtures, named) reads off a handle, or ``None``."""
    for fixture, code in _functions(item):
        for member in members_used(code):
            if member in mock_only:
                return member, fixture
    return None
