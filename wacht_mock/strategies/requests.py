"""What the strategies generate: ``WachtRequest`` with its ``Expected`` answer, and the ``Scope`` a seed offers."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from ..mock import WachtMock
from ..rules import Rule
from ..seed import Seed, parse_seed

APPS, SCHEMES = "/api-auth/apps", "/api-auth/rate-limit-schemes"
MAX_DURATION = {"millisecond": 60_000, "second": 1800, "minute": 1440, "hour": 720, "day": 30}
NO_BODY = object()
"""``WachtRequest.body`` when the request has none."""


class Found(str):
    """A body value filled in from the set-up answers. A subclass, so that generated text which happens to read
    ``{key_id}`` is sent as it is."""


KEY_ID = Found("key_id")
"""In a body: the id of the key the set-up created."""
SECRET = Found("secret")
"""In a body: the secret of the key the set-up created."""


@dataclass(frozen=True, slots=True)
class Expected:
    """The answer production gives: status, and (for errors) the exact message and the rule behind it."""

    status: int
    """The HTTP status production answers with (200 for a valid request)."""
    message: str | None = None
    """The exact message of the error envelope (``{"errors": [{"message", "code"}]}``); None when none is checked."""
    rule: str | None = None
    """The id of the vendor rule the request breaks (``wacht_mock.all_rules()``); None for a valid request."""

    @classmethod
    def of(cls, rule: Rule, **fields: object) -> Expected:
        """The deny side of a rule."""
        assert rule.status is not None and rule.message is not None
        return cls(rule.status, rule.message.format(**fields), rule.id)


OK = Expected(200)
"""What a valid request gets: 200."""


@dataclass(frozen=True, slots=True)
class WachtRequest:
    """One request to send, the requests to send first, and the answer production gives to it.

    ``send(client)`` (or ``await asend(client)``) sends it through any httpx client you built whose ``base_url`` is
    the backend API (``WachtMock.client()``, a client on ``wacht_server.url``, one with your own transport or
    event hooks): the path is relative, and each request carries its own ``Authorization`` (the secret of the
    seeded deployment it was generated for), so the client's own auth, if any, is replaced for it. Gateway checks
    go to the same client (the mock serves both on one origin). ``check(response)`` asserts ``expected``.

    ``path`` may name ``{key_id}``, and values in ``body`` may be ``KEY_ID`` or ``SECRET``: they are filled from
    the last set-up answer that had them (a created key).
    """

    operation: str
    """The vendor operationId, e.g. ``createApiAuthApp`` or ``checkAuthz``."""
    method: str
    """The HTTP method."""
    path: str
    """The path, relative to the client's base URL, e.g. ``/api-auth/apps``."""
    secret: str
    """The backend secret sent as ``Authorization: Bearer <secret>``."""
    body: Any = NO_BODY
    """The JSON body (``NO_BODY`` for none)."""
    raw: bytes | None = None
    """Bytes sent instead of ``body`` (malformed JSON and the like); None to send ``body``."""
    content_type: str | None = "application/json"
    """The ``Content-Type`` header; None to send none."""
    setup: tuple[WachtRequest, ...] = ()
    """Requests sent first, each of which must succeed (the app a key needs, the scheme a duplicate repeats)."""
    expected: Expected = OK
    """The answer production gives to this request."""

    def send(self, client: httpx.Client) -> httpx.Response:
        """Send the set-up requests (each must succeed), then this one; returns this one's response."""
        found: dict[str, str] = {}
        for step in self.setup:
            found = _after_setup(step, step._request(client, found), found)
        return self._request(client, found)

    async def asend(self, client: httpx.AsyncClient) -> httpx.Response:
        """The async twin of ``send``, through an ``httpx.AsyncClient``."""
        found: dict[str, str] = {}
        for step in self.setup:
            found = _after_setup(step, await step._arequest(client, found), found)
        return await self._arequest(client, found)

    def _request(self, client: httpx.Client, found: Mapping[str, str]) -> httpx.Response:
        method, url, content, headers = self._parts(found)
        return client.request(method, url, content=content, headers=headers)

    async def _arequest(self, client: httpx.AsyncClient, found: Mapping[str, str]) -> httpx.Response:
        method, url, content, headers = self._parts(found)
        return await client.request(method, url, content=content, headers=headers)

    def _parts(self, found: Mapping[str, str]) -> tuple[str, str, bytes | None, dict[str, str]]:
        """Method, path, content and headers, with the created key's id and secret filled in."""
        headers = {"authorization": f"Bearer {self.secret}"}
        if self.content_type is not None:
            headers["content-type"] = self.content_type
        content = self.raw
        if content is None and self.body is not NO_BODY:
            content = json.dumps(_fill(self.body, found)).encode()
        return self.method, self.path.format(**found), content, headers

    def check(self, response: httpx.Response) -> None:
        """Assert production's answer: the status, and the exact error envelope when one is expected."""
        e = self.expected
        assert response.status_code == e.status, f"{self.method} {self.path}: {response.status_code} {response.text}"
        if e.message is not None:
            assert response.json() == {"errors": [{"message": e.message, "code": e.status}]}, response.text


