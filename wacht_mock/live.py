"""``LiveWacht``: a ``WachtMock`` served over real HTTP on loopback, for clients that are not httpx or not in
this process (the ``wacht_server`` fixture). The clock, journal, faults and seeding are the mock's."""

from __future__ import annotations

import socket
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import httpx

from .clock import VirtualClock
from .faults import Fault, FaultKind, Faults
from .journal import Journal
from .mock import WachtMock
from .models import Plan
from .server import LiveServer

if TYPE_CHECKING:
    import respx


class LiveWacht:
    """A ``WachtMock`` served over real HTTP on loopback (a ``WachtHandle``): ``url`` and ``secret`` for any
    client; ``mock`` is the mock itself."""

    def __init__(self, mock: WachtMock | None = None, sock: socket.socket | None = None) -> None:
        self.mock = mock if mock is not None else WachtMock()
        self.server = LiveServer(self.mock.app, sock)
        self.url = self.server.url

    @property
    def base_url(self) -> str:
        """The backend API's base URL (the same as ``url``)."""
        return self.url

    @property
    def gateway_url(self) -> str:
        """The gateway shares the origin: ``<url>/v1/authz/check``."""
        return self.url

    @property
    def secret(self) -> str:
        """The first deployment's backend secret."""
        return self.mock.secret

    def unique(self, name: str) -> str:
        """A slug unique to this test run (``name`` itself: the fixture restores the server before each test)."""
        return self.mock.unique(name)

    def stop(self) -> None:
        """Stop serving."""
        self.server.stop()

    # HTTP

    def client(self, *, deployment: int | None = None, authenticated: bool = True) -> httpx.Client:
        """A sync httpx client on the served backend API, over real HTTP, authenticated as the first (or the given)
        deployment."""
        return httpx.Client(base_url=self.url, headers=self._auth(deployment, authenticated))

    def async_client(self, *, deployment: int | None = None, authenticated: bool = True) -> httpx.AsyncClient:
        """The async twin of ``client``."""
        return httpx.AsyncClient(base_url=self.url, headers=self._auth(deployment, authenticated))

    def _auth(self, deployment: int | None, authenticated: bool) -> dict[str, str]:
        if not authenticated:
            return {}
        secret = self.mock.secret_for(self.mock.deployment_id if deployment is None else deployment)
        return {"authorization": f"Bearer {secret}"}

    def route(self, router: respx.Router) -> None:
        """Answer a respx router's requests for api.wacht.dev and gateway.wacht.dev from the served mock's state
        (in-process), and let requests to the server's own URL through, even in a strict router."""
        self.mock.route(router)
        url = httpx.URL(self.url)
        router.route(scheme=url.scheme, host=url.host, port=url.port).pass_through()

    # Back to a known state

    def reset(self) -> None:
        """Back to the seed (``WachtMock.reset``): state, journal and faults; seeding and the clock stay."""
        self.mock.reset()

    def restore(self) -> None:
        """Back to how the server started (``WachtMock.restore``): its seed, its clock, no journal, no faults, so
        nothing one test seeded or advanced reaches the next. The ``wacht_server`` fixture calls it before each
        test."""
        self.mock.restore()

    # The mock's powers

    @property
    def clock(self) -> VirtualClock:
        """The served mock's virtual clock."""
        return self.mock.clock

    def advance(self, delta: timedelta | None = None, *, ms: int = 0, seconds: float = 0) -> datetime:
        """Move the clock forward; returns the new now."""
        return self.mock.advance(delta, ms=ms, seconds=seconds)

    def set_time(self, instant: datetime | str) -> datetime:
        """Jump the clock to an instant (RFC 3339 text or a datetime; naive means UTC)."""
        return self.mock.set_time(instant)

    @property
    def journal(self) -> Journal:
        """Every request the server answered since the last reset."""
        return self.mock.journal

    @property
    def faults(self) -> Faults:
        """The active faults."""
        return self.mock.faults

    def add_fault(self, kind: FaultKind, **options: Any) -> Fault:
        """Inject a fault (``WachtMock.add_fault``); ``drop`` and ``lost_response`` close the real connection."""
        return self.mock.add_fault(kind, **options)

    def add_deployment(self, deployment_id: int, *, plan: Plan = "growth", secret: str | None = None) -> str:
        """Add a deployment; returns its backend secret."""
        return self.mock.add_deployment(deployment_id, plan=plan, secret=secret)

    def add_user(self, user_id: int, *, deleted: bool = False, deployment: int | None = None) -> None:
        """Add a user to a deployment (the first by default)."""
        self.mock.add_user(user_id, deleted=deleted, deployment=deployment)

    def add_organization(self, organization_id: int, *, deleted: bool = False, deployment: int | None = None) -> None:
        """Add an organization."""
        self.mock.add_organization(organization_id, deleted=deleted, deployment=deployment)

    def add_workspace(
        self, workspace_id: int, *, organization_id: int, deleted: bool = False, deployment: int | None = None
    ) -> None:
        """Add a workspace of an organization."""
        self.mock.add_workspace(workspace_id, organization_id=organization_id, deleted=deleted, deployment=deployment)

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
        self.mock.add_membership(
            membership_id,
            user_id=user_id,
            organization_id=organization_id,
            workspace_id=workspace_id,
            permissions=permissions,
            deleted=deleted,
            deployment=deployment,
        )

    def add_scheme(self, *, deployment: int | None = None, **fields: Any) -> None:
        """Add a rate-limit scheme (the create request's fields)."""
        self.mock.add_scheme(deployment=deployment, **fields)

    def add_app(self, *, deployment: int | None = None, **fields: Any) -> None:
        """Add an app (the create request's fields), with no plan check."""
        self.mock.add_app(deployment=deployment, **fields)

    def add_key(
        self, app_slug: str, *, secret: str, name: str = "seeded", deployment: int | None = None, **fields: Any
    ) -> dict[str, Any]:
        """Add an API key with a known secret to a seeded app (``WachtMock.add_key``); returns the key as listed."""
        return self.mock.add_key(app_slug, secret=secret, name=name, deployment=deployment, **fields)
