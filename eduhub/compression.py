"""Responses compressed for the wire: brotli when the client asks for it, else gzip.

One after_request hook, registered first so it runs last (after the ETag and the 304
decision), compresses text-like bodies — HTML, JSON, CSS, JS, SVG, XML — when the client's
``Accept-Encoding`` allows it. It leaves alone tiny bodies (the headers would outweigh the
saving), images and archives that are compressed already, HEAD requests (no body is sent),
Range requests and partial content (the byte offsets refer to the uncompressed file),
streamed bodies and bodies that already carry a ``Content-Encoding`` (the anonymous page
cache sends its stored compressed copies itself).

A compressed body is a different representation of the same page, so a strong ETag becomes
weak (``W/"…"``), as nginx does: ``If-None-Match`` compares weakly, so the browser's copy is
still revalidated with a 304 whichever encoding it got, and ``If-Range`` (strong) never
splices compressed and plain bytes.
"""

from __future__ import annotations

import gzip
from typing import Final

import brotli
from flask import Flask, Request, Response, request

#: Smaller bodies go out as they are: gzip's own framing is ~20 bytes, TCP sends ~1400 anyway.
MIN_SIZE: Final = 512

COMPRESSIBLE: Final = frozenset(
    {
        "text/html",
        "text/css",
        "text/plain",
        "text/javascript",
        "text/xml",
        "application/javascript",
        "application/json",
        "application/problem+json",
        "application/xml",
        "image/svg+xml",
    }
)

#: Per-request compression is cheap settings; a body compressed once and kept (the anonymous
#: page cache) is worth the slower, smaller settings.
FAST: Final = {"gzip": 6, "br": 5}
SMALL: Final = {"gzip": 9, "br": 9}


def compress(data: bytes, encoding: str, *, keep: bool = False) -> bytes:
    """``data`` encoded as ``encoding`` ("br" or "gzip")."""
    levels = SMALL if keep else FAST
    if encoding == "br":
        return bytes(brotli.compress(data, quality=levels["br"]))
    return gzip.compress(data, compresslevel=levels["gzip"], mtime=0)


def negotiate(req: Request) -> str | None:
    """The encoding to send: brotli if accepted at least as much as gzip, else gzip, else none."""
    accepted = req.accept_encodings
    br, gz = accepted["br"], accepted["gzip"]
    if br and br >= gz:
        return "br"
    if gz:
        return "gzip"
    return None


def compressible(response: Response) -> bool:
    """Worth compressing at all, whoever asks (so caches must vary on Accept-Encoding)."""
    return (
        response.mimetype in COMPRESSIBLE
        and "Content-Encoding" not in response.headers
        and response.status_code not in (204, 206, 304)
        and (response.direct_passthrough or not response.is_streamed)  # a file, or a body
        and (response.content_length is None or response.content_length >= MIN_SIZE)
    )


def weaken_etag(response: Response) -> None:
    etag, weak = response.get_etag()
    if etag and not weak:
        response.set_etag(etag, weak=True)


def _compress_response(response: Response) -> Response:
    if not compressible(response):
        return response
    response.vary.add("Accept-Encoding")
    if request.method == "HEAD" or "Range" in request.headers:
        return response
    encoding = negotiate(request)
    if encoding is None:
        return response
    if response.direct_passthrough:  # a static file: small, read it whole
        response.direct_passthrough = False
    data = response.get_data()
    if len(data) < MIN_SIZE:
        return response
    response.set_data(compress(data, encoding))
    response.headers["Content-Encoding"] = encoding
    response.headers.pop("Accept-Ranges", None)
    weaken_etag(response)
    return response


def init_app(app: Flask) -> None:
    """Register the hook; call before any other after_request hook so it runs last."""
    app.after_request(_compress_response)
