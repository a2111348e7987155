"""Account writes commit once at the edge: a refused form writes nothing, a lost race is a 409."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import func, select

from eduhub.accounts import services
from eduhub.accounts.models import User
from tests.accounts.pages import post_form
from tests.factories import make_user

ACCOUNTS = Path(services.__file__).parent


@pytest.mark.parametrize("module", ["views.py", "services.py", "cli.py", "mail.py"])
def test_accounts_code_never_commits_or_rolls_back_by_itself(module: str) -> None:
    """Only eduhub.transactions commits: the request edge or unit_of_work in a CLI command."""
    tree = ast.parse((ACCOUNTS / module).read_text())
    calls = [
        node.func.attr
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in {"commit", "rollback"}
    ]
    assert calls == []


def test_a_refused_profile_change_changes_nothing(db) -> None:
    """Everything is checked before anything is set: a 200 re-render must leave nothing dirty."""
    user = make_user(db, display_name="Ada")
    with pytest.raises(services.InvalidAccountData):
        services.update_profile(
            db.session,
            user,
            display_name="Someone Else",
            preferred_language="xx",
            show_name_publicly=True,
        )
    assert (user.display_name, user.show_name_publicly) == ("Ada", False)
    assert not db.session.dirty


def test_a_sign_up_that_loses_a_race_is_a_409_and_writes_nothing(
    db, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_user(db, username="grace")
    # The duplicate check ran before the other sign-up committed: the database refuses the row.
    monkeypatch.setattr(services, "_refuse_duplicates", lambda *args: None)
    response = post_form(
        client,
        "/signup",
        {
            "username": "grace",
            "email": "other@example.org",
            "display_name": "Grace",
            "password": "a long enough passphrase",
            "confirm": "a long enough passphrase",
            "preferred_language": "en",
        },
    )
    assert response.status_code == 409
    assert "just taken" in response.get_data(as_text=True)
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(User)) == 1


def test_a_refused_cli_command_writes_nothing(db, runner: FlaskCliRunner, organization) -> None:
    make_user(db, username="ada")
    # --org moves the user first; the reviewer role then needs it, so this succeeds...
    ok = runner.invoke(args=["users", "set-role", "ada", "reviewer", "--org", "testville"])
    assert ok.exit_code == 0, ok.output
    # ...but an unknown organization refuses the whole command and leaves the role alone.
    refused = runner.invoke(args=["users", "set-role", "ada", "admin", "--org", "nowhere"])
    assert refused.exit_code == 1
    assert "No organization with the slug 'nowhere'" in refused.output
    db.session.rollback()
    assert db.session.scalar(select(User.role).where(User.username == "ada")) == "reviewer"
