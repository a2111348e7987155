"""Compression, fingerprinted static files and conditional GETs, as a client sees them."""

from __future__ import annotations

import gzip
import hashlib
import re
import struct
import zlib
from pathlib import Path

import brotli
import pytest
from flask import Flask

from eduhub.extensions import db as _db
from eduhub.packs import importer
from eduhub.packs.reader import load_tree
from tests.factories import write_course, write_lesson, write_org
from tests.progress.helpers import learner, signed_in

STATIC = Path(__file__).resolve().parents[2] / "eduhub" / "static"
LESSON = "/lessons/testville/big"


def noisy_png(side: int = 64) -> bytes:
    """A valid PNG of hash-noise pixels: a couple of KB, already deflated."""
    rows = b"".join(
        b"\x00" + hashlib.sha256(str(y).encode()).digest() * (side * 3 // 32) for y in range(side)
    )

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + data))
        return struct.pack(">I", len(data)) + kind + data + crc

    header = struct.pack(">IIBBBBB", side, side, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


@pytest.fixture
def library(app: Flask, db, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    root = tmp_path / "packs"
    course = write_course(write_org(root), "course", lessons=["big.md"])
    (course / "images").mkdir()
    (course / "images" / "noise.png").write_bytes(noisy_png())
    body = "# Big\n\n![Noise](images/noise.png)\n\n" + "A sentence about fractions. " * 200
    write_lesson(course, "big.md", body=body, id="big", title="A big lesson")
    importer.import_tree(_db.session, load_tree(root), media_dir=Path(app.config["MEDIA_DIR"]))
    _db.session.commit()


def decoded(response) -> bytes:  # type: ignore[no-untyped-def]
    encoding = response.headers.get("Content-Encoding")
    data = response.get_data()
    if encoding == "gzip":
        return gzip.decompress(data)
    if encoding == "br":
        return bytes(brotli.decompress(data))
    assert encoding is None
    return data


def vary(response) -> set[str]:  # type: ignore[no-untyped-def]
    return {v.strip().lower() for v in response.headers.get("Vary", "").split(",")}


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        ("gzip", "gzip"),
        ("gzip, deflate, br", "br"),
        ("br;q=0.5, gzip", "gzip"),
        ("br", "br"),
        ("identity", None),
        ("gzip;q=0", None),
        (None, None),
    ],
)
@pytest.mark.parametrize("cached", [False, True], ids=["rendered", "from-cache"])
def test_pages_are_compressed_as_the_client_asks(
    app: Flask, library: None, accept: str | None, expected: str | None, cached: bool
) -> None:
    plain = app.test_client().get(LESSON).get_data()  # also fills the guest cache
    headers = {"Accept-Encoding": accept} if accept else {}
    url = LESSON if cached else LESSON + "?x=1"  # a query string bypasses the cache
    response = app.test_client().get(url, headers=headers)
    assert response.status_code == 200
    assert (response.headers.get("X-Page-Cache") == "hit") is cached
    assert response.headers.get("Content-Encoding") == expected
    assert "accept-encoding" in vary(response)
    if expected:
        assert len(response.get_data()) < len(plain) / 3
        assert response.headers["Content-Length"] == str(len(response.get_data()))
    assert decoded(response).decode().replace("?x=1", "") == plain.decode()


@pytest.mark.parametrize(
    ("url", "mimetype"),
    [
        ("/api/v1/courses", "application/json"),
        ("/static/css/eduhub.css", "text/css"),
        ("/static/js/progress.js", "text/javascript"),
    ],
)
def test_json_css_and_js_are_compressed(app: Flask, library: None, url: str, mimetype: str) -> None:
    client = app.test_client()
    plain = client.get(url)
    with client.get(url, headers={"Accept-Encoding": "gzip"}) as response:
        assert response.mimetype == mimetype
        assert response.headers["Content-Encoding"] == "gzip"
        assert "accept-encoding" in vary(response)
        assert decoded(response) == plain.get_data()
    plain.close()


