"""``WachtMock``: the public handle on one in-process mock — what the pytest fixtures give you.

It owns a Harness (the Backend with its state and virtual clock, the journal, the faults) and the Starlette app,
and offers httpx clients that call the app in-process, seeding helpers that extend the seed (kept across
``reset``), and respx routing so code that calls ``https://api.wacht.dev`` or ``https://gateway.wacht.dev``
reaches the mock without knowing.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx

from .clock import VirtualClock
from .domain import apps, rate_limit_schemes
from .domain.backend import Backend
from .domain.keys import KeyView
from .domain.rate_limit_schemes import rules_for
from .errors import SeedError, UsageError
from .faults import Fault, FaultKind, Faults
from .harness import Harness
from .hosts import API_URL, GATEWAY_URL, HOSTS
from .http.app import create_app
from .http.responses import key_view_json
from .ids import Ids
from .inprocess import WachtTransport, call_app
from .journal import DEFAULT_SIZE as DEFAULT_JOURNAL_SIZE
from .journal import Journal
from .models import PLANS, Plan, parse_timestamp
from .seed import Seed, load_seed, parse_seed, seed_id
from .store.snapshot import export_state, replace_state

if TYPE_CHECKING:
    import respx


class WachtMock:
    """One in-process mock of Wacht's backend API and gateway (a ``WachtHandle``).

    ``plan`` sets the first deployment's plan; ``seed`` is a Seed, a mapping in the seed-file shape, or a path
    to a seed file; ``now`` (a datetime or RFC 3339 text) freezes the virtual clock there (default: the wall
    clock at creation, frozen); ``journal_size`` is how many requests the journal keeps (the newest).
    """

    def __init__(
        self,
        *,
        plan: Plan | None = None,
        seed: Seed | Mapping[str, Any] | str | Path | None = None,
        now: datetime | str | None = None,
        id_seed: int = 0,
        journal_size: int = DEFAULT_JOURNAL_SIZE,
    ) -> None:
        if plan is not None and plan not in PLANS:
            raise UsageError(f"plan must be one of {', '.join(PLANS)}, got {plan!r}")
        journal = Journal(journal_size)
        data = _seed_data(seed)
        if plan is not None:
            data["deployments"][0]["plan"] = plan
        start = parse_timestamp(now) if isinstance(now, str) else now
        seed_object = parse_seed(data)
        if start is None and seed_object.clock is not None:  # a snapshot used as a seed brings its clock
            start = seed_object.clock.now
        self._seed = data
        self.backend = Backend(seed_object, clock=VirtualClock(start), ids=Ids(id_seed))
        self.harness = Harness(self.backend, journal=journal)
        self._made = (self.backend.seed, data, self.clock.now())
        self.app = create_app(self.harness)
        self.base_url = API_URL
        self.gateway_url = GATEWAY_URL

    # Identity

    @property
    def url(self) -> str:
        """The backend API's base URL, ``https://api.wacht.dev`` (the same as ``base_url``)."""
        return self.base_url

    @property
    def deployment_id(self) -> int:
        """The first deployment's id (the one ``secret`` authenticates as)."""
        return int(self._seed["deployments"][0]["id"])

    @property
    def secret(self) -> str:
        """The first deployment's backend secret (``Authorization: Bearer <secret>``)."""
        return self.secret_for(self.deployment_id)

    def secret_for(self, deployment_id: int) -> str:
        """Another seeded deployment's secret."""
        return self.backend.deployment(deployment_id).secret

    # Clock, journal, faults, reset

    @property
    def clock(self) -> VirtualClock:
        """The virtual clock every expiry, rate limit and timestamp reads."""
        return self.backend.clock

    def advance(self, delta: timedelta | None = None, *, ms: int = 0, seconds: float = 0) -> datetime:
        """Move the clock forward; returns the new now."""
        with self.backend.lock:
            return self.clock.advance((delta or timedelta()) + timedelta(seconds=seconds), ms=ms)

    def set_time(self, instant: datetime | str) -> datetime:
        """Jump the clock to an instant (RFC 3339 text or a datetime; naive means UTC)."""
        with self.backend.lock:
            return self.clock.set(parse_timestamp(instant) if isinstance(instant, str) else instant)

    @property
    def journal(self) -> Journal:
        """Every request since the last reset, with its operation, status and fired rules."""
        return self.harness.journal

    @property
    def faults(self) -> Faults:
        """The active faults."""
        return self.harness.faults

    def add_fault(self, kind: FaultKind, **options: Any) -> Fault:
        """Inject a fault (see ``wacht_mock.faults``): e.g. ``add_fault("error", operation="createApiKey",
        status=503, count=1)`` or ``add_fault("lost_response", operation="rotateApiKeyForApp", ratio=0.5, seed=7)``.
        ``count=N`` fires for the first N matching requests, ``ratio`` for a seeded share of them; with neither the
        fault fires for every matching request until it is removed (``faults.remove(fault.id)``, ``reset()``).
        ``operation`` must be an operationId (a UsageError lists them, with a "did you mean"); left out, the
        fault matches every operation."""
        return self.faults.add(Fault(kind, **options))

    def reset(self) -> None:
        """Back to the seed: state, journal and faults (the clock keeps its time)."""
        self.harness.reset()

    def restore(self) -> None:
        """Back to how this mock was made: its first seed (what the seeding helpers added since is dropped), the
        clock at its first instant, no journal, no faults. What a mock shared by several tests needs between them."""
        seed, data, start = self._made
        with self.backend.lock:
            self.backend.seed, self._seed = seed, data
            self.clock.set(start)
            self.harness.reset()

    # Snapshots

    def snapshot(self) -> dict[str, Any]:
        """The whole state as a seed document (what ``GET /_mock/state`` answers): key secrets are not in it."""
        return export_state(self.backend)

    def load_snapshot(self, document: Mapping[str, Any]) -> None:
        """Replace the whole state with a snapshot (or any seed document), which becomes the seed ``reset``
        returns to; the clock moves to its ``clock.now`` when it has one. A bad document is a SeedError."""
        data = _copy(dict(document))
        with self.backend.lock:
            replace_state(self.backend, parse_seed(data, source="snapshot"))
            self._seed = data

    # Seeding (each call extends the seed, so the entity survives reset)

    def add_deployment(self, deployment_id: int, *, plan: Plan = "growth", secret: str | None = None) -> str:
        """Add a deployment; returns its backend secret."""
        entry: dict[str, Any] = {"id": deployment_id, "plan": plan}
        if secret is not None:
            entry["secret"] = secret
        self._extend(lambda data: data["deployments"].append(entry))
        return self.secret_for(deployment_id)

    def add_user(self, user_id: int, *, deleted: bool = False, deployment: int | None = None) -> None:
        """Add a user to a deployment (the first by default)."""
        self._add(deployment, "users", {"id": user_id, "deleted": deleted})

    def add_organization(self, organization_id: int, *, deleted: bool = False, deployment: int | None = None) -> None:
        """Add an organization."""
        self._add(deployment, "organizations", {"id": organization_id, "deleted": deleted})

    def add_workspace(
        self, workspace_id: int, *, organization_id: int, deleted: bool = False, deployment: int | None = None
    ) -> None:
        """Add a workspace of an organization."""
        self._add(
            deployment, "workspaces", {"id": workspace_id, "organization_id": organization_id, "deleted": deleted}
        )

    def add_membership(
        self,
        membership_id: int,
        *,
        user_id: int,
        organization_id: int | None = None,
        workspace_id: int | None = None,
        permissions: list[str] | tuple[str, ...] = (),
        deleted: bool = False,
        deployment: int | None = None,
    ) -> None:
        """Add a user's membership of one organization or one workspace, with its roles' permissions."""
        entry: dict[str, Any] = {"id": membership_id, "user_id": user_id, "permissions": list(permissions)}
        entry["deleted"] = deleted
        if organization_id is not None:
            entry["organization_id"] = organization_id
        if workspace_id is not None:
            entry["workspace_id"] = workspace_id
        self._add(deployment, "memberships", entry)

    def add_scheme(self, *, deployment: int | None = None, **fields: Any) -> None:
        """Add a rate-limit scheme (the create request's fields: slug, name, rules, description)."""
        self._add(deployment, "rate_limit_schemes", fields)

    def add_app(self, *, deployment: int | None = None, **fields: Any) -> None:
        """Add an app (the create request's fields), with no plan check, as the console would."""
        self._add(deployment, "apps", fields)

    def add_key(
        self, app_slug: str, *, secret: str, name: str = "seeded", deployment: int | None = None, **fields: Any
    ) -> dict[str, Any]:
        """Add an API key with a known ``secret`` (a prefix, ``_`` and 43 base64url characters) to a seeded app (one
        from the seed or ``add_app``); ``fields`` are the seed file's other key fields (``permissions``,
        ``metadata``, ``expires_at``, ``rate_limit_scheme_slug``, ``id``, ...). Returns the key as ``listApiKeys``
        shows it; its id stays the same across ``reset``."""
        wanted = self.deployment_id if deployment is None else deployment
        entry: dict[str, Any] = {"name": name, "secret": secret, **fields}
        entry.setdefault("id", str(self.backend.ids.snowflake()))  # written into the seed: the same id after reset

        def change(data: dict[str, Any]) -> None:
            dep = next((d for d in data["deployments"] if d["id"] == wanted), None)
            if dep is None:
                raise UsageError(f"deployment {wanted} is not seeded; add_deployment({wanted}) first")
            app = next((a for a in dep.get("apps", []) if a.get("app_slug") == app_slug), None)
            if app is None:
                raise UsageError(
                    f"app {app_slug!r} is not seeded in deployment {wanted}; add_app(app_slug={app_slug!r}, ...) "
                    "first (a seeded key needs a seeded app, so both survive reset)"
                )
            app.setdefault("keys", []).append(entry)

        self._extend(change)
        d = self.backend.deployment(wanted)
        key = d.keys[seed_id(entry["id"])]
        return key_view_json(KeyView(key, rules_for(d, key.rate_limit_scheme_slug)))

    def _add(self, deployment: int | None, kind: str, entry: dict[str, Any]) -> None:
        wanted = self.deployment_id if deployment is None else deployment

        def change(data: dict[str, Any]) -> None:
            for i, dep in enumerate(data["deployments"]):
                if dep["id"] == wanted:
                    entries = dep.setdefault(kind, [])
                    _refuse_taken_slug(kind, entries, entry, f"deployments[{i}].{kind}[{len(entries)}]")
                    entries.append(entry)
                    return
            raise UsageError(f"deployment {wanted} is not seeded; add_deployment({wanted}) first")

        self._extend(change)

    def _extend(self, change: Any) -> None:
        data = _copy(self._seed)
        change(data)
        try:
            self.backend.extend_seed(parse_seed(data, source="seeding"))
        except SeedError as exc:  # a seeded scheme's or app's domain error names "seed"; these came from a call
            raise exc.with_source("seeding") from None
        self._seed = data

    def unique(self, name: str) -> str:
        """A slug unique to this test run: ``name`` itself, since every test gets a fresh mock (``RealWacht``
        prefixes it with the run id), so tests that use it run unchanged against a real deployment."""
        return name

    # HTTP

    def transport(self) -> WachtTransport:
        """An httpx transport (sync and async) into this mock."""
        return WachtTransport(self.app)

    def client(self, *, deployment: int | None = None, authenticated: bool = True) -> httpx.Client:
        """A sync httpx client on the backend API, authenticated as the first (or the given) deployment."""
        return httpx.Client(transport=self.transport(), base_url=API_URL, headers=self._auth(deployment, authenticated))

    def async_client(self, *, deployment: int | None = None, authenticated: bool = True) -> httpx.AsyncClient:
        """The async twin of ``client``."""
        headers = self._auth(deployment, authenticated)
        return httpx.AsyncClient(transport=self.transport(), base_url=API_URL, headers=headers)

    def _auth(self, deployment: int | None, authenticated: bool) -> dict[str, str]:
        if not authenticated:
            return {}
        return {"authorization": f"Bearer {self.secret_for(self.deployment_id if deployment is None else deployment)}"}

    def route(self, router: respx.Router) -> None:
        """Send a respx router's requests for api.wacht.dev and gateway.wacht.dev into this mock."""
        for host in HOSTS:
            router.route(host=host).mock(side_effect=self.handle)

    def handle(self, request: httpx.Request) -> httpx.Response:
        """Answer one httpx request (a respx side effect)."""
        return call_app(self.app, request)


