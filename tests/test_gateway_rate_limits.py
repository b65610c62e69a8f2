"""The gateway's rate limiting (backend-behaviour.md §10, /tmp/notes/gateway.md §7): windows and their labels,
counter identities per mode, rule resolution and ordering, and how changes made through the backend API reach
the next check. Time moves only through the virtual clock."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from conftest import Mock, ok

from wacht_mock import Firing, VirtualClock

CHECK = "/v1/authz/check"
SCHEMES = "/api-auth/rate-limit-schemes"
APPS = "/api-auth/apps"


def rule(unit: str, duration: int, max_requests: int, **extra: Any) -> dict[str, Any]:
    return {"unit": unit, "duration": duration, "max_requests": max_requests, **extra}


def make_scheme(api: httpx.Client, slug: str, *rules: dict[str, Any]) -> None:
    ok(api.post(SCHEMES, json={"slug": slug, "name": slug, "rules": list(rules)}))


def make_app(api: httpx.Client, scheme: str | None, app: str = "app1") -> None:
    body: dict[str, Any] = {"app_slug": app, "name": "App", "key_prefix": "sk_live"}
    if scheme is not None:
        body["rate_limit_scheme_slug"] = scheme
    ok(api.post(APPS, json=body))


def make_key(api: httpx.Client, app: str = "app1", name: str = "k") -> dict[str, Any]:
    """The created key (with its ``id`` and ``secret``)."""
    key: dict[str, Any] = ok(api.post(f"{APPS}/{app}/keys", json={"name": name}))
    return key


def setup(api: httpx.Client, *rules: dict[str, Any], keys: int = 1) -> list[str]:
    """Scheme ``s`` with ``rules``, app ``app1`` using it, and ``keys`` keys; returns their secrets."""
    make_scheme(api, "s", *rules)
    make_app(api, "s")
    return [make_key(api, name=f"k{i}")["secret"] for i in range(keys)]


def raw_check(gw: httpx.Client, secret: str, resource: str = "/r", method: str = "GET", **extra: Any) -> httpx.Response:
    body = {"principal": {"type": "api_key", "value": secret}, "resource": resource, "method": method, **extra}
    return gw.post(CHECK, json=body)


def check(gw: httpx.Client, secret: str, resource: str = "/r", method: str = "GET", **extra: Any) -> dict[str, Any]:
    """A decision (must be 200)."""
    decision: dict[str, Any] = ok(raw_check(gw, secret, resource, method, **extra))
    return decision


def states(decision: dict[str, Any]) -> list[tuple[str, int, int]]:
    """``rate_limits`` as (rule, remaining, limit) in answer order."""
    return [(r["rule"], r["remaining"], r["limit"]) for r in decision["rate_limits"]]


def limits(decision: dict[str, Any]) -> list[tuple[str, int, int]]:
    """``states`` of a decision that must be an allow (a block also reports remaining 0)."""
    assert decision["allowed"] is True, decision
    return states(decision)


def remaining(decision: dict[str, Any]) -> list[int]:
    """The ``remaining`` values of a decision that must be an allow."""
    return [r[1] for r in limits(decision)]


def verdict(decision: dict[str, Any]) -> tuple[bool, str | None, str | None, int | None]:
    """(allowed, reason, blocked_rule, retry_after)."""
    return decision["allowed"], decision["reason"], decision["blocked_rule"], decision["retry_after"]


def rl_headers(decision: dict[str, Any]) -> dict[str, str]:
    return {k: v for k, v in decision["headers"].items() if k.startswith("x-ratelimit-")}


ALLOWED = (True, None, None, None)


def blocked(rule_string: str, retry_after: int) -> tuple[bool, str, str, int]:
    return False, "rate_limited", rule_string, retry_after


# 1. Windows: each unit bites at max_requests and releases exactly when the window has passed.


@pytest.mark.parametrize(
    ("unit", "duration", "window", "label"),
    [
        ("millisecond", 500, 500, "500ms"),
        ("second", 2, 2_000, "2s"),
        ("minute", 1, 60_000, "60s"),
        ("hour", 1, 3_600_000, "3600s"),
        ("day", 1, 86_400_000, "86400s"),
        ("month", 1, 2_592_000_000, "2592000s"),
    ],
)
def test_sliding_window_bites_at_max_and_releases_when_the_first_hit_is_window_ms_old(
    api: httpx.Client, gw: httpx.Client, clock: VirtualClock, unit: str, duration: int, window: int, label: str
) -> None:
    (secret,) = setup(api, rule(unit, duration, 3))
    name = f"3/{label}"
    first = check(gw, secret)
    assert (verdict(first), states(first)) == (ALLOWED, [(name, 2, 3)])
    assert rl_headers(first) == {f"x-ratelimit-{label}-limit": "3", f"x-ratelimit-{label}-remaining": "2"}
    clock.advance(ms=1)
    assert remaining(check(gw, secret)) == [1]
    clock.advance(ms=1)
    assert remaining(check(gw, secret)) == [0]
    clock.advance(ms=1)
    fourth = check(gw, secret)
    assert (verdict(fourth), states(fourth)) == (blocked(name, window), [(name, 0, 3)])
    assert rl_headers(fourth) == {
        f"x-ratelimit-{label}-limit": "3",
        f"x-ratelimit-{label}-remaining": "0",
        f"x-ratelimit-{label}-reset": str(window),
    }
    clock.advance(ms=window - 4)  # first hit + window - 1 ms: it is still inside (t > now - window)
    assert verdict(check(gw, secret)) == blocked(name, window)
    clock.advance(ms=1)  # exactly window ms after the first hit: it has left
    assert (verdict(released := check(gw, secret)), states(released)) == (ALLOWED, [(name, 0, 3)])
    assert verdict(check(gw, secret)) == blocked(name, window)  # the second hit is still inside
    clock.advance(ms=1)
    assert verdict(check(gw, secret)) == ALLOWED


@pytest.mark.parametrize(
    ("unit", "window", "label"),
    [("calendar_day", 86_400_000, "86400s"), ("calendar_month", 2_592_000_000, "2592000s")],
)
def test_calendar_units_count_from_utc_midnight_and_reset_there(
    api: httpx.Client, gw: httpx.Client, clock: VirtualClock, unit: str, window: int, label: str
) -> None:
    (secret,) = setup(api, rule(unit, 1, 2))
    name = f"2/{label}"
    clock.set(datetime(2026, 6, 12, 23, 59, 50, tzinfo=UTC))
    assert limits(check(gw, secret)) == [(name, 1, 2)]
    clock.set(datetime(2026, 6, 12, 23, 59, 59, 999_000, tzinfo=UTC))
    assert limits(check(gw, secret)) == [(name, 0, 2)]
    # retry_after is the window length, not the time left until midnight
    assert verdict(check(gw, secret)) == blocked(name, window)
    clock.set(datetime(2026, 6, 12, 23, 59, 59, 999_999, tzinfo=UTC))
    assert verdict(check(gw, secret)) == blocked(name, window)
    clock.set(datetime(2026, 6, 13, tzinfo=UTC))  # 00:00:00.000000 UTC, one microsecond later
    midnight = check(gw, secret)
    # The last hit was a microsecond ago, yet the count restarted: calendar_month too resets daily, not monthly.
    assert (verdict(midnight), states(midnight)) == (ALLOWED, [(name, 1, 2)])
    assert limits(check(gw, secret)) == [(name, 0, 2)]  # a hit at 00:00:00.000 counts for the new day
    clock.set(datetime(2026, 6, 13, 23, 59, 59, 999_999, tzinfo=UTC))
    assert verdict(check(gw, secret)) == blocked(name, window)
    clock.set(datetime(2026, 6, 14, tzinfo=UTC))
    assert limits(check(gw, secret)) == [(name, 1, 2)]


# 2. Counter identity per mode.


@pytest.mark.parametrize("mode", [None, "per_app"])
def test_per_app_is_shared_by_every_key_path_method_and_ip_and_is_the_default_mode(
    api: httpx.Client, gw: httpx.Client, mode: str | None
) -> None:
    extra = {} if mode is None else {"mode": mode}
    a, b = setup(api, rule("minute", 1, 3, **extra), keys=2)
    assert remaining(check(gw, a, "/a", client_ip="10.0.0.1")) == [2]
    assert remaining(check(gw, b, "/b", "POST", client_ip="10.0.0.2")) == [1]
    assert remaining(check(gw, a, "/c", "DELETE")) == [0]
    assert verdict(check(gw, b, "/d", client_ip="10.0.0.9")) == blocked("3/60s", 60_000)


def test_per_key_counts_per_key_and_per_normalised_path_but_not_per_method_or_ip(
    api: httpx.Client, gw: httpx.Client
) -> None:
    a, b = setup(api, rule("minute", 1, 2, mode="per_key"), keys=2)
    assert remaining(check(gw, a, "/a", client_ip="10.0.0.1")) == [1]
    assert remaining(check(gw, a, " a?x=1#f", "post", client_ip="10.0.0.2")) == [0]  # normalised to /a
    assert verdict(check(gw, a, "/a", "DELETE")) == blocked("2/60s", 60_000)
    assert remaining(check(gw, a, "/b")) == [1]
    assert remaining(check(gw, a, "/a/")) == [1]  # no trailing-slash folding: another path
    assert remaining(check(gw, b, "/a")) == [1]


def test_per_key_and_ip_counts_per_key_ip_and_path(api: httpx.Client, gw: httpx.Client) -> None:
    a, b = setup(api, rule("minute", 1, 2, mode="per_key_and_ip"), keys=2)
    assert remaining(check(gw, a, "/a", client_ip="10.0.0.1")) == [1]
    assert remaining(check(gw, a, "/a?q", "PUT", client_ip=" 10.0.0.1 ")) == [0]
    assert verdict(check(gw, a, "/a", client_ip="10.0.0.1")) == blocked("2/60s", 60_000)
    assert remaining(check(gw, a, "/a", client_ip="10.0.0.2")) == [1]
    assert remaining(check(gw, a, "/b", client_ip="10.0.0.1")) == [1]
    assert remaining(check(gw, b, "/a", client_ip="10.0.0.1")) == [1]
    assert remaining(check(gw, a, "/a", client_ip="10.0.0.2")) == [0]
    # Without a client_ip in the payload (and no header) the peer address is used: httpx's ASGI peer.
    assert remaining(check(gw, a, "/a")) == [1]
    assert remaining(check(gw, a, "/a", client_ip="127.0.0.1")) == [0]


def test_per_app_and_ip_counts_per_ip_across_keys_and_paths(api: httpx.Client, gw: httpx.Client) -> None:
    a, b = setup(api, rule("minute", 1, 2, mode="per_app_and_ip"), keys=2)
    assert remaining(check(gw, a, "/a", client_ip="10.0.0.1")) == [1]
    assert remaining(check(gw, b, "/b", "POST", client_ip="10.0.0.1")) == [0]
    assert verdict(check(gw, a, "/c", client_ip="10.0.0.1")) == blocked("2/60s", 60_000)
    assert remaining(check(gw, a, "/a", client_ip="10.0.0.2")) == [1]
    assert remaining(check(gw, b, "/z", client_ip="10.0.0.2")) == [0]


def test_counters_of_different_apps_are_separate(api: httpx.Client, gw: httpx.Client) -> None:
    make_scheme(api, "s", rule("minute", 1, 1))
    make_app(api, "s", "one")
    make_app(api, "s", "two")
    one, two = make_key(api, "one")["secret"], make_key(api, "two")["secret"]
    assert remaining(check(gw, one)) == [0]
    assert remaining(check(gw, two)) == [0]
    assert verdict(check(gw, one)) == blocked("1/60s", 60_000)


# 3. Which rules apply.


def test_no_scheme_gives_the_default_1000_per_minute_per_app(
    api: httpx.Client, gw: httpx.Client, clock: VirtualClock
) -> None:
    make_app(api, None)
    a, b = make_key(api)["secret"], make_key(api)["secret"]
    first = check(gw, a, "/x")
    assert (verdict(first), states(first)) == (ALLOWED, [("1000/60s", 999, 1000)])
    assert rl_headers(first) == {"x-ratelimit-60s-limit": "1000", "x-ratelimit-60s-remaining": "999"}
    for n in range(2, 1000):
        assert remaining(check(gw, a if n % 2 else b, f"/p{n % 7}")) == [1000 - n]
    assert limits(check(gw, b, "/y")) == [("1000/60s", 0, 1000)]
    over = check(gw, a, "/z")
    assert (verdict(over), states(over)) == (blocked("1000/60s", 60_000), [("1000/60s", 0, 1000)])
    assert rl_headers(over) == {
        "x-ratelimit-60s-limit": "1000",
        "x-ratelimit-60s-remaining": "0",
        "x-ratelimit-60s-reset": "60000",
    }
    clock.advance(ms=59_999)
    assert verdict(check(gw, b)) == blocked("1000/60s", 60_000)
    clock.advance(ms=1)
    assert limits(check(gw, b)) == [("1000/60s", 999, 1000)]


def test_unknown_scheme_slug_gives_the_default_rule(api: httpx.Client, gw: httpx.Client) -> None:
    make_app(api, "no-such-scheme")
    a, b = make_key(api)["secret"], make_key(api)["secret"]
    assert limits(check(gw, a, "/x")) == [("1000/60s", 999, 1000)]
    assert limits(check(gw, b, "/y")) == [("1000/60s", 998, 1000)]


def test_a_scheme_without_a_matching_rule_is_unlimited_not_the_default(api: httpx.Client, gw: httpx.Client) -> None:
    (secret,) = setup(api, rule("minute", 1, 1, endpoints=["/other"]))
    for _ in range(3):
        decision = check(gw, secret, "/users")
        assert (verdict(decision), decision["rate_limits"], rl_headers(decision)) == (ALLOWED, [], {})
    assert limits(check(gw, secret, "/other")) == [("1/60s", 0, 1)]  # untouched by the /users checks


def test_endpoints_match_exactly_or_by_star_after_the_resource_is_normalised(
    api: httpx.Client, gw: httpx.Client
) -> None:
    (secret,) = setup(
        api,
        rule("second", 1, 11, endpoints=["/users"]),
        rule("second", 2, 12, endpoints=["*"]),
        rule("second", 3, 13, endpoints=[]),
        rule("second", 4, 14, endpoints=["/users/*"]),
        rule("second", 5, 15, endpoints=["/use"]),
        rule("second", 6, 16, endpoints=["users"]),
        rule("second", 7, 17),
        rule("second", 8, 18, endpoints=["/nope", "/users/1"]),
    )
    assert limits(check(gw, secret, "/users")) == [("11/1s", 10, 11), ("12/2s", 11, 12), ("17/7s", 16, 17)]
    # per_app counters: the same three rules again, one hit further, whatever the method and decoration
    assert limits(check(gw, secret, "  users?x=1#frag ", "post")) == [
        ("11/1s", 9, 11),
        ("12/2s", 10, 12),
        ("17/7s", 15, 17),
    ]
    assert limits(check(gw, secret, "/users/1")) == [("12/2s", 9, 12), ("17/7s", 14, 17), ("18/8s", 17, 18)]
    assert limits(check(gw, secret, "/use")) == [("12/2s", 8, 12), ("15/5s", 14, 15), ("17/7s", 13, 17)]
    assert limits(check(gw, secret, "/USERS")) == [("12/2s", 7, 12), ("17/7s", 12, 17)]


def test_rules_are_ordered_by_priority_ascending_and_ties_keep_scheme_order(
    api: httpx.Client, gw: httpx.Client
) -> None:
    (secret,) = setup(
        api,
        rule("second", 1, 1, priority=5),
        rule("second", 2, 2, priority=-1),
        rule("second", 3, 3),
        rule("second", 4, 4, priority=5),
        rule("second", 5, 5, priority=0),
        rule("second", 6, 6, priority=-1),
    )
    assert [r[0] for r in limits(check(gw, secret))] == ["2/2s", "6/6s", "3/3s", "5/5s", "1/1s", "4/4s"]


def test_every_rule_is_evaluated_after_one_blocks_and_the_others_spend_quota(
    api: httpx.Client, gw: httpx.Client, clock: VirtualClock
) -> None:
    (secret,) = setup(api, rule("second", 10, 1, priority=0), rule("minute", 1, 5, priority=1))
    assert limits(check(gw, secret)) == [("1/10s", 0, 1), ("5/60s", 4, 5)]
    second = check(gw, secret)
    assert (verdict(second), states(second)) == (blocked("1/10s", 10_000), [("1/10s", 0, 1), ("5/60s", 3, 5)])
    third = check(gw, secret)
    assert (verdict(third), states(third)) == (blocked("1/10s", 10_000), [("1/10s", 0, 1), ("5/60s", 2, 5)])
    clock.advance(ms=10_000)
    assert (verdict(d := check(gw, secret)), states(d)) == (ALLOWED, [("1/10s", 0, 1), ("5/60s", 1, 5)])
    fifth = check(gw, secret)
    assert (verdict(fifth), states(fifth)) == (blocked("1/10s", 10_000), [("1/10s", 0, 1), ("5/60s", 0, 5)])
    # now both block: the first in priority order is named, the shortest window is the retry_after
    both = check(gw, secret)
    assert (verdict(both), states(both)) == (blocked("1/10s", 10_000), [("1/10s", 0, 1), ("5/60s", 0, 5)])


def test_first_blocker_is_named_and_retry_after_is_the_shortest_blocking_window(
    api: httpx.Client, gw: httpx.Client
) -> None:
    (secret,) = setup(
        api,
        rule("minute", 1, 1, mode="per_key"),
        rule("second", 5, 1, mode="per_key"),
        rule("hour", 1, 5, mode="per_key"),
    )
    assert limits(check(gw, secret)) == [("1/60s", 0, 1), ("1/5s", 0, 1), ("5/3600s", 4, 5)]
    again = check(gw, secret)
    assert (verdict(again), states(again)) == (
        blocked("1/60s", 5_000),
        [("1/60s", 0, 1), ("1/5s", 0, 1), ("5/3600s", 3, 5)],
    )
    assert rl_headers(again) == {
        "x-ratelimit-60s-limit": "1",
        "x-ratelimit-60s-remaining": "0",
        "x-ratelimit-60s-reset": "60000",
        "x-ratelimit-5s-limit": "1",
        "x-ratelimit-5s-remaining": "0",
        "x-ratelimit-5s-reset": "5000",
        "x-ratelimit-3600s-limit": "5",
        "x-ratelimit-3600s-remaining": "3",
    }


def test_same_mode_same_window_rules_share_a_counter_and_each_adds_a_hit(api: httpx.Client, gw: httpx.Client) -> None:
    (secret,) = setup(api, rule("minute", 1, 10), rule("second", 60, 4))
    assert limits(check(gw, secret)) == [("10/60s", 9, 10), ("4/60s", 2, 4)]
    assert limits(check(gw, secret)) == [("10/60s", 7, 10), ("4/60s", 0, 4)]
    third = check(gw, secret)
    assert (verdict(third), states(third)) == (blocked("4/60s", 60_000), [("10/60s", 5, 10), ("4/60s", 0, 4)])
    fourth = check(gw, secret)
    assert (verdict(fourth), states(fourth)) == (blocked("4/60s", 60_000), [("10/60s", 4, 10), ("4/60s", 0, 4)])


def test_day_calendar_day_and_1440_minutes_share_one_counter_each_with_its_own_window(
    api: httpx.Client, gw: httpx.Client, clock: VirtualClock
) -> None:
    (secret,) = setup(api, rule("day", 1, 10), rule("calendar_day", 1, 20), rule("minute", 1440, 30))
    clock.set(datetime(2026, 6, 12, 23, 59, 59, tzinfo=UTC))
    # hits before: 0, after day: 1, after calendar_day: 2, after minute: 3
    assert limits(check(gw, secret)) == [("10/86400s", 9, 10), ("20/86400s", 18, 20), ("30/86400s", 27, 30)]
    clock.set(datetime(2026, 6, 13, 0, 0, 0, 500_000, tzinfo=UTC))
    # the rolling rules see all earlier hits; calendar_day only the one the day rule just added after midnight
    assert limits(check(gw, secret)) == [("10/86400s", 6, 10), ("20/86400s", 18, 20), ("30/86400s", 24, 30)]


def test_one_counter_and_a_reset_in_ms_name_their_rules(mock: Mock, api: httpx.Client, gw: httpx.Client) -> None:
    (secret,) = setup(api, rule("day", 1, 1), rule("calendar_day", 1, 5))
    first = check(gw, secret)
    assert "x-ratelimit-86400s-reset" not in first["headers"]
    fired = mock.harness.journal.entries[-1].rules
    assert fired.count(Firing("gateway.rate_limit.counter_keyed_by_mode_and_window_only", "applied")) == 2
    assert Firing("gateway.headers.rate_limit_reset_is_the_window_in_ms", "applied") not in fired
    second = check(gw, secret)  # the day rule blocks: its counter already holds the calendar_day rule's hit too
    assert (verdict(second), states(second)) == (
        blocked("1/86400s", 86_400_000),
        [("1/86400s", 0, 1), ("5/86400s", 2, 5)],
    )
    assert second["headers"]["x-ratelimit-86400s-reset"] == "86400000"
    assert (
        Firing("gateway.headers.rate_limit_reset_is_the_window_in_ms", "applied")
        in mock.harness.journal.entries[-1].rules
    )


def test_month_calendar_month_and_720_hours_share_one_counter(api: httpx.Client, gw: httpx.Client) -> None:
    (secret,) = setup(api, rule("month", 1, 10), rule("calendar_month", 1, 20), rule("hour", 720, 30))
    assert limits(check(gw, secret)) == [("10/2592000s", 9, 10), ("20/2592000s", 18, 20), ("30/2592000s", 27, 30)]


@pytest.mark.parametrize(
    ("unit", "duration", "window", "label"),
    [
        ("millisecond", 1, 1, "1ms"),
        ("millisecond", 500, 500, "500ms"),
        ("millisecond", 999, 999, "999ms"),
        ("millisecond", 1000, 1000, "1s"),
        ("millisecond", 1500, 1500, "1s"),
        ("millisecond", 1999, 1999, "1s"),
        ("millisecond", 60000, 60000, "60s"),
        ("second", 1, 1000, "1s"),
        ("second", 1800, 1_800_000, "1800s"),
        ("minute", 1440, 86_400_000, "86400s"),
        ("hour", 720, 2_592_000_000, "2592000s"),
        ("day", 30, 2_592_000_000, "2592000s"),
        ("calendar_day", 1, 86_400_000, "86400s"),
        ("calendar_month", 1, 2_592_000_000, "2592000s"),
    ],
)
def test_window_labels_rule_strings_and_reset_values(
    api: httpx.Client, gw: httpx.Client, unit: str, duration: int, window: int, label: str
) -> None:
    (secret,) = setup(api, rule(unit, duration, 5, mode="per_key"))
    for left in (4, 3, 2, 1, 0):
        assert limits(check(gw, secret)) == [(f"5/{label}", left, 5)]
    over = check(gw, secret)
    assert verdict(over) == blocked(f"5/{label}", window)
    assert rl_headers(over) == {
        f"x-ratelimit-{label}-limit": "5",
        f"x-ratelimit-{label}-remaining": "0",
        f"x-ratelimit-{label}-reset": str(window),
    }


def test_same_label_headers_are_overwritten_by_the_later_rule_but_a_reset_stays(
    api: httpx.Client, gw: httpx.Client
) -> None:
    (secret,) = setup(api, rule("millisecond", 1500, 1, mode="per_key"), rule("second", 1, 100))
    first = check(gw, secret)
    assert rl_headers(first) == {"x-ratelimit-1s-limit": "100", "x-ratelimit-1s-remaining": "99"}
    second = check(gw, secret)
    assert (verdict(second), states(second)) == (blocked("1/1s", 1_500), [("1/1s", 0, 1), ("100/1s", 98, 100)])
    assert rl_headers(second) == {
        "x-ratelimit-1s-limit": "100",
        "x-ratelimit-1s-remaining": "98",
        "x-ratelimit-1s-reset": "1500",
    }


def test_the_later_same_label_rule_blocking_writes_its_own_reset(api: httpx.Client, gw: httpx.Client) -> None:
    (secret,) = setup(api, rule("second", 1, 100), rule("millisecond", 1500, 1, mode="per_key"))
    check(gw, secret)
    second = check(gw, secret)
    assert (verdict(second), states(second)) == (blocked("1/1s", 1_500), [("100/1s", 98, 100), ("1/1s", 0, 1)])
    assert rl_headers(second) == {
        "x-ratelimit-1s-limit": "1",
        "x-ratelimit-1s-remaining": "0",
        "x-ratelimit-1s-reset": "1500",
    }


def test_the_key_slug_wins_over_the_app_slug_at_the_gateway(mock: Mock, api: httpx.Client, gw: httpx.Client) -> None:
    make_scheme(api, "app-s", rule("minute", 1, 5))
    make_scheme(api, "key-s", rule("minute", 1, 7))
    make_app(api, "app-s")
    key = make_key(api)
    assert limits(check(gw, key["secret"])) == [("5/60s", 4, 5)]
    # The API keeps a key's slug equal to its app's (copied at create, rewritten by every app PATCH), so the
    # COALESCE(key slug, app slug) precedence is only observable by editing the stored row.
    stored = mock.backend.deployment(1).keys[int(key["id"])]
    stored.rate_limit_scheme_slug = "key-s"
    assert limits(check(gw, key["secret"])) == [("7/60s", 5, 7)]  # per_app 60 s counter shared with app-s's rule
    stored.rate_limit_scheme_slug = None
    assert limits(check(gw, key["secret"])) == [("5/60s", 2, 5)]


def test_an_app_patch_rewrites_the_keys_slug_and_the_gateway_follows(api: httpx.Client, gw: httpx.Client) -> None:
    make_app(api, None)
    key = make_key(api)
    assert limits(check(gw, key["secret"])) == [("1000/60s", 999, 1000)]
    make_scheme(api, "s", rule("second", 10, 3))
    ok(api.patch(f"{APPS}/app1", json={"rate_limit_scheme_slug": "s"}))
    (listed,) = ok(api.get(f"{APPS}/app1/keys"))["keys"]
    assert listed["rate_limit_scheme_slug"] == "s"
    assert limits(check(gw, key["secret"])) == [("3/10s", 2, 3)]
    ok(api.patch(f"{APPS}/app1", json={"rate_limit_scheme_slug": "unknown"}))
    # back to the default rule, whose per_app 60 s counter still holds the first check
    assert limits(check(gw, key["secret"])) == [("1000/60s", 998, 1000)]


# 4. Changes take effect at the next check: the mock keeps no gateway caches.


def test_scheme_edits_apply_at_the_next_check(api: httpx.Client, gw: httpx.Client) -> None:
    (secret,) = setup(api, rule("minute", 1, 2))
    check(gw, secret)
    assert limits(check(gw, secret)) == [("2/60s", 0, 2)]
    ok(api.patch(f"{SCHEMES}/s", json={"rules": [rule("minute", 1, 5)]}))
    assert limits(check(gw, secret)) == [("5/60s", 2, 5)]  # same counter (per_app, 60 s): 3 hits now
    ok(api.patch(f"{SCHEMES}/s", json={"rules": [rule("minute", 1, 3)]}))
    assert verdict(check(gw, secret)) == blocked("3/60s", 60_000)
    ok(api.patch(f"{SCHEMES}/s", json={"rules": [rule("minute", 1, 3, endpoints=["/elsewhere"])]}))
    assert check(gw, secret)["rate_limits"] == []
    ok(api.patch(f"{SCHEMES}/s", json={"rules": [rule("minute", 1, 3, mode="per_key")]}))
    assert limits(check(gw, secret)) == [("3/60s", 2, 3)]


def _rejected(response: httpx.Response) -> tuple[int, str, str]:
    return response.status_code, response.headers["content-type"], response.text


INVALID = (401, "text/plain; charset=utf-8", "Invalid API key")


def test_rotation_revocation_deactivation_and_deletion_apply_at_once(api: httpx.Client, gw: httpx.Client) -> None:
    make_scheme(api, "s", rule("minute", 1, 1, mode="per_key"))
    make_app(api, "s")
    old = make_key(api)
    assert limits(check(gw, old["secret"])) == [("1/60s", 0, 1)]
    new = ok(api.post(f"{APPS}/app1/keys/{old['id']}/rotate", json={}))
    assert _rejected(raw_check(gw, old["secret"])) == INVALID
    assert limits(check(gw, new["secret"])) == [("1/60s", 0, 1)]  # a new key id: a fresh per_key counter
    other = make_key(api, name="other")
    ok(api.post(f"{APPS}/app1/keys/{other['id']}/revoke", json={"reason": "gone"}))
    assert _rejected(raw_check(gw, other["secret"])) == INVALID
    ok(api.patch(f"{APPS}/app1", json={"is_active": False}))
    assert _rejected(raw_check(gw, new["secret"])) == INVALID
    ok(api.patch(f"{APPS}/app1", json={"is_active": True}))
    assert verdict(check(gw, new["secret"])) == blocked("1/60s", 60_000)  # the counter survived
    ok(api.delete(f"{APPS}/app1"))
    assert _rejected(raw_check(gw, new["secret"])) == INVALID
