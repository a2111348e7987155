"""Changing a password signs out other sessions; resetting one goes through an emailed token."""

from __future__ import annotations

import logging
import re
import time

import itsdangerous.timed
import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.security import check_password_hash

from eduhub.accounts import services
from tests.accounts.pages import csrf_token, field_errors, post_form, signed_in_name
from tests.factories import make_user

OLD = "correct horse battery"
NEW = "a brand new passphrase"
LINK = re.compile(r"http://127\.0\.0\.1:8000/reset-password/(\S+)")


def change(client: FlaskClient, current: str = OLD, new: str = NEW, confirm: str | None = None):
    return post_form(
        client,
        "/account/password",
        {"current_password": current, "new_password": new, "confirm": confirm or new},
    )


def test_password_change_signs_out_other_sessions_but_not_this_one(
    db, app: Flask, client: FlaskClient, login_as
) -> None:
    user = make_user(db, display_name="Ada")
    other = app.test_client()
    login_as(user)
    login_as(user, client=other)
    assert signed_in_name(client) == "Ada"
    assert signed_in_name(other) == "Ada"
    old_token = user.session_token

    response = change(client)
    assert response.status_code == 302
    assert response.headers["Location"] == "/account"
    assert "Your password has been changed" in client.get("/account").get_data(as_text=True)

    assert signed_in_name(client) == "Ada"
    assert signed_in_name(other) is None
    assert other.get("/account").status_code == 302  # back to the sign-in page

    db.session.rollback()
    assert user.session_token != old_token
    assert check_password_hash(user.password_hash, NEW)
    client.post("/logout", data={"csrf_token": csrf_token(client)})
    login_as(user, password=NEW)


def test_password_change_keeps_remember_me_on_this_device_only(
    db, app: Flask, client: FlaskClient, login_as
) -> None:
    user = make_user(db, display_name="Ada")
    login_as(user, remember=True)
    stolen = client.get_cookie("remember_token").value

    change(client)

    fresh = app.test_client()  # this browser, restarted: its new remember cookie still works
    fresh.set_cookie("remember_token", client.get_cookie("remember_token").value)
    assert signed_in_name(fresh) == "Ada"
    thief = app.test_client()  # a copy of the old cookie does not
    thief.set_cookie("remember_token", stolen)
    assert signed_in_name(thief) is None


def test_password_change_needs_the_current_password(db, client: FlaskClient, login_as) -> None:
    user = make_user(db)
    login_as(user)
    response = change(client, current="not my password")
    assert response.status_code == 200
    assert field_errors(response) == {"current_password": "That is not your current password."}
    response = change(client, new="short")
    assert set(field_errors(response)) == {"new_password"}
    response = change(client, confirm="something else entirely")
    assert set(field_errors(response)) == {"confirm"}
    db.session.rollback()
    assert check_password_hash(user.password_hash, OLD)


def test_password_change_page_needs_an_account(client: FlaskClient) -> None:
    response = client.get("/account/password")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


# --------------------------------------------------------------------------- reset


def request_reset(client: FlaskClient, email: str):
    return post_form(client, "/reset-password", {"email": email})


def emailed_token(caplog: pytest.LogCaptureFixture) -> str:
    mails = [r.getMessage() for r in caplog.records if r.name == "eduhub.mail"]
    assert len(mails) == 1, mails
    match = LINK.search(mails[0])
    assert match, mails[0]
    return match.group(1)


def test_reset_by_email_end_to_end(
    db, app: Flask, client: FlaskClient, login_as, caplog: pytest.LogCaptureFixture
) -> None:
    user = make_user(db, display_name="Ada")
    elsewhere = app.test_client()
    login_as(user, client=elsewhere)

    caplog.set_level(logging.INFO, logger="eduhub.mail")
    response = request_reset(client, "ADA@example.org")
    assert response.status_code == 200
    assert "Check your email" in response.get_data(as_text=True)
    mail = next(r.getMessage() for r in caplog.records if r.name == "eduhub.mail")
    assert "To: ada@example.org" in mail
    assert "Subject: Reset your EduHub password" in mail
    token = emailed_token(caplog)

    page = client.get(f"/reset-password/{token}")
    assert page.status_code == 200
    assert "Choose a new password" in page.get_data(as_text=True)

    response = post_form(client, f"/reset-password/{token}", {"password": NEW, "confirm": NEW})
    assert response.status_code == 302
    assert response.headers["Location"] == "/login"
    assert "Sign in with your new password" in client.get("/login").get_data(as_text=True)

    assert signed_in_name(elsewhere) is None  # the reset signs out every session
    login_as(user, password=NEW)
    db.session.rollback()
    assert not check_password_hash(user.password_hash, OLD)


def test_reset_answers_the_same_whether_or_not_the_email_has_an_account(
    db, client: FlaskClient, caplog: pytest.LogCaptureFixture
) -> None:
    make_user(db)
    make_user(db, "gone", active=False)
    caplog.set_level(logging.INFO, logger="eduhub.mail")

    def page(email: str) -> str:
        response = request_reset(client, email)
        assert response.status_code == 200
        html = response.get_data(as_text=True)
        main = html.split("<main", 1)[1].split("</main>", 1)[0]
        return main.replace(email, "EMAIL")

    known = page("ada@example.org")
    assert page("nobody@example.org") == known
    assert page("gone@example.org") == known
    mails = [r.getMessage() for r in caplog.records if r.name == "eduhub.mail"]
    assert len(mails) == 1  # only the active account got one
    assert "ada@example.org" in mails[0]


