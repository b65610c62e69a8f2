"""The Backend: every deployment's state, the clock, the ids, backend authentication, and reset."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from pydantic import ValidationError

from ..clock import Clock, VirtualClock
from ..errors import SeedError, VendorError
from ..ids import Ids
from ..models import CreateApiAuthAppRequest, CreateRateLimitSchemeRequest
from ..rules import rule
from ..seed import DeploymentSeed, Seed, default_seed
from . import apps, rate_limit_schemes
from .state import Deployment, Membership, Organization, User, Workspace, epoch_ms
from .text import rust_trim, visible_ascii

_AUTH_SRC = "platform/src/middleware/deployment_context.rs:17-91"

BEARER_REQUIRED = rule("auth.bearer_header_required", _AUTH_SRC, 401, "Authorization header must be Bearer token")
KNOWN_SECRET = rule("auth.secret_known", _AUTH_SRC, 401, "Authentication failed")
# The backend's own calls pass the gateway's default rule (1000 per 60 s, per app) of the console app aa_<id>;
# the middleware words the gateway's retry_after, which is milliseconds, as seconds.
API_RATE_LIMIT = rule(
    "auth.backend_api_rate_limit",
    f"{_AUTH_SRC}; backend-behaviour.md §14 decision 7",
    429,
    "Rate limit exceeded. Retry after {retry_after} seconds",
)
API_LIMIT, API_WINDOW_MS = 1000, 60_000


class Backend:
    """One mock's whole state. Build it from a seed; ``reset()`` rebuilds it from the same seed, and hands out
    the same ids again (``ids`` is the seeded id and secret source; the clock is injected too).

    ``lock`` serialises requests and Python-side changes, so a server thread and a test thread can share it.
    """

    def __init__(self, seed: Seed | None = None, *, clock: VirtualClock | None = None, ids: Ids | None = None) -> None:
        self.seed = seed if seed is not None else default_seed()
        self.clock = clock if clock is not None else VirtualClock()
        self._ids = ids if ids is not None else Ids()
        self.lock = threading.RLock()
        self.deployments: dict[int, Deployment] = {}
        self.ids = self._ids
        self._by_secret: dict[str, Deployment] = {}
        self.reset()

    def reset(self) -> None:
        """Throw away every change and rebuild from the seed (the clock keeps its time)."""
        with self.lock:
            ids = self._ids.fresh()
            deployments = {dep.id: _build(i, dep, self.clock, ids) for i, dep in enumerate(self.seed.deployments)}
            self.ids = ids
            self.deployments = deployments
            self._by_secret = {d.secret: d for d in deployments.values()}

    def extend_seed(self, seed: Seed) -> None:
        """Adopt ``seed`` (the current one plus more) and add what is new to the live state, keeping the rest.

        The whole seed is validated first (a SeedError leaves everything as it was); reset() rebuilds from it.
        """
        with self.lock:
            probe = self._ids.fresh()
            for i, dep in enumerate(seed.deployments):
                _build(i, dep, self.clock, probe)
            self.seed = seed
            for i, dep in enumerate(seed.deployments):
                live = self.deployments.get(dep.id)
                if live is None:
                    live = self.deployments[dep.id] = _build(i, dep, self.clock, self.ids)
                    self._by_secret[live.secret] = live
                else:
                    _merge(i, dep, live)

    def deployment(self, deployment_id: int) -> Deployment:
        """A deployment by id (KeyError when it is not seeded)."""
        return self.deployments[deployment_id]

    def authenticate(self, authorization: str | None) -> Deployment:
        """Backend-API authentication: ``Bearer <secret>`` → the deployment, or production's 401s."""
        # http's HeaderValue::to_str accepts only visible ASCII and tab; anything else reads as "no header".
        if authorization is None or not authorization.startswith("Bearer ") or not visible_ascii(authorization):
            BEARER_REQUIRED.deny()
        BEARER_REQUIRED.allow()
        deployment = KNOWN_SECRET.found(self._by_secret.get(rust_trim(authorization[len("Bearer ") :])))
        now_ms = epoch_ms(self.clock.now())
        log = deployment.api_calls
        log.forget_until(now_ms - API_WINDOW_MS)
        API_RATE_LIMIT.check(log.count_after(now_ms - API_WINDOW_MS) < API_LIMIT, retry_after=API_WINDOW_MS)
        log.add(now_ms)
        return deployment


def _build(index: int, seed: DeploymentSeed, clock: Clock, ids: Ids) -> Deployment:
    d = Deployment(id=seed.id, plan=seed.plan, secret=seed.backend_secret, clock=clock, ids=ids)
    _merge(index, seed, d)
    return d


def _merge(index: int, seed: DeploymentSeed, d: Deployment) -> None:
    """Add the seed's entities that ``d`` does not have yet (by id, or by slug for schemes and apps)."""
    for u in seed.users:
        d.users.setdefault(u.id, User(u.id, u.deleted))
    for o in seed.organizations:
        d.organizations.setdefault(o.id, Organization(o.id, o.deleted))
    for w in seed.workspaces:
        d.workspaces.setdefault(w.id, Workspace(w.id, w.organization_id, w.deleted))
    known = {m.id for m in d.memberships}
    d.memberships += [
        Membership(m.id, m.user_id, m.organization_id, m.workspace_id, tuple(m.permissions), m.deleted)
        for m in seed.memberships
        if m.id not in known
    ]
    at = f"deployments[{index}]"
    for i, raw in enumerate(seed.rate_limit_schemes):
        with _seed_entry(f"{at}.rate_limit_schemes[{i}]"):
            scheme = CreateRateLimitSchemeRequest.model_validate(raw)
            if scheme.slug not in d.schemes:
                rate_limit_schemes.create_rate_limit_scheme(d, scheme)
    for i, raw in enumerate(seed.apps):
        with _seed_entry(f"{at}.apps[{i}]"):
            app = CreateApiAuthAppRequest.model_validate(raw)
            if app.app_slug not in d.apps:
                apps.create_api_auth_app(d, app, check_plan=False)


@contextmanager
def _seed_entry(where: str) -> Iterator[None]:
    """Turn a seeded scheme's or app's shape or rule error into a one-line SeedError naming the entry."""
    try:
        yield
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"])
        raise SeedError("seed", f"{where}.{field}" if field else where, first["msg"]) from None
    except VendorError as exc:
        raise SeedError("seed", where, exc.message) from None
