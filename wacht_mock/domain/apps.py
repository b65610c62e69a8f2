"""API auth apps: ``listApiAuthApps`` … ``deleteApiAuthApp`` (backend-behaviour.md §1.2, §4, §7.1)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from itertools import islice
from typing import TYPE_CHECKING

from ..rules import rule
from . import scope
from .postgres import check_bound
from .rate_limit_schemes import rules_for
from .state import App, Deployment, RateLimitRule
from .text import rust_trim

if TYPE_CHECKING:
    from ..models import CreateApiAuthAppRequest, ListApiAuthAppsQuery, UpdateApiAuthAppRequest

_APP_SRC = "platform/src/application/api_key_app.rs"

REQUIRES_GROWTH_PLAN = rule(
    "apps.create.requires_growth_plan",
    "platform/src/application/api_key_app.rs:50-59",
    403,
    "API auth app creation requires Growth plan",
)
USER_ID_EXCLUDES_PERMISSIONS = rule(
    "apps.create.user_id_excludes_permissions",
    _APP_SRC,
    400,
    "permissions/resources cannot be set when user_id is attached",
)
USER_REQUIRED_FOR_SCOPE = rule(
    "apps.create.user_id_required_for_scope",
    "commands/src/api_key_app/create.rs:95-99",
    400,
    "user_id is required when organization_id/workspace_id is provided",
)
SLUG_UNIQUE = rule(
    "apps.create.slug_unique",
    "commands/src/api_key_app/ensure_user.rs:52-58 (unique violation 23505)",
    409,
    "Resource already exists",
)
NOT_FOUND = rule(
    "apps.lookup.not_found", "platform/src/application/api_key_shared.rs:22-32", 404, "API key app not found"
)
USER_APP_PERMISSIONS_FROZEN = rule(
    "apps.update.user_app_permissions_frozen",
    _APP_SRC,
    400,
    "permissions/resources can only be updated when app is not attached to a user",
)
SCOPE_NEEDS_USER = rule(
    "apps.update.scope_requires_user",
    "commands/src/api_key_app/update.rs",
    400,
    "organization_id/workspace_id cannot be set when app has no user_id",
)
LIST_ACTIVE_ONLY = rule("apps.list.active_unless_include_inactive", "queries/src/api_key.rs:154-211")
SEARCH_EXACT_SLUG = rule("apps.list.search_is_exact_slug", "queries/src/api_key.rs:154-211")
PATCH_REWRITES_KEY_SCHEMES = rule("apps.update.rewrites_key_scheme_slugs", "commands/src/api_key_app/update.rs:92-105")
PAGE_ACCEPTED_BY_POSTGRES = rule(
    "apps.list.negative_limit_or_offset_is_500",
    "platform/src/application/api_key_app.rs:23-29 (LIMIT limit+2), queries/src/api_key.rs:199-205"
    " (Postgres 2201W/2201X), platform/src/application/error.rs:23-26",
    500,
    "Something went wrong",
)
NEGATIVE_LIMIT_UNCUT = rule(
    "apps.list.limit_minus_one_or_two_is_uncut",
    "platform/src/api/pagination.rs:10-12 (limit as usize wraps, so has_more is false and nothing is cut)",
)
SOFT_DELETE = rule("apps.delete.soft_without_cascade", "commands/src/api_key_app/delete.rs")


@dataclass(frozen=True, slots=True)
class AppView:
    """An app as a read returns it: the row plus its ``rate_limits`` resolved from the scheme."""

    app: App
    rate_limits: tuple[RateLimitRule, ...]


@dataclass(frozen=True, slots=True)
class AppPage:
    """One page of ``listApiAuthApps``."""

    data: list[AppView]
    has_more: bool
    limit: int
    offset: int


def view(d: Deployment, app: App) -> AppView:
    """Read an app as production does, resolving its scheme now."""
    return AppView(app, rules_for(d, app.rate_limit_scheme_slug))


def find_app(d: Deployment, slug: str) -> App:
    """The undeleted app with this slug, active or not, else 404 'API key app not found'."""
    check_bound(slug)
    app = d.apps.get(slug)
    return NOT_FOUND.found(app if app is not None and app.deleted_at is None else None)


def list_api_auth_apps(d: Deployment, query: ListApiAuthAppsQuery) -> AppPage:
    """``listApiAuthApps``: newest first; ``search`` is exact slug equality; ``limit+2`` rows decide ``has_more``.

    Production asks Postgres for ``LIMIT limit+2 OFFSET offset``: ``limit`` -1 or -2 is a LIMIT of 1 or 0, lower
    ones and any negative offset are rejected by Postgres (a 500).
    """
    PAGE_ACCEPTED_BY_POSTGRES.check(query.limit + 2 >= 0 and query.offset >= 0)
    LIST_ACTIVE_ONLY.applied()
    candidates: Iterable[App] = d.app_order.newest_first()
    if query.search is not None and rust_trim(query.search) != "":
        check_bound(query.search)
        SEARCH_EXACT_SLUG.applied()
        found = d.apps.get(query.search)  # apps are keyed by slug: an exact search is one lookup
        candidates = () if found is None else (found,)
    listed = (a for a in candidates if a.deleted_at is None and (query.include_inactive or a.is_active))
    rows = list(islice(listed, query.offset, query.offset + query.limit + 2))
    if query.limit < 0:
        NEGATIVE_LIMIT_UNCUT.applied()
        return AppPage([view(d, a) for a in rows], False, query.limit, query.offset)
    return AppPage(
        data=[view(d, a) for a in rows[: query.limit]],
        has_more=len(rows) > query.limit,
        limit=query.limit,
        offset=query.offset,
    )


def create_api_auth_app(d: Deployment, req: CreateApiAuthAppRequest, *, check_plan: bool = True) -> AppView:
    """``createApiAuthApp``: plan gate, the user_id exclusion, scope checks, unique slug; 200 with the app.

    ``check_plan=False`` is for seeding, which creates apps the way the console would, with no plan gate.
    """
    if check_plan:
        REQUIRES_GROWTH_PLAN.check(d.plan == "growth")
    if req.user_id is not None:
        USER_ID_EXCLUDES_PERMISSIONS.check(req.permissions is None and req.resources is None)
    organization_id = scope.resolve_organization(d, req.organization_id, req.workspace_id)
    if req.user_id is not None:
        scope.check_user_exists(d, req.user_id)
        scope.check_user_memberships(d, req.user_id, organization_id, req.workspace_id)
    else:
        USER_REQUIRED_FOR_SCOPE.check(organization_id is None and req.workspace_id is None)
    check_bound(
        req.app_slug,
        req.name,
        req.key_prefix,
        req.description,
        req.rate_limit_scheme_slug,
        req.permissions,
        req.resources,
    )
    SLUG_UNIQUE.check(req.app_slug not in d.apps)
    now = d.now()
    app = App(
        deployment_id=d.id,
        app_slug=req.app_slug,
        name=req.name,
        key_prefix=req.key_prefix,
        description=req.description,
        user_id=req.user_id,
        organization_id=organization_id,
        workspace_id=req.workspace_id,
        rate_limit_scheme_slug=req.rate_limit_scheme_slug,
        permissions=list(req.permissions or []),
        resources=list(req.resources or []),
        created_at=now,
        updated_at=now,
        seq=d.next_seq(),
    )
    d.add_app(app)
    d.touch("app", app.app_slug)
    return view(d, app)


def get_api_auth_app(d: Deployment, slug: str) -> AppView:
    """``getApiAuthApp``: inactive apps are returned too."""
    return view(d, find_app(d, slug))


def update_api_auth_app(d: Deployment, slug: str, req: UpdateApiAuthAppRequest) -> AppView:
    """``updateApiAuthApp``: null or absent leaves a field unchanged; every PATCH rewrites the keys' scheme slug."""
    app = find_app(d, slug)
    if app.user_id is not None:
        USER_APP_PERMISSIONS_FROZEN.check(req.permissions is None and req.resources is None)
    workspace_id = req.workspace_id if req.workspace_id is not None else app.workspace_id
    organization_id = scope.resolve_organization(
        d, req.organization_id if req.organization_id is not None else app.organization_id, workspace_id
    )
    if app.user_id is not None:
        scope.check_user_memberships(d, app.user_id, organization_id, workspace_id)
    else:
        SCOPE_NEEDS_USER.check(organization_id is None and workspace_id is None)
    check_bound(req.name, req.key_prefix, req.description, req.rate_limit_scheme_slug, req.permissions, req.resources)
    app.organization_id = organization_id
    app.workspace_id = workspace_id
    if req.name is not None:
        app.name = req.name
    if req.key_prefix is not None:
        app.key_prefix = req.key_prefix
    if req.description is not None:
        app.description = req.description
    if req.is_active is not None:
        app.is_active = req.is_active
    if req.rate_limit_scheme_slug is not None:
        app.rate_limit_scheme_slug = req.rate_limit_scheme_slug
    if req.permissions is not None:
        app.permissions = list(req.permissions)
    if req.resources is not None:
        app.resources = list(req.resources)
    now = d.now()
    app.updated_at = now
    d.touch("app", slug)
    PATCH_REWRITES_KEY_SCHEMES.applied()
    for key in d.app_keys(slug).rows:
        key.rate_limit_scheme_slug = app.rate_limit_scheme_slug
        key.updated_at = now
        d.touch("key", key.id)
    return view(d, app)


def delete_api_auth_app(d: Deployment, slug: str) -> None:
    """``deleteApiAuthApp``: soft delete; keys are untouched, and the slug stays taken."""
    app = find_app(d, slug)
    SOFT_DELETE.applied()
    app.deleted_at = d.now()
    d.touch("app", slug)
