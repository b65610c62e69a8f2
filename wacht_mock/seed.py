"""The seed file: deployments with their plan, backend secret, users, organizations, workspaces, memberships,
and optional schemes and apps (DESIGN.md "Fixed interfaces"); apps may carry their keys (by secret or by hash)
and deployments their audit records, so a snapshot of the whole state (``GET /_mock/state``) is a seed too.

Loading validates everything up front; any problem is one ``SeedError`` line naming the file, the entry and
what is wrong.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PlainValidator, ValidationError, model_validator

from .errors import SeedError
from .ids import stable_deployment_secret
from .models import Plan, parse_timestamp
from .timestamps import Instant, parse_instant

SECRET_PATTERN = re.compile(r"sk_[A-Za-z0-9_-]{43}")
KEY_SECRET_PATTERN = re.compile(r"[!-~]+_[A-Za-z0-9_-]{43}")
KEY_HASH_PATTERN = re.compile(r"[0-9a-f]{64}")
KEY_SUFFIX_PATTERN = re.compile(r"[A-Za-z0-9_-]{8}")
REQUEST_ID_PATTERN = re.compile(r"req_([0-9]{1,19})")
# Fields of a seeded app and scheme beyond their create request's (what a snapshot adds).
APP_STATE_FIELDS = frozenset({"keys", "created_at", "updated_at", "is_active", "deleted_at"})
SCHEME_STATE_FIELDS = frozenset({"id", "created_at", "updated_at"})


def _seed_time(value: object) -> datetime:
    if isinstance(value, datetime):  # YAML reads an unquoted timestamp as a datetime
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    if isinstance(value, str):
        try:
            return parse_timestamp(value)
        except (ValueError, OverflowError):
            pass
    raise ValueError("expected an RFC 3339 timestamp with an offset, e.g. 2026-01-01T00:00:00Z")


def _seed_instant(value: object) -> Instant:
    if isinstance(value, str):
        try:  # a key's expiry may lie beyond years 1 to 9999, as production's does (a snapshot writes it so)
            return parse_instant(value)
        except ValueError:
            pass
    return _seed_time(value)


SeedTime = Annotated[datetime, PlainValidator(_seed_time)]
SeedInstant = Annotated[Instant, PlainValidator(_seed_instant)]


def seed_id(value: object) -> int:
    """A 63-bit id as a number or as decimal text (a snapshot writes them as text, which JavaScript keeps exact)."""
    if isinstance(value, str) and value.isascii() and value.isdigit():
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 2**63:
        return value
    raise ValueError("expected an id: a non-negative 64-bit integer, as a number or as decimal text")


SeedId = Annotated[int, PlainValidator(seed_id)]


class _Entry(BaseModel):
    # The validators are built on first use: ``serve`` with the default seed never needs them.
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, defer_build=True)


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


class KeySeed(_Entry):
    """An API key of a seeded app: given by ``secret`` (only its SHA-256 is kept) or by ``key_hash`` and
    ``key_suffix`` (what a snapshot holds). Omitted owner and membership fields come from the app, as on create."""

    id: SeedId | None = None
    name: str
    secret: str | None = None
    key_hash: str | None = None
    key_suffix: str | None = None
    key_prefix: str | None = None
    permissions: list[str] = Field(default_factory=list)
    metadata: Any = Field(default_factory=dict)
    expires_at: SeedInstant | None = None
    rate_limit_scheme_slug: str | None = None
    owner_user_id: int | None = None
    organization_id: int | None = None
    workspace_id: int | None = None
    organization_membership_id: int | None = None
    workspace_membership_id: int | None = None
    org_role_permissions: list[str] = Field(default_factory=list)
    workspace_role_permissions: list[str] = Field(default_factory=list)
    is_active: bool | None = None
    revoked_at: SeedTime | None = None
    revoked_reason: str | None = None
    created_at: SeedTime | None = None
    updated_at: SeedTime | None = None
    last_used_at: SeedTime | None = None

    @model_validator(mode="after")
    def _secret_or_hash(self) -> KeySeed:
        if (self.secret is None) == (self.key_hash is None):
            raise ValueError("a key names exactly one of secret and key_hash")
        if self.secret is not None:
            if not KEY_SECRET_PATTERN.fullmatch(self.secret) or len(self.secret.encode()) < 46:
                raise ValueError("secret must be a prefix, _ and 43 base64url characters (46 bytes at least)")
            if self.key_suffix is not None:
                raise ValueError("key_suffix is only for a key given by key_hash (a secret brings its own)")
        else:
            if not KEY_HASH_PATTERN.fullmatch(self.key_hash or ""):
                raise ValueError("key_hash must be 64 lowercase hex characters (the secret's SHA-256)")
            if self.key_suffix is None or not KEY_SUFFIX_PATTERN.fullmatch(self.key_suffix):
                raise ValueError("a key given by key_hash needs key_suffix: the secret's last 8 characters")
        if self.is_active and self.revoked_at is not None:
            raise ValueError("an active key cannot have revoked_at")
        return self


class AppStateSeed(_Entry):
    """What a seeded app may carry beyond its create request (its keys are read one by one, as ``KeySeed``)."""

    keys: list[Any] = Field(default_factory=list)
    created_at: SeedTime | None = None
    updated_at: SeedTime | None = None
    is_active: bool = True
    deleted_at: SeedTime | None = None


class SchemeStateSeed(_Entry):
    """What a seeded scheme may carry beyond its create request."""

    id: SeedId | None = None
    created_at: SeedTime | None = None
    updated_at: SeedTime | None = None


class RuleStateSeed(_Entry):
    """One evaluated rate-limit rule of an audit record."""

    rule: str
    remaining: int
    limit: int


class AuditSeed(_Entry):
    """One gateway decision in a deployment's audit (``request_id`` and ``key_name`` default from the key)."""

    request_id: str | None = None
    app_slug: str
    key_id: SeedId
    key_name: str | None = None
    outcome: Literal["VALID", "BLOCKED", "allowed", "ALLOWED", "blocked", "RATE_LIMITED"]
    blocked_by_rule: str | None = None
    client_ip: str = "127.0.0.1"
    path: str
    user_agent: str = "unknown"
    rate_limits: list[RuleStateSeed] = Field(default_factory=list)
    timestamp: SeedTime


