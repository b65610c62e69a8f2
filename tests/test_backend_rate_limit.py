"""The backend API's own rate limit (§1.1 step 3, §14 decision 7) and the sliding log behind it."""

from __future__ import annotations

import httpx
import pytest
from conftest import Mock, error

from wacht_mock import Backend, VendorError, VirtualClock
from wacht_mock.domain.counters import SlidingLog
from wacht_mock.rules import Firing, recording

LIMITED = error(429, "Rate limit exceeded. Retry after 60000 seconds")


def _spend(backend: Backend, deployment_id: int, calls: int) -> None:
    header = f"Bearer {backend.deployment(deployment_id).secret}"
    for _ in range(calls):
        backend.authenticate(header)


def test_the_1001st_call_within_a_minute_is_429_with_the_millisecond_number_as_seconds(
    mock: Mock, api: httpx.Client
) -> None:
    _spend(mock.backend, 1, 999)
    assert api.get("/api-auth/apps").status_code == 200
    response = api.get("/api-auth/apps")
    assert (response.status_code, response.json()) == (429, LIMITED)


def test_blocked_calls_do_not_count_and_the_window_slides_on_the_virtual_clock(
    mock: Mock, clock: VirtualClock, api: httpx.Client
) -> None:
    _spend(mock.backend, 1, 500)
    clock.advance(ms=30_000)
    _spend(mock.backend, 1, 500)
    for _ in range(3):
        assert api.get("/api-auth/rate-limit-schemes").status_code == 429
    clock.advance(ms=29_999)
    assert api.get("/api-auth/apps").status_code == 429
    clock.advance(ms=1)  # the first 500 are now exactly 60 s old: out of the window
    for _ in range(500):
        mock.backend.authenticate(f"Bearer {mock.secret(1)}")
    assert api.get("/api-auth/apps").status_code == 429
    clock.advance(ms=30_000)
    assert api.get("/api-auth/apps").status_code == 200


def test_the_limit_is_per_deployment_and_runs_after_authentication(mock: Mock) -> None:
    _spend(mock.backend, 1, 1000)
    with mock.client(5) as other:
        assert other.get("/api-auth/apps").status_code == 200
    with mock.client(1) as limited, mock.client(None, authorization="Bearer sk_" + "x" * 43) as stranger:
        assert stranger.get("/api-auth/apps").json() == error(401, "Authentication failed")
        assert limited.get("/api-auth/unknown").json() == error(404, "Not found")
        assert limited.put("/api-auth/apps").json() == LIMITED


def test_the_rule_records_both_sides(backend: Backend) -> None:
    header = f"Bearer {backend.deployment(1).secret}"
    _spend(backend, 1, 999)
    with recording() as firings:
        backend.authenticate(header)
        with pytest.raises(VendorError):
            backend.authenticate(header)
    assert [f for f in firings if f.rule_id == "auth.backend_api_rate_limit"] == [
        Firing("auth.backend_api_rate_limit", "allow"),
        Firing("auth.backend_api_rate_limit", "deny"),
    ]


def test_sliding_log_counts_strictly_after_the_cutoff() -> None:
    log = SlidingLog()
    for at in (10, 20, 20, 30):
        log.add(at)
    assert [log.count_after(c) for c in (0, 10, 19, 20, 30)] == [4, 3, 3, 1, 0]
    log.forget_until(10)
    assert (len(log), log.count_after(0)) == (3, 3)


def test_sliding_log_keeps_order_when_the_clock_goes_back() -> None:
    log = SlidingLog()
    for at in (100, 200, 50, 150):
        log.add(at)
    assert log.count_after(99) == 3
    assert log.count_after(149) == 2


def test_sliding_log_memory_is_bounded_by_the_hits_in_the_window() -> None:
    log = SlidingLog()
    for at in range(100_000):
        log.add(at)
        log.forget_until(at - 1000)
    assert len(log) == 1000 == log.count_after(0)
    assert len(log._hits) < 3000  # forgotten hits are really dropped, not just skipped


def test_idle_gateway_counters_are_swept_once_their_hits_expire(backend: Backend, clock: VirtualClock) -> None:
    from wacht_mock.domain import rate_limiting
    from wacht_mock.domain.counters import SlidingLog

    d = backend.deployment(1)
    d.counters[("key", 1, "/a", 1000)] = SlidingLog()
    d.counters[("key", 1, "/a", 1000)].add(rate_limiting.epoch_ms(clock.now()))
    d.counters[("app", 1, "x", 60_000)] = SlidingLog()
    d.counters[("app", 1, "x", 60_000)].add(rate_limiting.epoch_ms(clock.now()))
    clock.advance(ms=1000)
    rate_limiting.sweep(d, clock.now())
    assert list(d.counters) == [("app", 1, "x", 60_000)]