def _refuse_taken_slug(kind: str, entries: list[dict[str, Any]], entry: dict[str, Any], where: str) -> None:
    """A second seeded app or scheme with a taken slug is the vendor's 409, not a silent no-op."""
    field = {"apps": "app_slug", "rate_limit_schemes": "slug"}.get(kind)
    if field is None or field not in entry or all(e.get(field) != entry[field] for e in entries):
        return
    if kind == "apps":
        raise SeedError("seeding", where, apps.SLUG_UNIQUE.message or "")
    raise SeedError("seeding", where, (rate_limit_schemes.SLUG_UNIQUE.message or "").format(slug=entry[field]))


def _seed_data(seed: Seed | Mapping[str, Any] | str | Path | None) -> dict[str, Any]:
    if seed is None:
        return {"deployments": [{"id": 1, "plan": "growth"}]}
    if isinstance(seed, str | Path):
        seed = load_seed(seed)
    if isinstance(seed, Seed):
        return seed.model_dump(exclude_none=True)
    parse_seed(seed, source="seed")
    data: dict[str, Any] = _copy(dict(seed))
    return data


def _copy(data: Any) -> Any:
    if isinstance(data, Mapping):
        return {k: _copy(v) for k, v in data.items()}
    if isinstance(data, list | tuple):
        return [_copy(v) for v in data]
    return data
