"""JSON API v1 and /healthz: the catalog's read side as machines see it."""

from __future__ import annotations

import re
from datetime import datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner

from eduhub.extensions import db
from eduhub.packs.importer import import_tree
from eduhub.packs.reader import load_tree
from tests.conftest import make_app
from tests.factories import write_course, write_lesson, write_org

COURSE_PATH = re.compile(r"^/courses/[^/?]+/[^/?]+$")


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self.hrefs += [value or "" for name, value in attrs if name == "href"]


def catalog_course_paths(client: FlaskClient, query: str) -> list[str]:
    """Course links on the HTML catalog page for the same query, in page order."""
    response = client.get(f"/courses?{query}")
    assert response.status_code == 200
    parser = _Links()
    parser.feed(response.get_data(as_text=True))
    return [href for href in parser.hrefs if COURSE_PATH.match(href)]


def local(url: str) -> str:
    """An absolute URL from the API as a path (and query) the test client can request."""
    parts = urlsplit(url)
    assert parts.scheme == "http"
    assert parts.netloc == "localhost"
    return parts.path + (f"?{parts.query}" if parts.query else "")


def get_json(client: FlaskClient, url: str, status: int = 200) -> Any:
    response = client.get(url)
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    return response.get_json()


def write_catalog(root: Path) -> Path:
    """Two cities, four courses; Riverbend's solar course is featured and has two modules."""
    riverbend = write_org(root, "riverbend", name="Riverbend Public Schools", city="Riverbend")
    solar = write_course(
        riverbend,
        "solar-energy",
        title="Solar energy",
        subjects=["energy", "science"],
        level="9-12",
        featured=True,
        authors=["Grace Hopper"],
        modules=[
            {"title": "Sunlight", "lessons": ["sun.md"]},
            {"title": "Systems", "summary": "Sizing things.", "lessons": ["systems/Sizing.md"]},
        ],
    )
    write_lesson(
        solar,
        "sun.md",
        "# What is solar power?\n\nPower is $P = VI$.\n\n## Cells\n\n### Silicon\n\nText.\n",
        id="sun",
        title="What is solar power?",
        minutes=30,
        tags=["solar"],
        objectives=["Explain a solar cell"],
    )
    write_lesson(solar, "systems/Sizing.md", title="Sizing a system", minutes=45)
    government = write_course(
        riverbend,
        "open-government",
        lessons=["budget.md"],
        title="Open government",
        subjects=["civics"],
        level="adult",
    )
    write_lesson(government, "budget.md", id="budget", title="Reading a city budget")
    solar_es = write_course(
        riverbend,
        "energia-solar",
        lessons=["sol.md"],
        title="Energía solar",
        subjects=["energy"],
        level="9-12",
        language="es",
    )
    write_lesson(
        solar_es, "sol.md", id="sol", title="¿Qué es la energía solar?", translation_of="sun"
    )

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
    return root


@pytest.fixture
def catalog(runner: FlaskCliRunner, tmp_path: Path) -> Path:
    """The catalog above, imported with the real `eduhub content import` command."""
    root = write_catalog(tmp_path / "packs")
    result = runner.invoke(args=["content", "import", str(root)])
    assert result.exit_code == 0, result.output
    assert "added 5," in result.output
    return root


def reimport(app: Flask, root: Path) -> None:
    tree = load_tree(root)
    assert tree.errors == []
    import_tree(db.session, tree, media_dir=Path(app.config["MEDIA_DIR"]))
    db.session.commit()


# --------------------------------------------------------------------------- /api/v1/courses


def test_courses_first_page_has_pagination_fields(client: FlaskClient, catalog: Path) -> None:
    data = get_json(client, "/api/v1/courses")
    assert data["page"] == 1
    assert data["per_page"] == 2
    assert data["total"] == 4
    assert data["pages"] == 2
    assert data["prev"] is None
    assert urlsplit(data["next"]).path == "/api/v1/courses"
    assert parse_qs(urlsplit(data["next"]).query) == {"page": ["2"]}
    assert [c["id"] for c in data["courses"]] == [
        "riverbend/solar-energy",
        "riverbend/energia-solar",
    ]
    solar = data["courses"][0]
    assert solar["title"] == "Solar energy"
    assert solar["subjects"] == ["energy", "science"]
    assert solar["level"] == "9-12"
    assert solar["language"] == "en"
    assert solar["license"] == "CC-BY-4.0"
    assert solar["authors"] == ["Grace Hopper"]
    assert solar["retired"] is False
    assert solar["organization"]["slug"] == "riverbend"
    assert solar["organization"]["city"] == "Riverbend"
    assert local(solar["url"]) == "/courses/riverbend/solar-energy"
    assert local(solar["api_url"]) == "/api/v1/courses/riverbend/solar-energy"


