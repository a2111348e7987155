"""``eduhub users create | list | set-role | deactivate | activate``."""

from __future__ import annotations

from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import func, select
from werkzeug.security import check_password_hash

from eduhub.accounts.models import User
from tests.accounts.pages import signed_in_name
from tests.factories import make_user

PASSWORD = "an admin passphrase"


def user_named(db, username: str) -> User:
    db.session.rollback()
    return db.session.scalar(select(User).where(User.username == username))


def test_create_with_password_option(db, runner: FlaskCliRunner, organization) -> None:
    result = runner.invoke(
        args=[
            "users", "create", "Grace", "--role", "contributor", "--org", "testville",
            "--password", PASSWORD, "--email", "Grace@Example.org", "--display-name", "Grace H",
        ]
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Created grace (contributor of testville), email grace@example.org." in result.output
    user = user_named(db, "grace")
    assert user.role == "contributor"
    assert user.organization_id == organization.id
    assert user.display_name == "Grace H"
    assert user.password_hash.startswith("scrypt:")
    assert check_password_hash(user.password_hash, PASSWORD)


def test_create_prompts_twice_for_a_hidden_password(db, runner: FlaskCliRunner) -> None:
    result = runner.invoke(
        args=["users", "create", "root", "--role", "admin"],
        input=f"{PASSWORD}\nnot the same\n{PASSWORD}\n{PASSWORD}\n",
    )
    assert result.exit_code == 0, result.output
    assert "Password:" in result.output
    assert "Repeat for confirmation:" in result.output
    assert "do not match" in result.output
    assert PASSWORD not in result.output  # hidden input is not echoed
    user = user_named(db, "root")
    assert user.role == "admin"
    assert user.email == "root@users.invalid"
    assert user.display_name == "root"
    assert check_password_hash(user.password_hash, PASSWORD)


def test_created_user_can_sign_in(db, runner: FlaskCliRunner, client: FlaskClient, login_as):
    result = runner.invoke(args=["users", "create", "ada", "--password", PASSWORD])
    assert result.exit_code == 0, result.output
    assert "(learner)" in result.output
    login_as(user_named(db, "ada"), password=PASSWORD)
    assert signed_in_name(client) == "ada"


def test_create_refuses_clearly(db, runner: FlaskCliRunner, organization) -> None:
    make_user(db, "ada")
    cases = [
        (["ada"], "That username is taken"),
        (["ADA"], "That username is taken"),
        (["bob", "--email", "ADA@example.org"], "already uses this email"),
        (["bob", "--role", "contributor"], "The contributor role needs an organization"),
        (["bob", "--role", "reviewer"], "The reviewer role needs an organization"),
        (["bob", "--role", "reviewer", "--org", "atlantis"], "No organization with the slug"),
        (["bob", "--role", "wizard"], "Invalid value for '--role'"),
        (["b"], "3 to 40 characters"),
        (["bob", "--email", "not-an-email"], "Enter an email address"),
    ]
    for args, message in cases:
        result = runner.invoke(args=["users", "create", *args, "--password", PASSWORD])
        assert result.exit_code != 0, args
        assert message in result.output, (args, result.output)
        assert "Traceback" not in result.output
    result = runner.invoke(args=["users", "create", "bob", "--password", "short"])
    assert result.exit_code == 1
    assert "at least 10 characters" in result.output
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(User)) == 1


def test_list(db, runner: FlaskCliRunner, organization) -> None:
    result = runner.invoke(args=["users", "list"])
    assert result.exit_code == 0
    assert "No users yet" in result.output

    make_user(db, "zoe", role="admin")
    make_user(db, "ada", role="contributor", organization=organization, active=False)
    result = runner.invoke(args=["users", "list"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split() == [
        "USERNAME",
        "ROLE",
        "ORG",
        "STATE",
        "EMAIL",
        "LAST",
        "SIGN-IN",
        "(UTC)",
    ]
    assert lines[1].split() == [
        "ada", "contributor", "testville", "inactive", "ada@example.org", "never",
    ]  # fmt: skip
    assert lines[2].split()[:5] == ["zoe", "admin", "-", "active", "zoe@example.org"]
    assert "scrypt" not in result.output


def test_set_role(db, runner: FlaskCliRunner, organization) -> None:
    make_user(db, "ada")
    result = runner.invoke(args=["users", "set-role", "ada", "reviewer"])
    assert result.exit_code == 1
    assert "The reviewer role needs an organization" in result.output
    assert user_named(db, "ada").role == "learner"

    result = runner.invoke(args=["users", "set-role", "ADA", "reviewer", "--org", "testville"])
    assert result.exit_code == 0, result.output
    assert "ada is now reviewer of testville." in result.output
    user = user_named(db, "ada")
    assert (user.role, user.organization_id) == ("reviewer", organization.id)

    result = runner.invoke(args=["users", "set-role", "ada", "teacher"])
    assert result.exit_code == 0
    assert user_named(db, "ada").role == "teacher"

    result = runner.invoke(args=["users", "set-role", "nobody", "admin"])
    assert result.exit_code == 1
    assert "No user named 'nobody'" in result.output
    result = runner.invoke(args=["users", "set-role", "ada", "emperor"])
    assert result.exit_code == 2
    assert "Invalid value for 'ROLE'" in result.output


def test_deactivate_signs_out_and_blocks_sign_in_then_activate(
    db, runner: FlaskCliRunner, client: FlaskClient, login_as
) -> None:
    user = make_user(db, display_name="Ada")
    login_as(user)
    assert signed_in_name(client) == "Ada"

    result = runner.invoke(args=["users", "deactivate", "ada"])
    assert result.exit_code == 0, result.output
    assert "deactivated" in result.output
    assert signed_in_name(client) is None
    assert not user_named(db, "ada").active

    result = runner.invoke(args=["users", "activate", "ada"])
    assert result.exit_code == 0
    login_as(user_named(db, "ada"))
    assert signed_in_name(client) == "Ada"

    result = runner.invoke(args=["users", "deactivate", "nobody"])
    assert result.exit_code == 1
    assert "No user named 'nobody'" in result.output


def test_help_lists_the_commands(runner: FlaskCliRunner) -> None:
    result = runner.invoke(args=["users", "--help"])
    assert result.exit_code == 0
    for command in ("create", "list", "set-role", "deactivate", "activate"):
        assert command in result.output
    result = runner.invoke(args=["users", "create", "--help"])
    assert "--org SLUG" in result.output
    assert "eduhub users create ada --role contributor --org riverbend" in result.output
