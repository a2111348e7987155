"""CSRF: every account form refuses a POST without its token; the JSON API takes the header."""

from __future__ import annotations

import pytest
from flask import Flask, jsonify
from flask.testing import FlaskClient
from flask_login import current_user
from sqlalchemy import select

from eduhub.accounts import services
from eduhub.accounts.models import User
from tests.accounts.pages import csrf_token, signed_in_name
from tests.factories import make_user

PASSWORD = "correct horse battery"
NEW = "a brand new passphrase"

FORMS = [
    ("/signup", False, {"username": "grace", "email": "g@example.org", "display_name": "G",
                        "password": NEW, "confirm": NEW, "preferred_language": "en"}),
    ("/login", False, {"username": "ada", "password": PASSWORD}),
    ("/logout", True, {}),
    ("/account", True, {"display_name": "Changed", "preferred_language": "fr"}),
    ("/account/password", True, {"current_password": PASSWORD, "new_password": NEW,
                                 "confirm": NEW}),
    ("/reset-password", False, {"email": "ada@example.org"}),
    ("/reset-password/{token}", False, {"password": NEW, "confirm": NEW}),
    ("/account/delete", True, {"records": "delete", "confirm_username": "ada",
                               "password": PASSWORD}),
]  # fmt: skip


@pytest.mark.parametrize(("url", "signed_in", "data"), FORMS, ids=[f[0] for f in FORMS])
@pytest.mark.parametrize("token", ["missing", "forged", "another session's"])
def test_every_form_post_needs_the_csrf_token(
    db, app: Flask, client: FlaskClient, login_as, url: str, signed_in: bool, data: dict, token: str
) -> None:
    user = make_user(db, display_name="Ada")
    before = (user.password_hash, user.session_token, user.display_name)
    url = url.format(token=services.make_reset_token(user, app.secret_key))
    if signed_in:
        login_as(user)
    form = dict(data)
    if token == "forged":
        form["csrf_token"] = "forged"
    elif token == "another session's":
        form["csrf_token"] = csrf_token(app.test_client())

    response = client.post(url, data=form)
    assert response.status_code == 400
    assert "This form could not be accepted" in response.get_data(as_text=True)
    db.session.rollback()
    assert db.session.scalars(select(User.username)).all() == ["ada"]
    assert (user.password_hash, user.session_token, user.display_name) == before
    assert signed_in_name(client) == ("Ada" if signed_in else None)


def test_every_account_form_carries_its_token(db, app: Flask, client: FlaskClient, login_as):
    user = make_user(db)
    token = services.make_reset_token(user, app.secret_key)
    for url in ("/signup", "/login", "/reset-password", f"/reset-password/{token}"):
        page = client.get(url).get_data(as_text=True)
        assert page.count('name="csrf_token"') == 1, url
    login_as(user)
    for url in ("/account", "/account/password", "/account/delete", "/cities"):
        page = client.get(url).get_data(as_text=True)
        assert 'name="csrf-token"' in page, url
        # the page's own form, plus the sign-out form in the header
        assert page.count('name="csrf_token"') == (1 if url == "/cities" else 2), url


def test_json_api_takes_the_session_cookie_and_the_csrf_header(
    app: Flask, db, client: FlaskClient, login_as
) -> None:
    def echo():  # type: ignore[no-untyped-def]
        return jsonify(ok=True, user=current_user.username)

    app.add_url_rule("/api/v1/_test/echo", view_func=echo, methods=["POST"])
    login_as(make_user(db))

    response = client.post("/api/v1/_test/echo", json={"x": 1})
    assert response.status_code == 400
    assert response.mimetype == "application/json"
    assert response.get_json()["error"]["code"] == 400

    response = client.post("/api/v1/_test/echo", json={"x": 1}, headers={"X-CSRFToken": "forged"})
    assert response.status_code == 400
    assert response.mimetype == "application/json"

    token = csrf_token(client, "/cities")  # the <meta name="csrf-token"> of any page
    response = client.post("/api/v1/_test/echo", json={"x": 1}, headers={"X-CSRFToken": token})
    assert response.status_code == 200
    assert response.get_json() == {"ok": True, "user": "ada"}
