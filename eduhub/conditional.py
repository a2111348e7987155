"""Conditional GETs: every successful page (HTML, JSON, XML) gets an ETag, and a current copy
gets a 304.

Anonymous pages carry no CSRF token and set no cookie, so the same page gives the same ETag
to every guest and a browser or proxy can revalidate it for free. Pages that do carry a token
(signed-in readers, forms) hash without the signed token, which is re-signed with a timestamp
on every request, but with the session's raw CSRF secret, so their ETag changes only when the
page does or when the token in the cached copy would stop being valid.

The tag is of the uncompressed body; ``eduhub.compression`` marks it weak on a compressed
response, and ``If-None-Match`` compares weakly, so one tag revalidates every encoding.
A response that must not be stored (``no-store``) is not tagged.
"""

from __future__ import annotations

import hashlib

from flask import Flask, Request, Response, g, request, session


def page_etag(body: str) -> str:
    token = g.get("csrf_token")  # set by Flask-WTF only if this page asked for a token
    if token:
        body = body.replace(token, "") + str(session.get("csrf_token", ""))
    return hashlib.sha256(body.encode()).hexdigest()[:32]


def make_conditional(response: Response, req: Request) -> Response:
    """Tag an HTML page and answer 304 when the client's ETag or date is current."""
    response.set_etag(page_etag(response.get_data(as_text=True)))
    response.headers.setdefault("Cache-Control", "no-cache")
    response.vary.add("Cookie")
    return response.make_conditional(req)


#: What a page can be: the HTML pages, the JSON API, the sitemap.
TAGGED_TYPES = frozenset({"text/html", "application/json", "application/xml"})


def _tag_html_pages(response: Response) -> Response:
    if (
        request.method in ("GET", "HEAD")
        and response.status_code == 200
        and response.mimetype in TAGGED_TYPES
        and "no-store" not in (response.headers.get("Cache-Control") or "")
        and not response.direct_passthrough
        and not response.is_streamed
        and "ETag" not in response.headers
    ):
        return make_conditional(response, request)
    return response


def init_app(app: Flask) -> None:
    app.after_request(_tag_html_pages)
