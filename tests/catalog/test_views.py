"""Catalog pages as a visitor sees them: home, catalog, cities, courses, lessons, history, media."""

from __future__ import annotations

import re
import shutil
import time
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta, tzinfo
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from itsdangerous.timed import TimestampSigner
from werkzeug.test import TestResponse

from eduhub import orm
from eduhub.extensions import db
from eduhub.packs.importer import ImportReport, import_tree
from eduhub.packs.reader import load_tree
from tests.factories import PNG_BYTES, write_course, write_lesson, write_org, write_pack

SITEMAP_NS = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9"}
COURSE_PATH = re.compile(r"^/courses/[^/?]+/[^/?]+$")

MATH = "/courses/northmere/everyday-math"
FRACTIONS = "/lessons/northmere/fractions"
SAVING = "/lessons/northmere/everyday-math/money/saving-money"


# --------------------------------------------------------------------------- helpers


class _Tags(HTMLParser):
    """Every start tag of a page with its attributes, in document order."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, {name: value or "" for name, value in attrs}))


def tags(html: str, name: str) -> list[dict[str, str]]:
    parser = _Tags()
    parser.feed(html)
    return [attrs for tag, attrs in parser.tags if tag == name]


def course_links(html: str) -> list[str]:
    """Course page links in the order the page shows them (cards, module lists)."""
    return [a["href"] for a in tags(html, "a") if COURSE_PATH.match(a.get("href", ""))]


def rel_link(html: str, rel: str) -> str | None:
    found = [a["href"] for a in tags(html, "a") if a.get("rel") == rel]
    assert len(found) <= 1, f"several rel={rel} links: {found}"
    return found[0] if found else None


def text(response: TestResponse) -> str:
    return response.get_data(as_text=True)


def main(response: TestResponse) -> str:
    """The page's <main> element only, so the header and footer cannot make a test pass."""
    page = text(response)
    return page[page.index("<main") : page.index("</main>")]


def import_packs(app: Flask, root: Path) -> ImportReport:
    tree = load_tree(root)
    assert tree.errors == [], [str(m) for m in tree.errors]
    report = import_tree(db.session, tree, media_dir=Path(app.config["MEDIA_DIR"]))
    db.session.commit()
    return report


def import_at(
    app: Flask, root: Path, monkeypatch: pytest.MonkeyPatch, shift: timedelta
) -> ImportReport:
    """Import with the app's clock shifted, so Last-Modified moves by more than its 1 s.

    eduhub.orm.utcnow looks ``datetime`` up when called, so this shifts the importer and the
    column defaults (Organization.updated_at) alike.
    """

    class Shifted(datetime):
        @classmethod
        def now(cls, tz: tzinfo | None = None) -> datetime:  # type: ignore[override]
            return datetime.now(tz) + shift

    with monkeypatch.context() as patch:
        patch.setattr(orm, "datetime", Shifted)
        assert abs(orm.utcnow() - datetime.now(UTC) - shift) < timedelta(minutes=1)
        return import_packs(app, root)


def import_later(app: Flask, root: Path, monkeypatch: pytest.MonkeyPatch) -> ImportReport:
    """Import as if a day had passed since the last import."""
    return import_at(app, root, monkeypatch, timedelta(days=1))


FRACTIONS_BODY = """# Fractions

A square of side $x$ has area $x^2$.

## Halves

Cut it in two.

### Quarters

Cut it again.
"""


def write_catalog(root: Path) -> Path:
    """Three cities, four live courses; Northmere's course has two modules."""
    riverbend = write_org(root, "riverbend", name="Riverbend Public Schools", city="Riverbend")
    solar = write_course(
        riverbend,
        "solar-energy",
        lessons=["sun.md"],
        title="Solar energy",
        subjects=["energy", "science"],
        level="9-12",
        featured=True,
    )
    write_lesson(solar, "sun.md", id="sun", title="What is solar power?")
    government = write_course(
        riverbend,
        "open-government",
        lessons=["budget.md"],
        title="Open government",
        subjects=["civics"],
        level="adult",
    )
    write_lesson(government, "budget.md", id="budget", title="Reading a city budget")

    valle = write_org(root, "valle-serena", name="Escuelas de Valle Serena", city="Valle Serena")
    huertos = write_course(
        valle,
        "huertos-urbanos",
        lessons=["semillas.md"],
        title="Huertos urbanos",
        subjects=["agriculture"],
        level="6-8",
        language="es",
    )
    write_lesson(huertos, "semillas.md", id="semillas", title="Semillas")

    northmere = write_org(root, "northmere", name="Northmere City Schools", city="Northmere")
    math = write_course(
        northmere,
        "everyday-math",
        title="Everyday math",
        subjects=["mathematics"],
        level="6-8",
        license="CC-BY-SA-4.0",
        authors=["Ada Lovelace", "Emmy Noether"],
        modules=[
            {"title": "Numbers", "lessons": ["fractions.md", "percentages.md"]},
            {"title": "Money", "lessons": ["money/Saving Money.md"]},
        ],
    )
    write_lesson(
        math, "fractions.md", FRACTIONS_BODY, id="fractions", title="Fractions", minutes=25
    )
    write_lesson(math, "percentages.md", id="percentages", title="Percentages", minutes=20)
    write_lesson(math, "money/Saving Money.md", title="Saving money", minutes=30)  # path-based id
    return root


