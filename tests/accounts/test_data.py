"""Profile editing, data export and account deletion with the registries other packages extend."""

from __future__ import annotations

import json
import re

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from eduhub.accounts import services
from eduhub.accounts.models import User
from tests.accounts.pages import field_errors, post_form, signed_in_name
from tests.factories import make_user

PASSWORD = "correct horse battery"


@pytest.fixture
def registries(monkeypatch: pytest.MonkeyPatch) -> None:
    """Empty exporter and deleter registries, restored after the test."""
    monkeypatch.setattr(services, "EXPORTERS", {})
    monkeypatch.setattr(services, "DELETERS", {})


# --------------------------------------------------------------------------- profile


def test_profile_shows_the_account_and_saves_changes(db, client: FlaskClient, login_as) -> None:
    user = make_user(db, display_name="Ada", preferred_language="en")
    login_as(user)
    page = client.get("/account").get_data(as_text=True)
    assert "ada@example.org" in page
    assert 'value="Ada"' in page
    assert 'name="show_name_publicly"' in page

    response = post_form(
        client,
        "/account",
        {
            "display_name": "  Ada   Lovelace ",
            "preferred_language": "fr",
            "show_name_publicly": "y",
        },
    )
    assert response.status_code == 302
    assert "Your profile has been saved." in client.get("/account").get_data(as_text=True)
    db.session.rollback()
    assert (user.display_name, user.preferred_language, user.show_name_publicly) == (
        "Ada Lovelace",
        "fr",
        True,
    )

    # An unticked checkbox is not sent at all: that means "no".
    post_form(client, "/account", {"display_name": "Ada", "preferred_language": "fr"})
    db.session.rollback()
    assert user.show_name_publicly is False


def test_profile_errors_keep_what_was_typed(db, client: FlaskClient, login_as) -> None:
    login_as(make_user(db))
    response = post_form(
        client,
        "/account",
        {"display_name": "", "preferred_language": "de", "show_name_publicly": "y"},
    )
    assert response.status_code == 200
    assert field_errors(response) == {"display_name": "Enter the name others should see."}
    page = response.get_data(as_text=True)
    assert re.search(r'<option [^>]*selected[^>]*value="de"', page)
    assert re.search(r'<input [^>]*checked[^>]*id="show_name_publicly"', page)


# --------------------------------------------------------------------------- export


