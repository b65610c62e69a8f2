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


@dataclass(frozen=True, slots=True)
class Expected:
    """The answer production gives: status, and (for errors) the exact message and the rule behind it."""

    status: int
    message: str | None = None
    rule: str | None = None

    @classmethod
    def of(cls, rule: Rule, **fields: object) -> Expected:
        """The deny side of a rule."""
        assert rule.status is not None and rule.message is not None
        return cls(rule.status, rule.message.format(**fields), rule.id)


OK = Expected(200)


@dataclass(frozen=True, slots=True)
class WachtRequest:
    """One request to send, the requests to send first, and the answer production gives to it.

    ``path`` and string values in ``body`` may name ``{key_id}`` or ``{secret}``: they are filled from the last
    set-up answer that had them (a created key).
    """

    operation: str
    method: str
    path: str
    secret: str
    body: Any = NO_BODY
    raw: bytes | None = None
    content_type: str | None = "application/json"
    setup: tuple[WachtRequest, ...] = ()
    expected: Expected = OK

    def send(self, client: httpx.Client) -> httpx.Response:
        """Send the set-up requests (each must succeed), then this one; returns this one's response."""
        found: dict[str, str] = {}
        for step in self.setup:
            answer = step._send(client, found)
            assert answer.status_code in (200, 204), f"set-up {step.method} {step.path}: {answer.text}"
            if answer.content and "secret" in answer.json():
                found = {"key_id": answer.json()["id"], "secret": answer.json()["secret"]}
        return self._send(client, found)

    def _send(self, client: httpx.Client, found: Mapping[str, str]) -> httpx.Response:
        headers = {"authorization": f"Bearer {self.secret}"}
        if self.content_type is not None:
            headers["content-type"] = self.content_type
        content = self.raw
        if content is None and self.body is not NO_BODY:
            content = json.dumps(_fill(self.body, found)).encode()
        return client.request(self.method, self.path.format(**found), content=content, headers=headers)

    def check(self, response: httpx.Response) -> None:
        """Assert production's answer: the status, and the exact error envelope when one is expected."""
        e = self.expected
        assert response.status_code == e.status, f"{self.method} {self.path}: {response.status_code} {response.text}"
        if e.message is not None:
            assert response.json() == {"errors": [{"message": e.message, "code": e.status}]}, response.text


def _fill(value: Any, found: Mapping[str, str]) -> Any:
    if isinstance(value, str) and value in ("{key_id}", "{secret}"):
        return found[value[1:-1]]
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