def test_courses_next_and_prev_links_walk_the_pages(client: FlaskClient, catalog: Path) -> None:
    first = get_json(client, "/api/v1/courses")
    second = get_json(client, local(first["next"]))
    assert second["page"] == 2
    assert second["next"] is None
    assert [c["id"] for c in second["courses"]] == [
        "valle-serena/huertos-urbanos",
        "riverbend/open-government",
    ]
    back = get_json(client, local(second["prev"]))
    assert [c["id"] for c in back["courses"]] == [c["id"] for c in first["courses"]]
    seen = [c["id"] for c in first["courses"] + second["courses"]]
    assert len(set(seen)) == 4


def test_courses_pagination_links_keep_the_filters(client: FlaskClient, catalog: Path) -> None:
    first = get_json(client, "/api/v1/courses?language=ES")
    assert first["total"] == 2
    assert first["pages"] == 1
    assert first["next"] is None
    energy = get_json(client, "/api/v1/courses?subject=energy&level=9-12")
    assert energy["total"] == 2
    english = get_json(client, "/api/v1/courses?language=en")
    assert english["total"] == 2
    assert english["next"] is None
    cities = get_json(client, "/api/v1/courses?city=riverbend")
    assert cities["total"] == 3
    assert parse_qs(urlsplit(cities["next"]).query) == {"city": ["riverbend"], "page": ["2"]}
    last = get_json(client, local(cities["next"]))
    assert [c["id"] for c in last["courses"]] == ["riverbend/open-government"]
    assert parse_qs(urlsplit(last["prev"]).query) == {"city": ["riverbend"], "page": ["1"]}


@pytest.mark.parametrize(
    "query",
    [
        "",
        "page=2",
        "subject=ENERGY",
        "level=6-8",
        "language=es",
        "city=RIVERBEND",
        "city=Riverbend&language=es",
        "subject=energy&level=9-12&language=en",
        "subject=history",
    ],
)
def test_course_filters_match_the_catalog_page(
    client: FlaskClient, catalog: Path, query: str
) -> None:
    data = get_json(client, f"/api/v1/courses?{query}")
    assert [local(c["url"]) for c in data["courses"]] == catalog_course_paths(client, query)


@pytest.mark.parametrize(
    ("page", "message"),
    [
        ("abc", "page must be a whole number"),
        ("0", "page must be between 1 and 100000"),
        ("-3", "page must be between 1 and 100000"),
    ],
)
def test_courses_bad_page_is_a_json_400(
    client: FlaskClient, catalog: Path, page: str, message: str
) -> None:
    data = get_json(client, f"/api/v1/courses?page={page}", status=400)
    assert data == {"error": {"code": 400, "name": "Bad Request", "message": message}}


def test_courses_on_an_empty_hub(client: FlaskClient) -> None:
    data = get_json(client, "/api/v1/courses")
    assert data["courses"] == []
    assert data["total"] == 0
    assert data["next"] is None
    assert data["prev"] is None


# --------------------------------------------------------------------------- one course


def test_course_detail_lists_modules_with_their_lessons_in_order(
    client: FlaskClient, catalog: Path
) -> None:
    data = get_json(client, "/api/v1/courses/riverbend/solar-energy")
    assert data["id"] == "riverbend/solar-energy"
    assert data["minutes"] == 75
    assert [m["title"] for m in data["modules"]] == ["Sunlight", "Systems"]
    assert [m["slug"] for m in data["modules"]] == ["sunlight", "systems"]
    assert data["modules"][1]["summary"] == "Sizing things."
    sun, sizing = data["modules"][0]["lessons"][0], data["modules"][1]["lessons"][0]
    assert sun["id"] == "riverbend/sun"
    assert sun["title"] == "What is solar power?"
    assert sun["minutes"] == 30
    assert local(sun["url"]) == "/lessons/riverbend/sun"
    assert local(sun["api_url"]) == "/api/v1/lessons/riverbend/sun"
    assert sizing["id"] == "riverbend/solar-energy/systems/sizing"
    assert local(sizing["url"]) == "/lessons/riverbend/solar-energy/systems/sizing"


