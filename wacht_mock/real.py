"""``RealWacht``: the same handle as ``WachtMock`` (a ``WachtHandle``), pointed at a real Wacht deployment.

Requests the code under test sends to ``https://api.wacht.dev`` / ``https://gateway.wacht.dev`` are forwarded to
the given base URLs (or pass straight through when those are the real hosts). ``unique(name)`` puts the test's
token in front of a name, and ``cleanup`` finds everything carrying it on the deployment by listing (however it
was created), plus whatever the handle saw created through its clients or routes, and removes it (keys revoked,
apps deleted, schemes deleted, in that order: ``real_cleanup``). Mock-only powers (clock, journal, faults,
seeding, reset, restore) call ``on_mock_only`` with a reason, which the pytest plugin turns into a skip.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, ClassVar, NoReturn

import httpx

from .errors import UsageError
from .hosts import API_HOST, API_URL, GATEWAY_HOST, GATEWAY_URL
from .real_cleanup import Ours, clean_up

if TYPE_CHECKING:
    import respx

    from .faults import FaultKind
    from .models import Plan

_CLOCK, _FAULTS, _SEEDING = "the virtual clock", "fault injection", "seeding"
_WIRE_HEADERS = frozenset({"content-encoding", "content-length", "transfer-encoding"})


def _refuse(reason: str) -> NoReturn:
    raise UsageError(reason)


class RealWacht:
    """A handle on a real deployment (or anything that speaks its API, such as another wacht-mock server)."""

    MOCK_ONLY: ClassVar[Mapping[str, str]] = MappingProxyType(
        {
            "reset": "reset",
            "restore": "restore",
            "clock": _CLOCK,
            "advance": _CLOCK,
            "set_time": _CLOCK,
            "journal": "the request journal",
            "faults": _FAULTS,
            "add_fault": _FAULTS,
            **dict.fromkeys(
                (
                    "add_deployment",
                    "add_user",
                    "add_organization",
                    "add_workspace",
                    "add_membership",
                    "add_scheme",
                    "add_key",
                ),
                _SEEDING,
            ),
            "add_app": _SEEDING,
            "backend": "the in-process backend",
            "mock": "the in-process mock behind wacht_server",
        }
    )
    """Each member that needs wacht-mock, and the power it needs (what ``mock_only_reason`` names)."""

    def __init__(
        self,
        api_key: str,
        *,
        base_url: str = API_URL,
        gateway_url: str = GATEWAY_URL,
        run_id: str | None = None,
        on_mock_only: Callable[[str], NoReturn] = _refuse,
    ) -> None:
        self.secret = api_key
        self.base_url = base_url.rstrip("/")
        self.gateway_url = gateway_url.rstrip("/")
        self.run_id = run_id or uuid.uuid4().hex[:8]
        self.prefix = f"wm{self.run_id}-"
        self._mock_only = on_mock_only
        self._apps: list[str] = []
        self._schemes: list[str] = []
        self._keys: list[tuple[str, str]] = []
        self._forwarder: httpx.Client | None = None

    @property
    def url(self) -> str:
        """The backend API's base URL (``wacht_server.url`` in both modes)."""
        return self.base_url

    @property
    def token(self) -> str:
        """What ``unique`` puts in front of a name, and what ``cleanup`` looks for: ``wm<run>-[<test>-]``."""
        return self.prefix

    def unique(self, name: str) -> str:
        """A slug unique to this run (and test, after ``for_test``): ``wm<run>-[<test>-]<name>``.

        Name every app (by slug), scheme (by slug) and key (by name) a test creates with it: ``cleanup`` finds
        them on the deployment by this token, whichever client created them."""
        return self.prefix + name

    def for_test(self, test_id: str) -> None:
        """Make ``unique`` names specific to one test too: deleted apps keep their slugs, so tests must not share."""
        self.prefix = f"wm{self.run_id}-{hashlib.sha256(test_id.encode()).hexdigest()[:6]}-"

    # HTTP

    def client(self) -> httpx.Client:
        """A sync client on the real backend API, authenticated, remembering what it creates."""
        return httpx.Client(
            base_url=self.base_url, headers=self._headers(), event_hooks={"response": [self._track_sync]}, timeout=30
        )

    def async_client(self) -> httpx.AsyncClient:
        """The async twin of ``client``. It keeps no connection alive between requests: an async client is often
        made outside the event loop that uses it (the ``wacht_async_client`` fixture), and a pooled connection would
        belong to a loop that is gone by the time the client is closed."""
        return httpx.AsyncClient(
            base_url=self.base_url,
            headers=self._headers(),
            event_hooks={"response": [self._track_async]},
            timeout=30,
            limits=httpx.Limits(max_keepalive_connections=0),
        )

    def route(self, router: respx.Router) -> None:
        """Forward a respx router's requests for the Wacht hosts to the configured base URLs."""
        for host, target in ((API_HOST, self.base_url), (GATEWAY_HOST, self.gateway_url)):
            if httpx.URL(target).host == host:
                router.route(host=host).pass_through()
            else:
                router.route(host=host).mock(side_effect=self._forward_to(target))
        for target in {self.base_url, self.gateway_url}:  # the forwarder's own requests, even in a strict router
            url = httpx.URL(target)
            lookups: dict[str, Any] = {"scheme": url.scheme, "host": url.host}
            if url.port is not None:
                lookups["port"] = url.port
            router.route(**lookups).pass_through()

    def cleanup(self) -> list[str]:
        """Remove from the deployment everything carrying ``token`` and everything this handle saw created;
        returns the problems met, one line each, then what was left (empty when nothing was); never raises.

        Found by listing the apps (each page), every app's active keys and the schemes, so what a subprocess or
        another client created through ``url`` goes too, provided its name came from ``unique``.
        """
        ours = Ours(
            token=self.token,
            apps=frozenset(self._apps),
            schemes=frozenset(self._schemes),
            keys=frozenset(key for _, key in self._keys),
        )
        with httpx.Client(base_url=self.base_url, headers=self._headers(), timeout=30) as api:
            problems = clean_up(api, ours)
        self._apps.clear()
        self._schemes.clear()
        self._keys.clear()
        if self._forwarder is not None:
            self._forwarder.close()
            self._forwarder = None
        return problems

    @classmethod
    def mock_only_reason(cls, name: str) -> str:
        """Why a mock-only member (a key of ``MOCK_ONLY``) is not available here, as its skip says it."""
        return f"{name} needs wacht-mock ({cls.MOCK_ONLY[name]}); not available against a real deployment"

    def _headers(self) -> dict[str, str]:
        return {"authorization": f"Bearer {self.secret}"}

    def _forward_to(self, target: str) -> Callable[[httpx.Request], httpx.Response]:
        base = httpx.URL(target)

        def forward(request: httpx.Request) -> httpx.Response:
            url = request.url.copy_with(scheme=base.scheme, host=base.host, port=base.port)
            headers = [(k, v) for k, v in request.headers.multi_items() if k != "host"]  # httpx sets the target's
            if self._forwarder is None:  # made on first use, closed by ``cleanup``
                self._forwarder = httpx.Client(timeout=30)
            answer = self._forwarder.request(request.method, url, headers=headers, content=request.read())
            self._remember(request.method, url.path, answer)
            # ``content`` is already decoded: the wire's encoding and length headers no longer describe it
            kept = [(k, v) for k, v in answer.headers.multi_items() if k not in _WIRE_HEADERS]
            return httpx.Response(answer.status_code, headers=kept, content=answer.content)

        return forward

    def _track_sync(self, response: httpx.Response) -> None:
        response.read()
        self._remember(response.request.method, response.request.url.path, response)

    async def _track_async(self, response: httpx.Response) -> None:
        await response.aread()
        self._remember(response.request.method, response.request.url.path, response)

    def _remember(self, method: str, path: str, response: httpx.Response) -> None:
        if method != "POST" or response.status_code != 200:
            return
        try:
            body: Any = response.json()
        except ValueError:
            return
        parts = path.strip("/").split("/")
        if parts == ["api-auth", "apps"]:
            self._apps.append(body["app_slug"])
        elif parts == ["api-auth", "rate-limit-schemes"]:
            self._schemes.append(body["slug"])
        elif len(parts) >= 4 and parts[:2] == ["api-auth", "apps"] and parts[3] == "keys" and "secret" in body:
            self._keys.append((body["app_slug"], body["id"]))

    # Mock-only powers: each refuses with a reason naming the power (the pytest plugin skips the test)

    def _needs_mock(self, name: str, power: str) -> NoReturn:
        reason = f"{name} needs wacht-mock ({power}); not available against a real deployment"
        self._mock_only(reason)
        raise UsageError(reason)  # for an ``on_mock_only`` that returns after all

    def reset(self) -> NoReturn:
        """Mock-only: a real deployment has no seed to go back to."""
        self._needs_mock("reset", "reset")

    def restore(self) -> NoReturn:
        """Mock-only: a real deployment cannot be put back as it was made."""
        self._needs_mock("restore", "restore")

    @property
    def clock(self) -> NoReturn:
        """Mock-only: a real deployment runs on wall time."""
        self._needs_mock("clock", _CLOCK)

    def advance(self, delta: timedelta | None = None, *, ms: int = 0, seconds: float = 0) -> NoReturn:
        """Mock-only (the virtual clock)."""
        self._needs_mock("advance", _CLOCK)

    def set_time(self, instant: datetime | str) -> NoReturn:
        """Mock-only (the virtual clock)."""
        self._needs_mock("set_time", _CLOCK)

    @property
    def journal(self) -> NoReturn:
        """Mock-only: a real deployment keeps no request journal for tests."""
        self._needs_mock("journal", "the request journal")

    @property
    def faults(self) -> NoReturn:
        """Mock-only (fault injection)."""
        self._needs_mock("faults", _FAULTS)

    def add_fault(self, kind: FaultKind, **options: Any) -> NoReturn:
        """Mock-only (fault injection)."""
        self._needs_mock("add_fault", _FAULTS)

    def add_deployment(self, deployment_id: int, *, plan: Plan = "growth", secret: str | None = None) -> NoReturn:
        """Mock-only (seeding): deployments are made in the Wacht console."""
        self._needs_mock("add_deployment", _SEEDING)

    def add_user(self, user_id: int, *, deleted: bool = False, deployment: int | None = None) -> NoReturn:
        """Mock-only (seeding)."""
        self._needs_mock("add_user", _SEEDING)

    def add_organization(
        self, organization_id: int, *, deleted: bool = False, deployment: int | None = None
    ) -> NoReturn:
        """Mock-only (seeding)."""
        self._needs_mock("add_organization", _SEEDING)

    def add_workspace(
        self, workspace_id: int, *, organization_id: int, deleted: bool = False, deployment: int | None = None
    ) -> NoReturn:
        """Mock-only (seeding)."""
        self._needs_mock("add_workspace", _SEEDING)

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
    ) -> NoReturn:
        """Mock-only (seeding)."""
        self._needs_mock("add_membership", _SEEDING)

    def add_scheme(self, *, deployment: int | None = None, **fields: Any) -> NoReturn:
        """Mock-only (seeding): create the scheme through ``client()`` instead, and it is cleaned up."""
        self._needs_mock("add_scheme", _SEEDING)

    def add_app(self, *, deployment: int | None = None, **fields: Any) -> NoReturn:
        """Mock-only (seeding): create the app through ``client()`` instead, and it is cleaned up."""
        self._needs_mock("add_app", _SEEDING)

    def add_key(
        self, app_slug: str, *, secret: str, name: str = "seeded", deployment: int | None = None, **fields: Any
    ) -> NoReturn:
        """Mock-only (seeding): a real deployment makes the secret; create the key through ``client()`` instead."""
        self._needs_mock("add_key", _SEEDING)

    @property
    def backend(self) -> NoReturn:
        """Mock-only: there is no in-process backend."""
        self._needs_mock("backend", "the in-process backend")

    @property
    def mock(self) -> NoReturn:
        """Mock-only: there is no mock behind a real deployment (``wacht_server.mock`` against the mock)."""
        self._needs_mock("mock", "the in-process mock behind wacht_server")
