"""The gateway's rate limiting (backend-behaviour.md §10): which rules apply, their windows and labels, the
counter each mode uses, and the evaluation of every applicable rule on the virtual clock."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ..rules import rule
from .counters import SlidingLog
from .state import App, Deployment, Key, RateLimitRule, epoch_ms

_SRC = "platform/src/gateway/handlers.rs:483-600, platform/src/gateway/rate_limit/"

DEFAULT_RULE_WITHOUT_SCHEME = rule(
    "gateway.rate_limit.default_rule_without_scheme", "platform/src/gateway/handlers.rs:187-196"
)
SCHEME_RULES_BY_ENDPOINT = rule("gateway.rate_limit.scheme_rules_filtered_by_exact_endpoint", _SRC)
UNLIMITED_WITHOUT_MATCHING_RULE = rule("gateway.rate_limit.no_matching_rule_is_unlimited", _SRC)
PRIORITY_ORDER = rule("gateway.rate_limit.priority_ascending_every_rule_evaluated", _SRC)
WITHIN_LIMIT = rule("gateway.rate_limit.within_max_requests", _SRC, decision=True)
CALENDAR_FROM_UTC_MIDNIGHT = rule("gateway.rate_limit.calendar_units_count_from_utc_midnight", "window.rs:433-473")
COUNTER_BY_MODE_AND_WINDOW = rule(
    "gateway.rate_limit.counter_keyed_by_mode_and_window_only",
    "platform/src/gateway/handlers.rs:536-558 (neither the limit nor the calendar flag is in the counter key)",
)

DEFAULT_RULE = RateLimitRule("minute", 1, 1000, "per_app", None, 0)

_UNIT_MS = {
    "millisecond": 1,
    "second": 1000,
    "minute": 60_000,
    "hour": 3_600_000,
    "day": 86_400_000,
    "calendar_day": 86_400_000,
    "month": 2_592_000_000,
    "calendar_month": 2_592_000_000,
}
_DAY_MS = 86_400_000


def window_ms(r: RateLimitRule) -> int:
    """The rule's window in milliseconds (months are 30 days)."""
    return _UNIT_MS[r.unit] * r.duration


def window_label(ms: int) -> str:
    """``<ms>ms`` under a second, else whole seconds (integer division): ``500ms``, ``1s``, ``60s``."""
    return f"{ms}ms" if ms < 1000 else f"{ms // 1000}s"


def rule_string(r: RateLimitRule) -> str:
    """``<max_requests>/<window label>``, e.g. ``100/60s`` (the gateway's ``blocked_rule`` and ``rule``)."""
    return f"{r.max_requests}/{window_label(window_ms(r))}"


def applicable_rules(d: Deployment, key: Key, app: App, resource: str) -> tuple[RateLimitRule, ...]:
    """The key's scheme (else the app's) rules matching the resource exactly or by ``*``, by priority.

    No scheme (no slug, or an unknown one): the default 1000 per minute per app. A scheme none of whose rules
    match: no rules at all, so the request is not limited.
    """
    slug = key.rate_limit_scheme_slug if key.rate_limit_scheme_slug is not None else app.rate_limit_scheme_slug
    scheme = d.schemes.get(slug) if slug is not None else None
    if scheme is None:
        DEFAULT_RULE_WITHOUT_SCHEME.applied()
        return (DEFAULT_RULE,)
    SCHEME_RULES_BY_ENDPOINT.applied()
    matching = [r for r in scheme.rules if r.endpoints is None or any(e == "*" or e == resource for e in r.endpoints)]
    if not matching:
        UNLIMITED_WITHOUT_MATCHING_RULE.applied()
    return tuple(sorted(matching, key=lambda r: r.priority))


def counter_key(r: RateLimitRule, key: Key, resource: str, client_ip: str) -> tuple[object, ...]:
    """The counter a rule counts on: its mode's identity plus the window (the limit is not part of it, nor whether
    the unit is a calendar one, so ``day`` and ``calendar_day`` of one mode share a counter)."""
    COUNTER_BY_MODE_AND_WINDOW.applied()
    ms = window_ms(r)
    mode = r.mode or "per_app"
    if mode == "per_key":
        return ("key", key.id, resource, ms)
    if mode == "per_key_and_ip":
        return ("key_ip", key.id, client_ip, resource, ms)
    if mode == "per_app_and_ip":
        return ("app_ip", key.deployment_id, key.app_slug, client_ip, ms)
    return ("app", key.deployment_id, key.app_slug, ms)


@dataclass(frozen=True, slots=True)
class RuleOutcome:
    """One evaluated rule: its string, what remains, its limit, its window, and whether it blocked."""

    rule: str
    remaining: int
    limit: int
    window_ms: int
    blocked: bool


@dataclass(frozen=True, slots=True)
class RateLimitDecision:
    """The outcome of every applicable rule, in priority order."""

    outcomes: tuple[RuleOutcome, ...]

    @property
    def allowed(self) -> bool:
        """Every rule allowed."""
        return not any(o.blocked for o in self.outcomes)

    @property
    def retry_after(self) -> int | None:
        """The shortest window among the blocking rules, in milliseconds."""
        return min((o.window_ms for o in self.outcomes if o.blocked), default=None)

    @property
    def blocked_rule(self) -> str | None:
        """The first blocking rule's string, in priority order."""
        return next((o.rule for o in self.outcomes if o.blocked), None)


def evaluate(
    d: Deployment, rules: tuple[RateLimitRule, ...], key: Key, resource: str, client_ip: str, now: datetime
) -> RateLimitDecision:
    """Evaluate every rule in order, even after one blocked; allowed rules record a hit on their counter."""
    if rules:
        PRIORITY_ORDER.applied()
    now_ms = epoch_ms(now)
    outcomes = []
    for r in rules:
        ms = window_ms(r)
        counter_id = counter_key(r, key, resource, client_ip)
        log = d.counters.get(counter_id)
        if log is None:  # not setdefault: that would build a throwaway log on every check
            log = d.counters[counter_id] = SlidingLog()
        log.forget_until(now_ms - ms)
        if r.unit in ("calendar_day", "calendar_month"):
            # calendar_month resets daily too: production's day-granularity counter starts at 00:00 UTC.
            CALENDAR_FROM_UTC_MIDNIGHT.applied()
            count = log.count_after(now_ms - now_ms % _DAY_MS - 1)
        else:
            count = log.count_after(now_ms - ms)
        allowed = WITHIN_LIMIT.decide(count < r.max_requests)
        if allowed:
            log.add(now_ms)
            remaining = r.max_requests - (count + 1)
        else:
            remaining = max(0, r.max_requests - count)
        outcomes.append(RuleOutcome(rule_string(r), remaining, r.max_requests, ms, not allowed))
    return RateLimitDecision(tuple(outcomes))


SWEEP_EVERY = 1024


def sweep(d: Deployment, now: datetime) -> None:
    """Forget expired hits on every counter and drop the empty ones, so idle counters do not hold memory."""
    now_ms = epoch_ms(now)
    for counter_id, log in list(d.counters.items()):
        window = counter_id[-1]
        assert isinstance(window, int)
        log.forget_until(now_ms - window)
        if not len(log):
            del d.counters[counter_id]
