"""The state of one deployment, as the real backend's tables hold it.

Plain mutable records; the operations in the sibling modules are the only writers. Entities carry a ``seq``
(insertion order) so that rows created at the same virtual instant still sort as production's distinct
``NOW()`` timestamps would.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from ..clock import Clock
from ..ids import Ids
from ..timestamps import Instant
from ..wire import Mode, Plan, Unit
from .counters import SlidingLog
from .ordered import Ordered

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def epoch_ms(instant: datetime) -> int:
    """Milliseconds since the Unix epoch (floor), the unit of every rate-limit counter."""
    return (instant - _EPOCH) // timedelta(milliseconds=1)


def epoch_us(instant: datetime) -> int:
    """Microseconds since the Unix epoch, the precision production stores timestamps at."""
    return (instant - _EPOCH) // timedelta(microseconds=1)


@dataclass(frozen=True, slots=True)
class RateLimitRule:
    """A stored rule after production's normalisation (priority filled, null mode/endpoints dropped)."""

    unit: Unit
    duration: int
    max_requests: int
    mode: Mode | None
    endpoints: tuple[str, ...] | None
    priority: int


@dataclass(slots=True)
class User:
    """A user of the deployment (seeded)."""

    id: int
    deleted: bool = False


@dataclass(slots=True)
class Organization:
    """An organization of the deployment (seeded)."""

    id: int
    deleted: bool = False


@dataclass(slots=True)
class Workspace:
    """A workspace, which belongs to one organization (seeded)."""

    id: int
    organization_id: int
    deleted: bool = False


@dataclass(slots=True)
class Membership:
    """A user's membership of an organization or a workspace; ``permissions`` are its roles' permissions."""

    id: int
    user_id: int
    organization_id: int | None
    workspace_id: int | None
    permissions: tuple[str, ...]
    deleted: bool = False


@dataclass(slots=True)
class App:
    """An API auth app: a row of ``api_auth_apps``; soft-deleted rows keep their slug."""

    deployment_id: int
    app_slug: str
    name: str
    key_prefix: str
    description: str | None
    user_id: int | None
    organization_id: int | None
    workspace_id: int | None
    rate_limit_scheme_slug: str | None
    permissions: list[str]
    resources: list[str]
    created_at: datetime
    updated_at: datetime
    seq: int
    is_active: bool = True
    deleted_at: datetime | None = None


@dataclass(slots=True)
class Scheme:
    """A rate-limit scheme: slug, name and rules."""

    id: int
    deployment_id: int
    slug: str
    name: str
    description: str | None
    rules: tuple[RateLimitRule, ...]
    created_at: datetime
    updated_at: datetime
    seq: int


@dataclass(slots=True)
class Key:
    """An API key row; only the SHA-256 of its secret is kept."""

    id: int
    deployment_id: int
    app_slug: str
    name: str
    key_prefix: str
    key_suffix: str
    key_hash: str
    permissions: list[str]
    metadata: Any
    rate_limit_scheme_slug: str | None
    owner_user_id: int | None
    organization_id: int | None
    workspace_id: int | None
    organization_membership_id: int | None
    workspace_membership_id: int | None
    org_role_permissions: list[str]
    workspace_role_permissions: list[str]
    expires_at: Instant | None
    created_at: datetime
    updated_at: datetime
    seq: int
    last_used_at: datetime | None = None
    is_active: bool = True
    revoked_at: datetime | None = None
    revoked_reason: str | None = None


@dataclass(frozen=True, slots=True)
class RuleState:
    """One evaluated rate-limit rule as the gateway reports it: ``{rule, remaining, limit}``."""

    rule: str
    remaining: int
    limit: int


@dataclass(frozen=True, slots=True)
class AuditRecord:
    """One gateway decision as production's audit table holds it (early exits are not recorded)."""

    request_id: str
    deployment_id: int
    app_slug: str
    key_id: int
    key_name: str
    outcome: str
    blocked_by_rule: str | None
    client_ip: str
    path: str
    user_agent: str
    rate_limits: tuple[RuleState, ...]
    timestamp: datetime


