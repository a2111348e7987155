"""Anonymous pages without a form set no cookie and revalidate: same ETag, then a 304."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask

from eduhub.packs import importer
from eduhub.packs.reader import load_tree
from tests.progress.helpers import learner, signed_in

CONTENT = Path(__file__).resolve().parents[2] / "content"

#: Anonymous pages with no form on them (the site search is a GET form: no token).
PAGES = [
    "/",
    "/courses",
    "/courses?subject=energy",
    "/cities",
    "/cities/riverbend",
    "/courses/riverbend/solar-energy",
    "/lessons/riverbend/sun-hours-and-irradiance",  # no quiz
    "/lessons/riverbend/what-is-solar-power",  # a quiz: the guest form has no token
    "/history/riverbend/what-is-solar-power",
    "/search?q=solar",
    "/search?q=zzzzqqq",
]


@pytest.fixture
def library(app: Flask, db) -> None:  # type: ignore[no-untyped-def]
    importer.import_tree(db.session, load_tree(CONTENT), media_dir=Path(app.config["MEDIA_DIR"]))
    db.session.commit()
    from eduhub.search import sync

    sync.reindex(db.session, sync.store_for(app))


def test_anonymous_pages_set_no_cookie_and_answer_304(app: Flask, library: None) -> None:
    # One import of the sample library for every page: importing it is the slow part.
    for url in PAGES:
        first = app.test_client().get(url)
        assert first.status_code == 200, url
        assert "Set-Cookie" not in first.headers, url
        assert 'name="csrf-token"' not in first.get_data(as_text=True), url
        etag = first.headers.get("ETag")
        assert etag, f"{url} has no ETag"
        # Another guest, later: the same page, the same tag.
        second = app.test_client().get(url)
        assert second.headers["ETag"] == etag, url
        assert "Set-Cookie" not in second.headers, url
        cached = app.test_client().get(url, headers={"If-None-Match": etag})
        assert cached.status_code == 304, url
        assert cached.get_data() == b"", url
    quiz_page = app.test_client().get(PAGES[7]).get_data(as_text=True)
    assert 'class="quiz' in quiz_page, "the quiz lesson has no quiz any more"


def test_form_pages_still_carry_their_token(app: Flask, library: None) -> None:
    page = app.test_client().get("/login")
    assert 'name="csrf-token"' in page.get_data(as_text=True)
    assert "Set-Cookie" in page.headers


def test_a_signed_in_lesson_page_has_its_token_and_a_stable_etag(
    app: Flask, db, library: None
) -> None:  # type: ignore[no-untyped-def]
    client = signed_in(app, learner(db))
    url = "/lessons/riverbend/what-is-solar-power"
    first = client.get(url)
    page = first.get_data(as_text=True)
    assert 'name="csrf-token"' in page  # the progress script posts with it
    assert 'name="csrf_token"' in page  # and the quiz form
    again = client.get(url)
    assert again.headers["ETag"] == first.headers["ETag"]
    assert client.get(url, headers={"If-None-Match": first.headers["ETag"]}).status_code == 304


def test_an_error_page_is_not_tagged(app: Flask, library: None) -> None:
    missing = app.test_client().get("/lessons/riverbend/no-such-lesson")
    assert missing.status_code == 404
    assert "ETag" not in missing.headers
    assert "Set-Cookie" not in missing.headers