class ClockSeed(_Entry):
    """Where the virtual clock stands when the seed is loaded (a snapshot records it)."""

    now: SeedTime


class IdsSeed(_Entry):
    """Where ids continue: every new id is larger than ``last`` (and than every id in the seed)."""

    last: SeedId


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
    audit: list[AuditSeed] = Field(default_factory=list)

    @property
    def backend_secret(self) -> str:
        """The secret that authenticates as this deployment."""
        return self.secret if self.secret is not None else stable_deployment_secret(self.id)


class Seed(_Entry):
    """The whole seed: a list of deployments, and optionally the clock's position and where ids continue."""

    deployments: list[DeploymentSeed] = Field(min_length=1)
    clock: ClockSeed | None = None
    ids: IdsSeed | None = None


def largest_id(seed: Seed) -> int:
    """The largest id the seed names (scheme and key ids, audit request ids, ``ids.last``); 0 when none."""
    found = [seed.ids.last] if seed.ids is not None else []
    named: list[object] = []
    for dep in seed.deployments:
        named += [s.get("id") for s in dep.rate_limit_schemes]
        for app in dep.apps:
            keys = app.get("keys")
            if isinstance(keys, list):
                named += [k.get("id") for k in keys if isinstance(k, dict)]
        for record in dep.audit:
            match = REQUEST_ID_PATTERN.fullmatch(record.request_id or "")
            if match:
                found.append(int(match.group(1)))
    for value in named:
        try:
            found.append(seed_id(value))
        except ValueError:
            pass  # not an id: the entry's own validation says so
    return max(found, default=0)


def default_seed() -> Seed:
    """No seed file: deployment 1 on the Growth plan with its stable secret (built without validation: it is
    valid by construction, and ``serve`` starts sooner without building the seed validators)."""
    return Seed.model_construct(deployments=[DeploymentSeed.model_construct(id=1)])


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
    as_json = file.suffix.lower() == ".json"
    try:
        data = json.loads(text) if as_json else _yaml_load(text)
    except (json.JSONDecodeError, _NotYaml) as exc:
        detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise SeedError(str(file), "file", f"not valid {'JSON' if as_json else 'YAML'}: {detail}") from None
    return parse_seed(data, source=str(file))


class _NotYaml(Exception):
    """A ``yaml.YAMLError``, carrying its text (or its type's name when it has none)."""


def _yaml_load(text: str) -> Any:
    """``yaml.safe_load``, its YAMLError raised as ``_NotYaml``."""
    import yaml  # here: the default seed and a JSON seed never read YAML

    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise _NotYaml(str(exc) if str(exc) else type(exc).__name__) from None


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
            seen: set[int] = set()  # a set, not a scan of the earlier entries: seeds may hold 10^4 rows
            for j, entry in enumerate(getattr(dep, name)):
                if entry.id in seen:
                    raise fail(f"{at}.{name}[{j}].id", f"id {entry.id} is used twice")
                seen.add(entry.id)
        for name, key in (("rate_limit_schemes", "slug"), ("apps", "app_slug")):
            slugs: set[str] = set()
            for j, raw in enumerate(getattr(dep, name)):
                slug = raw.get(key)
                if not isinstance(slug, str):
                    continue  # not a slug: the entry's own validation says so
                if slug in slugs:
                    raise fail(f"{at}.{name}[{j}].{key}", f"{key} {slug!r} is used twice")
                slugs.add(slug)
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