@pytest.fixture
def catalog(app: Flask, tmp_path: Path) -> Path:
    """The catalog above, plus a Northmere course imported once and then retired."""
    root = write_catalog(tmp_path / "packs")
    old = write_course(
        root / "northmere",
        "old-course",
        lessons=["old.md"],
        title="Old course",
        subjects=["history"],
        level="K-2",
    )
    write_lesson(old, "old.md", id="old", title="Old lesson")
    import_packs(app, root)
    shutil.rmtree(old)
    report = import_packs(app, root)
    assert report.retired_uids == ["northmere/old"]
    return root


# --------------------------------------------------------------------------- home


def test_home_shows_the_featured_course_first_and_cities_with_counts(
    client: FlaskClient, catalog: Path
) -> None:
    page = main(client.get("/"))
    featured = course_links(page)
    assert featured[0] == "/courses/riverbend/solar-energy"
    assert sorted(featured) == sorted(
        [
            "/courses/riverbend/solar-energy",
            "/courses/riverbend/open-government",
            "/courses/valle-serena/huertos-urbanos",
            MATH,
        ]
    )
    assert "Old course" not in page
    cities = page[page.index('id="cities-title"') :]
    assert '<a href="/cities/riverbend">Riverbend Public Schools</a>' in cities
    assert "Riverbend · 2 courses, 2 lessons" in cities
    assert "Northmere · 1 course, 3 lessons" in cities  # the retired course and lesson not counted
    assert "Valle Serena · 1 course, 1 lesson" in cities


def test_home_without_content_shows_empty_states(client: FlaskClient) -> None:
    response = client.get("/")
    assert response.status_code == 200
    page = main(response)
    assert "No courses yet." in page
    assert "eduhub content import" in page
    assert "No city has contributed yet." in page
    assert course_links(page) == []


# --------------------------------------------------------------------------- catalog


def test_catalog_lists_live_courses_featured_first_without_retired_ones(
    client: FlaskClient, catalog: Path
) -> None:
    page = main(client.get("/courses"))
    assert "4 courses." in page
    # Featured first, then by title; PER_PAGE is 2.
    assert course_links(page) == ["/courses/riverbend/solar-energy", MATH]
    assert "Old course" not in page
    # The retired course's subject and level are not offered as filters either.
    assert 'value="history"' not in page
    assert 'value="K-2"' not in page
    assert 'value="mathematics"' in page


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("subject=ENERGY", ["/courses/riverbend/solar-energy"]),
        ("level=6-8", [MATH, "/courses/valle-serena/huertos-urbanos"]),
        ("language=ES", ["/courses/valle-serena/huertos-urbanos"]),
        (
            "city=riverbend",
            ["/courses/riverbend/solar-energy", "/courses/riverbend/open-government"],
        ),
    ],
    ids=["subject", "level", "language", "city"],
)
def test_catalog_filters_alone(
    client: FlaskClient, catalog: Path, query: str, expected: list[str]
) -> None:
    page = main(client.get(f"/courses?{query}"))
    assert sorted(course_links(page)) == sorted(expected)
    assert f"{len(expected)} course{'s' if len(expected) != 1 else ''} match these filters" in page
    assert '<a href="/courses">Clear filters</a>' in page


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("subject=mathematics&level=6-8", [MATH]),
        ("city=Valle+Serena&level=6-8", ["/courses/valle-serena/huertos-urbanos"]),
        ("language=en&city=RIVERBEND&subject=civics", ["/courses/riverbend/open-government"]),
        ("level=6-8&language=en", [MATH]),
    ],
)
def test_catalog_filters_combined(
    client: FlaskClient, catalog: Path, query: str, expected: list[str]
) -> None:
    assert course_links(main(client.get(f"/courses?{query}"))) == expected


@pytest.mark.parametrize("query", ["subject=history", "city=northmere&language=es"])
def test_catalog_filter_matching_nothing_shows_the_empty_state(
    client: FlaskClient, catalog: Path, query: str
) -> None:
    response = client.get(f"/courses?{query}")
    assert response.status_code == 200
    page = main(response)
    assert course_links(page) == []
    assert "0 courses match these filters." in page
    assert "No course matches these filters." in page
    assert 'rel="next"' not in page