def test_svg_is_compressed(app: Flask, db, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    root = tmp_path / "packs"
    course = write_course(write_org(root), "course", lessons=["svg.md"])
    (course / "images").mkdir()
    circles = "".join(f'<circle cx="{i}" cy="{i}" r="3" fill="#123456"/>' for i in range(60))
    svg = f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64">{circles}</svg>'
    (course / "images" / "dots.svg").write_text(svg)
    write_lesson(course, "svg.md", body="# Dots\n\n![Dots](images/dots.svg)\n", id="svg")
    importer.import_tree(_db.session, load_tree(root), media_dir=Path(app.config["MEDIA_DIR"]))
    _db.session.commit()
    html = app.test_client().get("/lessons/testville/svg").get_data(as_text=True)
    src = re.search(r'src="(/media/[^"]+\.svg)"', html).group(1)  # type: ignore[union-attr]
    with app.test_client().get(src, headers={"Accept-Encoding": "br"}) as response:
        assert response.mimetype == "image/svg+xml"
        assert response.headers["Content-Encoding"] == "br"
        assert decoded(response).decode().count("<circle") == 60


def test_images_tiny_bodies_head_and_ranges_are_sent_as_they_are(app: Flask, library: None) -> None:
    client = app.test_client()
    html = client.get(LESSON).get_data(as_text=True)
    src = re.search(r'src="(/media/[^"]+\.png)"', html).group(1)  # type: ignore[union-attr]
    with client.get(src, headers={"Accept-Encoding": "gzip, br"}) as image:
        assert image.status_code == 200
        assert len(image.get_data()) > 1000  # well over the smallest size compressed
        assert "Content-Encoding" not in image.headers  # already compressed
    tiny = client.get("/healthz", headers={"Accept-Encoding": "gzip"})
    assert len(tiny.get_data()) < 512
    assert "Content-Encoding" not in tiny.headers
    head = client.head(LESSON + "?x=1", headers={"Accept-Encoding": "gzip"})
    assert head.status_code == 200
    assert "Content-Encoding" not in head.headers
    with client.get(
        "/static/css/eduhub.css", headers={"Accept-Encoding": "gzip", "Range": "bytes=0-99"}
    ) as part:
        assert part.status_code == 206
        assert "Content-Encoding" not in part.headers
        assert len(part.get_data()) == 100


# --------------------------------------------------------------------------- fingerprints


def test_static_links_carry_a_content_hash_and_are_cached_for_a_year(
    app: Flask, library: None
) -> None:
    client = app.test_client()
    html = client.get(LESSON).get_data(as_text=True)
    digest = hashlib.sha256((STATIC / "css" / "eduhub.css").read_bytes()).hexdigest()[:12]
    assert f'href="/static/css/eduhub.css?v={digest}"' in html
    code = hashlib.sha256((STATIC / "css" / "code.css").read_bytes()).hexdigest()[:12]
    assert f'href="/static/css/code.css?v={code}"' in html
    favicon = re.search(r'href="(/static/favicon\.svg\?v=[0-9a-f]{12})"', html)
    assert favicon
    for url in (f"/static/css/eduhub.css?v={digest}", favicon.group(1)):
        with client.get(url) as response:
            assert response.status_code == 200
            assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    # Unversioned or outdated: revalidated as before, never a year-long copy.
    for url in ("/static/css/eduhub.css", "/static/css/eduhub.css?v=000000000000"):
        with client.get(url) as response:
            assert response.status_code == 200
            assert "immutable" not in response.headers.get("Cache-Control", "")


def test_a_changed_file_gets_a_new_fingerprint(app: Flask, tmp_path: Path) -> None:
    from eduhub.assets import fingerprint

    folder = tmp_path / "static"
    folder.mkdir()
    (folder / "a.css").write_text("a { color: red }")
    before = fingerprint(str(folder), "a.css")
    (folder / "a.css").write_text("a { color: blue; }")
    assert fingerprint(str(folder), "a.css") != before
    assert fingerprint(str(folder), "../a.css") is None
    assert fingerprint(str(folder), "missing.css") is None


# --------------------------------------------------------------------------- conditional GETs


@pytest.mark.parametrize(
    "url",
    [LESSON, LESSON + "?x=1", "/courses", "/courses/testville/course", "/api/v1/courses"],
)
@pytest.mark.parametrize("accept", ["gzip", "br", None])
def test_every_cacheable_page_revalidates_with_a_304_in_any_encoding(
    app: Flask, library: None, url: str, accept: str | None
) -> None:
    client = app.test_client()
    client.get(url)  # the guest cache, where it applies, now holds the page
    first = client.get(url, headers={"Accept-Encoding": accept} if accept else {})
    etag = first.headers["ETag"]
    assert etag.startswith('W/"') == bool(first.headers.get("Content-Encoding"))
    # A browser may have the page from an earlier visit in another encoding: any one matches.
    for held in (etag, etag.removeprefix("W/"), "W/" + etag.removeprefix("W/")):
        for asking in ("gzip", "br", None):
            again = client.get(
                url,
                headers={"If-None-Match": held, **({"Accept-Encoding": asking} if asking else {})},
            )
            assert again.status_code == 304, (held, asking)
            assert again.get_data() == b""
    changed = client.get(url, headers={"If-None-Match": '"something-else"'})
    assert changed.status_code == 200


def test_signed_in_page_revalidates_too(app: Flask, db, library: None) -> None:  # type: ignore[no-untyped-def]
    reader = signed_in(app, learner(db))
    first = reader.get(LESSON, headers={"Accept-Encoding": "gzip"})
    assert first.headers["Content-Encoding"] == "gzip"
    again = reader.get(LESSON, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
