"""The Backend: every deployment's state, the clock, the ids, backend authentication, and reset."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from ..clock import Clock, VirtualClock
from ..errors import SeedError, VendorError
from ..ids import Ids, stable_deployment_secret
from ..rules import rule
from . import apps, rate_limit_schemes, seeding
from .state import Deployment, Membership, Organization, User, Workspace, epoch_ms
from .text import rust_trim, visible_ascii

if TYPE_CHECKING:
    from ..seed import DeploymentSeed, Seed

# The default seed (``default_seed()``: deployment 1 on Growth with its stable secret, nothing else), built
# straight into state: a Backend without a seed never imports the seed's pydantic models (``serve`` starts sooner).
DEFAULT_DEPLOYMENT_ID = 1

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
        self._seed = seed  # None: the default seed, made as a ``Seed`` only when asked for
        self.clock = clock if clock is not None else VirtualClock()
        self._ids = ids if ids is not None else Ids()
        self.lock = threading.RLock()
        self.deployments: dict[int, Deployment] = {}
        self.ids = self._ids
        self._by_secret: dict[str, Deployment] = {}
        self.reset()

    @property
    def seed(self) -> Seed:
        """The seed ``reset()`` rebuilds from."""
        if self._seed is None:
            from ..seed import default_seed

            self._seed = default_seed()
        return self._seed

    @seed.setter
    def seed(self, seed: Seed) -> None:
        self._seed = seed

    def reset(self) -> None:
        """Throw away every change and rebuild from the seed (the clock keeps its time)."""
        with self.lock:
            if self._seed is None:
                ids = self._ids.fresh()  # the default seed names no id
                secret = stable_deployment_secret(DEFAULT_DEPLOYMENT_ID)
                default = Deployment(id=DEFAULT_DEPLOYMENT_ID, plan="growth", secret=secret, clock=self.clock, ids=ids)
                self.adopt({default.id: default}, ids)
                return
            ids = self._seeded_ids(self._seed)
            deployments = {dep.id: _build(i, dep, self.clock, ids) for i, dep in enumerate(self._seed.deployments)}
            _check_keys_unique(deployments)
            self.adopt(deployments, ids)

    def replace_seed(self, seed: Seed) -> None:
        """Adopt ``seed`` and rebuild the state from it (a SeedError leaves everything as it was)."""
        with self.lock:
            previous = self._seed
            self._seed = seed
            try:
                self.reset()
            except SeedError:
                self._seed = previous
                raise

    def adopt(self, deployments: dict[int, Deployment], ids: Ids) -> None:
        """Serve these deployments, with ``ids`` continuing their ids (a state loaded from a store)."""
        with self.lock:
            self.ids = ids
            self.deployments = deployments
            self._by_secret = {d.secret: d for d in deployments.values()}

    def _seeded_ids(self, seed: Seed) -> Ids:
        from ..seed import largest_id

        ids = self._ids.fresh()
        ids.skip_past(largest_id(seed))
        return ids

    def extend_seed(self, seed: Seed) -> None:
        """Adopt ``seed`` (the current one plus more) and add what is new to the live state, keeping the rest.

        The whole seed is validated first (a SeedError leaves everything as it was); reset() rebuilds from it.
        """
        with self.lock:
            probe = self._seeded_ids(seed)
            _check_keys_unique({dep.id: _build(i, dep, self.clock, probe) for i, dep in enumerate(seed.deployments)})
            self.ids.skip_past(probe.last)
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
    _merge(index, seed, d, fresh=True)
    return d


def _check_keys_unique(deployments: dict[int, Deployment]) -> None:
    """A key belongs to one deployment: the gateway finds it by hash across all of them."""
    owner: dict[str, int] = {}
    for i, d in enumerate(deployments.values()):
        for key_hash in d.keys_by_hash:
            if owner.setdefault(key_hash, d.id) != d.id:
                raise SeedError(
                    "seed", f"deployments[{i}]", f"a key is seeded in deployments {owner[key_hash]} and {d.id}"
                )


def _merge(index: int, seed: DeploymentSeed, d: Deployment, *, fresh: bool = False) -> None:
    """Add the seed's entities that ``d`` does not have yet (by id, or by slug for schemes and apps); a
    deployment's audit records only when it is built (``fresh``), as they have no identity to merge by."""
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
    if seed.rate_limit_schemes:
        _merge_schemes(at, seed, d)
    if seed.apps:
        _merge_apps(at, seed, d)
    for i, record in enumerate(seed.audit if fresh else ()):
        with _seed_entry(f"{at}.audit[{i}]"):
            seeding.add_audit(d, record)


def _merge_schemes(at: str, seed: DeploymentSeed, d: Deployment) -> None:
    from ..models import CreateRateLimitSchemeRequest  # here: a seed without schemes needs no request model
    from ..seed import SCHEME_STATE_FIELDS, SchemeStateSeed

    for i, raw in enumerate(seed.rate_limit_schemes):
        with _seed_entry(f"{at}.rate_limit_schemes[{i}]"):
            scheme = CreateRateLimitSchemeRequest.model_validate(_without(raw, SCHEME_STATE_FIELDS))
            scheme_state = SchemeStateSeed.model_validate(_only(raw, SCHEME_STATE_FIELDS))
            if scheme.slug not in d.schemes:
                made = rate_limit_schemes.create_rate_limit_scheme(d, scheme, ident=scheme_state.id)
                seeding.apply_scheme_state(made, scheme_state)


def _merge_apps(at: str, seed: DeploymentSeed, d: Deployment) -> None:
    from ..models import CreateApiAuthAppRequest  # here: a seed without apps needs no request model
    from ..seed import APP_STATE_FIELDS, AppStateSeed, KeySeed

    for i, raw in enumerate(seed.apps):
        with _seed_entry(f"{at}.apps[{i}]"):
            app = CreateApiAuthAppRequest.model_validate(_without(raw, APP_STATE_FIELDS))
            app_state = AppStateSeed.model_validate(_only(raw, APP_STATE_FIELDS))
            existing = d.apps.get(app.app_slug)  # an app already there only gets the keys it lacks
            made_app = existing if existing is not None else apps.create_api_auth_app(d, app, check_plan=False).app
        for j, key in enumerate(app_state.keys):
            with _seed_entry(f"{at}.apps[{i}].keys[{j}]"):
                key_seed = KeySeed.model_validate(key)
                if existing is None or not seeding.has_key(d, key_seed):
                    seeding.add_key(d, made_app, key_seed)
        if existing is None:
            with _seed_entry(f"{at}.apps[{i}]"):
                seeding.apply_app_state(d, made_app, app_state)


def _without(raw: dict[str, object], names: frozenset[str]) -> dict[str, object]:
    return {k: v for k, v in raw.items() if k not in names}


def _only(raw: dict[str, object], names: frozenset[str]) -> dict[str, object]:
    return {k: v for k, v in raw.items() if k in names}


@contextmanager
def _seed_entry(where: str) -> Iterator[None]:
    """Turn a seeded scheme's or app's shape or rule error into a one-line SeedError naming the entry."""
    from pydantic import ValidationError  # here: only a seed with entries to check comes this way

    try:
        yield
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"])
        problem = "unknown field" if first["type"] == "extra_forbidden" else first["msg"].removeprefix("Value error, ")
        raise SeedError("seed", f"{where}.{field}" if field else where, problem) from None
    except VendorError as exc:
        raise SeedError("seed", where, exc.message) from None
    except SeedError as exc:
        raise SeedError("seed", where + exc.where, exc.problem) from None