def test_catalog_second_page_has_the_rest_and_links_keep_the_filters(
    client: FlaskClient, catalog: Path
) -> None:
    first = main(client.get("/courses?language=en"))
    assert course_links(first) == ["/courses/riverbend/solar-energy", MATH]
    assert "Page 1 of 2" in first
    assert rel_link(first, "prev") is None
    next_url = rel_link(first, "next")
    assert next_url is not None
    assert urlsplit(next_url).path == "/courses"
    assert parse_qs(urlsplit(next_url).query) == {"language": ["en"], "page": ["2"]}

    second = main(client.get(next_url))
    assert course_links(second) == ["/courses/riverbend/open-government"]
    assert "Page 2 of 2" in second
    assert rel_link(second, "next") is None
    prev_url = rel_link(second, "prev")
    assert prev_url is not None
    assert parse_qs(urlsplit(prev_url).query) == {"language": ["en"]}  # page 1 has no page=


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("page=abc", "page must be a whole number"),
        ("page=0", "page must be between 1 and 100000"),
        ("page=100001", "page must be between 1 and 100000"),
        ("city=" + "x" * 101, "city is too long"),
    ],
    ids=["not-a-number", "zero", "too-big", "long-filter"],
)
def test_catalog_bad_query_is_a_clear_400(
    client: FlaskClient, catalog: Path, query: str, message: str
) -> None:
    response = client.get(f"/courses?{query}")
    assert response.status_code == 400
    assert response.mimetype == "text/html"
    page = main(response)
    assert "<h1>Bad Request</h1>" in page
    assert message in page
    assert "Traceback" not in text(response)


def test_catalog_page_beyond_the_last_is_404(client: FlaskClient, catalog: Path) -> None:
    assert client.get("/courses?page=2").status_code == 200
    response = client.get("/courses?page=3")
    assert response.status_code == 404
    assert "That page of the catalog does not exist." in main(response)


# --------------------------------------------------------------------------- cities


def test_cities_lists_each_organization_with_its_counts(client: FlaskClient, catalog: Path) -> None:
    page = main(client.get("/cities"))
    links = [a["href"] for a in tags(page, "a") if a["href"].startswith("/cities/")]
    # Ordered by name: Escuelas…, Northmere…, Riverbend…
    assert links == ["/cities/valle-serena", "/cities/northmere", "/cities/riverbend"]
    assert re.search(r"Riverbend, Nowhere \(fictional\) ·\s+2 courses, 2 lessons", page)
    assert re.search(r"Northmere, Nowhere \(fictional\) ·\s+1 course, 3 lessons", page)


def test_city_page_lists_only_that_organizations_live_courses(
    client: FlaskClient, catalog: Path
) -> None:
    riverbend = main(client.get("/cities/riverbend"))
    assert "<h1>Riverbend Public Schools</h1>" in riverbend
    assert course_links(riverbend) == [
        "/courses/riverbend/open-government",
        "/courses/riverbend/solar-energy",
    ]
    northmere = main(client.get("/cities/northmere"))
    assert course_links(northmere) == [MATH]
    assert "Old course" not in northmere


def test_unknown_city_is_a_friendly_404(client: FlaskClient, catalog: Path) -> None:
    response = client.get("/cities/atlantis")
    assert response.status_code == 404
    page = main(response)
    assert "We could not find that page" in page
    assert "No city or organization by that name." in page


# --------------------------------------------------------------------------- course page


def test_course_page_shows_modules_lessons_time_authors_and_license(
    client: FlaskClient, catalog: Path
) -> None:
    page = main(client.get(MATH))
    assert "<h1>Everyday math</h1>" in page
    assert page.index("1. Numbers") < page.index("2. Money")
    lessons = [a["href"] for a in tags(page, "a") if a["href"].startswith("/lessons/")]
    assert lessons == [FRACTIONS, "/lessons/northmere/percentages", SAVING]
    assert re.search(r"Fractions</a>\s*<span class=\"meta\">25 min</span>", page)
    assert re.search(r"Saving money</a>\s*<span class=\"meta\">30 min</span>", page)
    assert "3 lessons, about 1 h 15 min" in page
    assert "Ada Lovelace, Emmy Noether" in page
    licenses = [a for a in tags(page, "a") if a.get("rel") == "license"]
    assert [a["href"] for a in licenses] == ["https://creativecommons.org/licenses/by-sa/4.0/"]
    assert "retired" not in page


def test_retired_course_page_still_answers_with_a_notice(
    client: FlaskClient, catalog: Path
) -> None:
    response = client.get("/courses/northmere/old-course")
    assert response.status_code == 200
    page = main(response)
    assert "This course was retired on" in page
    assert "<h1>Old course</h1>" in page
    assert "/lessons/northmere/old" not in page


