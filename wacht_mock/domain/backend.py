"""The Backend: every deployment's state, the clock, the ids, backend authentication, and reset."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from ..clock import Clock, VirtualClock
from ..errors import SeedError, VendorError
from ..ids import Ids
from ..models import CreateApiAuthAppRequest, CreateRateLimitSchemeRequest
from ..rules import rule
from ..seed import DeploymentSeed, Seed, default_seed
from . import apps, rate_limit_schemes
from .state import Deployment, Membership, Organization, User, Workspace
from .text import rust_trim

_AUTH_SRC = "platform/src/middleware/deployment_context.rs:17-91"

BEARER_REQUIRED = rule("auth.bearer_header_required", _AUTH_SRC, 401, "Authorization header must be Bearer token")
KNOWN_SECRET = rule("auth.secret_known", _AUTH_SRC, 401, "Authentication failed")

_M = TypeVar("_M", bound=BaseModel)


class Backend:
    """One mock's whole state. Build it from a seed; ``reset()`` rebuilds it from the same seed.

    ``lock`` serialises requests and Python-side changes, so a server thread and a test thread can share it.
    """

    def __init__(self, seed: Seed | None = None, *, clock: VirtualClock | None = None, id_seed: int = 0) -> None:
        self.seed = seed if seed is not None else default_seed()
        self.clock = clock if clock is not None else VirtualClock()
        self.id_seed = id_seed
        self.lock = threading.RLock()
        self.deployments: dict[int, Deployment] = {}
        self._by_secret: dict[str, Deployment] = {}
        self.reset()

    def reset(self) -> None:
        """Throw away every change and rebuild the state from the seed (the clock keeps its time)."""
        with self.lock:
            ids = Ids(self.id_seed)
            deployments = {dep.id: _build(i, dep, self.clock, ids) for i, dep in enumerate(self.seed.deployments)}
            self.deployments = deployments
            self._by_secret = {d.secret: d for d in deployments.values()}

    def deployment(self, deployment_id: int) -> Deployment:
        """A deployment by id (KeyError when it is not seeded)."""
        return self.deployments[deployment_id]

    def authenticate(self, authorization: str | None) -> Deployment:
        """Backend-API authentication: ``Bearer <secret>`` → the deployment, or production's 401s."""
        if authorization is None or not authorization.startswith("Bearer "):
            BEARER_REQUIRED.deny()
        BEARER_REQUIRED.check(True)
        deployment = self._by_secret.get(rust_trim(authorization[len("Bearer ") :]))
        if deployment is None:
            KNOWN_SECRET.deny()
        KNOWN_SECRET.check(True)
        return deployment


def _build(index: int, seed: DeploymentSeed, clock: Clock, ids: Ids) -> Deployment:
    d = Deployment(id=seed.id, plan=seed.plan, secret=seed.backend_secret, clock=clock, ids=ids)
    d.users = {u.id: User(u.id, u.deleted) for u in seed.users}
    d.organizations = {o.id: Organization(o.id, o.deleted) for o in seed.organizations}
    d.workspaces = {w.id: Workspace(w.id, w.organization_id, w.deleted) for w in seed.workspaces}
    d.memberships = [
        Membership(m.id, m.user_id, m.organization_id, m.workspace_id, tuple(m.permissions), m.deleted)
        for m in seed.memberships
    ]
    at = f"deployments[{index}]"
    for i, raw in enumerate(seed.rate_limit_schemes):
        body = _seed_body(CreateRateLimitSchemeRequest, raw, f"{at}.rate_limit_schemes[{i}]")
        _seed_call(lambda: rate_limit_schemes.create_rate_limit_scheme(d, body), f"{at}.rate_limit_schemes[{i}]")
    for i, raw in enumerate(seed.apps):
        app_body = _seed_body(CreateApiAuthAppRequest, raw, f"{at}.apps[{i}]")
        _seed_call(lambda: apps.create_api_auth_app(d, app_body, check_plan=False), f"{at}.apps[{i}]")
    return d


def _seed_body(model: type[_M], raw: object, where: str) -> _M:
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"])
        raise SeedError("seed", f"{where}.{field}" if field else where, first["msg"]) from None


def _seed_call(call: Callable[[], object], where: str) -> None:
    try:
        call()
    except VendorError as exc:
        raise SeedError("seed", where, exc.message) from None
