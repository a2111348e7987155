"""Anonymous pages rendered once per content generation and kept, compressed, in each process.

A guest's lesson, course, catalog or city page depends only on the catalog and the URL: no
session, no token, no per-reader state. Every catalog change bumps the content generation
in the database in the same transaction (``eduhub.search.sync``), so the key
``(path, content generation, renderer version)`` names one page, and every node and worker
that reads the same generation agrees on it; a new generation simply stops matching the old
entries, which are dropped.

Only requests that cannot be personal are served from here or stored: GET or HEAD of an
allowed endpoint, with no query string and no session or remember-me cookie (a signed-in
reader, a pending flash message or a CSRF secret all live in those cookies). A hit costs one
small SQL statement (the generation) and no session, login or template work: the hook runs
before every other ``before_request`` hook. A stored page is one that answered 200 as HTML,
set no cookie and asked for no CSRF token.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Final

from flask import Flask, Response, current_app, g, request

from eduhub import compression
from eduhub.rendering.render import RENDERER_VERSION

#: Pages a guest sees the same as every other guest.
ENDPOINTS: Final = frozenset(
    {
        "catalog.home",
        "catalog.catalog",
        "catalog.course",
        "catalog.lesson",
        "catalog.organizations",
        "catalog.organization",
        "catalog.history",
    }
)
_EXTENSION = "eduhub.pagecache"
#: Kept in the WSGI environ, not ``g``: it belongs to this request alone.
_PENDING = "eduhub.pagecache.key"
_KEPT_HEADERS = ("Content-Type", "Cache-Control", "Vary", "Content-Language")


@dataclass
class Entry:
    body: bytes
    etag: str
    last_modified: datetime | None
    headers: list[tuple[str, str]]
    encoded: dict[str, bytes] = field(default_factory=dict)

    def encoding(self, name: str) -> bytes:
        """The body in ``name`` encoding, compressed once (races compress twice, harmlessly)."""
        data = self.encoded.get(name)
        if data is None:
            data = compression.compress(self.body, name, keep=True)
            self.encoded[name] = data
        return data


class PageCache:
    """A bounded LRU of entries for one content generation, safe across threads."""

    def __init__(self, max_entries: int) -> None:
        self.max_entries = max_entries
        self.generation: int | None = None
        self.entries: OrderedDict[tuple[str, int, int], Entry] = OrderedDict()
        self.hits = self.misses = 0
        self._lock = threading.Lock()

    def get(self, key: tuple[str, int, int]) -> Entry | None:
        with self._lock:
            entry = self.entries.get(key)
            if entry is None:
                self.misses += 1
                return None
            self.entries.move_to_end(key)
            self.hits += 1
            return entry

    def put(self, key: tuple[str, int, int], entry: Entry) -> None:
        with self._lock:
            if key[1] != self.generation:  # a new generation: every older page is stale
                self.entries.clear()
                self.generation = key[1]
            self.entries[key] = entry
            self.entries.move_to_end(key)
            while len(self.entries) > self.max_entries:
                self.entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self.entries.clear()
            self.generation = None


def cache_for(app: Flask | None = None) -> PageCache:
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    cache: PageCache = app.extensions[_EXTENSION]
    return cache


def _anonymous_get() -> bool:
    cookies = request.cookies
    return (
        request.method in ("GET", "HEAD")
        and request.endpoint in ENDPOINTS
        and not request.query_string
        and current_app.config["SESSION_COOKIE_NAME"] not in cookies
        and current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token") not in cookies
    )


def _generation() -> int:
    from eduhub.catalog.services import current_generation
    from eduhub.extensions import db

    return current_generation(db.session())  # the request's Session, not the scoped proxy


def _serve_cached() -> Response | None:
    if not _anonymous_get():
        return None
    key = (request.script_root + request.path, _generation(), RENDERER_VERSION)
    entry = cache_for().get(key)
    if entry is None:
        request.environ[_PENDING] = key
        return None
    response = Response(entry.body, headers=entry.headers)
    response.set_etag(entry.etag)
    response.last_modified = entry.last_modified
    response.headers["X-Page-Cache"] = "hit"
    response.make_conditional(request)
    if response.status_code == 200 and compression.compressible(response):
        response.vary.add("Accept-Encoding")
        encoding = compression.negotiate(request)
        if encoding and request.method != "HEAD" and "Range" not in request.headers:
            response.set_data(entry.encoding(encoding))
            response.headers["Content-Encoding"] = encoding
            compression.weaken_etag(response)
    return response


def _store(response: Response) -> Response:
    key = request.environ.pop(_PENDING, None)
    if (
        key is None
        or request.method != "GET"
        or response.status_code != 200
        or response.mimetype != "text/html"
        or response.direct_passthrough
        or response.is_streamed
        or "Set-Cookie" in response.headers
        or "Content-Encoding" in response.headers
        or g.get("csrf_token")
    ):
        return response
    etag, _weak = response.get_etag()
    if not etag:
        return response
    headers = [(name, value) for name, value in response.headers if name in _KEPT_HEADERS]
    entry = Entry(response.get_data(), etag, response.last_modified, headers)
    cache_for().put(key, entry)
    response.headers["X-Page-Cache"] = "miss"
    return response


def init_app(app: Flask) -> None:
    """Serve hits before any other hook; store after the ETag is set, before compression.

    Call after ``compression.init_app`` and before ``conditional.init_app``: after_request
    hooks run in reverse order, so the page is stored once tagged and still uncompressed.
    """
    app.extensions[_EXTENSION] = PageCache(int(app.config.get("PAGE_CACHE_ENTRIES", 2000)))
    if not app.config.get("PAGE_CACHE", True):
        return
    app.before_request_funcs.setdefault(None, []).insert(0, _serve_cached)
    app.after_request(_store)
