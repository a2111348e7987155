"""Signing up: validation next to each field, case-insensitive duplicates, signed in afterwards."""

from __future__ import annotations

import re

from flask.testing import FlaskClient
from sqlalchemy import select

from eduhub.accounts.models import User
from tests.accounts.pages import alert, field_errors, post_form, signed_in_name
from tests.factories import make_user

GOOD = {
    "username": "grace",
    "email": "grace@example.org",
    "display_name": "Grace Hopper",
    "password": "a long enough passphrase",
    "confirm": "a long enough passphrase",
    "preferred_language": "es",
}


def test_sign_up_creates_a_learner_signs_in_and_hashes_with_scrypt(db, client: FlaskClient) -> None:
    response = post_form(client, "/signup", GOOD)
    assert response.status_code == 302
    assert response.headers["Location"] == "/account"

    user = db.session.scalar(select(User).where(User.username == "grace"))
    assert user is not None
    assert user.email == "grace@example.org"
    assert user.display_name == "Grace Hopper"
    assert user.preferred_language == "es"
    assert user.role == "learner"
    assert user.active is True
    assert user.show_name_publicly is False
    assert user.last_login_at is not None
    assert user.password_hash.startswith("scrypt:")
    assert "a long enough passphrase" not in user.password_hash

    page = client.get("/account")
    assert page.status_code == 200
    assert "Welcome to EduHub, Grace Hopper" in page.get_data(as_text=True)
    assert signed_in_name(client) == "Grace Hopper"


def test_sign_up_stores_username_and_email_in_lower_case(db, client: FlaskClient) -> None:
    response = post_form(
        client, "/signup", {**GOOD, "username": " Grace.H ", "email": "Grace@Example.ORG "}
    )
    assert response.status_code == 302
    user = db.session.scalar(select(User))
    assert (user.username, user.email) == ("grace.h", "grace@example.org")


def test_invalid_sign_up_shows_each_error_next_to_its_field_and_keeps_the_input(
    db, client: FlaskClient
) -> None:
    response = post_form(
        client,
        "/signup",
        {
            "username": "no spaces!",
            "email": "not-an-email",
            "display_name": "Grace Hopper",
            "password": "short",
            "confirm": "different",
            "preferred_language": "fr",
        },
    )
    assert response.status_code == 200
    errors = field_errors(response)
    assert set(errors) == {"username", "email", "password", "confirm"}
    assert "3 to 40 characters" in errors["username"]
    assert "name@example.org" in errors["email"]
    assert "at least 10 characters" in errors["password"]
    assert "not the same" in errors["confirm"]
    assert "There is a problem" in alert(response)

    page = response.get_data(as_text=True)
    assert 'value="no spaces!"' in page
    assert 'value="not-an-email"' in page
    assert 'value="Grace Hopper"' in page
    assert re.search(r'<option [^>]*selected[^>]*value="fr"', page)
    assert "short" not in page.split("<main", 1)[1]  # passwords are never sent back
    assert 'aria-describedby="username-hint username-error"' in page
    assert 'aria-invalid="true"' in page
    assert "<title>Error: Create an account" in page
    assert db.session.scalar(select(User)) is None


def test_too_short_and_too_long_usernames_are_refused(db, client: FlaskClient) -> None:
    for username in ("ab", "a" * 41):
        response = post_form(client, "/signup", {**GOOD, "username": username})
        assert "username" in field_errors(response), username
    assert db.session.scalar(select(User)) is None


def test_unknown_language_is_refused(db, client: FlaskClient) -> None:
    response = post_form(client, "/signup", {**GOOD, "preferred_language": "xx"})
    assert "preferred_language" in field_errors(response)


def test_duplicate_username_or_email_is_refused_whatever_the_case(db, client: FlaskClient) -> None:
    make_user(db, "grace", email="grace@example.org")

    response = post_form(client, "/signup", {**GOOD, "username": "GRACE", "email": "g@x.org"})
    assert response.status_code == 200
    assert field_errors(response) == {"username": "That username is taken. Try another one."}

    response = post_form(
        client, "/signup", {**GOOD, "username": "grace2", "email": "GRACE@example.org"}
    )
    assert set(field_errors(response)) == {"email"}
    assert "already uses this email" in field_errors(response)["email"]
    assert db.session.scalars(select(User.username)).all() == ["grace"]


def test_signed_in_user_visiting_signup_goes_to_their_account(
    db, client: FlaskClient, login_as
) -> None:
    login_as(make_user(db))
    response = client.get("/signup")
    assert response.status_code == 302
    assert response.headers["Location"] == "/account"
