"""The state's indexes answer exactly what a scan of the tables answers: app pages (order, ties, filters, exact
search, limit/offset and the negative-limit quirks, has_more), one app's keys, and the audit reads (window,
key and outcome filters, offset, keyset cursor, analytics, timeseries), on random states built through the
domain's own operations (soft deletes, deactivation, revoke, rotate, clock moved back for ties and disorder),
after a snapshot restore, and after the indexes are rebuilt in place."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wacht_mock import Backend, VirtualClock, parse_seed
from wacht_mock.domain import apps, audit, keys
from wacht_mock.domain.state import AuditRecord, Deployment
from wacht_mock.errors import VendorError
from wacht_mock.models import (
    CreateApiAuthAppRequest,
    CreateApiKeyRequest,
    ListApiAuthAppsQuery,
    RevokeApiKeyRequest,
    UpdateApiAuthAppRequest,
)
from wacht_mock.store.snapshot import export_state
from wacht_mock.timestamps import FarInstant, micros_of

T0 = datetime(2026, 3, 1, tzinfo=UTC)
SLUGS = [f"s{i}" for i in range(6)]

_apps = st.tuples(st.just("app"), st.integers(0, 3), st.integers(0, 4))  # SLUGS[4:] stay absent
_keys = st.tuples(st.just("key"), st.integers(0, 3), st.integers(0, 4))
_changes = st.one_of(
    st.tuples(st.just("patch"), st.integers(0, 3), st.booleans()),
    st.tuples(st.just("delete"), st.integers(0, 3), st.just(0)),
    st.tuples(st.just("revoke"), st.integers(0, 30), st.just(0)),
    st.tuples(st.just("rotate"), st.integers(0, 30), st.integers(0, 4)),
    _apps,
    _keys,
)
_audits = st.tuples(st.just("audit"), st.integers(0, 30), st.integers(0, 12))
ops = st.tuples(
    st.lists(_apps, min_size=1, max_size=8),
    st.lists(_keys, max_size=12),
    st.lists(st.one_of(_changes, _audits), max_size=12),
    st.lists(_audits, max_size=30),
).map(lambda parts: [step for part in parts for step in part])


def _build(ops: list[tuple[str, int, Any]]) -> tuple[Backend, Deployment]:
    clock = VirtualClock(T0)
    backend = Backend(parse_seed({"deployments": [{"id": 1, "plan": "growth"}]}), clock=clock)
    d = backend.deployment(1)
    for n, (kind, a, b) in enumerate(ops):
        key_list = list(d.keys.values())
        try:
            if kind == "app":
                clock.set(T0 + timedelta(minutes=b))  # few instants: ties, and creation out of time order
                apps.create_api_auth_app(d, CreateApiAuthAppRequest(app_slug=SLUGS[a], name="n", key_prefix="sk_x"))
            elif kind == "key":
                clock.set(T0 + timedelta(minutes=b))
                keys.create_api_key(d, SLUGS[a], CreateApiKeyRequest(name=f"k{n}"))
            elif kind == "patch":
                apps.update_api_auth_app(d, SLUGS[a], UpdateApiAuthAppRequest(is_active=b, name=f"p{n}"))
            elif kind == "delete":
                apps.delete_api_auth_app(d, SLUGS[a])
            elif kind == "revoke" and key_list:
                k = key_list[a % len(key_list)]
                keys.revoke_api_key_for_app(d, k.app_slug, k.id, RevokeApiKeyRequest(reason="r"))
            elif kind == "rotate" and key_list:
                clock.set(T0 + timedelta(minutes=b))
                k = key_list[a % len(key_list)]
                keys.rotate_api_key_for_app(d, k.app_slug, k.id)
            elif kind == "audit" and key_list:
                k = key_list[a % len(key_list)]
                d.add_audit(_record(d, k.app_slug, k.id, n, b))
        except VendorError:
            pass
    clock.set(T0 + timedelta(days=1))
    return backend, d


def _record(d: Deployment, slug: str, key_id: int, n: int, b: int) -> AuditRecord:
    outcome = ("VALID", "BLOCKED", "allowed", "RATE_LIMITED", "ALLOWED", "blocked")[n % 6]
    return AuditRecord(
        f"req_{b % 7}",  # repeated ids: ties on (timestamp, request_id) keep the order they were recorded in
        d.id,
        slug,
        key_id,
        "k",
        outcome,
        "rl" if outcome == "BLOCKED" else None,
        "10.0.0.1",
        f"GET /p{b % 3}",
        "ua",
        (),
        _stamp(b),
    )


def _stamp(b: int) -> datetime:
    """Instants from seconds to weeks apart (buckets of every interval), two of them 500 µs apart."""
    return T0 + timedelta(seconds=int(50 * 6.5 ** (b // 2) * (1 + 0.4 * (b % 3))), microseconds=b % 2 * 500)


# The reference: the scans the mock answered with before the indexes.


def _ref_apps(d: Deployment, q: ListApiAuthAppsQuery) -> tuple[list[str], bool]:
    if not (q.limit + 2 >= 0 and q.offset >= 0):
        raise VendorError(500, "Something went wrong")
    rows = [a for a in d.apps.values() if a.deleted_at is None and (q.include_inactive or a.is_active)]
    if q.search is not None and q.search.strip() != "":
        rows = [a for a in rows if a.app_slug == q.search]
    rows.sort(key=lambda a: (a.created_at, a.seq), reverse=True)
    rows = rows[q.offset : q.offset + q.limit + 2]
    if q.limit < 0:
        return [a.app_slug for a in rows], False
    return [a.app_slug for a in rows[: q.limit]], len(rows) > q.limit


def _ref_keys(d: Deployment, slug: str, include_inactive: bool) -> list[int]:
    rows = [k for k in d.keys.values() if k.app_slug == slug and (include_inactive or k.is_active)]
    rows.sort(key=lambda k: (k.created_at, k.seq), reverse=True)
    return [k.id for k in rows]


def _ref_window(d: Deployment, slug: str, f: audit.AuditFilter, days: int) -> list[AuditRecord]:
    start = f.start_date if f.start_date is not None else d.now().replace(microsecond=0) - timedelta(days=days)
    end = f.end_date if f.start_date is not None else None
    return [
        r
        for r in d.audit
        if r.app_slug == slug
        and r.timestamp >= start
        and (end is None or r.timestamp <= end)
        and (f.key_id is None or r.key_id == f.key_id)
    ]


def _ref_logs(d: Deployment, slug: str, q: audit.AuditLogsQuery) -> tuple[list[int], bool]:
    rows = _ref_window(d, slug, q, 7)
    if q.outcome in ("allowed", "blocked"):
        rows = [r for r in rows if r.outcome in (audit.ALLOWED if q.outcome == "allowed" else audit.BLOCKED)]
    offset = q.offset or 0
    if q.cursor_ts is not None:
        cursor_us, cid = micros_of(q.cursor_ts), q.cursor_id
        rows = [
            r
            for r in rows
            if micros_of(r.timestamp) < cursor_us
            or (cid is not None and micros_of(r.timestamp) == cursor_us and r.request_id < cid)
        ]
        offset = 0
    rows.sort(key=lambda r: (r.timestamp, r.request_id), reverse=True)
    limit = min(max(q.limit if q.limit is not None else 100, 1), 1000)
    page = rows[offset : offset + limit + 1]
    return [id(r) for r in page[:limit]], len(page) > limit


def _ref_series(d: Deployment, slug: str, q: audit.AuditTimeseriesQuery) -> list[tuple[datetime, int, int, int]]:
    start_of = audit._BUCKETS[q.interval if q.interval in audit.INTERVALS else "hour"]
    buckets: dict[datetime, list[AuditRecord]] = {}
    for r in _ref_window(d, slug, q, 30):
        buckets.setdefault(start_of(r.timestamp), []).append(r)
    return [
        (t, len(rs), sum(r.outcome in audit.ALLOWED for r in rs), sum(r.outcome in audit.BLOCKED for r in rs))
        for t, rs in sorted(buckets.items())
    ]


def _outcome(call: Callable[[], Any]) -> Any:
    try:
        return call()
    except VendorError as exc:
        return ("error", exc.status)


instants = st.one_of(
    st.none(),
    st.tuples(st.integers(0, 13), st.integers(-1, 1)).map(lambda t: _stamp(t[0]) + timedelta(microseconds=t[1])),
    st.just(FarInstant(-(10**18))),
)
app_queries = st.builds(
    ListApiAuthAppsQuery,
    include_inactive=st.booleans(),
    limit=st.integers(-4, 6),
    offset=st.integers(-1, 5),
    search=st.one_of(st.none(), st.just(" "), st.sampled_from(SLUGS)),
)
log_queries = st.builds(
    audit.AuditLogsQuery,
    start_date=instants,
    end_date=instants,
    limit=st.one_of(st.none(), st.integers(-1, 5)),
    offset=st.one_of(st.none(), st.integers(0, 4)),
    outcome=st.sampled_from([None, "allowed", "blocked", "x"]),
    cursor_ts=instants,
    cursor_id=st.one_of(st.none(), st.sampled_from([f"req_{i}" for i in range(8)])),
)
series_queries = st.builds(
    audit.AuditTimeseriesQuery,
    start_date=instants,
    end_date=instants,
    interval=st.sampled_from([None, "minute", "hour", "day", "week", "month", "year"]),
)


def _answers(d: Deployment, aq: list[ListApiAuthAppsQuery], lq: list[audit.AuditLogsQuery]) -> list[Any]:
    """Everything the indexed reads answer, in comparable form (audit rows by their fields)."""
    out: list[Any] = []
    for q in aq:
        page = _outcome(lambda q=q: apps.list_api_auth_apps(d, q))
        out.append(page if isinstance(page, tuple) else ([v.app.app_slug for v in page.data], page.has_more))
    for slug in SLUGS:
        for inactive in (False, True):
            listed = _outcome(lambda s=slug, i=inactive: keys.list_api_keys(d, s, include_inactive=i))
            out.append(listed if isinstance(listed, tuple) else [v.key.id for v in listed])
        for q in lq:
            got = _outcome(lambda s=slug, q=q: audit.get_api_audit_logs(d, s, q))
            out.append(
                got if isinstance(got, tuple) else ([(r.request_id, r.timestamp) for r in got.data], got.has_more)
            )
    return out


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    ops=ops,
    aq=st.lists(app_queries, min_size=1, max_size=6),
    lq=st.lists(log_queries, min_size=1, max_size=4),
    sq=st.lists(series_queries, min_size=1, max_size=3),
    key_pick=st.integers(0, 30),
)
def test_indexed_reads_answer_as_the_scans_did(
    ops: list[tuple[str, int, Any]],
    aq: list[ListApiAuthAppsQuery],
    lq: list[audit.AuditLogsQuery],
    sq: list[audit.AuditTimeseriesQuery],
    key_pick: int,
) -> None:
    _, d = _build(ops)
    key_ids = [k.id for k in d.keys.values()]
    for q in aq:
        page = _outcome(lambda q=q: apps.list_api_auth_apps(d, q))
        got = page if isinstance(page, tuple) else ([v.app.app_slug for v in page.data], page.has_more)
        assert got == _outcome(lambda q=q: _ref_apps(d, q))
    for slug in SLUGS:
        if slug not in d.apps or d.apps[slug].deleted_at is not None:
            continue
        for inactive in (False, True):
            assert [v.key.id for v in keys.list_api_keys(d, slug, include_inactive=inactive)] == _ref_keys(
                d, slug, inactive
            )
        for q in lq:
            if key_ids and key_pick % 3 == 0:
                q = audit.AuditLogsQuery(**{**_fields(q), "key_id": key_ids[key_pick % len(key_ids)]})
            page_ = audit.get_api_audit_logs(d, slug, q)
            assert ([id(r) for r in page_.data], page_.has_more) == _ref_logs(d, slug, q)
        for s in sq:
            got_series = audit.get_api_audit_timeseries(d, slug, s)
            assert [
                (b.timestamp, b.total_requests, b.allowed_requests, b.blocked_requests) for b in got_series.data
            ] == (_ref_series(d, slug, s))
        analytics = audit.get_api_audit_analytics(d, slug, audit.AuditAnalyticsQuery(include_top_keys=True))
        since = d.now().replace(microsecond=0) - timedelta(hours=24)
        assert analytics.keys_used_24h == len(
            {r.key_id for r in d.audit if r.app_slug == slug and r.timestamp >= since}
        )
        assert analytics.total_requests == len(_ref_window(d, slug, audit.AuditFilter(), 30))


def _fields(q: audit.AuditLogsQuery) -> dict[str, Any]:
    return {name: getattr(q, name) for name in q.__dataclass_fields__}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    ops=ops,
    aq=st.lists(app_queries, min_size=1, max_size=5),
    lq=st.lists(log_queries, min_size=1, max_size=3),
)
def test_snapshot_restore_and_rebuilt_indexes_answer_the_same(
    ops: list[tuple[str, int, Any]], aq: list[ListApiAuthAppsQuery], lq: list[audit.AuditLogsQuery]
) -> None:
    backend, d = _build(ops)
    before = _answers(d, aq, lq)
    restored = Backend(parse_seed(export_state(backend)), clock=VirtualClock(d.now())).deployment(1)
    assert _answers(restored, aq, lq) == before
    d.reindex()
    assert _answers(d, aq, lq) == before


def test_a_seeded_creation_instant_moves_the_app_in_the_list() -> None:
    seed = {
        "deployments": [
            {
                "id": 1,
                "plan": "growth",
                "apps": [
                    {"app_slug": "old", "name": "o", "key_prefix": "sk_o", "created_at": "2020-01-01T00:00:00Z"},
                    {"app_slug": "new", "name": "n", "key_prefix": "sk_n"},
                    {"app_slug": "older", "name": "o", "key_prefix": "sk_o", "created_at": "2019-01-01T00:00:00Z"},
                ],
            }
        ]
    }
    d = Backend(parse_seed(seed), clock=VirtualClock(T0)).deployment(1)
    page = apps.list_api_auth_apps(d, ListApiAuthAppsQuery())
    assert [v.app.app_slug for v in page.data] == ["new", "old", "older"]


def test_equal_audit_rows_are_listed_in_the_order_they_were_recorded() -> None:
    _, d = _build([("app", 0, 0), ("key", 0, 0), ("audit", 0, 3), ("audit", 0, 3), ("audit", 0, 4), ("audit", 0, 3)])
    page = audit.get_api_audit_logs(d, "s0", audit.AuditLogsQuery())
    assert [id(r) for r in page.data] == _ref_logs(d, "s0", audit.AuditLogsQuery())[0]
    tied = [id(r) for r in d.audit if r.request_id == "req_3"]
    assert len(tied) == 3
    assert [id(r) for r in page.data if r.request_id == "req_3"] == tied


def test_timeseries_buckets_of_every_interval_count_as_a_scan_does() -> None:
    steps: list[tuple[str, int, Any]] = [("app", 0, 0), ("key", 0, 0)]
    _, d = _build(steps + [("audit", 0, b) for b in range(13)] + [("audit", 0, b) for b in range(0, 13, 3)])
    for interval in (None, "minute", "hour", "day", "week", "month", "year"):
        q = audit.AuditTimeseriesQuery(interval=interval)
        series = audit.get_api_audit_timeseries(d, "s0", q)
        got = [(b.timestamp, b.total_requests, b.allowed_requests, b.blocked_requests) for b in series.data]
        assert got == _ref_series(d, "s0", q)
        assert sum(b.total_requests for b in series.data) == len(d.audit)
