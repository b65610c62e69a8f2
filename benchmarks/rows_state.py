"""State-at-scale rows: what one domain operation costs as the state grows, in-process (no HTTP, which the other
rows measure), against the same operation earlier in the same run.

- Growth: one deployment grows to 10^5 apps, each with one key; each operation's cost over the last 10% of the
  growth against the first 10% (create app, create key, get, a page of the app list, an exact-slug search, one
  app's keys), each the best of 20 steps per window. Garbage collection is off while growing: full collections
  belong to the memory rows.
- Scale: a page of apps (20), one app's keys (10 of them) and a page of audit logs (100) at 10^5 apps and
  3x10^5 audit records, against the same read at 10^2 apps and 10^3 records, interleaved.
- Memory per app and per key (tracemalloc over 10^4 of each) is printed in the create rows' notes.

Run: .venv/bin/python benchmarks/run.py --only state
"""

from __future__ import annotations

import gc
import time
import tracemalloc
from collections.abc import Callable
from datetime import timedelta

from table import Row, interleaved, per_call_us

from wacht_mock import Backend, parse_seed
from wacht_mock.domain import apps, audit, keys
from wacht_mock.domain.state import AuditRecord, Deployment
from wacht_mock.models import CreateApiAuthAppRequest, CreateApiKeyRequest, ListApiAuthAppsQuery

SECRET = "sk_" + "B" * 43
TARGET = "target"


def _deployment() -> Deployment:
    backend = Backend(parse_seed({"deployments": [{"id": 1, "plan": "growth", "secret": SECRET}]}))
    return backend.deployment(1)


def _grow(d: Deployment, first: int, count: int) -> tuple[float, float]:
    """Create apps ``first .. first+count`` with one key each: microseconds per app create and per key create."""
    app_s = key_s = 0.0
    for i in range(first, first + count):
        slug = f"app-{i}"
        start = time.perf_counter()
        apps.create_api_auth_app(d, CreateApiAuthAppRequest(app_slug=slug, name="A", key_prefix="sk_a"))
        middle = time.perf_counter()
        keys.create_api_key(d, slug, CreateApiKeyRequest(name="k"))
        app_s += middle - start
        key_s += time.perf_counter() - middle
    return app_s / max(count, 1) * 1e6, key_s / max(count, 1) * 1e6


def _reads(d: Deployment, made: int, calls: int) -> dict[str, float]:
    """Microseconds per read at the current size, on apps spread over what exists."""
    some = f"app-{made // 2}"
    page = ListApiAuthAppsQuery(limit=20)
    search = ListApiAuthAppsQuery(search=some)
    return {
        "get app": per_call_us(lambda: apps.get_api_auth_app(d, some), calls),
        "list a page of apps": per_call_us(lambda: apps.list_api_auth_apps(d, page), calls),
        "search apps by slug": per_call_us(lambda: apps.list_api_auth_apps(d, search), calls),
        "list one app's keys": per_call_us(lambda: keys.list_api_keys(d, some), calls),
    }


def _window(d: Deployment, first: int, size: int, samples: int, calls: int) -> dict[str, float]:
    """Grow through ``size`` apps from ``first`` in ``samples`` steps, reading after each: the best step per operation.

    The two windows of one growth cannot be interleaved, so a busy moment on a shared machine lands on one of them
    only; the best of ``samples`` steps (as ``timeit`` advises) keeps that noise out of both alike."""
    got: dict[str, list[float]] = {}
    step = size // samples
    for n in range(samples):
        app_us, key_us = _grow(d, first + n * step, step)
        for name, value in {
            "create app": app_us,
            "create key": key_us,
            **_reads(d, first + (n + 1) * step, calls),
        }.items():
            got.setdefault(name, []).append(value)
    return {name: min(values) for name, values in got.items()}


def _memory_per_row(count: int) -> tuple[float, float]:
    """Bytes traced per app and per key (with its indexes), over ``count`` of each."""
    d = _deployment()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    for i in range(count):
        apps.create_api_auth_app(d, CreateApiAuthAppRequest(app_slug=f"m-{i}", name="A", key_prefix="sk_a"))
    middle = tracemalloc.get_traced_memory()[0]
    for i in range(count):
        keys.create_api_key(d, f"m-{i}", CreateApiKeyRequest(name="k"))
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    return (middle - before) / count, (after - middle) / count


