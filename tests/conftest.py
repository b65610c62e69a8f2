"""Shared test helpers: a seeded backend, an httpx client wired to it in-process, and the small builders several
test modules use."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import hypothesis_profiles
import pytest

from wacht_mock import Backend, Harness, Ids, LiveWacht, VirtualClock, WachtMock, create_app, parse_seed
from wacht_mock.domain.state import Deployment
from wacht_mock.inprocess import WachtTransport
from wacht_mock.models import CreateApiAuthAppRequest, CreateApiKeyRequest, CreateRateLimitSchemeRequest
from wacht_mock.rules import Firing


def pytest_configure(config: pytest.Config) -> None:
    """Hypothesis's ``ci`` profile when ``CI`` is set (tests/hypothesis_profiles.py), unless
    ``--hypothesis-profile`` names one."""
    if not config.getoption("--hypothesis-profile", None):
        hypothesis_profiles.load(os.environ)


T0 = datetime(2026, 6, 12, 10, 20, 30, 123456, tzinfo=UTC)

# Deployment 1 (growth) with users, orgs, workspaces and memberships; 2 (starter), 3 (pro), 4 (none) bare;
# 5 (growth) exists to show cross-deployment isolation.
SEED: dict[str, Any] = {
    "deployments": [
        {
            "id": 1,
            "plan": "growth",
            "users": [{"id": 11}, {"id": 12, "deleted": True}, {"id": 13}, {"id": 14}],
            "organizations": [{"id": 21}, {"id": 22}, {"id": 23, "deleted": True}],
            "workspaces": [
                {"id": 31, "organization_id": 21},
                {"id": 32, "organization_id": 22},
                {"id": 33, "organization_id": 21, "deleted": True},
            ],
            "memberships": [
                {"id": 41, "user_id": 11, "organization_id": 21, "permissions": ["org:write", "org:read", "org:read"]},
                {"id": 42, "user_id": 11, "workspace_id": 31, "permissions": ["ws:write"]},
                {"id": 43, "user_id": 13, "organization_id": 21, "permissions": []},
                {"id": 44, "user_id": 14, "organization_id": 21, "deleted": True},
            ],
        },
        {"id": 2, "plan": "starter"},
        {"id": 3, "plan": "pro"},
        {"id": 4, "plan": "none"},
        {"id": 5, "plan": "growth"},
    ]
}


class Mock:
    """A backend plus helpers to call it over in-process HTTP as one deployment or another."""

    def __init__(self, backend: Backend) -> None:
        self.backend = backend
        self.harness = Harness(backend)
        self.app = create_app(self.harness)

    def secret(self, deployment_id: int = 1) -> str:
        return self.backend.deployment(deployment_id).secret

    def client(self, deployment_id: int | None = 1, **headers: str) -> httpx.Client:
        """A sync client calling the app in-process, through the transport users get (``WachtTransport``)."""
        auth = {"authorization": f"Bearer {self.secret(deployment_id)}"} if deployment_id is not None else {}
        return httpx.Client(
            transport=WachtTransport(self.app), base_url="https://api.wacht.dev", headers={**auth, **headers}
        )


@pytest.fixture
def clock() -> VirtualClock:
    return VirtualClock(T0)


@pytest.fixture
def backend(clock: VirtualClock) -> Backend:
    return Backend(parse_seed(SEED), clock=clock)


@pytest.fixture
def mock(backend: Backend) -> Mock:
    return Mock(backend)


@pytest.fixture
def api(mock: Mock) -> Iterator[httpx.Client]:
    """Authenticated as deployment 1 (growth, with users and organizations)."""
    with mock.client(1) as client:
        yield client


# The app most HTTP tests create.
APP: dict[str, Any] = {"app_slug": "billing", "name": "Billing", "key_prefix": "sk_live"}


@pytest.fixture
def billing(api: httpx.Client) -> dict[str, Any]:
    """Deployment 1 with one app, ``billing``."""
    return ok(api.post("/api-auth/apps", json=APP))


@pytest.fixture
def gw(mock: Mock) -> Iterator[httpx.Client]:
    """An unauthenticated client: the gateway needs no backend secret."""
    with mock.client(None) as client:
        yield client


def make_app(api: httpx.Client, slug: str = "app1", key_prefix: str = "sk_live", **fields: Any) -> dict[str, Any]:
    """Create app ``slug`` (named after its slug) over HTTP, asserting success; its JSON."""
    return ok(api.post("/api-auth/apps", json={"app_slug": slug, "name": slug, "key_prefix": key_prefix, **fields}))


def make_key(api: httpx.Client, app: str = "app1", **fields: Any) -> dict[str, Any]:
    """Create a key of ``app`` (named "Server key" unless given) over HTTP, asserting success; its JSON."""
    fields.setdefault("name", "Server key")
    return ok(api.post(f"/api-auth/apps/{app}/keys", json=fields))


# Domain tests call the domain functions directly, with request models built here.

RULE: dict[str, Any] = {"unit": "minute", "duration": 1, "max_requests": 10}


@pytest.fixture
def d(backend: Backend) -> Deployment:
    """Deployment 1, with secrets made from the bytes 0..31 so they can be asserted exactly."""
    deployment = backend.deployment(1)
    deployment.ids = Ids(0, token_bytes=lambda n: bytes(range(n)))
    return deployment


def scheme_req(
    slug: str = "basic", name: str = "Basic", rules: Any = None, **extra: Any
) -> CreateRateLimitSchemeRequest:
    body = {"slug": slug, "name": name, "rules": [RULE] if rules is None else rules, **extra}
    return CreateRateLimitSchemeRequest.model_validate(body)


def app_req(slug: str = "app1", **fields: Any) -> CreateApiAuthAppRequest:
    return CreateApiAuthAppRequest.model_validate({"app_slug": slug, "name": slug, "key_prefix": "sk_live", **fields})


def key_req(**fields: Any) -> CreateApiKeyRequest:
    return CreateApiKeyRequest.model_validate({"name": "k", **fields})


def ids_of(firings: list[Firing], prefix: str) -> list[Firing]:
    return [f for f in firings if f.rule_id.startswith(prefix)]


def error(status: int, message: str) -> dict[str, Any]:
    """The body production answers with for an error."""
    return {"errors": [{"message": message, "code": status}]}


def ok(response: httpx.Response) -> Any:
    """The JSON of a response that must be a 200 (the body is shown when it is not)."""
    assert response.status_code == 200, response.text
    return response.json()


@pytest.fixture(scope="session", autouse=True)
def contract_conformance() -> Iterator[list[str]]:
    """Every answer a mock app sends in this test process is validated against contracts/*.yaml, through the
    app's response hook: in-process apps and in-thread live servers alike (subprocess servers are not covered).

    A violation raises ``AssertionError`` from the app, which fails the test that made the request; violations
    that a server thread swallowed fail the session at teardown.
    """
    import conformance

    from wacht_mock.http.app import Sent, response_hook

    violations: list[str] = []

    def check(sent: Sent) -> None:
        try:
            conformance.validate(
                sent.method, sent.path, sent.status, sent.content_type, sent.body, injected=sent.injected
            )
        except AssertionError as exc:
            violations.append(str(exc))
            raise

    with response_hook(check):
        yield violations
    assert not violations, "contract violations:\n" + "\n".join(violations)


# Live servers shared by the session (one per xdist worker): a test that only needs a server back to how it
# started gets one of these, restored before it, instead of starting its own. Tests that need a server with
# special flags or a special seed or clock keep their own.

VERIFY_TARGET = Path(__file__).resolve().parents[1] / "contracts" / "verify-target"


@pytest.fixture(scope="session")
def _session_live() -> Iterator[LiveWacht]:
    server = LiveWacht()
    yield server
    server.stop()


@pytest.fixture
def session_live(_session_live: LiveWacht) -> LiveWacht:
    """A ``LiveWacht()`` shared by the session, restored (seed, clock, no journal, no faults) before each test."""
    _session_live.restore()
    return _session_live


@pytest.fixture(scope="session")
def _verify_target() -> Iterator[LiveWacht]:
    server = LiveWacht(WachtMock(seed=VERIFY_TARGET / "seed.yaml"))
    yield server
    server.stop()


@pytest.fixture
def verify_target(_verify_target: LiveWacht) -> LiveWacht:
    """A live mock seeded as ``contracts/verify-target`` describes, shared by the session, restored before each
    test."""
    _verify_target.restore()
    return _verify_target


@pytest.fixture
def deployment(session_live: LiveWacht) -> LiveWacht:
    """A live wacht-mock server standing in for a real deployment (the session's, restored)."""
    return session_live
