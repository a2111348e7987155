"""What each role may do: a permission enum, the role map, a view decorator, object-level checks."""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from functools import wraps
from typing import Any, TypeVar

from flask import abort, request
from flask_login import current_user

from eduhub.accounts.models import Role
from eduhub.extensions import login_manager

F = TypeVar("F", bound=Callable[..., Any])


class Permission(StrEnum):
    LESSON_READ = "lesson:read"
    PROGRESS_OWN = "progress:own"
    CLASSROOM_MANAGE = "classroom:manage"
    CONTENT_CONTRIBUTE = "content:contribute"
    LESSON_REVIEW = "lesson:review"
    USERS_MANAGE = "users:manage"


_LEARNER = frozenset({Permission.LESSON_READ, Permission.PROGRESS_OWN})

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.LEARNER: _LEARNER,
    Role.TEACHER: _LEARNER | {Permission.CLASSROOM_MANAGE},
    Role.CONTRIBUTOR: _LEARNER | {Permission.CONTENT_CONTRIBUTE},
    Role.REVIEWER: _LEARNER | {Permission.CONTENT_CONTRIBUTE, Permission.LESSON_REVIEW},
    Role.ADMIN: frozenset(Permission),
}

#: Anonymous readers can read every lesson; nothing else.
ANONYMOUS_PERMISSIONS: frozenset[Permission] = frozenset({Permission.LESSON_READ})

#: Permissions that act on behalf of an organization: a contributor or reviewer without one
#: (their organization was deleted, say) holds none of them. Administrators act for every one.
ORGANIZATION_PERMISSIONS: frozenset[Permission] = frozenset(
    {Permission.CONTENT_CONTRIBUTE, Permission.LESSON_REVIEW}
)

#: Roles that make no sense without an organization; the CLI refuses them without --org.
ROLES_NEEDING_ORGANIZATION: frozenset[Role] = frozenset({Role.CONTRIBUTOR, Role.REVIEWER})


def permissions_of(user: Any) -> frozenset[Permission]:
    """Everything ``user`` (a User, an anonymous user or None) may do."""
    # Flask-Login's UserMixin counts an inactive user as not authenticated: anonymous here too.
    if user is None or not getattr(user, "is_authenticated", False):
        return ANONYMOUS_PERMISSIONS
    try:
        role = Role(user.role)
    except ValueError:
        return frozenset()
    granted = ROLE_PERMISSIONS[role]
    if role is not Role.ADMIN and user.organization_id is None:
        granted = granted - ORGANIZATION_PERMISSIONS
    return granted


def has_permission(user: Any, permission: Permission) -> bool:
    return permission in permissions_of(user)


def is_member_of(user: Any, organization_id: int | None) -> bool:
    """Whether ``user`` belongs to the organization; administrators are not members of all."""
    if organization_id is None or user is None or not getattr(user, "is_authenticated", False):
        return False
    return bool(user.organization_id == organization_id)


def permission_required(permission: Permission) -> Callable[[F], F]:
    """Guard a view: anonymous visitors are sent to sign in (401 under /api/), signed-in users
    without the permission get 403."""

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if has_permission(current_user, permission):
                return view(*args, **kwargs)
            if not current_user.is_authenticated:
                if request.path.startswith("/api/"):
                    abort(401, description="Sign in to use this.")
                return login_manager.unauthorized()
            abort(403, description="Your account is not allowed to do this.")

        return wrapped  # type: ignore[return-value]

    return decorator