@dataclass(slots=True)
class Deployment:
    """One deployment's tables plus the clock and id source its operations use."""

    id: int
    plan: Plan
    secret: str
    clock: Clock
    ids: Ids
    users: dict[int, User] = field(default_factory=dict)
    organizations: dict[int, Organization] = field(default_factory=dict)
    workspaces: dict[int, Workspace] = field(default_factory=dict)
    memberships: list[Membership] = field(default_factory=list)
    apps: dict[str, App] = field(default_factory=dict)
    schemes: dict[str, Scheme] = field(default_factory=dict)
    keys: dict[int, Key] = field(default_factory=dict)
    keys_by_hash: dict[str, Key] = field(default_factory=dict)
    api_calls: SlidingLog = field(default_factory=SlidingLog)
    counters: dict[tuple[object, ...], SlidingLog] = field(default_factory=dict)
    audit: list[AuditRecord] = field(default_factory=list)
    changes: set[tuple[str, object]] | None = None
    """When a store tracks this deployment: the rows changed since it last saved (``("app", slug)``,
    ``("key", id)``, ``("scheme", slug)``); None (no tracking, no cost) otherwise. Audit is append-only."""
    _seq: itertools.count[int] = field(default_factory=itertools.count)
    app_order: Ordered[App] = field(default_factory=lambda: Ordered(_app_order))
    """Every app (deleted and inactive too) by ``(created_at, seq)``: ``listApiAuthApps``' ORDER BY."""
    keys_by_app: dict[str, Ordered[Key]] = field(default_factory=dict)
    """Each app's keys by ``(created_at, seq)``: ``listApiKeys``' ORDER BY."""
    audit_by_app: dict[str, list[AuditRecord]] = field(default_factory=dict)
    """Each app's audit records in the order they were recorded (analytics' ties go by first appearance)."""
    audit_by_time: dict[str, Ordered[AuditRecord]] = field(default_factory=dict)
    """Each app's audit records by ``(timestamp, request_id)``: a window or a cursor is a bisect."""

    def add_app(self, app: App) -> None:
        """Store a new app and index it."""
        self.apps[app.app_slug] = app
        self.app_order.add(app)

    def redate_app(self, app: App, created_at: datetime) -> None:
        """Give a stored app another creation instant (seeding), keeping the index in order."""
        self.app_order.remove(app)
        app.created_at = created_at
        self.app_order.add(app)

    def add_key(self, key: Key) -> None:
        """Store a new key and index it by id, by hash and by app."""
        self.keys[key.id] = key
        self.keys_by_hash[key.key_hash] = key
        self.app_keys(key.app_slug).add(key)

    def app_keys(self, app_slug: str) -> Ordered[Key]:
        """The app's keys, oldest first."""
        found = self.keys_by_app.get(app_slug)
        if found is None:
            found = self.keys_by_app[app_slug] = Ordered(_key_order)
        return found

    def add_audit(self, record: AuditRecord) -> None:
        """Append a gateway decision and index it by app and time."""
        self.audit.append(record)
        self.audit_by_app.setdefault(record.app_slug, []).append(record)
        by_time = self.audit_by_time.get(record.app_slug)
        if by_time is None:
            by_time = self.audit_by_time[record.app_slug] = Ordered(_audit_order)
        by_time.add(record)

    def reindex(self) -> None:
        """Rebuild every index from the tables (after a store rewrote stored orders in place)."""
        self.app_order = Ordered(_app_order)
        for app in self.apps.values():
            self.app_order.add(app)
        self.keys_by_app = {}
        for key in self.keys.values():
            self.app_keys(key.app_slug).add(key)
        records, self.audit, self.audit_by_app, self.audit_by_time = self.audit, [], {}, {}
        for record in records:
            self.add_audit(record)

    def touch(self, kind: str, ident: object) -> None:
        """Note that a row changed, for the store (nothing happens when no store tracks this deployment)."""
        if self.changes is not None:
            self.changes.add((kind, ident))

    def restart_seq(self, start: int) -> None:
        """Continue insertion order from ``start`` (after rows were loaded with their stored order)."""
        self._seq = itertools.count(start)

    def next_seq(self) -> int:
        """Insertion order, the tie-breaker for rows created at the same instant."""
        return next(self._seq)

    def now(self) -> datetime:
        """The deployment's current instant (the injected clock's)."""
        return self.clock.now()


def _app_order(app: App) -> tuple[datetime, int]:
    return app.created_at, app.seq


def _key_order(key: Key) -> tuple[datetime, int]:
    return key.created_at, key.seq


def _audit_order(record: AuditRecord) -> tuple[datetime, str]:
    return record.timestamp, record.request_id
