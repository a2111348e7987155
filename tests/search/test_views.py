"""Search as the web and the CLI use it: the index follows imports, pages never break."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from eduhub.catalog import services as catalog_services
from eduhub.search import sync
from tests.factories import write_course, write_lesson, write_org


def pack(root: Path) -> Path:
    org = write_org(root, "riverbend", city="Riverbend")
    course = write_course(org, "energy", lessons=["sun.md", "wind.md"], subjects=["energy"])
    write_lesson(
        course,
        "sun.md",
        id="sun",
        title="Solar panels",
        body="# Solar panels\n\nPhotovoltaic cells turn sunlight into current.\n",
    )
    write_lesson(
        course,
        "wind.md",
        id="wind",
        title="Wind turbines",
        body="# Wind\n\nBlades turn a generator.\n",
    )
    org_es = write_org(root, "valle", city="Valle Serena")
    cursos = write_course(
        org_es, "huertos", lessons=["agua.md"], subjects=["agriculture"], language="es"
    )
    write_lesson(
        cursos,
        "agua.md",
        id="agua",
        title="El agua del huerto",
        body="# Riego\n\nLa educación ambiental empieza regando.\n",
    )
    return root


@pytest.fixture
def imported(runner, tmp_path: Path) -> Path:  # type: ignore[no-untyped-def]
    root = pack(tmp_path / "packs")
    result = runner.invoke(args=["content", "import", str(root)])
    assert result.exit_code == 0, result.output
    assert "search index built" in result.output
    return root


def test_search_page_finds_lessons_with_highlights(client, imported) -> None:  # type: ignore[no-untyped-def]
    page = client.get("/search?q=photovoltaic").get_data(as_text=True)
    assert '<a href="/lessons/riverbend/sun">Solar panels</a>' in page
    assert "<mark>Photovoltaic</mark>" in page
    assert "1 result for" in page


def test_accents_are_folded_and_facets_filter(client, imported) -> None:  # type: ignore[no-untyped-def]
    data = client.get("/api/v1/search?q=educacion").get_json()
    assert [hit["id"] for hit in data["hits"]] == ["valle/agua"]
    assert data["hits"][0]["language"] == "es"
    energy = client.get("/api/v1/search?q=turn&subject=energy").get_json()
    assert {hit["id"] for hit in energy["hits"]} == {"riverbend/sun", "riverbend/wind"}
    assert {"value": "energy", "count": 2} in energy["facets"]["subject"]


def test_empty_query_shows_the_catalog(client, imported) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/search?q=++&subject=energy")
    assert response.status_code == 302
    assert response.location.endswith("/courses?subject=energy")


@pytest.mark.parametrize(
    "query",
    [
        '"unbalanced',
        "AND OR NOT",
        "x" * 2000,
        "🌞 solar",
        "<script>alert(1)</script>",
        "'; DROP TABLE lessons;--",
        "sun\x00light",
        "*",
        "foto*",
    ],
)
def test_any_input_gets_a_page_never_a_500(client, imported, query: str) -> None:  # type: ignore[no-untyped-def]
    # NUL cannot reach PostgreSQL: eduhub.guards refuses it with a 400 (issue 8, defect 13).
    expected = 400 if "\x00" in query else 200
    response = client.get("/search", query_string={"q": query})
    assert response.status_code == expected
    page = response.get_data(as_text=True)
    assert "<script>alert(1)" not in page
    api = client.get("/api/v1/search", query_string={"q": query})
    assert api.status_code == expected


def test_zero_results_offer_a_suggestion(client, imported) -> None:  # type: ignore[no-untyped-def]
    page = client.get("/search?q=photovoltaik").get_data(as_text=True)
    assert "Photovoltaic" in page or "Did you mean" in page


def test_the_index_follows_imports_changes_and_retirements(app, runner, client, imported) -> None:  # type: ignore[no-untyped-def]
    course = imported / "riverbend" / "energy"
    write_lesson(
        course,
        "sun.md",
        id="sun",
        title="Solar panels",
        body="# Solar panels\n\nPerovskite is a new cell material.\n",
    )
    (course / "wind.md").unlink()
    write_course(imported / "riverbend", "energy", lessons=["sun.md"], subjects=["energy"])
    result = runner.invoke(args=["content", "import", str(imported)])
    assert "search index updated" in result.output
    assert [h["id"] for h in client.get("/api/v1/search?q=perovskite").get_json()["hits"]] == [
        "riverbend/sun"
    ]
    assert client.get("/api/v1/search?q=photovoltaic").get_json()["total"] == 0
    assert client.get("/api/v1/search?q=blades").get_json()["total"] == 0  # retired
    health = client.get("/healthz").get_json()
    assert health["search"]["index"] == "ok"


def test_healthz_reports_a_missing_or_stale_index_and_reindex_fixes_it(
    app, db, runner, client, imported
) -> None:  # type: ignore[no-untyped-def]

    catalog_services.advance_generation(db.session)
    db.session.commit()
    health = client.get("/healthz").get_json()
    assert (health["status"], health["search"]["index"]) == ("degraded", "stale")
    assert runner.invoke(args=["search", "status"]).exit_code == 1
    store = sync.store_for(app)
    shutil.rmtree(store.current_path())
    (store.root / "CURRENT").unlink()
    assert client.get("/healthz").get_json()["search"]["index"] == "missing"
    page = client.get("/search?q=solar").get_data(as_text=True)
    assert "search index has not been built" in page
    result = runner.invoke(args=["search", "reindex"])
    assert result.exit_code == 0, result.output
    assert client.get("/healthz").get_json()["search"]["index"] == "ok"
    assert client.get("/api/v1/search?q=photovoltaic").get_json()["total"] == 1
    assert "current" in runner.invoke(args=["search", "reindex", "--if-needed"]).output


def test_search_within_one_course_or_one_city(client, imported) -> None:  # type: ignore[no-untyped-def]
    course_page = client.get("/courses/riverbend/energy").get_data(as_text=True)
    assert '<input type="hidden" name="course" value="riverbend/energy">' in course_page
    city_page = client.get("/cities/valle").get_data(as_text=True)
    assert '<input type="hidden" name="org" value="valle">' in city_page
    in_course = client.get("/api/v1/search?q=turn&course=riverbend/energy").get_json()
    assert {hit["id"] for hit in in_course["hits"]} == {"riverbend/sun", "riverbend/wind"}
    assert client.get("/api/v1/search?q=turn&org=valle").get_json()["total"] == 0


def test_no_results_offer_subjects_languages_and_cities_to_browse(client, imported) -> None:  # type: ignore[no-untyped-def]
    page = client.get("/search?q=zzzqqqxx").get_data(as_text=True)
    assert "0 results for" in page
    assert 'href="/courses?subject=energy"' in page
    assert 'href="/courses?language=es"' in page
    assert 'href="/courses?city=Valle+Serena"' in page


def test_a_retired_course_leaves_the_index(runner, client, imported) -> None:  # type: ignore[no-untyped-def]
    def course_hits() -> set[str]:
        data = client.get("/api/v1/search?q=huertos").get_json()
        return {hit["id"] for hit in data["hits"] if hit["kind"] == "course"}

    assert course_hits() == {"course:valle/huertos"}
    shutil.rmtree(imported / "valle" / "huertos")
    result = runner.invoke(args=["content", "import", str(imported)])
    assert "search index updated" in result.output
    assert course_hits() == set()


def test_snippets_do_not_repeat_the_title(client, imported) -> None:  # type: ignore[no-untyped-def]
    # The lesson opens with "# Solar panels": the hit shows that title once, above the snippet.
    hit = client.get("/api/v1/search?q=photovoltaic").get_json()["hits"][0]
    assert hit["title"] == "Solar panels"
    assert "Solar panels" not in hit["snippet"]
    assert hit["snippet"].startswith("<mark>Photovoltaic</mark>")


def test_one_notice_when_a_typo_was_corrected_with_a_link_to_the_literal_query(  # type: ignore[no-untyped-def]
    client, imported
) -> None:
    page = client.get("/search?q=photovoltiac&course=riverbend/energy").get_data(as_text=True)
    assert page.count("Showing results for") == 1
    assert "<strong>photovoltaic</strong>" in page
    assert "1 result for" in page
    # "search instead for" keeps the scope and asks for the words as typed.
    notice = page.split("search instead for", 1)[1].split("</p>", 1)[0]
    href = notice.split('href="', 1)[1].split('"', 1)[0]
    assert href.startswith("/search?"), notice
    assert {"q=photovoltiac", "course=riverbend/energy", "literal=1"} <= set(
        href.split("?", 1)[1].replace("%2F", "/").split("&amp;")
    ), notice
    literal = client.get("/search?q=photovoltiac&course=riverbend/energy&literal=1")
    text = literal.get_data(as_text=True)
    assert "Showing results for" not in text
    assert "0 results for" in text
    assert "Did you mean" in text


def test_the_learners_language_comes_first_when_the_query_does_not_say(  # type: ignore[no-untyped-def]
    client, imported
) -> None:
    # "turn" and "regando" name one English and one Spanish lesson each; nothing in the
    # query says which language the learner reads, so their browser's language decides.
    def first(language: str) -> str:
        response = client.get("/search?q=turn+regando", headers={"Accept-Language": language})
        page = response.get_data(as_text=True)
        return page.split('<ol class="hits"', 1)[1].split('href="', 1)[1].split('"', 1)[0]

    assert first("es-ES,es;q=0.9") == "/lessons/valle/agua"
    assert first("en-GB,en;q=0.9").startswith("/lessons/riverbend/")
    page = client.get("/search?q=turn+regando", headers={"Accept-Language": "es"}).get_data(
        as_text=True
    )
    assert "are shown first" in page
    assert "lang=es" in page  # the language facet narrows (or, once chosen, widens again)


def test_a_course_or_city_scope_is_kept_by_the_form_and_every_link(client, imported) -> None:  # type: ignore[no-untyped-def]
    page = client.get("/search?q=turn&course=riverbend/energy").get_data(as_text=True)
    assert '<input type="hidden" name="course" value="riverbend/energy">' in page
    assert "search everywhere" in page
    facet_links = [part.split('"', 1)[0] for part in page.split('href="/search?')[1:]]
    assert facet_links
    kept = [link for link in facet_links if "course=riverbend/energy" in link]
    dropped = [link for link in facet_links if "course=" not in link]
    # Only "search everywhere" and the chip that removes the course filter drop it.
    assert len(dropped) == 2, facet_links
    assert len(kept) == len(facet_links) - 2
    city = client.get("/search?q=regando&org=valle").get_data(as_text=True)
    assert '<input type="hidden" name="org" value="valle">' in city
