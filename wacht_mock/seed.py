"""The seed file: deployments with their plan, backend secret, users, organizations, workspaces, memberships,
and optional schemes and apps (DESIGN.md "Fixed interfaces").

Loading validates everything up front; any problem is one ``SeedError`` line naming the file, the entry and
what is wrong.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from .errors import SeedError
from .ids import stable_deployment_secret
from .models import Plan

SECRET_PATTERN = re.compile(r"sk_[A-Za-z0-9_-]{43}")


class _Entry(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class UserSeed(_Entry):
    """A user of a deployment."""

    id: int
    deleted: bool = False


class OrganizationSeed(_Entry):
    """An organization of a deployment."""

    id: int
    deleted: bool = False


class WorkspaceSeed(_Entry):
    """A workspace; its organization must be seeded in the same deployment."""

    id: int
    organization_id: int
    deleted: bool = False


class MembershipSeed(_Entry):
    """A user's membership of exactly one organization or workspace, with its roles' permissions."""

    id: int
    user_id: int
    organization_id: int | None = None
    workspace_id: int | None = None
    permissions: list[str] = Field(default_factory=list)
    deleted: bool = False

    @model_validator(mode="after")
    def _one_target(self) -> MembershipSeed:
        if (self.organization_id is None) == (self.workspace_id is None):
            raise ValueError("a membership names exactly one of organization_id and workspace_id")
        return self


class DeploymentSeed(_Entry):
    """One deployment; ``secret`` defaults to a value derived from the id, the same on every start."""

    id: int
    plan: Plan = "growth"
    secret: str | None = None
    users: list[UserSeed] = Field(default_factory=list)
    organizations: list[OrganizationSeed] = Field(default_factory=list)
    workspaces: list[WorkspaceSeed] = Field(default_factory=list)
    memberships: list[MembershipSeed] = Field(default_factory=list)
    rate_limit_schemes: list[dict[str, Any]] = Field(default_factory=list)
    apps: list[dict[str, Any]] = Field(default_factory=list)

    @property
    def backend_secret(self) -> str:
        """The secret that authenticates as this deployment."""
        return self.secret if self.secret is not None else stable_deployment_secret(self.id)


class Seed(_Entry):
    """The whole seed: a list of deployments."""

    deployments: list[DeploymentSeed] = Field(min_length=1)


def default_seed() -> Seed:
    """No seed file: deployment 1 on the Growth plan with its stable secret."""
    return Seed(deployments=[DeploymentSeed(id=1)])


def parse_seed(data: object, *, source: str = "seed") -> Seed:
    """Validate seed data (already decoded from YAML or JSON): shapes and cross-references.

    Seeded schemes and apps are checked by the domain when a ``Backend`` is built from the seed.
    """
    try:
        seed = Seed.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise SeedError(source, _where(first["loc"]), _problem(first)) from None
    _check_references(seed, source)
    return seed


def load_seed(path: str | Path) -> Seed:
    """Read and validate a seed file (``.json`` as JSON, anything else as YAML)."""
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        raise SeedError(str(file), "file", f"cannot read it: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise SeedError(str(file), "file", "not UTF-8 text") from None
    try:
        data = json.loads(text) if file.suffix.lower() == ".json" else yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        kind = "JSON" if file.suffix.lower() == ".json" else "YAML"
        raise SeedError(str(file), "file", f"not valid {kind}: {detail}") from None
    return parse_seed(data, source=str(file))


def _where(loc: tuple[int | str, ...]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "top level"


def _problem(error: Any) -> str:
    if error["type"] == "missing":
        return "required field is missing"
    if error["type"] == "extra_forbidden":
        return "unknown field"
    return str(error["msg"]).removeprefix("Value error, ")


def _check_references(seed: Seed, source: str) -> None:
    def fail(where: str, problem: str) -> SeedError:
        return SeedError(source, where, problem)

    seen_ids: set[int] = set()
    seen_secrets: set[str] = set()
    for i, dep in enumerate(seed.deployments):
        at = f"deployments[{i}]"
        if dep.id in seen_ids:
            raise fail(f"{at}.id", f"deployment id {dep.id} is used twice")
        seen_ids.add(dep.id)
        if dep.secret is not None and not SECRET_PATTERN.fullmatch(dep.secret):
            raise fail(f"{at}.secret", "must be sk_ followed by 43 base64url characters")
        if dep.backend_secret in seen_secrets:
            raise fail(f"{at}.secret", "the same secret is used by two deployments")
        seen_secrets.add(dep.backend_secret)
        for name in ("users", "organizations", "workspaces", "memberships"):
            ids = [e.id for e in getattr(dep, name)]
            for j, entry_id in enumerate(ids):
                if entry_id in ids[:j]:
                    raise fail(f"{at}.{name}[{j}].id", f"id {entry_id} is used twice")
        for name, key in (("rate_limit_schemes", "slug"), ("apps", "app_slug")):
            slugs = [entry.get(key) for entry in getattr(dep, name)]
            for j, slug in enumerate(slugs):
                if slug is not None and slug in slugs[:j]:
                    raise fail(f"{at}.{name}[{j}].{key}", f"{key} {slug!r} is used twice")
        users = {u.id for u in dep.users}
        organizations = {o.id for o in dep.organizations}
        workspaces = {w.id for w in dep.workspaces}
        for j, ws in enumerate(dep.workspaces):
            if ws.organization_id not in organizations:
                raise fail(f"{at}.workspaces[{j}].organization_id", f"organization {ws.organization_id} is not seeded")
        for j, m in enumerate(dep.memberships):
            where = f"{at}.memberships[{j}]"
            if m.user_id not in users:
                raise fail(f"{where}.user_id", f"user {m.user_id} is not seeded")
            if m.organization_id is not None and m.organization_id not in organizations:
                raise fail(f"{where}.organization_id", f"organization {m.organization_id} is not seeded")
            if m.workspace_id is not None and m.workspace_id not in workspaces:
                raise fail(f"{where}.workspace_id", f"workspace {m.workspace_id} is not seeded")