def test_course_detail_urls_all_answer(client: FlaskClient, catalog: Path) -> None:
    data = get_json(client, "/api/v1/courses/riverbend/solar-energy")
    lessons = [lesson for module in data["modules"] for lesson in module["lessons"]]
    assert len(lessons) == 2
    assert client.get(local(data["url"])).status_code == 200
    assert get_json(client, local(data["api_url"]))["id"] == data["id"]
    for lesson in lessons:
        assert client.get(local(lesson["url"])).status_code == 200
        assert get_json(client, local(lesson["api_url"]))["id"] == lesson["id"]


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/courses/riverbend/alchemy",
        "/api/v1/courses/atlantis/solar-energy",
        "/api/v1/courses/riverbend",
        "/api/v1/courses/riverbend/solar-energy/extra",
    ],
)
def test_unknown_course_is_a_json_404(client: FlaskClient, catalog: Path, url: str) -> None:
    data = get_json(client, url, status=404)
    assert data["error"]["code"] == 404
    assert data["error"]["name"] == "Not Found"
    assert data["error"]["message"].startswith("no course '")


# --------------------------------------------------------------------------- one lesson


def test_lesson_detail_has_metadata_html_attribution_and_revision(
    client: FlaskClient, catalog: Path
) -> None:
    data = get_json(client, "/api/v1/lessons/riverbend/sun")
    assert data["id"] == "riverbend/sun"
    assert data["title"] == "What is solar power?"
    assert data["summary"] == "What it is about."
    assert data["minutes"] == 30
    assert data["objectives"] == ["Explain a solar cell"]
    assert data["tags"] == ["solar"]
    assert data["language"] == "en"
    assert data["module"] == "Sunlight"
    assert data["course"]["id"] == "riverbend/solar-energy"
    assert local(data["course"]["api_url"]) == "/api/v1/courses/riverbend/solar-energy"
    assert '<h2 id="cells">Cells</h2>' in data["html"]
    assert "<math" in data["html"]
    assert data["toc"] == [
        {"level": 2, "anchor": "cells", "title": "Cells"},
        {"level": 3, "anchor": "silicon", "title": "Silicon"},
    ]
    attribution = data["attribution"]
    assert attribution["authors"] == ["Grace Hopper"]
    assert attribution["license"] == "CC-BY-4.0"
    assert attribution["license_url"] == "https://creativecommons.org/licenses/by/4.0/"
    assert attribution["source_path"] == "solar-energy/sun.md"
    assert attribution["organization"]["name"] == "Riverbend Public Schools"
    assert local(attribution["organization"]["url"]) == "/cities/riverbend"
    revision = data["revision"]
    assert revision["number"] == 1
    assert re.fullmatch(r"[0-9a-f]{64}", revision["content_hash"])
    imported_at = datetime.fromisoformat(revision["imported_at"])
    assert imported_at.utcoffset() is not None
    assert imported_at.utcoffset().total_seconds() == 0  # type: ignore[union-attr]
    assert isinstance(revision["renderer_version"], int)
    assert data["translation_of"] is None
    assert data["retired"] is False


def test_lesson_html_is_what_the_lesson_page_shows(client: FlaskClient, catalog: Path) -> None:
    data = get_json(client, "/api/v1/lessons/riverbend/sun")
    page = client.get("/lessons/riverbend/sun").get_data(as_text=True)
    assert data["html"].strip() in page


def test_lesson_revision_follows_a_changed_reimport(
    app: Flask, client: FlaskClient, catalog: Path
) -> None:
    before = get_json(client, "/api/v1/lessons/riverbend/budget")
    course_dir = catalog / "riverbend" / "open-government"
    write_lesson(course_dir, "budget.md", "# Budgets\n\nRevised text.\n", id="budget")
    reimport(app, catalog)
    after = get_json(client, "/api/v1/lessons/riverbend/budget")
    assert after["revision"]["number"] == 2
    assert after["revision"]["content_hash"] != before["revision"]["content_hash"]
    imported = [datetime.fromisoformat(d["revision"]["imported_at"]) for d in (before, after)]
    assert imported[1] >= imported[0]
    assert "Revised text." in after["html"]


