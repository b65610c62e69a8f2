"""Rate-limit schemes: ``listRateLimitSchemes`` … ``deleteRateLimitScheme``, rule validation, and the
expansion of a scheme slug into ``rate_limits`` on every read (backend-behaviour.md §5, §7)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..rules import Rule, rule
from .postgres import check_bound
from .state import Deployment, RateLimitRule, Scheme
from .text import rust_trim

if TYPE_CHECKING:
    from ..models import CreateRateLimitSchemeRequest, RateLimitRuleInput, UpdateRateLimitSchemeRequest

_SRC = "platform/src/application/api_key_rate_limit.rs, commands/src/rate_limit_scheme.rs"
_RULE_SRC = "models/src/api_key.rs:170-237"

NOT_FOUND = rule("schemes.not_found", _SRC, 404, "Rate limit scheme not found")
SLUG_REQUIRED = rule("schemes.create.slug_required", _SRC, 400, "Scheme slug is required")
NAME_REQUIRED = rule("schemes.create.name_required", _SRC, 400, "Scheme name is required")
SLUG_UNIQUE = rule(
    "schemes.create.slug_unique",
    "commands/src/rate_limit_scheme.rs:123-128",
    409,
    "Rate limit scheme '{slug}' already exists",
)
NAME_NOT_EMPTY = rule("schemes.update.name_not_empty", _SRC, 400, "Scheme name cannot be empty")
AT_LEAST_ONE_RULE = rule(
    "schemes.rules.at_least_one",
    "commands/src/rate_limit_scheme.rs:6-18",
    400,
    "Rate limit scheme must include at least one rule",
)
DURATION_POSITIVE = rule("schemes.rules.duration_positive", _RULE_SRC, 400, "Duration must be positive")
MAX_REQUESTS_POSITIVE = rule("schemes.rules.max_requests_positive", _RULE_SRC, 400, "Max requests must be positive")
WINDOW_AT_MOST_30_DAYS = rule(
    "schemes.rules.window_at_most_30_days", _RULE_SRC, 400, "Rate limit window cannot exceed 30 days"
)
DELETE_UNUSED_BY_APPS = rule(
    "schemes.delete.not_assigned_to_apps",
    "queries/src/rate_limit_scheme.rs:256-318",
    400,
    "Cannot delete rate limit scheme while it is assigned to API auth apps",
)
DELETE_UNUSED_BY_KEYS = rule(
    "schemes.delete.not_assigned_to_active_keys",
    "queries/src/rate_limit_scheme.rs:256-318",
    400,
    "Cannot delete rate limit scheme while it is assigned to active API keys",
)
RATE_LIMITS_FROM_SCHEME = rule("rate_limits.resolved_from_scheme_on_read", "queries/src/api_key.rs:7-23")

# Seconds per step of `duration` for the 30-day check (milliseconds are handled apart).
_UNIT_SECONDS = {
    "second": 1,
    "minute": 60,
    "hour": 3600,
    "day": 86_400,
    "calendar_day": 86_400,
    "month": 2_592_000,
    "calendar_month": 2_592_000,
}
# unit -> (its bound rule, the highest accepted duration; the lowest is 1, ensured by the duration check).
# The hour, day, month and calendar_month bounds can never fail: their windows pass 30 days first.
_UNIT_BOUNDS: dict[str, tuple[Rule, int]] = {
    unit: (rule(f"schemes.rules.{name}", _RULE_SRC, 400, message, only=None if reachable else "allow"), high)
    for unit, name, high, message, reachable in (
        (
            "millisecond",
            "millisecond_at_most_60000",
            60_000,
            "Millisecond-based limits cannot exceed 60000 milliseconds (60 seconds)",
            True,
        ),
        ("second", "second_at_most_1800", 1800, "Second-based limits cannot exceed 1800 seconds (30 minutes)", True),
        ("minute", "minute_at_most_1440", 1440, "Minute-based limits cannot exceed 1440 minutes (24 hours)", True),
        ("hour", "hour_at_most_720", 720, "Hour-based limits cannot exceed 720 hours (30 days)", False),
        ("day", "day_at_most_30", 30, "Day-based limits cannot exceed 30 days", False),
        ("calendar_day", "calendar_day_exactly_1", 1, "Calendar day limits must be exactly 1 day", True),
        ("month", "month_exactly_1", 1, "Month-based limits must be exactly 1 month (30 days)", False),
        ("calendar_month", "calendar_month_exactly_1", 1, "Calendar month limits must be exactly 1 month", False),
    )
}
WINDOW_LIMIT_SECONDS = 2_592_000


def unit_bound(unit: str) -> Rule:
    """The per-unit duration bound rule of a unit."""
    return _UNIT_BOUNDS[unit][0]


def window_seconds(unit: str, duration: int) -> int:
    """The window in whole seconds as the validator computes it (milliseconds use integer division)."""
    if unit == "millisecond":
        return duration // 1000
    return duration * _UNIT_SECONDS[unit]


def validate_rules(rules: list[RateLimitRuleInput]) -> tuple[RateLimitRule, ...]:
    """Check a scheme's rules in production's order (first failure wins); return them normalised."""
    AT_LEAST_ONE_RULE.check(bool(rules))
    for item in rules:
        DURATION_POSITIVE.check(item.duration > 0)
        MAX_REQUESTS_POSITIVE.check(item.max_requests > 0)
        WINDOW_AT_MOST_30_DAYS.check(window_seconds(item.unit, item.duration) <= WINDOW_LIMIT_SECONDS)
        unit_rule, high = _UNIT_BOUNDS[item.unit]
        unit_rule.check(item.duration <= high)
    return tuple(
        RateLimitRule(
            unit=item.unit,
            duration=item.duration,
            max_requests=item.max_requests,
            mode=item.mode,
            endpoints=tuple(item.endpoints) if item.endpoints is not None else None,
            priority=item.priority,
        )
        for item in rules
    )


def rules_for(d: Deployment, slug: str | None) -> tuple[RateLimitRule, ...]:
    """``rate_limits`` as every read resolves them: the named scheme's rules, or ``[]`` (no slug, unknown slug)."""
    RATE_LIMITS_FROM_SCHEME.applied()
    if slug is None:
        return ()
    scheme = d.schemes.get(slug)
    return scheme.rules if scheme is not None else ()