def test_export_contains_the_profile_and_no_secrets(
    db, client: FlaskClient, login_as, organization, registries
) -> None:
    user = make_user(db, role="contributor", organization=organization, display_name="Ada")
    login_as(user)
    response = client.get("/account/export.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.headers["Content-Disposition"] == 'attachment; filename="eduhub-ada.json"'
    assert response.headers["Cache-Control"] == "no-store"

    data = json.loads(response.get_data(as_text=True))
    assert data["format"] == "eduhub-user-export/1"
    account = data["account"]
    assert account["username"] == "ada"
    assert account["email"] == "ada@example.org"
    assert account["display_name"] == "Ada"
    assert account["role"] == "contributor"
    assert account["organization"] == "testville"
    assert account["last_login_at"] is not None
    db.session.rollback()
    raw = response.get_data(as_text=True)
    assert user.password_hash not in raw
    assert "scrypt" not in raw
    assert user.session_token not in raw
    assert "password" not in raw
    assert "session_token" not in raw


def test_export_includes_every_registered_section(
    db, client: FlaskClient, login_as, registries
) -> None:
    seen = []

    def progress(session: object, user: User) -> list[dict[str, object]]:
        seen.append(user.username)
        return [{"lesson": "testville/one", "state": "completed"}]

    services.register_exporter("progress", progress)
    services.register_exporter("progress", progress)  # the same function again is harmless
    login_as(make_user(db))
    data = client.get("/account/export.json").get_json()
    assert data["progress"] == [{"lesson": "testville/one", "state": "completed"}]
    assert seen == ["ada"]


def test_exporter_names_cannot_clash(registries) -> None:
    services.register_exporter("progress", lambda session, user: [])
    with pytest.raises(ValueError, match="already registered"):
        services.register_exporter("progress", lambda session, user: [])
    with pytest.raises(ValueError, match="reserved"):
        services.register_exporter("account", lambda session, user: {})


def test_export_needs_an_account(client: FlaskClient) -> None:
    response = client.get("/account/export.json")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=%2Faccount%2Fexport.json"


# --------------------------------------------------------------------------- deletion


def delete(
    client: FlaskClient, records: str | None, username: str = "ada", password: str = PASSWORD
):
    data = {"confirm_username": username, "password": password}
    if records is not None:
        data["records"] = records
    return post_form(client, "/account/delete", data)


def test_deletion_page_explains_the_choice(db, client: FlaskClient, login_as) -> None:
    login_as(make_user(db))
    page = client.get("/account/delete").get_data(as_text=True)
    assert "<legend>What should happen to your learning records?</legend>" in page
    assert 'value="anonymise"' in page
    assert 'value="delete"' in page
    assert "Keep my learning records anonymised" in page
    assert "Delete everything" in page
    assert 'href="/account/export.json"' in page


@pytest.mark.parametrize(("choice", "anonymise"), [("anonymise", True), ("delete", False)])
def test_deletion_calls_every_deleter_with_the_choice_then_removes_the_user(
    db, client: FlaskClient, login_as, registries, choice: str, anonymise: bool
) -> None:
    calls: list[tuple[str, str, bool]] = []

    def progress(session: object, user: User, anonymise: bool) -> None:
        assert session.get(User, user.id) is not None  # called while the row still exists
        calls.append(("progress", user.username, anonymise))

    def quizzes(session: object, user: User, anonymise: bool) -> None:
        calls.append(("quizzes", user.username, anonymise))

    services.register_deleter(progress)
    services.register_deleter(quizzes)
    services.register_deleter(progress)  # registered twice, called once

    user = make_user(db, display_name="Ada")
    user_id = user.id
    make_user(db, "bob")
    login_as(user)
    response = delete(client, choice, username="ADA")
    assert response.status_code == 302
    assert response.headers["Location"] == "/account/deleted"
    assert "Your account has been deleted" in client.get("/account/deleted").get_data(as_text=True)

    assert calls == [("progress", "ada", anonymise), ("quizzes", "ada", anonymise)]
    assert signed_in_name(client) is None
    db.session.rollback()
    db.session.expunge_all()
    assert db.session.get(User, user_id) is None
    assert db.session.scalars(select(User.username)).all() == ["bob"]


def test_deletion_refuses_a_wrong_password_or_username_or_no_choice(
    db, client: FlaskClient, login_as, registries
) -> None:
    called = []
    services.register_deleter(lambda session, user, anonymise: called.append(user))
    login_as(make_user(db, display_name="Ada"))

    response = delete(client, "delete", password="not my password")
    assert response.status_code == 200
    assert field_errors(response) == {"password": "That is not your current password."}

    response = delete(client, "delete", username="bob")
    assert field_errors(response) == {
        "confirm_username": "Type your username exactly as shown to confirm."
    }

    response = delete(client, None)
    assert field_errors(response) == {"records": "Choose what happens to your learning records."}
    response = delete(client, "everything-and-more")
    assert set(field_errors(response)) == {"records"}
    page = response.get_data(as_text=True)
    assert 'value="ada"' in page  # the typed username is kept

    assert called == []
    assert signed_in_name(client) == "Ada"
    db.session.rollback()
    assert db.session.scalar(select(User.username)) == "ada"


def test_a_failing_deleter_leaves_the_account_in_place(
    db, client: FlaskClient, login_as, registries
) -> None:
    def broken(session: object, user: User, anonymise: bool) -> None:
        raise RuntimeError("progress store unavailable")

    services.register_deleter(broken)
    login_as(make_user(db, display_name="Ada"))
    response = delete(client, "delete")
    assert response.status_code == 500
    assert signed_in_name(client) == "Ada"
    db.session.rollback()
    assert db.session.scalar(select(User.username)) == "ada"
