"""Reading account pages in tests: CSRF tokens, form posts, errors, who is signed in."""

from __future__ import annotations

import re
from html import unescape
from typing import Any

from flask.testing import FlaskClient
from werkzeug.test import TestResponse

_CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)">')
_FIELD_ERROR = re.compile(r'<strong class="notice" id="([a-z_]+)-error">(.*?)</strong>', re.S)
_ALERT = re.compile(r'<div class="notice" role="alert".*?</div>', re.S)
_ACCOUNT_NAV = re.compile(r'<ul aria-label="Account">(.*?)</ul>', re.S)


def csrf_token(client: FlaskClient, url: str = "/reset-password") -> str:
    """The session's CSRF token, read from the meta tag of any page."""
    response = client.get(url)
    match = _CSRF_META.search(response.get_data(as_text=True))
    assert match, f"no csrf-token meta on {url} ({response.status_code})"
    return match.group(1)


def post_form(client: FlaskClient, url: str, data: dict[str, Any] | None = None) -> TestResponse:
    """POST like a browser submitting the page's form: with the session's CSRF token."""
    return client.post(url, data={"csrf_token": csrf_token(client), **(data or {})})


def field_errors(response: TestResponse) -> dict[str, str]:
    """Error messages shown next to fields, by field name."""
    page = response.get_data(as_text=True)
    return {name: unescape(text) for name, text in _FIELD_ERROR.findall(page)}


def alert(response: TestResponse) -> str:
    """The text of the error summary at the top of a form ('' when there is none)."""
    match = _ALERT.search(response.get_data(as_text=True))
    return unescape(re.sub(r"<[^>]+>", " ", match.group(0))) if match else ""


def signed_in_name(client: FlaskClient) -> str | None:
    """The display name in the header's account menu, or None when signed out."""
    page = client.get("/cities").get_data(as_text=True)
    nav = _ACCOUNT_NAV.search(page)
    assert nav, "no account menu in the header"
    if "Sign out" not in nav.group(1):
        return None
    name = re.search(r'<a href="/account"[^>]*>([^<]*)</a>', nav.group(1))
    assert name
    return unescape(name.group(1))
