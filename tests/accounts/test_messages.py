"""Every account confirmation is shown exactly once (base.html is the one place flashes render)."""

from __future__ import annotations

import re
from collections.abc import Callable
from html import unescape

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.test import TestResponse

from eduhub.accounts import services
from eduhub.accounts.models import User
from tests.accounts.pages import post_form
from tests.factories import DEFAULT_PASSWORD, make_user

NEW = "another long passphrase"
_STATUS = re.compile(r'role="status"[^>]*>(.*?)</(?:p|div)>', re.S)


def _text(html: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def _follow(client: FlaskClient, response: TestResponse) -> str:
    while response.status_code in {302, 303}:
        response = client.get(response.headers["Location"])
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def _sign_up(app: Flask, client: FlaskClient) -> str:
    data = {
        "username": "grace",
        "email": "grace@example.org",
        "display_name": "Grace Hopper",
        "password": NEW,
        "confirm": NEW,
        "preferred_language": "en",
    }
    return _follow(client, post_form(client, "/signup", data))


def _sign_in(app: Flask, client: FlaskClient) -> str:
    return _follow(
        client, post_form(client, "/login", {"username": "ada", "password": DEFAULT_PASSWORD})
    )


def _sign_out(app: Flask, client: FlaskClient) -> str:
    _sign_in(app, client)
    return _follow(client, post_form(client, "/logout"))


def _save_profile(app: Flask, client: FlaskClient) -> str:
    _sign_in(app, client)
    data = {"display_name": "Ada L", "preferred_language": "en"}
    return _follow(client, post_form(client, "/account", data))


def _change_password(app: Flask, client: FlaskClient) -> str:
    _sign_in(app, client)
    data = {"current_password": DEFAULT_PASSWORD, "new_password": NEW, "confirm": NEW}
    return _follow(client, post_form(client, "/account/password", data))


def _request_reset(app: Flask, client: FlaskClient) -> str:
    return _follow(client, post_form(client, "/reset-password", {"email": "ada@example.org"}))


def _finish_reset(app: Flask, client: FlaskClient) -> str:
    from eduhub.extensions import db

    user = db.session.scalar(select(User).where(User.username == "ada"))
    token = services.make_reset_token(user, app.secret_key)
    data = {"password": NEW, "confirm": NEW}
    return _follow(client, post_form(client, f"/reset-password/{token}", data))


def _export(app: Flask, client: FlaskClient) -> str:
    _sign_in(app, client)
    download = client.get("/account/export.json")
    assert download.status_code == 200
    assert download.json["account"]["username"] == "ada"
    return client.get("/account").get_data(as_text=True)


def _delete(app: Flask, client: FlaskClient) -> str:
    _sign_in(app, client)
    data = {"password": DEFAULT_PASSWORD, "confirm_username": "ada", "records": "delete"}
    return _follow(client, post_form(client, "/account/delete", data))


ACTIONS: dict[str, tuple[Callable[[Flask, FlaskClient], str], str]] = {
    "sign-up": (_sign_up, "Welcome to EduHub, Grace Hopper. Your account is ready."),
    "sign-in": (_sign_in, "Welcome back, Ada. You are signed in."),
    "sign-out": (_sign_out, "You are signed out."),
    "profile": (_save_profile, "Your profile has been saved."),
    "password": (
        _change_password,
        "Your password has been changed. Your other devices have been signed out.",
    ),
    "reset-request": (_request_reset, "we have sent it a link to choose a new password"),
    "reset-done": (
        _finish_reset,
        "Your password has been changed. Sign in with your new password.",
    ),
    "export": (_export, "Download all your data (JSON)"),
    "delete": (_delete, "You are signed out. Every lesson stays open to read"),
}


@pytest.mark.parametrize("action", list(ACTIONS))
def test_each_confirmation_appears_exactly_once(
    app: Flask, db, client: FlaskClient, action: str
) -> None:
    make_user(db)
    run, confirmation = ACTIONS[action]
    html = run(app, client)
    assert _text(html).count(confirmation) == 1, _text(html)
    statuses = [_text(found) for found in _STATUS.findall(html)]
    assert len(statuses) == len(set(statuses)), statuses
    # Shown once, then gone: the next page does not repeat it.
    later = client.get("/cities").get_data(as_text=True)
    if action != "export":
        assert confirmation not in _text(later)
