"""The same exactness when the app runs in-process on the caller's threads (``WachtTransport`` from a thread pool,
as code under test with worker threads does): there the backend's lock is all that serialises requests. The
interpreter is made to switch threads as often as it can meanwhile, so an unlocked check-then-write would be
interleaved."""

from __future__ import annotations

import sys
import threading
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from concurrency import error, fresh_backend, in_process

from wacht_mock import Backend

THREADS = 8
APPS = "/api-auth/apps"


@pytest.fixture
def eager_switching() -> Iterator[None]:
    """Threads switch every microsecond instead of every 5 ms."""
    before = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    yield
    sys.setswitchinterval(before)


def from_threads(backend: Backend, calls: list[tuple[str, str, Any]]) -> list[httpx.Response]:
    """Each of ``THREADS`` threads, with its own in-process client, starts on a barrier and makes its share."""
    start = threading.Barrier(THREADS)

    def share(k: int) -> list[httpx.Response]:
        with in_process(backend) as client:
            start.wait(timeout=10)
            return [client.request(m, p, json=j) for m, p, j in calls[k::THREADS]]

    with ThreadPoolExecutor(THREADS) as pool:
        shares = list(pool.map(share, range(THREADS)))
    return [r for s in shares for r in s]


@pytest.mark.usefixtures("eager_switching")
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_same_slug_creates_from_threads_have_one_winner(seed: int) -> None:
    backend = fresh_backend(seed)
    calls = [("POST", APPS, {"app_slug": "shop", "name": f"Shop {i}", "key_prefix": "sk_live"}) for i in range(400)]
    answers = from_threads(backend, calls)
    assert Counter(a.status_code for a in answers) == {200: 1, 409: 399}
    assert all(a.json() == error(409, "Resource already exists") for a in answers if a.status_code == 409)
    assert len(backend.deployment(1).apps) == 1


@pytest.mark.usefixtures("eager_switching")
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_limit_of_n_allows_exactly_n_of_checks_from_threads(seed: int) -> None:
    backend = fresh_backend(seed)
    rule = {"unit": "minute", "duration": 1, "max_requests": 150}
    with in_process(backend) as client:
        assert client.post("/api-auth/rate-limit-schemes", json={"slug": "s", "name": "S", "rules": [rule]}).is_success
        app = {"app_slug": "shop", "name": "Shop", "key_prefix": "sk_live", "rate_limit_scheme_slug": "s"}
        assert client.post(APPS, json=app).is_success
        secret = client.post(f"{APPS}/shop/keys", json={"name": "k"}).json()["secret"]
    check = {"principal": {"type": "api_key", "value": secret}, "resource": "/orders", "method": "GET"}
    decisions = [a.json() for a in from_threads(backend, [("POST", "/v1/authz/check", check)] * 400)]
    assert Counter(d["allowed"] for d in decisions) == {True: 150, False: 250}
    assert sorted(d["rate_limits"][0]["remaining"] for d in decisions if d["allowed"]) == list(range(150))
