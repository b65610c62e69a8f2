"""Invalid requests: each breaks exactly one named rule and carries production's answer.

Builders live beside the resource whose rules they break (``invalid_apps``, ``invalid_schemes``) and register
themselves with the rules they break (``breaks``); the JSON body rules, which any request with a body
can break, are here.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from hypothesis import strategies as st

from ..http.axum import JSON_CONTENT_TYPE, JSON_SHAPE, JSON_SYNTAX
from ..mock import WachtMock
from ..rules import Rule
from ..seed import Seed

# Importing these registers the app and scheme builders before the body ones below: ``invalid_requests``
# offers rules in registration order.
from .invalid_apps import create_app
from .invalid_schemes import create_scheme
from .registry import breaking, breaks, rule_ids
from .requests import NO_BODY, Expected, Scope, WachtRequest, scope_of
from .valid import create_app_bodies, names, rate_limit_rules, slugs


@breaks(JSON_CONTENT_TYPE)
@st.composite
def wrong_content_type(draw: st.DrawFn, scope: Scope, rule: Rule) -> WachtRequest:
    """A valid app sent without a JSON content type."""
    content_type = draw(st.sampled_from([None, "text/plain", "application/x-www-form-urlencoded", "json"]))
    return create_app(scope, draw(create_app_bodies()), Expected.of(rule), content_type=content_type)


@breaks(JSON_SYNTAX)
@st.composite
def malformed_json(draw: st.DrawFn, scope: Scope, rule: Rule) -> WachtRequest:
    """An app whose body is not JSON."""
    valid = json.dumps(draw(create_app_bodies()))
    # Data after a complete value is ignored by axum 0.8.1 (backend-behaviour.md §15.1), so it breaks nothing.
    raw = draw(
        st.sampled_from([valid[:-1], valid[:-1] + ",}", valid.replace(":", "=", 1), "", "{'a': 1}", "{" + valid])
    )
    return create_app(scope, NO_BODY, Expected.of(rule), raw=raw.encode())


@breaks(JSON_SHAPE)
@st.composite
def wrong_shape(draw: st.DrawFn, scope: Scope, rule: Rule) -> WachtRequest:
    """An app missing a required field, or with it null or of the wrong type."""
    body = draw(create_app_bodies())
    change = draw(st.sampled_from(["missing", "type", "null"]))
    required = draw(st.sampled_from(["app_slug", "name", "key_prefix"]))
    if change == "missing":
        del body[required]
    else:
        body[required] = None if change == "null" else draw(st.integers() | st.booleans() | st.just([]))
    return create_app(scope, body, Expected.of(rule))


@breaks(JSON_SHAPE)
@st.composite
def unknown_enum(draw: st.DrawFn, scope: Scope, rule: Rule) -> WachtRequest:
    """A scheme with a limit whose unit is not one of the enum's."""
    limit = {**draw(rate_limit_rules()), "unit": draw(st.sampled_from(["week", "year", "Minute", "MINUTE", ""]))}
    return create_scheme(scope, {"slug": draw(slugs), "name": draw(names), "rules": [limit]}, Expected.of(rule))


INVALID_RULES: tuple[str, ...] = tuple(sorted(rule_ids()))


def invalid_requests(
    source: WachtMock | Seed | Mapping[str, Any] | None = None, *, rule: str | None = None
) -> st.SearchStrategy[WachtRequest]:
    """Requests that break exactly one rule (``rule``, one of ``INVALID_RULES``; any when None), each with
    production's answer in ``expected``. Rules the seed cannot provide for are left out (or, when asked for by
    id, refused with the reason)."""
    scope = scope_of(source)
    if rule is not None:
        if rule not in INVALID_RULES:
            raise ValueError(f"no invalid strategy for rule {rule!r}; known: {', '.join(INVALID_RULES)}")
        built = breaking(rule, scope)
        if built is None:
            raise ValueError(f"the seed cannot break {rule!r}: it lacks the users, organizations or plans it needs")
        return built
    available = [s for s in (breaking(r, scope) for r in rule_ids()) if s is not None]
    return st.one_of(available)
