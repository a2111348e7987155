"""Signing in and out: username or email, remember me, safe redirects, rate limits, inactivity."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.security import check_password_hash, generate_password_hash

from eduhub.accounts import views
from eduhub.extensions import db as _db
from tests.accounts.pages import alert, csrf_token, post_form, signed_in_name
from tests.conftest import make_app
from tests.factories import make_user

PASSWORD = "correct horse battery"


def sign_in(client: FlaskClient, username: str, password: str = PASSWORD, **extra: str):
    return post_form(client, "/login", {"username": username, "password": password, **extra})


@pytest.mark.parametrize("login", ["ada", "ADA", " ada ", "ada@example.org", "Ada@Example.ORG"])
def test_sign_in_by_username_or_email_in_any_case(db, client: FlaskClient, login: str) -> None:
    make_user(db, "ada", display_name="Ada Lovelace")
    response = sign_in(client, login)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert signed_in_name(client) == "Ada Lovelace"


def test_sign_in_records_the_time(db, client: FlaskClient) -> None:
    user = make_user(db)
    assert user.last_login_at is None
    sign_in(client, "ada")
    db.session.refresh(user)
    assert user.last_login_at is not None
    assert user.last_login_at.tzinfo is not None


@pytest.mark.parametrize(
    ("login", "password"),
    [("ada", "wrong password!"), ("nobody", PASSWORD), ("nobody@example.org", "x" * 12)],
)
def test_failed_sign_in_does_not_say_which_part_was_wrong(
    db, client: FlaskClient, login: str, password: str
) -> None:
    make_user(db)
    response = sign_in(client, login, password)
    assert response.status_code == 200
    assert "Wrong username or password." in alert(response)
    page = response.get_data(as_text=True)
    assert f'value="{login}"' in page  # what was typed stays, except the password
    assert password not in page.split("<main", 1)[1]
    assert signed_in_name(client) is None


def test_inactive_user_cannot_sign_in(db, client: FlaskClient) -> None:
    make_user(db, active=False)
    response = sign_in(client, "ada")
    assert response.status_code == 200
    assert "Wrong username or password." in alert(response)
    assert signed_in_name(client) is None


def test_deactivated_user_loses_the_session_they_already_have(
    db, client: FlaskClient, login_as
) -> None:
    user = make_user(db)
    login_as(user)
    user.active = False
    db.session.commit()
    assert signed_in_name(client) is None


def test_remember_me_sets_a_long_lived_cookie_only_when_asked(db, client: FlaskClient) -> None:
    make_user(db)
    response = sign_in(client, "ada")
    assert not any("remember_token=" in h for h in response.headers.getlist("Set-Cookie"))
    assert client.get_cookie("remember_token") is None

    client.post("/logout", data={"csrf_token": csrf_token(client)})
    response = sign_in(client, "ada", remember="y")
    cookies = [h for h in response.headers.getlist("Set-Cookie") if "remember_token=" in h]
    assert len(cookies) == 1
    assert "HttpOnly" in cookies[0]
    assert "Expires=" in cookies[0]
    assert client.get_cookie("remember_token") is not None


def test_remember_cookie_alone_signs_the_user_back_in(db, app: Flask, login_as) -> None:
    make_user(db, display_name="Ada")
    first = app.test_client()
    login_as(make_user(db, "bob", display_name="Bob"), client=first, remember=True)
    remembered = first.get_cookie("remember_token")
    assert remembered is not None

    fresh = app.test_client()  # a browser restarted: no session cookie, only the remember cookie
    fresh.set_cookie("remember_token", remembered.value)
    assert signed_in_name(fresh) == "Bob"


@pytest.mark.parametrize(
    ("next_url", "expected"),
    [
        ("/courses?subject=energy", "/courses?subject=energy"),
        ("/account", "/account"),
        ("https://evil.example/", "/"),
        ("//evil.example/", "/"),
        ("/\\evil.example/", "/"),
        ("\\\\evil.example", "/"),
        ("javascript:alert(1)", "/"),
        ("http:/evil.example", "/"),
        ("/%0a/evil.example", "/%0a/evil.example"),
        ("/\t/evil.example", "/"),
    ],
)
def test_next_is_followed_only_for_paths_on_this_site(
    db, client: FlaskClient, next_url: str, expected: str
) -> None:
    make_user(db)
    token = csrf_token(client)
    response = client.post(
        "/login",
        query_string={"next": next_url},
        data={"csrf_token": token, "username": "ada", "password": PASSWORD},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == expected


def test_login_form_keeps_a_safe_next_and_drops_an_unsafe_one(client: FlaskClient) -> None:
    page = client.get("/login?next=/account").get_data(as_text=True)
    assert 'action="/login?next=/account"' in page
    page = client.get("/login?next=https://evil.example").get_data(as_text=True)
    assert 'action="/login"' in page


def test_a_page_that_needs_an_account_sends_to_sign_in_and_back(db, client: FlaskClient) -> None:
    make_user(db)
    response = client.get("/account")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=%2Faccount"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Please sign in to see that page." in page

    response = client.post(
        "/login?next=%2Faccount",
        data={"csrf_token": csrf_token(client), "username": "ada", "password": PASSWORD},
    )
    assert response.headers["Location"] == "/account"


def test_header_shows_sign_in_links_or_the_user_and_a_sign_out_form(
    db, client: FlaskClient, login_as
) -> None:
    page = client.get("/cities").get_data(as_text=True)
    assert 'href="/login?next=/cities"' in page
    assert 'href="/signup"' in page
    login_as(make_user(db, display_name="Ada <Lovelace>"))
    page = client.get("/cities").get_data(as_text=True)
    assert '<a href="/account" title="Your account">Ada &lt;Lovelace&gt;</a>' in page
    assert '<form method="post" action="/logout">' in page
    assert 'name="csrf_token"' in page.split('action="/logout"', 1)[1].split("</form>", 1)[0]


def test_sign_out_needs_post_and_csrf(db, client: FlaskClient, login_as) -> None:
    login_as(make_user(db, display_name="Ada"))

    assert client.get("/logout").status_code == 405
    assert signed_in_name(client) == "Ada"

    response = client.post("/logout")
    assert response.status_code == 400
    assert signed_in_name(client) == "Ada"

    response = client.post("/logout", data={"csrf_token": "forged"})
    assert response.status_code == 400
    assert signed_in_name(client) == "Ada"

    response = client.post("/logout", data={"csrf_token": csrf_token(client)})
    assert response.status_code == 302
    assert signed_in_name(client) is None


def test_sign_out_also_forgets_the_remember_cookie(db, client: FlaskClient, login_as) -> None:
    login_as(make_user(db), remember=True)
    assert client.get_cookie("remember_token") is not None
    client.post("/logout", data={"csrf_token": csrf_token(client)})
    assert client.get_cookie("remember_token") is None
    assert signed_in_name(client) is None


# --------------------------------------------------------------------------- rate limits


@pytest.fixture
def limited_app(tmp_path: Path, postgres_url: str | None) -> Iterator[Flask]:
    """A fresh app with in-memory rate-limit storage, so counts start at zero."""
    app = make_app(tmp_path, postgres_url, RATELIMIT_STORAGE_URI="memory://")
    with app.app_context():
        _db.drop_all()
        _db.create_all()
        yield app
        _db.session.remove()
        _db.drop_all()
        _db.engine.dispose()


def test_failed_sign_ins_are_rate_limited_per_address(limited_app: Flask) -> None:
    assert views.SIGN_IN_LIMIT.startswith("5 per minute")
    make_user(_db)
    client = limited_app.test_client()
    for _ in range(5):
        assert sign_in(client, "ada", "wrong password!").status_code == 200
    response = sign_in(client, "ada", "wrong password!")
    assert response.status_code == 429
    assert "Too many attempts" in response.get_data(as_text=True)
    # Even the right password waits now: the point is to stop guessing.
    assert sign_in(client, "ada").status_code == 429

    # Another address is counted separately.
    other = limited_app.test_client()
    token = csrf_token(other)
    response = other.post(
        "/login",
        data={"csrf_token": token, "username": "ada", "password": PASSWORD},
        environ_base={"REMOTE_ADDR": "10.0.0.7"},
    )
    assert response.status_code == 302, response.get_data(as_text=True)


def test_successful_sign_ins_are_not_counted(limited_app: Flask) -> None:
    make_user(_db)
    client = limited_app.test_client()
    for _ in range(8):
        assert sign_in(client, "ada").status_code == 302
        client.post("/logout", data={"csrf_token": csrf_token(client)})
    assert sign_in(client, "ada", "wrong password!").status_code == 200


def test_reset_requests_are_rate_limited(limited_app: Flask) -> None:
    client = limited_app.test_client()
    for _ in range(3):
        response = post_form(client, "/reset-password", {"email": "x@example.org"})
        assert response.status_code == 200
    response = post_form(client, "/reset-password", {"email": "x@example.org"})
    assert response.status_code == 429
    assert "Too many reset requests" in response.get_data(as_text=True)


def test_an_older_password_hash_is_upgraded_to_scrypt_at_sign_in(db, client: FlaskClient) -> None:
    user = make_user(
        db, password_hash=generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")
    )
    assert sign_in(client, "ada").status_code == 302
    db.session.rollback()
    assert user.password_hash.startswith("scrypt:32768:8:1$")
    assert check_password_hash(user.password_hash, PASSWORD)
