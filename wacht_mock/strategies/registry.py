"""Which requests break which rule: invalid-request builders, registered by the rules they break."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from hypothesis import strategies as st

from ..rules import Rule
from .requests import Scope, WachtRequest

Builder = Callable[[Scope, Rule], st.SearchStrategy[WachtRequest] | None]
_B = TypeVar("_B", bound=Builder)

_builders: dict[str, tuple[Rule, list[Builder]]] = {}


def breaks(*rules: Rule) -> Callable[[_B], _B]:
    """Register a builder as breaking each of ``rules``.

    A builder takes the scope and the rule to break, and returns a strategy of requests that break that rule
    alone, or None when the scope cannot provide for it. A rule with several builders draws from all of them.
    """

    def register(builder: _B) -> _B:
        for rule in rules:
            _builders.setdefault(rule.id, (rule, []))[1].append(builder)
        return builder

    return register


def rule_ids() -> list[str]:
    """The ids of the rules some builder breaks, in the order they were first registered."""
    return list(_builders)


def breaking(rule_id: str, scope: Scope) -> st.SearchStrategy[WachtRequest] | None:
    """Requests breaking the rule in the scope, from each of its builders that can; None when none can."""
    rule, builders = _builders[rule_id]
    made = [s for s in (build(scope, rule) for build in builders) if s is not None]
    return st.one_of(made) if made else None
