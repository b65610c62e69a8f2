"""Hypothesis strategies that know Wacht's rules (import this module explicitly; it needs Hypothesis).

Valid strategies generate requests production accepts, respecting the cross-field rules (a ``user_id`` never
beside ``permissions``/``resources``, rule durations within their unit's bounds, scope ids that exist in the
seed). Invalid strategies break exactly one named rule and carry the answer production gives: status and exact
message. Every strategy yields a ``WachtRequest``: ``request.send(client)`` sends it (after its set-up requests)
through any httpx client whose base URL is the backend API (``await request.asend(async_client)`` for an
``httpx.AsyncClient``), and ``request.check(response)`` asserts the expected outcome, ``request.expected``.

Strategies that need state take a source: a ``WachtMock``, a ``Seed`` or a seed mapping (users, organizations,
workspaces and memberships are read from it; secrets authenticate each request).
"""

from __future__ import annotations

from hypothesis import strategies as st

from ..models import (
    CreateApiAuthAppRequest,
    CreateApiKeyRequest,
    CreateRateLimitSchemeRequest,
    RevokeApiKeyRequest,
    UpdateApiAuthAppRequest,
    UpdateRateLimitSchemeRequest,
)
from .invalid import INVALID_RULES, invalid_requests
from .requests import KEY_ID, NO_BODY, OK, SECRET, Expected, Found, Scope, WachtRequest, scope_of
from .valid import (
    create_app_bodies,
    create_app_requests,
    create_key_bodies,
    create_scheme_bodies,
    json_values,
    names,
    permission_lists,
    prefixes,
    rate_limit_rules,
    slugs,
    valid_requests,
)

__all__ = [
    "INVALID_RULES",
    "KEY_ID",
    "NO_BODY",
    "OK",
    "SECRET",
    "Expected",
    "Found",
    "Scope",
    "WachtRequest",
    "create_app_bodies",
    "create_app_requests",
    "create_key_bodies",
    "create_scheme_bodies",
    "invalid_requests",
    "json_values",
    "names",
    "permission_lists",
    "prefixes",
    "rate_limit_rules",
    "scope_of",
    "slugs",
    "valid_requests",
]


def _register_types() -> None:
    """Make ``st.from_type`` produce valid instances of the public request models."""
    st.register_type_strategy(CreateApiAuthAppRequest, create_app_bodies().map(CreateApiAuthAppRequest.model_validate))
    st.register_type_strategy(
        UpdateApiAuthAppRequest,
        st.fixed_dictionaries(
            {}, optional={"name": names, "is_active": st.booleans(), "permissions": permission_lists}
        ).map(UpdateApiAuthAppRequest.model_validate),
    )
    st.register_type_strategy(
        CreateRateLimitSchemeRequest, create_scheme_bodies().map(CreateRateLimitSchemeRequest.model_validate)
    )
    st.register_type_strategy(
        UpdateRateLimitSchemeRequest,
        st.fixed_dictionaries(
            {}, optional={"name": names, "rules": st.lists(rate_limit_rules(), min_size=1, max_size=3)}
        ).map(UpdateRateLimitSchemeRequest.model_validate),
    )
    st.register_type_strategy(CreateApiKeyRequest, create_key_bodies().map(CreateApiKeyRequest.model_validate))
    st.register_type_strategy(
        RevokeApiKeyRequest, st.builds(RevokeApiKeyRequest, reason=st.none() | names, key_id=st.none())
    )


_register_types()
