"""Invalid rate-limit scheme requests: each breaks one rule of schemes or of their limits."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from ..domain import rate_limit_schemes as scheme_rules
from ..models import UNITS
from ..rules import Rule
from .registry import breaks
from .requests import OK, SCHEMES, Expected, Scope, WachtRequest
from .valid import create_scheme_bodies, names, rate_limit_rules, slugs


def create_scheme(scope: Scope, body: Any, expected: Expected = OK, **fields: Any) -> WachtRequest:
    """A ``createRateLimitScheme`` request by the growth deployment."""
    return WachtRequest(
        "createRateLimitScheme", "POST", SCHEMES, scope.growth_secret, body, expected=expected, **fields
    )


_blank = st.text(" \t\n", max_size=3)


@breaks(scheme_rules.SLUG_REQUIRED, scheme_rules.NAME_REQUIRED)
@st.composite
def blank_slug_or_name(draw: st.DrawFn, scope: Scope, rule: Rule) -> WachtRequest:
    """A new scheme with a blank slug (for ``SLUG_REQUIRED``) or a blank name (for ``NAME_REQUIRED``)."""
    body = {"slug": draw(slugs), "name": draw(names), "rules": [draw(rate_limit_rules())]}
    body["slug" if rule == scheme_rules.SLUG_REQUIRED else "name"] = draw(_blank)
    return create_scheme(scope, body, Expected.of(rule))


@breaks(scheme_rules.SLUG_UNIQUE)
@st.composite
def duplicate_scheme(draw: st.DrawFn, scope: Scope, rule: Rule) -> WachtRequest:
    """A scheme whose slug another scheme already has."""
    first = draw(create_scheme_bodies())
    again = {**draw(create_scheme_bodies()), "slug": first["slug"]}
    return create_scheme(scope, again, Expected.of(rule, slug=first["slug"]), setup=(create_scheme(scope, first),))


@breaks(scheme_rules.NAME_NOT_EMPTY)
@st.composite
def blank_name_update(draw: st.DrawFn, scope: Scope, rule: Rule) -> WachtRequest:
    """A blank new name for an existing scheme."""
    created = draw(create_scheme_bodies())
    return WachtRequest(
        "updateRateLimitScheme",
        "PATCH",
        f"{SCHEMES}/{created['slug']}",
        scope.growth_secret,
        {"name": draw(_blank)},
        setup=(create_scheme(scope, created),),
        expected=Expected.of(rule),
    )


@breaks(scheme_rules.AT_LEAST_ONE_RULE)
@st.composite
def no_limits(draw: st.DrawFn, scope: Scope, rule: Rule) -> WachtRequest:
    """A new scheme with an empty list of limits."""
    return create_scheme(scope, {"slug": draw(slugs), "name": draw(names), "rules": []}, Expected.of(rule))


# A scheme's limits


def _limit(unit: str, durations: st.SearchStrategy[int]) -> st.SearchStrategy[dict[str, Any]]:
    return st.builds(lambda d, m: {"unit": unit, "duration": d, "max_requests": m}, durations, st.integers(1, 100))


_I32_MAX = 2**31 - 1
_BAD_LIMITS: dict[Rule, st.SearchStrategy[dict[str, Any]]] = {
    scheme_rules.DURATION_POSITIVE: st.builds(
        lambda u, d, m: {"unit": u, "duration": d, "max_requests": m},
        st.sampled_from(UNITS),
        st.integers(-(2**31), 0),
        st.integers(-(2**31), _I32_MAX),
    ),
    scheme_rules.MAX_REQUESTS_POSITIVE: rate_limit_rules().flatmap(
        lambda r: st.integers(-(2**31), 0).map(lambda m: {**r, "max_requests": m})
    ),
    scheme_rules.WINDOW_AT_MOST_30_DAYS: st.one_of(
        _limit("second", st.integers(2_592_001, _I32_MAX)),
        _limit("minute", st.integers(43_201, _I32_MAX)),
        _limit("hour", st.integers(721, _I32_MAX)),
        _limit("day", st.integers(31, _I32_MAX)),
        _limit("calendar_day", st.integers(31, _I32_MAX)),
        _limit("month", st.integers(2, _I32_MAX)),
        _limit("calendar_month", st.integers(2, _I32_MAX)),
    ),
    scheme_rules.unit_bound("millisecond"): _limit("millisecond", st.integers(60_001, _I32_MAX)),
    scheme_rules.unit_bound("second"): _limit("second", st.integers(1801, 2_592_000)),
    scheme_rules.unit_bound("minute"): _limit("minute", st.integers(1441, 43_200)),
    scheme_rules.unit_bound("calendar_day"): _limit("calendar_day", st.integers(2, 30)),
}


@breaks(*_BAD_LIMITS)
@st.composite
def scheme_with_bad_limit(draw: st.DrawFn, scope: Scope, rule: Rule) -> WachtRequest:
    """A new scheme whose limits are valid but for the last, which breaks ``rule``."""
    limits = [*draw(st.lists(rate_limit_rules(), max_size=2)), draw(_BAD_LIMITS[rule])]
    return create_scheme(scope, {"slug": draw(slugs), "name": draw(names), "rules": limits}, Expected.of(rule))
