"""``WachtHandle``: what a test holds, whichever backend is behind it.

``WachtMock`` (in-process), ``LiveWacht`` (the same state over loopback) and ``RealWacht`` (a real deployment)
all implement it, and each word means one thing on all three:

- ``reset()``: back to the seed — state, journal and faults; what the seeding helpers added and the clock stay.
- ``restore()``: back to how the handle was made — its first seed, its first instant, no journal, no faults.
- ``advance``/``set_time``: move the virtual clock.

On ``RealWacht`` the mock-only members (the clock, the journal, faults, seeding, reset and restore) refuse
with a reason naming the power, which the pytest plugin turns into a skip.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    import httpx
    import respx

    from .clock import VirtualClock
    from .faults import Fault, FaultKind, Faults
    from .journal import Journal
    from .models import Plan


class WachtHandle(Protocol):
    """A handle on a Wacht backend and gateway: where they are, how to call them, and the mock's powers."""

    # Where, and as whom

    @property
    def url(self) -> str:
        """The backend API's base URL (the same as ``base_url``)."""

    @property
    def base_url(self) -> str:
        """The backend API's base URL."""

    @property
    def gateway_url(self) -> str:
        """The gateway's base URL (``<gateway_url>/v1/authz/check``)."""

    @property
    def secret(self) -> str:
        """The first deployment's backend secret (``Authorization: Bearer <secret>``)."""

    def unique(self, name: str) -> str:
        """A slug unique to this test run, so a test runs unchanged against a real deployment."""

    # Calling it

    def client(self) -> httpx.Client:
        """A sync httpx client on the backend API, authenticated as the first deployment."""

    def async_client(self) -> httpx.AsyncClient:
        """The async twin of ``client``."""

    def route(self, router: respx.Router) -> None:
        """Answer a respx router's requests for the Wacht hosts from this handle's backend."""

    # Back to a known state

    def reset(self) -> None:
        """Back to the seed: state, journal and faults (seeding and the clock stay)."""

    def restore(self) -> None:
        """Back to how the handle was made: first seed, first instant, no journal, no faults."""

    # The clock

    @property
    def clock(self) -> VirtualClock:
        """The virtual clock every expiry, rate limit and timestamp reads."""

    def advance(self, delta: timedelta | None = None, *, ms: int = 0, seconds: float = 0) -> datetime:
        """Move the clock forward; returns the new now."""

    def set_time(self, instant: datetime | str) -> datetime:
        """Jump the clock to an instant (RFC 3339 text or a datetime)."""

    # Journal and faults

    @property
    def journal(self) -> Journal:
        """Every request since the last reset, with its operation, status and fired rules."""

    @property
    def faults(self) -> Faults:
        """The active faults."""

    def add_fault(self, kind: FaultKind, **options: Any) -> Fault:
        """Inject a fault (see ``wacht_mock.faults``); with neither ``count`` nor ``ratio`` it fires for every
        matching request until it is removed."""

    # Seeding (what the console would have made; kept across reset)

    def add_deployment(self, deployment_id: int, *, plan: Plan = "growth", secret: str | None = None) -> str:
        """Add a deployment; returns its backend secret."""

    def add_user(self, user_id: int, *, deleted: bool = False, deployment: int | None = None) -> None:
        """Add a user to a deployment (the first by default)."""

    def add_organization(self, organization_id: int, *, deleted: bool = False, deployment: int | None = None) -> None:
        """Add an organization."""

    def add_workspace(
        self, workspace_id: int, *, organization_id: int, deleted: bool = False, deployment: int | None = None
    ) -> None:
        """Add a workspace of an organization."""

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

    def add_scheme(self, *, deployment: int | None = None, **fields: Any) -> None:
        """Add a rate-limit scheme (the create request's fields)."""

    def add_app(self, *, deployment: int | None = None, **fields: Any) -> None:
        """Add an app (the create request's fields), with no plan check."""

    def add_key(
        self, app_slug: str, *, secret: str, name: str = "seeded", deployment: int | None = None, **fields: Any
    ) -> dict[str, Any]:
        """Add an API key with a known secret to a seeded app; returns the key as ``listApiKeys`` shows it."""