def _after_setup(step: WachtRequest, answer: httpx.Response, found: dict[str, str]) -> dict[str, str]:
    """Check a set-up answer; a created key's id and secret become what later requests fill in."""
    if answer.status_code not in (200, 204):
        raise AssertionError(f"set-up {step.method} {step.path}: {answer.status_code} {answer.text}")
    if answer.content and "secret" in answer.json():
        return {"key_id": answer.json()["id"], "secret": answer.json()["secret"]}
    return found


def _fill(value: Any, found: Mapping[str, str]) -> Any:
    if isinstance(value, Found):
        return found[value]
    if isinstance(value, dict):
        return {k: _fill(v, found) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, found) for v in value]
    return value


# What a seed offers


@dataclass(frozen=True, slots=True)
class Scope:
    """What the strategies may use from a seed: deployments by plan, and the first growth deployment's ids."""

    growth_secret: str
    other_plan_secrets: tuple[str, ...]
    users: tuple[int, ...]
    organizations: tuple[int, ...]
    workspaces: Mapping[int, int] = field(default_factory=dict)  # workspace -> organization
    org_members: frozenset[tuple[int, int]] = frozenset()  # (user, organization)
    ws_members: frozenset[tuple[int, int]] = frozenset()  # (user, workspace)

    @property
    def user_in_org(self) -> list[tuple[int, int]]:
        """(user, organization) pairs a user app may use."""
        return sorted(self.org_members)

    @property
    def user_in_workspace(self) -> list[tuple[int, int]]:
        """(user, workspace) pairs where the user is a member of the workspace and of its organization."""
        return sorted((u, w) for u, w in self.ws_members if (u, self.workspaces[w]) in self.org_members)


def scope_of(source: WachtMock | Seed | Mapping[str, Any] | None = None) -> Scope:
    """Read a Scope from a mock, a seed or a seed mapping (default: the default seed)."""
    if isinstance(source, WachtMock):
        seed = source.backend.seed
        secrets = {d.id: d.secret for d in source.backend.deployments.values()}
    else:
        seed = source if isinstance(source, Seed) else parse_seed(source or {"deployments": [{"id": 1}]})
        secrets = {d.id: d.backend_secret for d in seed.deployments}
    growth = [d for d in seed.deployments if d.plan == "growth"]
    if not growth:
        raise ValueError("the seed has no growth deployment; most requests need one")
    d = growth[0]
    live = {u.id for u in d.users if not u.deleted}
    orgs = {o.id for o in d.organizations if not o.deleted}
    workspaces = {w.id: w.organization_id for w in d.workspaces if not w.deleted and w.organization_id in orgs}
    members = [m for m in d.memberships if not m.deleted and m.user_id in live]
    return Scope(
        growth_secret=secrets[d.id],
        other_plan_secrets=tuple(secrets[o.id] for o in seed.deployments if o.plan != "growth"),
        users=tuple(sorted(live)),
        organizations=tuple(sorted(orgs)),
        workspaces=workspaces,
        org_members=frozenset((m.user_id, m.organization_id) for m in members if m.organization_id in orgs),
        ws_members=frozenset((m.user_id, m.workspace_id) for m in members if m.workspace_id in workspaces),
    )