def test_unknown_course_is_a_friendly_404(client: FlaskClient, catalog: Path) -> None:
    response = client.get("/courses/northmere/alchemy")
    assert response.status_code == 404
    assert "No course by that name." in main(response)


def test_course_page_answers_304_to_its_etag(client: FlaskClient, catalog: Path) -> None:
    first = client.get(MATH)
    assert first.status_code == 200
    etag = first.headers.get("ETag")
    assert etag
    assert first.headers.get("Last-Modified")
    again = client.get(MATH, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.data == b""
    other = client.get(MATH, headers={"If-None-Match": '"not-this-one"'})
    assert other.status_code == 200
    assert "Everyday math" in text(other)


def test_course_page_answers_304_to_if_modified_since(client: FlaskClient, catalog: Path) -> None:
    first = client.get(MATH)
    last_modified = first.headers["Last-Modified"]
    again = client.get(MATH, headers={"If-Modified-Since": last_modified})
    assert again.status_code == 304
    assert again.data == b""
    older = client.get(MATH, headers={"If-Modified-Since": "Mon, 01 Jan 2001 00:00:00 GMT"})
    assert older.status_code == 200


def test_course_etag_and_last_modified_change_when_a_lesson_changes(
    app: Flask, client: FlaskClient, catalog: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = client.get(MATH)
    course_dir = catalog / "northmere" / "everyday-math"
    write_lesson(course_dir, "percentages.md", id="percentages", title="Percent and ratio")
    report = import_later(app, catalog, monkeypatch)
    assert report.changed_uids == ["northmere/percentages"]

    again = client.get(MATH, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 200
    assert "Percent and ratio" in text(again)
    assert again.headers["ETag"] != first.headers["ETag"]
    assert again.last_modified is not None
    assert first.last_modified is not None
    assert again.last_modified > first.last_modified
    since = client.get(MATH, headers={"If-Modified-Since": first.headers["Last-Modified"]})
    assert since.status_code == 200


def test_course_etag_still_matches_when_the_visitor_comes_back_a_minute_later(
    app: Flask, client: FlaskClient, catalog: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = [int(time.time())]
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: clock[0])
    # A fresh app context per request, as in production (the fixture's one keeps a shared g).
    with app.app_context():
        first = client.get(MATH)
    with app.app_context():
        same_second = client.get(MATH, headers={"If-None-Match": first.headers["ETag"]})
    assert same_second.status_code == 304  # while the clock stands still, the ETag matches
    clock[0] += 60
    with app.app_context():
        again = client.get(MATH, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304


# --------------------------------------------------------------------------- lesson page


def test_lesson_page_shows_the_stored_html_with_math_and_contents(
    client: FlaskClient, catalog: Path
) -> None:
    page = main(client.get(FRACTIONS))
    body = page[page.index('class="lesson-body"') : page.index('class="prev-next"')]
    assert '<h1 id="fractions">Fractions</h1>' in body
    assert '<h2 id="halves">Halves</h2>' in body
    assert "<math" in body
    assert "<msup><mi>x</mi><mn>2</mn></msup>" in body
    assert "$x^2$" not in body
    start = page.index('class="toc"')
    toc = page[start : page.index("</nav>", start)]
    assert start < page.index('class="lesson-body"'), "the contents come before the lesson"
    assert [a["href"] for a in tags(toc, "a")] == ["#halves", "#quarters"]
    assert '<li class="toc-2"><a href="#halves">Halves</a></li>' in toc
    assert '<li class="toc-3"><a href="#quarters">Quarters</a></li>' in toc
    assert "25 min · Northmere" in page
    assert "<li>Learn one thing</li>" in page


def test_lesson_breadcrumbs_name_organization_course_and_module(
    client: FlaskClient, catalog: Path
) -> None:
    page = text(client.get("/lessons/northmere/percentages"))
    crumbs = page[page.index('class="breadcrumbs"') : page.index("</nav>", page.index("crumbs"))]
    assert [a["href"] for a in tags(crumbs, "a")] == ["/", "/cities/northmere", MATH]
    assert "Northmere City Schools</a>" in crumbs
    assert "Everyday math</a>" in crumbs
    assert "<li>Numbers</li>" in crumbs
    assert '<li aria-current="page">Percentages</li>' in crumbs


def test_lesson_previous_and_next_follow_course_order_across_modules(
    client: FlaskClient, catalog: Path
) -> None:
    first = text(client.get(FRACTIONS))
    assert rel_link(first, "prev") is None
    assert rel_link(first, "next") == "/lessons/northmere/percentages"
    middle = text(client.get("/lessons/northmere/percentages"))
    assert rel_link(middle, "prev") == FRACTIONS
    assert rel_link(middle, "next") == SAVING  # into the next module
    last = text(client.get(SAVING))
    assert rel_link(last, "prev") == "/lessons/northmere/percentages"
    assert rel_link(last, "next") is None


def test_lesson_attribution_names_city_authors_license_revision_and_source(
    client: FlaskClient, catalog: Path
) -> None:
    page = main(client.get(FRACTIONS))
    block = page[page.index('class="attribution"') :]
    assert '<a href="/cities/northmere">Northmere City Schools</a>, Northmere' in block
    assert "Ada Lovelace, Emmy Noether" in block
    licenses = [a["href"] for a in tags(block, "a") if a.get("rel") == "license"]
    assert licenses == ["https://creativecommons.org/licenses/by-sa/4.0/"]
    assert "CC-BY-SA-4.0</a>" in block
    assert "Revised on" in block
    assert "revision 1" in block
    assert '<a href="/history/northmere/fractions">history</a>' in block
    assert "<code>everyday-math/fractions.md</code>" in block


def test_path_based_lesson_id_resolves(client: FlaskClient, catalog: Path) -> None:
    response = client.get(SAVING)
    assert response.status_code == 200
    assert "<title>Saving money · EduHub</title>" in text(response)
    assert "<code>everyday-math/money/Saving Money.md</code>" in main(response)


def test_unknown_lesson_is_a_friendly_404_page(client: FlaskClient, catalog: Path) -> None:
    response = client.get("/lessons/northmere/no-such-lesson")
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    page = text(response)
    assert "We could not find that page" in page
    assert "No lesson with that id." in page
    assert "Traceback" not in page
    assert '<a href="/courses">course catalog</a>' in page


def test_lesson_page_answers_304_and_changes_after_reimport(
    app: Flask, client: FlaskClient, catalog: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = client.get(FRACTIONS)
    etag = first.headers["ETag"]
    assert client.get(FRACTIONS, headers={"If-None-Match": etag}).status_code == 304
    since = client.get(FRACTIONS, headers={"If-Modified-Since": first.headers["Last-Modified"]})
    assert since.status_code == 304
    assert since.data == b""

    course_dir = catalog / "northmere" / "everyday-math"
    write_lesson(course_dir, "fractions.md", "# Fractions, again\n\nNew words.\n", id="fractions")
    import_later(app, catalog, monkeypatch)
    again = client.get(FRACTIONS, headers={"If-None-Match": etag})
    assert again.status_code == 200
    assert again.headers["ETag"] != etag
    assert "New words." in text(again)
    since = client.get(FRACTIONS, headers={"If-Modified-Since": first.headers["Last-Modified"]})
    assert since.status_code == 200


@pytest.fixture
def translated(app: Flask, tmp_path: Path) -> Path:
    """Testville's English fractions course and a Spanish course translating its first lesson."""
    root = write_pack(tmp_path / "packs", lessons=2)
    spanish = write_course(
        root / "testville", "fracciones", lessons=["mitades.md"], title="Fracciones", language="es"
    )
    write_lesson(
        spanish, "mitades.md", id="mitades", title="Mitades", translation_of="fractions-lesson-1"
    )
    import_packs(app, root)
    return root


def test_translations_link_to_each_other(client: FlaskClient, translated: Path) -> None:
    original = main(client.get("/lessons/testville/fractions-lesson-1"))
    assert "Also available in:" in original
    links = [a for a in tags(original, "a") if a.get("hreflang")]
    assert links == [
        {"href": "/lessons/testville/mitades", "hreflang": "es", "lang": "es"},
    ]
    assert ">Español</a>" in original

    translation = main(client.get("/lessons/testville/mitades"))
    links = [a for a in tags(translation, "a") if a.get("hreflang")]
    assert links == [
        {"href": "/lessons/testville/fractions-lesson-1", "hreflang": "en", "lang": "en"},
    ]
    assert ">English</a>" in translation

    untranslated = main(client.get("/lessons/testville/fractions-lesson-2"))
    assert "Also available in" not in untranslated


def test_lesson_is_modified_when_a_translation_of_it_appears(
    app: Flask, client: FlaskClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = write_pack(tmp_path / "packs", lessons=1)
    spanish = write_course(root / "testville", "fracciones", lessons=["otra.md"], language="es")
    write_lesson(spanish, "otra.md", id="otra", title="Otra")
    import_packs(app, root)
    url = "/lessons/testville/fractions-lesson-1"
    first = client.get(url)
    assert "Also available in" not in text(first)

    write_course(root / "testville", "fracciones", lessons=["otra.md", "uno.md"], language="es")
    write_lesson(spanish, "uno.md", id="uno", title="Uno", translation_of="fractions-lesson-1")
    import_later(app, root, monkeypatch)
    assert "Also available in" in text(client.get(url))
    again = client.get(url, headers={"If-Modified-Since": first.headers["Last-Modified"]})
    assert again.status_code == 200


def test_lesson_is_modified_when_its_translation_is_retired(
    app: Flask, client: FlaskClient, translated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = "/lessons/testville/fractions-lesson-1"
    first = client.get(url)
    assert "Also available in" in text(first)

    spanish = translated / "testville" / "fracciones"
    write_lesson(spanish, "otra.md", id="otra", title="Otra")
    write_course(
        translated / "testville",
        "fracciones",
        lessons=["otra.md"],
        title="Fracciones",
        language="es",
    )
    (spanish / "mitades.md").unlink()
    report = import_later(app, translated, monkeypatch)
    assert report.retired_uids == ["testville/mitades"]
    assert "Also available in" not in text(client.get(url))
    again = client.get(url, headers={"If-Modified-Since": first.headers["Last-Modified"]})
    assert again.status_code == 200


def test_pages_are_modified_when_their_organization_is_renamed(
    app: Flask, client: FlaskClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = write_pack(tmp_path / "packs", lessons=1)
    import_at(app, root, monkeypatch, -timedelta(days=1))  # first published yesterday
    course_url, lesson_url = "/courses/testville/fractions", "/lessons/testville/fractions-lesson-1"
    course, lesson = client.get(course_url), client.get(lesson_url)

    write_org(root, "testville", name="Testville Learning Network")
    import_packs(app, root)
    assert "Testville Learning Network" in text(client.get(course_url))
    assert "Testville Learning Network" in text(client.get(lesson_url))
    for url, first in ((course_url, course), (lesson_url, lesson)):
        since = {"If-Modified-Since": first.headers["Last-Modified"]}
        assert client.get(url, headers=since).status_code == 200, url


@pytest.fixture
def with_retired_lesson(app: Flask, tmp_path: Path) -> Path:
    """Three lessons imported, then lesson 2 removed from the pack and the pack re-imported."""
    root = write_pack(tmp_path / "packs", lessons=3)
    import_packs(app, root)
    course_dir = root / "testville" / "fractions"
    write_course(root / "testville", "fractions", lessons=["lesson-1.md", "lesson-3.md"])
    (course_dir / "lesson-2.md").unlink()
    report = import_packs(app, root)
    assert report.retired_uids == ["testville/fractions-lesson-2"]
    return root


def test_retired_lesson_still_answers_with_a_notice(
    client: FlaskClient, with_retired_lesson: Path
) -> None:
    response = client.get("/lessons/testville/fractions-lesson-2")
    assert response.status_code == 200
    page = main(response)
    assert "This lesson was retired on" in page
    assert "The body of lesson 2." in page
    assert rel_link(page, "prev") is None
    assert rel_link(page, "next") is None


def test_retired_lesson_is_gone_from_course_page_neighbours_and_sitemap(
    client: FlaskClient, with_retired_lesson: Path
) -> None:
    course = main(client.get("/courses/testville/fractions"))
    assert "/lessons/testville/fractions-lesson-2" not in course
    assert "Lesson 2" not in course
    assert "2 lessons, about 20 min" in course
    first = text(client.get("/lessons/testville/fractions-lesson-1"))
    assert rel_link(first, "next") == "/lessons/testville/fractions-lesson-3"
    sitemap = text(client.get("/sitemap.xml"))
    assert "/lessons/testville/fractions-lesson-1<" in sitemap
    assert "fractions-lesson-2" not in sitemap


# --------------------------------------------------------------------------- history


@pytest.fixture
def revised(app: Flask, client: FlaskClient, tmp_path: Path) -> Path:
    """Lesson 1 imported, then changed and re-imported: two revisions."""
    root = write_pack(tmp_path / "packs", lessons=1)
    import_packs(app, root)
    course_dir = root / "testville" / "fractions"
    write_lesson(
        course_dir, "lesson-1.md", "# Lesson 1\n\nThe second wording.\n", id="fractions-lesson-1"
    )
    report = import_packs(app, root)
    assert report.changed_uids == ["testville/fractions-lesson-1"]
    return root


def test_history_lists_revisions_newest_first_with_the_current_one_marked(
    client: FlaskClient, revised: Path
) -> None:
    page = main(client.get("/history/testville/fractions-lesson-1"))
    rows = page[page.index("<tbody>") : page.index("</tbody>")]
    revisions = [a["href"] for a in tags(rows, "a")]
    assert revisions == [
        "/history/testville/fractions-lesson-1?revision=2",
        "/history/testville/fractions-lesson-1?revision=1",
    ]
    assert re.search(r">2</a> \(current\)", rows)
    assert rows.count("(current)") == 1
    assert "<code>fractions/lesson-1.md</code>" in rows
    assert "old-revision" not in page
    current = main(client.get("/lessons/testville/fractions-lesson-1"))
    assert "revision 2" in current
    assert "The second wording." in current


def test_history_shows_an_old_revision_as_published(client: FlaskClient, revised: Path) -> None:
    page = main(client.get("/history/testville/fractions-lesson-1?revision=1"))
    shown = page[page.index('class="old-revision"') :]
    assert "Revision 1 as published" in shown
    assert "The body of lesson 1." in shown
    assert "The second wording." not in shown


def test_history_of_a_revision_that_does_not_exist_is_404(
    client: FlaskClient, revised: Path
) -> None:
    response = client.get("/history/testville/fractions-lesson-1?revision=99")
    assert response.status_code == 404
    assert "No such lesson or revision." in main(response)
    assert client.get("/history/testville/nothing-here").status_code == 404


# --------------------------------------------------------------------------- sitemap


def sitemap_locations(client: FlaskClient) -> list[str]:
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    assert response.mimetype == "application/xml"
    tree = ET.fromstring(response.data)
    assert tree.tag == "{http://www.sitemaps.org/schemas/sitemap/0.9}urlset"
    return [loc.text or "" for loc in tree.findall("sm:url/sm:loc", SITEMAP_NS)]


def test_sitemap_lists_every_live_course_and_lesson(client: FlaskClient, catalog: Path) -> None:
    paths = {urlsplit(loc).path for loc in sitemap_locations(client)}
    lessons = {p for p in paths if p.startswith("/lessons/")}
    courses = {p for p in paths if p.startswith("/courses/")}
    assert lessons == {
        FRACTIONS,
        "/lessons/northmere/percentages",
        SAVING,
        "/lessons/riverbend/budget",
        "/lessons/riverbend/sun",
        "/lessons/valle-serena/semillas",
    }
    assert courses == {
        "/courses/riverbend/solar-energy",
        "/courses/riverbend/open-government",
        "/courses/valle-serena/huertos-urbanos",
        MATH,
    }
    assert {"/", "/courses"} <= paths


def test_every_sitemap_url_answers_200(client: FlaskClient, catalog: Path) -> None:
    locations = sitemap_locations(client)
    assert len(locations) == 12
    for loc in locations:
        parts = urlsplit(loc)
        assert parts.scheme == "http"
        assert parts.netloc == "localhost"
        response = client.get(parts.path)
        assert response.status_code == 200, loc


# --------------------------------------------------------------------------- media


def test_pack_image_is_served_with_its_type_and_immutable_caching(
    app: Flask, client: FlaskClient, tmp_path: Path
) -> None:
    root = tmp_path / "packs"
    course_dir = write_course(write_org(root), "fractions", lessons=["pizza.md"])
    (course_dir / "images").mkdir()
    (course_dir / "images" / "dot.png").write_bytes(PNG_BYTES)
    write_lesson(course_dir, "pizza.md", "# Pizza\n\n![A dot](images/dot.png)\n", id="pizza")
    import_packs(app, root)

    page = main(client.get("/lessons/testville/pizza"))
    images = tags(page, "img")
    assert len(images) == 1
    assert images[0]["alt"] == "A dot"
    src = images[0]["src"]
    assert re.fullmatch(r"/media/[0-9a-f]{64}/dot\.png", src)
    with client.get(src) as response:  # closes the file send_file opened
        assert response.status_code == 200
        assert response.mimetype == "image/png"
        assert response.data == PNG_BYTES
        assert "immutable" in response.headers["Cache-Control"]
        assert "max-age=31536000" in response.headers["Cache-Control"]
        csp = response.headers["Content-Security-Policy"]
        assert "sandbox" in csp
        assert "default-src 'none'" in csp
        assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_media_with_an_unknown_hash_is_404(client: FlaskClient, catalog: Path) -> None:
    response = client.get("/media/" + "ab" * 32 + "/dot.png")
    assert response.status_code == 404
    assert "We could not find that page" in text(response)


@pytest.mark.parametrize("sha", ["not-a-hash", "AB" * 32, "ab" * 31, "ab" * 33, "g" * 64])
def test_media_with_a_malformed_hash_is_404(client: FlaskClient, sha: str) -> None:
    assert client.get(f"/media/{sha}/dot.png").status_code == 404


@pytest.mark.parametrize(
    "url",
    [
        "/media/../../etc/passwd",
        "/media/%2e%2e/%2e%2e/etc/passwd",
        "/media/%2e%2e%2f%2e%2e%2fetc%2fpasswd/x",
        "/media/" + "ab" * 32 + "/..%2f..%2f..%2fetc%2fpasswd",
        "/media/..%2f..%2finstance%2fsecret_key/x",
    ],
)
def test_media_path_traversal_serves_nothing(client: FlaskClient, catalog: Path, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 404
    assert b"root:" not in response.data
    assert response.mimetype == "text/html"


# --------------------------------------------------------------------------- security


@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/courses",
        "/courses?subject=energy",
        "/cities",
        "/cities/northmere",
        MATH,
        FRACTIONS,
        "/history/northmere/fractions",
        "/lessons/northmere/no-such-lesson",
    ],
)
def test_html_pages_are_locked_down(client: FlaskClient, catalog: Path, url: str) -> None:
    response = client.get(url)
    assert response.mimetype == "text/html"
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "script-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    page = text(response)
    # No form needs a token here: a token would put a cookie on the page (issue 8).
    assert [m for m in tags(page, "meta") if m.get("name") == "csrf-token"] == []
    assert "Set-Cookie" not in response.headers
    assets = tags(page, "link") + tags(page, "script")
    assert assets, "expected at least the stylesheet link"
    for attrs in assets:
        for name in ("href", "src"):
            value = attrs.get(name, "")
            assert not re.match(r"(?i)\s*(https?:)?//", value), f"external asset {value}"


def test_hostile_lesson_content_never_runs(app: Flask, client: FlaskClient, tmp_path: Path) -> None:
    root = tmp_path / "packs"
    course_dir = write_course(write_org(root), "fractions", lessons=["evil.md"])
    body = (
        "# Hello\n\n<script>alert(1)</script>\n\n[click](javascript:alert(1))\n\n"
        "[also](JavaScript:alert(2))\n\n<img src=x onerror=alert(3)>\n\n"
        "::: note <script>alert(4)</script>\nhi\n:::\n"
    )
    write_lesson(course_dir, "evil.md", body, id="evil", title="<script>alert(5)</script>")
    import_packs(app, root)

    response = client.get("/lessons/testville/evil")
    assert response.status_code == 200
    page = text(response)
    assert "<script" not in page.lower()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page  # shown as text, not dropped
    assert tags(page, "img") == []
    for attrs in tags(page, "a"):
        assert not attrs.get("href", "").strip().lower().startswith("javascript:"), attrs
    assert "click" in main(response)


# --------------------------------------------------------------------------- errors


def test_unknown_page_is_a_friendly_html_404(client: FlaskClient) -> None:
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    page = text(response)
    assert "We could not find that page" in page
    assert "The address may be mistyped" in page
    assert "Traceback" not in page


def test_post_to_a_page_is_a_friendly_html_405(client: FlaskClient, catalog: Path) -> None:
    for url in ("/", "/courses", FRACTIONS):
        response = client.post(url)
        assert response.status_code == 405, url
        assert response.mimetype == "text/html"
        page = main(response)
        assert "<h1>Method Not Allowed</h1>" in page
        assert '<a href="/">Back to the home page</a>' in page


def test_405_says_which_methods_are_allowed(client: FlaskClient) -> None:
    response = client.post("/courses")
    assert response.status_code == 405
    assert set(response.headers["Allow"].replace(" ", "").split(",")) >= {"GET", "HEAD"}


def test_level_filter_ignores_case(client: FlaskClient, catalog: Path) -> None:
    assert course_links(main(client.get("/courses?level=ADULT"))) == [
        "/courses/riverbend/open-government"
    ]


def test_home_lists_only_organizations_that_still_publish(
    app: Flask, client: FlaskClient, tmp_path: Path
) -> None:
    root = write_catalog(tmp_path / "packs")
    import_packs(app, root)
    shutil.rmtree(root / "valle-serena" / "huertos-urbanos")
    import_packs(app, root)
    home = main(client.get("/"))
    assert "Riverbend Public Schools" in home
    assert "Escuelas de Valle Serena" not in home
    assert "Escuelas de Valle Serena" in main(client.get("/cities"))


def test_unexpected_errors_get_a_friendly_500_and_json_under_api(tmp_path: Path) -> None:
    from tests.conftest import make_app

    app = make_app(tmp_path, None)

    def explode() -> str:
        raise RuntimeError("boom")

    app.add_url_rule("/explode", view_func=explode)
    app.add_url_rule("/api/v1/explode", endpoint="api_explode", view_func=explode)
    client = app.test_client()
    page = client.get("/explode")
    assert page.status_code == 500
    text = page.get_data(as_text=True)
    assert "Something went wrong on our side" in text
    assert "boom" not in text
    assert "Traceback" not in text
    api = client.get("/api/v1/explode")
    assert api.status_code == 500
    assert api.get_json()["error"]["code"] == 500
    with app.app_context():
        from eduhub.extensions import db as extension_db

        extension_db.engine.dispose()


def test_a_catalog_filter_given_twice_is_a_400_not_a_silent_choice(client) -> None:  # type: ignore[no-untyped-def]
    for url in ("/courses?page=1&page=2", "/api/v1/courses?subject=energy&subject=science"):
        response = client.get(url)
        assert response.status_code == 400, url
        assert "only once" in response.get_data(as_text=True)