def test_lesson_translation_of_and_retired_flags(
    app: Flask, client: FlaskClient, catalog: Path
) -> None:
    translation = get_json(client, "/api/v1/lessons/riverbend/sol")
    assert translation["translation_of"] == "riverbend/sun"
    assert translation["language"] == "es"
    assert translation["retired"] is False

    org = catalog / "riverbend"
    write_course(org, "open-government", lessons=["new.md"], title="Open government")
    write_lesson(org / "open-government", "new.md", id="new-budget", title="New budget")
    (org / "open-government" / "budget.md").unlink()
    reimport(app, catalog)
    retired = get_json(client, "/api/v1/lessons/riverbend/budget")
    assert retired["retired"] is True
    assert retired["title"] == "Reading a city budget"
    course = get_json(client, "/api/v1/courses/riverbend/open-government")
    ids = [lesson["id"] for module in course["modules"] for lesson in module["lessons"]]
    assert ids == ["riverbend/new-budget"]


@pytest.mark.parametrize("uid", ["riverbend/nothing", "nowhere/sun", "riverbend"])
def test_unknown_lesson_is_a_json_404(client: FlaskClient, catalog: Path, uid: str) -> None:
    data = get_json(client, f"/api/v1/lessons/{uid}", status=404)
    assert data == {"error": {"code": 404, "name": "Not Found", "message": f"no lesson '{uid}'"}}


# --------------------------------------------------------------------------- errors under /api


def test_unknown_api_route_is_a_json_404(client: FlaskClient) -> None:
    data = get_json(client, "/api/v1/teachers", status=404)
    assert data["error"]["code"] == 404
    assert data["error"]["message"]


@pytest.mark.parametrize("url", ["/api/v1/courses", "/api/v1/lessons/riverbend/sun"])
def test_post_to_the_api_is_a_json_405(client: FlaskClient, catalog: Path, url: str) -> None:
    response = client.post(url, json={})
    assert response.status_code == 405
    assert response.mimetype == "application/json"
    assert "GET" in response.headers["Allow"]
    error = response.get_json()["error"]
    assert error["code"] == 405
    assert error["name"] == "Method Not Allowed"
    assert error["message"]


# --------------------------------------------------------------------------- /healthz


def test_healthz_reports_the_database_and_live_lessons(
    app: Flask, client: FlaskClient, catalog: Path
) -> None:
    health = get_json(client, "/healthz")
    assert (health["status"], health["database"], health["lessons"]) == ("ok", "ok", 5)
    assert health["search"]["index"] == "ok"
    assert health["search"]["index_generation"] == health["search"]["content_generation"] >= 1
    (catalog / "valle-serena" / "huertos-urbanos" / "semillas.md").unlink()
    write_course(
        catalog / "valle-serena",
        "huertos-urbanos",
        lessons=["riego.md"],
        title="Huertos urbanos",
        subjects=["agriculture"],
        level="6-8",
        language="es",
    )
    write_lesson(catalog / "valle-serena" / "huertos-urbanos", "riego.md", id="riego")
    write_lesson(catalog / "valle-serena" / "huertos-urbanos", "poda.md", id="poda")  # unlisted
    reimport(app, catalog)
    assert get_json(client, "/healthz")["lessons"] == 5  # one retired, one added


def test_healthz_on_an_empty_hub(client: FlaskClient) -> None:
    health = get_json(client, "/healthz")
    assert (health["status"], health["database"], health["lessons"]) == ("ok", "ok", 0)
    assert health["search"] == {"index": "ok", "index_generation": None, "content_generation": 0}


def test_healthz_when_the_database_is_unreachable(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-folder" / "eduhub.sqlite3"
    app = make_app(tmp_path, None, DATABASE_URL=f"sqlite:///{missing}")
    try:
        response = app.test_client().get("/healthz")
        assert response.status_code == 503
        assert response.get_json() == {
            "status": "error",
            "database": "unreachable",
            "detail": "OperationalError",
        }
    finally:
        with app.app_context():
            db.engine.dispose()


def test_courses_page_past_the_last_is_a_json_404(client, catalog) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/api/v1/courses?page=99")
    assert response.status_code == 404
    assert "past the last page" in response.get_json()["error"]["message"]
