"""Scope resolution for apps and membership context for keys (backend-behaviour.md §4.2 steps 4-5, §6.2 step 3).

Production reads users, organizations, workspaces and memberships from other tables; the mock reads them from
the seed.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..rules import rule
from .state import App, Deployment, Membership

_SRC = "commands/src/api_key_app/shared.rs"
_KEY_SRC = "platform/src/application/api_key_shared.rs:53-129"

WORKSPACE_EXISTS = rule("apps.scope.workspace_exists", _SRC, 400, "workspace_id does not exist for this deployment")
WORKSPACE_IN_ORGANIZATION = rule(
    "apps.scope.workspace_belongs_to_organization", _SRC, 400, "workspace_id does not belong to organization_id"
)
ORGANIZATION_EXISTS = rule(
    "apps.scope.organization_exists", _SRC, 400, "organization_id does not exist for this deployment"
)
USER_EXISTS = rule("apps.create.user_exists", _SRC, 400, "user_id does not exist for this deployment")
USER_IN_ORGANIZATION = rule(
    "apps.scope.user_member_of_organization", _SRC, 400, "user_id is not a member of organization_id"
)
USER_IN_WORKSPACE = rule("apps.scope.user_member_of_workspace", _SRC, 400, "user_id is not a member of workspace_id")
KEY_OWNER_IN_ORGANIZATION = rule("keys.owner_member_of_organization", _KEY_SRC, 400, "user is not a member of the org")
# Production reuses the organization message for workspaces.
KEY_OWNER_IN_WORKSPACE = rule("keys.owner_member_of_workspace", _KEY_SRC, 400, "user is not a member of the org")


def resolve_organization(d: Deployment, organization_id: int | None, workspace_id: int | None) -> int | None:
    """The app's organization: the workspace's when a workspace is given (which must agree), checked to exist."""
    if workspace_id is not None:
        workspace = d.workspaces.get(workspace_id)
        WORKSPACE_EXISTS.check(workspace is not None and not workspace.deleted)
        assert workspace is not None
        WORKSPACE_IN_ORGANIZATION.check(organization_id is None or organization_id == workspace.organization_id)
        organization_id = workspace.organization_id
    if organization_id is not None:
        organization = d.organizations.get(organization_id)
        ORGANIZATION_EXISTS.check(organization is not None and not organization.deleted)
    return organization_id


def check_user_exists(d: Deployment, user_id: int) -> None:
    """The user must exist in the deployment and not be deleted."""
    user = d.users.get(user_id)
    USER_EXISTS.check(user is not None and not user.deleted)


def check_user_memberships(d: Deployment, user_id: int, organization_id: int | None, workspace_id: int | None) -> None:
    """The user needs an undeleted membership of the organization and of the workspace, when set."""
    if organization_id is not None:
        USER_IN_ORGANIZATION.check(org_membership(d, user_id, organization_id) is not None)
    if workspace_id is not None:
        USER_IN_WORKSPACE.check(workspace_membership(d, user_id, workspace_id) is not None)


def org_membership(d: Deployment, user_id: int, organization_id: int) -> Membership | None:
    """The user's undeleted membership of an organization (production does not scope this by deployment)."""
    return next(
        (m for m in d.memberships if m.user_id == user_id and m.organization_id == organization_id and not m.deleted),
        None,
    )


def workspace_membership(d: Deployment, user_id: int, workspace_id: int) -> Membership | None:
    """The user's undeleted membership of a workspace."""
    return next(
        (m for m in d.memberships if m.user_id == user_id and m.workspace_id == workspace_id and not m.deleted),
        None,
    )


@dataclass(frozen=True, slots=True)
class KeyContext:
    """The membership fields and role-permission snapshots a new key of a user-owned app gets."""

    organization_id: int | None = None
    workspace_id: int | None = None
    organization_membership_id: int | None = None
    workspace_membership_id: int | None = None
    org_role_permissions: tuple[str, ...] = ()
    workspace_role_permissions: tuple[str, ...] = ()


def key_context(d: Deployment, app: App) -> KeyContext:
    """Resolve the owner's memberships of the app's organization and workspace and snapshot their permissions."""
    if app.user_id is None:
        return KeyContext()
    org = ws = None
    if app.organization_id is not None:
        org = org_membership(d, app.user_id, app.organization_id)
        KEY_OWNER_IN_ORGANIZATION.check(org is not None)
    if app.workspace_id is not None:
        ws = workspace_membership(d, app.user_id, app.workspace_id)
        KEY_OWNER_IN_WORKSPACE.check(ws is not None)
    return KeyContext(
        organization_id=app.organization_id if org is not None else None,
        workspace_id=app.workspace_id if ws is not None else None,
        organization_membership_id=org.id if org is not None else None,
        workspace_membership_id=ws.id if ws is not None else None,
        org_role_permissions=tuple(sorted(set(org.permissions))) if org is not None else (),
        workspace_role_permissions=tuple(sorted(set(ws.permissions))) if ws is not None else (),
    )