def test_reset_token_works_once(db, client: FlaskClient, caplog: pytest.LogCaptureFixture) -> None:
    make_user(db)
    caplog.set_level(logging.INFO, logger="eduhub.mail")
    request_reset(client, "ada@example.org")
    token = emailed_token(caplog)

    assert post_form(client, f"/reset-password/{token}", {"password": NEW, "confirm": NEW})
    again = post_form(
        client,
        f"/reset-password/{token}",
        {"password": "yet another one!", "confirm": "yet another one!"},
    )
    assert again.status_code == 400
    assert "not valid or has already been used" in again.get_data(as_text=True)
    assert client.get(f"/reset-password/{token}").status_code == 400


def test_reset_token_expires_after_an_hour(
    db, client: FlaskClient, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_user(db)
    caplog.set_level(logging.INFO, logger="eduhub.mail")
    request_reset(client, "ada@example.org")
    token = emailed_token(caplog)
    issued = time.time()

    class Clock:
        now = issued + 3590

        @classmethod
        def time(cls) -> float:
            return cls.now

    monkeypatch.setattr(itsdangerous.timed, "time", Clock)
    assert client.get(f"/reset-password/{token}").status_code == 200  # 59 minutes later

    Clock.now = issued + 3601
    response = client.get(f"/reset-password/{token}")
    assert response.status_code == 400
    assert "expired" in response.get_data(as_text=True)
    response = post_form(client, f"/reset-password/{token}", {"password": NEW, "confirm": NEW})
    assert response.status_code == 400
    db.session.rollback()
    assert services.find_by_login(db.session, "ada").password_hash.startswith("scrypt:")
    assert not check_password_hash(services.find_by_login(db.session, "ada").password_hash, NEW)


@pytest.mark.parametrize("token", ["garbage", "eyJ1IjoxfQ.forged.signature"])
def test_forged_reset_tokens_are_refused(db, client: FlaskClient, token: str) -> None:
    make_user(db)
    response = client.get(f"/reset-password/{token}")
    assert response.status_code == 400
    assert "Ask for a new link" in response.get_data(as_text=True)


def test_reset_token_for_another_secret_key_is_refused(db, app: Flask) -> None:
    user = make_user(db)
    token = services.make_reset_token(user, "another-secret-key-entirely")
    with pytest.raises(services.InvalidResetToken):
        services.user_for_reset_token(db.session, token, app.secret_key)
    assert (
        services.user_for_reset_token(
            db.session, services.make_reset_token(user, app.secret_key), app.secret_key
        )
        == user
    )


def test_reset_link_uses_base_url_not_the_request_host(
    db, client: FlaskClient, caplog: pytest.LogCaptureFixture
) -> None:
    make_user(db)
    caplog.set_level(logging.INFO, logger="eduhub.mail")
    page = client.get("/reset-password", base_url="http://evil.example").get_data(as_text=True)
    token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    response = client.post(
        "/reset-password",
        data={"csrf_token": token, "email": "ada@example.org"},
        base_url="http://evil.example",
    )
    assert response.status_code == 200
    mail = next(r.getMessage() for r in caplog.records if r.name == "eduhub.mail")
    assert "evil.example" not in mail
    assert "http://127.0.0.1:8000/reset-password/" in mail


@pytest.mark.parametrize("script_root", ["", "/hub"])
def test_reset_link_uses_the_configured_base_url_with_its_port_and_path_prefix(
    app: Flask, db, client: FlaskClient, caplog: pytest.LogCaptureFixture, script_root: str
) -> None:
    """Served as `make run PORT=8100` or behind a proxy under /hub, the emailed link points
    at that server, once prefixed, and opens the reset form."""
    app.config["BASE_URL"] = "http://learn.example:8100/hub"
    make_user(db)
    caplog.set_level(logging.INFO, logger="eduhub.mail")
    base = f"http://localhost{script_root}"
    page = client.get("/reset-password", base_url=base).get_data(as_text=True)
    token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    response = client.post(
        "/reset-password", data={"csrf_token": token, "email": "ada@example.org"}, base_url=base
    )
    assert response.status_code == 200
    mail = next(r.getMessage() for r in caplog.records if r.name == "eduhub.mail")
    link = re.search(r"http://learn\.example:8100/hub/reset-password/(\S+)", mail)
    assert link, mail
    assert client.get(f"/reset-password/{link.group(1)}", base_url=base).status_code == 200


def test_reset_password_form_shows_errors_and_keeps_the_token(
    db, client: FlaskClient, caplog: pytest.LogCaptureFixture
) -> None:
    make_user(db)
    caplog.set_level(logging.INFO, logger="eduhub.mail")
    request_reset(client, "ada@example.org")
    token = emailed_token(caplog)
    response = post_form(
        client, f"/reset-password/{token}", {"password": "short", "confirm": "short"}
    )
    assert response.status_code == 200
    assert set(field_errors(response)) == {"password"}
    assert f'action="/reset-password/{token}"' in response.get_data(as_text=True)