def list_rate_limit_schemes(d: Deployment) -> list[Scheme]:
    """``listRateLimitSchemes``: every scheme, newest update first."""
    return sorted(d.schemes.values(), key=lambda s: (s.updated_at, s.created_at, s.seq), reverse=True)


def create_rate_limit_scheme(d: Deployment, req: CreateRateLimitSchemeRequest, *, ident: int | None = None) -> Scheme:
    """``createRateLimitScheme``: trimmed slug and name must be non-empty; rules valid; slug unused.

    ``ident`` is for seeding a scheme that already has an id (a snapshot's)."""
    SLUG_REQUIRED.check(rust_trim(req.slug) != "")
    NAME_REQUIRED.check(rust_trim(req.name) != "")
    rules = validate_rules(req.rules)
    check_bound(req.slug, req.name, req.description, _rules_jsonb(rules))
    SLUG_UNIQUE.check(req.slug not in d.schemes, slug=req.slug)
    now = d.now()
    scheme = Scheme(
        id=ident if ident is not None else d.ids.snowflake(),
        deployment_id=d.id,
        slug=req.slug,
        name=req.name,
        description=req.description,
        rules=rules,
        created_at=now,
        updated_at=now,
        seq=d.next_seq(),
    )
    d.schemes[req.slug] = scheme
    d.touch("scheme", req.slug)
    return scheme


def _rules_jsonb(rules: tuple[RateLimitRule, ...]) -> list[object]:
    """The text inside the rules' jsonb (``serde_json::to_value(&rules)``, bound with the name): the endpoints."""
    return [r.endpoints for r in rules]


def get_rate_limit_scheme(d: Deployment, slug: str) -> Scheme:
    """``getRateLimitScheme``."""
    check_bound(slug)
    return NOT_FOUND.found(d.schemes.get(slug))


def update_rate_limit_scheme(d: Deployment, slug: str, req: UpdateRateLimitSchemeRequest) -> Scheme:
    """``updateRateLimitScheme``: validation runs before the existence check; null means unchanged."""
    if req.name is not None:
        NAME_NOT_EMPTY.check(rust_trim(req.name) != "")
    rules = validate_rules(req.rules) if req.rules is not None else None
    check_bound(req.name, req.description, _rules_jsonb(rules) if rules is not None else None)
    scheme = get_rate_limit_scheme(d, slug)
    if req.name is not None:
        scheme.name = req.name
    if req.description is not None:
        scheme.description = req.description
    if rules is not None:
        scheme.rules = rules
    scheme.updated_at = d.now()
    scheme.seq = d.next_seq()
    d.touch("scheme", slug)
    return scheme


def delete_rate_limit_scheme(d: Deployment, slug: str) -> None:
    """``deleteRateLimitScheme``: hard delete, refused while an undeleted app or an unrevoked key uses it."""
    get_rate_limit_scheme(d, slug)
    DELETE_UNUSED_BY_APPS.check(
        not any(a.rate_limit_scheme_slug == slug and a.deleted_at is None for a in d.apps.values())
    )
    DELETE_UNUSED_BY_KEYS.check(
        not any(k.rate_limit_scheme_slug == slug and k.revoked_at is None for k in d.keys.values())
    )
    del d.schemes[slug]
    d.touch("scheme", slug)