def _growth_rows(d: Deployment, total: int, quick: bool) -> list[Row]:
    samples, calls = (4, 5) if quick else (20, 50)
    tenth = total // 10
    gc.disable()
    try:
        first = _window(d, 0, tenth, samples, calls)
        _grow(d, tenth, total - 2 * tenth)
        last = _window(d, total - tenth, tenth, samples, calls)
    finally:
        gc.enable()
    per_app, per_key = _memory_per_row(500 if quick else 10_000)
    memory = f"memory: {per_app:,.0f} B per app, {per_key:,.0f} B per key (tracemalloc, indexes included)"
    return [
        Row(
            f"{name}, last 10% of growing to {total:,} apps and keys",
            last[name],
            "first 10% of the same run",
            first[name],
            "µs",
            1.2,
            "lower",
            memory if name.startswith("create") else "",
        )
        for name in first
    ]


def _fill(d: Deployment, apps_wanted: int, records: int) -> None:
    """Bring ``d`` to ``apps_wanted`` apps (one in 20 inactive, one in 20 deleted), the target app with 10 keys, and
    ``records`` audit records over the last six days, a third of them the target's."""
    have = len(d.apps)
    _grow(d, have, apps_wanted - have)
    for i, app in enumerate(d.apps.values()):
        app.is_active = i % 20 != 1
        if i % 20 == 2:
            app.deleted_at = app.created_at
    apps.create_api_auth_app(d, CreateApiAuthAppRequest(app_slug=TARGET, name="T", key_prefix="sk_t"))
    issued = [keys.create_api_key(d, TARGET, CreateApiKeyRequest(name=f"k{i}")).key for i in range(10)]
    others = [k for k in list(d.keys.values())[:2]]
    start = d.now() - timedelta(days=6)
    step = timedelta(days=6) / records
    for j in range(records):
        key = issued[j % 10] if j % 3 == 0 else others[j % 2]
        outcome = "BLOCKED" if j % 7 == 0 else "VALID"
        d.add_audit(
            AuditRecord(
                f"req_{j}",
                d.id,
                key.app_slug,
                key.id,
                key.name,
                outcome,
                None,
                "10.0.0.1",
                "GET /x",
                "ua",
                (),
                start + step * j,
            )
        )


def _scale_rows(big: Deployment, quick: bool, big_apps: int) -> list[Row]:
    small_apps, small_records, big_records = (20, 100, 3_000) if quick else (100, 1_000, 300_000)
    small = _deployment()
    _fill(small, small_apps, small_records)
    _fill(big, big_apps, big_records)
    calls, rounds = (5, 1) if quick else (2_000, 7)
    page = ListApiAuthAppsQuery(limit=20)
    logs = audit.AuditLogsQuery(limit=100)
    reads: dict[str, tuple[str, Callable[[Deployment], object]]] = {
        "page": ("a page of apps (20)", lambda d: apps.list_api_auth_apps(d, page)),
        "keys": ("one app's keys (10)", lambda d: keys.list_api_keys(d, TARGET)),
        "logs": ("a page of audit logs (100)", lambda d: audit.get_api_audit_logs(d, TARGET, logs)),
    }
    rows = []
    for read_name, read in reads.values():
        got = interleaved(
            rounds,
            big=lambda read=read: per_call_us(lambda: read(big), calls),
            small=lambda read=read: per_call_us(lambda: read(small), calls),
        )
        rows.append(
            Row(
                f"{read_name} at {big_apps:,} apps / {big_records:,} records",
                got["big"],
                f"the same at {small_apps:,} apps / {small_records:,} records",
                got["small"],
                "µs",
                1.5,
                "lower",
            )
        )
    return rows


def rows(quick: bool) -> list[Row]:
    """The growth rows (last 10% against first 10%) and the scale rows (large state against small)."""
    total = 2_000 if quick else 100_000
    d = _deployment()
    return _growth_rows(d, total, quick) + _scale_rows(d, quick, total)
