"""Roles and permissions: the matrix, the view decorator, organization membership."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from eduhub.accounts.models import Role
from eduhub.accounts.permissions import (
    ROLE_PERMISSIONS,
    Permission,
    has_permission,
    is_member_of,
    permission_required,
    permissions_of,
)
from eduhub.extensions import login_manager
from tests.factories import make_user

P = Permission
# The whole matrix, spelled out: changing the role map means changing this table on purpose.
EXPECTED = {
    "learner": {P.LESSON_READ, P.PROGRESS_OWN},
    "teacher": {P.LESSON_READ, P.PROGRESS_OWN, P.CLASSROOM_MANAGE},
    "contributor": {P.LESSON_READ, P.PROGRESS_OWN, P.CONTENT_CONTRIBUTE},
    "reviewer": {P.LESSON_READ, P.PROGRESS_OWN, P.CONTENT_CONTRIBUTE, P.LESSON_REVIEW},
    "admin": set(Permission),
}


def test_permission_values() -> None:
    assert {p.value for p in Permission} == {
        "lesson:read",
        "progress:own",
        "classroom:manage",
        "content:contribute",
        "lesson:review",
        "users:manage",
    }


def test_every_role_has_an_entry_and_learner_is_below_teacher() -> None:
    assert set(ROLE_PERMISSIONS) == set(Role)
    assert ROLE_PERMISSIONS[Role.LEARNER] < ROLE_PERMISSIONS[Role.TEACHER]
    for role in Role:
        assert ROLE_PERMISSIONS[Role.LEARNER] <= ROLE_PERMISSIONS[role]
        assert ROLE_PERMISSIONS[role] <= ROLE_PERMISSIONS[Role.ADMIN]


@pytest.mark.parametrize("role", list(EXPECTED))
@pytest.mark.parametrize("permission", list(Permission))
def test_matrix_for_members_of_an_organization(
    db, organization, role: str, permission: Permission
) -> None:
    user = make_user(db, role=role, organization=organization)
    assert has_permission(user, permission) is (permission in EXPECTED[role])


@pytest.mark.parametrize("role", ["contributor", "reviewer"])
def test_contributing_and_reviewing_need_an_organization(db, role: str) -> None:
    user = make_user(db, role=role)
    assert not has_permission(user, P.CONTENT_CONTRIBUTE)
    assert not has_permission(user, P.LESSON_REVIEW)
    assert has_permission(user, P.PROGRESS_OWN)


def test_admin_needs_no_organization(db) -> None:
    assert permissions_of(make_user(db, role="admin")) == frozenset(Permission)


def test_anonymous_may_only_read(app: Flask) -> None:
    anonymous = login_manager.anonymous_user()
    assert permissions_of(anonymous) == {P.LESSON_READ}
    assert permissions_of(None) == {P.LESSON_READ}


def test_inactive_users_count_as_anonymous_and_unknown_roles_may_do_nothing(db) -> None:
    assert permissions_of(make_user(db, "gone", role="admin", active=False)) == {P.LESSON_READ}
    assert permissions_of(make_user(db, "odd", role="wizard")) == frozenset()


def test_is_member_of(db, organization) -> None:
    member = make_user(db, "member", role="contributor", organization=organization)
    admin = make_user(db, "root", role="admin")
    assert is_member_of(member, organization.id)
    assert not is_member_of(member, organization.id + 1)
    assert not is_member_of(member, None)
    assert not is_member_of(admin, organization.id)
    assert not is_member_of(login_manager.anonymous_user(), organization.id)
    member.active = False
    assert not is_member_of(member, organization.id)


def test_decorator_401_403_and_200(
    app: Flask, db, client: FlaskClient, login_as, organization
) -> None:
    @permission_required(Permission.LESSON_REVIEW)
    def review() -> str:
        return "reviewing"

    # Routes must exist before the app's first request.
    app.add_url_rule("/_test/review", view_func=review)
    app.add_url_rule("/api/v1/_test/review", endpoint="api_review", view_func=review)

    response = client.get("/_test/review")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=%2F_test%2Freview"
    response = client.get("/api/v1/_test/review")
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == 401

    login_as(make_user(db, "learner"))
    response = client.get("/_test/review")
    assert response.status_code == 403
    assert "not allowed" in response.get_data(as_text=True)
    assert client.get("/api/v1/_test/review").get_json()["error"]["code"] == 403

    for name, fields in [
        ("orphan", {"role": "reviewer"}),
        ("reviewer", {"role": "reviewer", "organization": organization}),
        ("admin", {"role": "admin"}),
    ]:
        other = app.test_client()
        login_as(make_user(db, name, **fields), client=other)
        expected = 403 if name == "orphan" else 200
        assert other.get("/_test/review").status_code == expected, name


def test_api_blueprint_answers_401_instead_of_redirecting(app: Flask) -> None:
    assert login_manager.blueprint_login_views.get("api", "unset") is None
    assert login_manager.login_view == "accounts.login"
