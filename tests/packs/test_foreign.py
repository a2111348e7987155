"""Foreign packs: dialect detection, layouts, license rules, attribution and the fidelity report."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select

from eduhub.catalog.models import Course, Lesson, Organization
from eduhub.packs.foreign import ForeignOptions, detect_dialect, detect_license, load_foreign
from eduhub.packs.model import PackError
from tests.factories import PNG_BYTES, write_org


def write(root: Path, rel: str, text: str) -> Path:
    file = root / rel
    file.parent.mkdir(parents=True, exist_ok=True)
    file.write_text(text, encoding="utf-8")
    return file


def jekyll_pack(root: Path) -> Path:
    write(
        root,
        "en/lessons/intro-to-maps.md",
        "---\ntitle: Intro to maps\nauthors:\n- Ana Author\nabstract: Maps for historians.\n"
        "topics: [mapping]\ndoi: 10.1/abc\n---\n\n{% include toc.html %}\n\n## Start\n\n"
        "See [the next one](/en/lessons/second-lesson) and [gone](/en/lessons/nowhere).\n",
    )
    write(
        root,
        "en/lessons/second-lesson.md",
        "---\ntitle: Second\nauthors: [Bo]\nabstract: More.\n---\n\nText.\n",
    )
    write(
        root,
        "es/lecciones/introduccion-a-mapas.md",
        "---\ntitle: Introducción a mapas\nauthors: [Ana Author]\ntranslator: [Tere Traductora]\n"
        "abstract: Mapas.\noriginal: intro-to-maps\n---\n\nTexto.\n",
    )
    write(
        root,
        "en/lessons/retired/old-tool.md",
        "---\ntitle: An old tool\nauthors: [Cy]\nabstract: Gone.\n---\n\nOld.\n",
    )
    return root


def carpentries_pack(root: Path) -> Path:
    lesson = root / "demo-lesson"
    write(
        lesson,
        "config.yaml",
        "carpentry: swc\ntitle: 'Demo Lesson'\nlicense: 'CC-BY 4.0'\n"
        "source: 'https://github.com/example/demo'\nepisodes:\n- 01-first.md\n- 02-second.Rmd\n"
        "learners:\ninstructors:\nprofiles:\nlang: en\n",
    )
    write(lesson, "AUTHORS", "Dee Developer\nEd Educator\n")
    write(
        lesson,
        "episodes/01-first.md",
        "---\ntitle: First\nteaching: 10\nexercises: 5\n---\n\n:::: objectives\n\n"
        "- Learn the first thing\n\n::::\n\n::::: challenge\n\nDo it.\n\n::: solution\n\nDone.\n\n"
        ":::\n:::::\n\n![](fig/chart.png){alt='A chart'}\n\nNext: [second](02-second.Rmd).\n",
    )
    write(
        lesson,
        "episodes/02-second.Rmd",
        "---\ntitle: Second\nteaching: 5\nexercises: 0\n---\n\n```{r, eval=FALSE}\nx <- 1\n```\n",
    )
    (lesson / "episodes" / "fig").mkdir(parents=True)
    (lesson / "episodes" / "fig" / "chart.png").write_bytes(PNG_BYTES)
    write(lesson, "learners/setup.md", "---\ntitle: Setup\n---\n\n![](fig/chart.png){alt='c'}\n")
    return root


def d2l_pack(root: Path) -> Path:
    write(root, "LICENSE-SUMMARY", "Creative Commons Attribution-ShareAlike 4.0 International")
    write(
        root,
        "index.md",
        "A Small Book\n============\n\n```toc\n:maxdepth: 1\n\nchapter_one/index\n```\n",
    )
    write(
        root,
        "d2l.bib",
        "@article{Doe.2020,\n title={A Paper},\n author={Doe, Jane},\n year={2020}\n}\n",
    )
    write(
        root,
        "chapter_one/index.md",
        "# Chapter One\n:label:`chap_one`\n\n```toc\n:maxdepth: 2\n\nsection\n```\n",
    )
    write(
        root,
        "chapter_one/section.md",
        "# A Section\n:label:`sec_a`\n\nInline $x^2$ and\n\n$$y = mx + b.$$\n:label:`eq_line`\n\n"
        "See :eqref:`eq_line`, :numref:`chap_one` and :cite:`Doe.2020`.\n",
    )
    return root


def import_foreign(app, db, path: Path, dialect: str, **options):  # type: ignore[no-untyped-def]
    from eduhub.packs import importer

    tree = load_foreign(path, dialect, ForeignOptions(**options))
    report = importer.import_tree(db.session, tree, media_dir=Path(app.config["MEDIA_DIR"]))
    db.session.commit()
    return tree, report


def test_dialects_are_detected_and_ambiguity_refused(tmp_path: Path) -> None:
    assert detect_dialect(jekyll_pack(tmp_path / "ph")) == "jekyll"
    swc = carpentries_pack(tmp_path / "swc")
    assert detect_dialect(swc) == "carpentries"
    assert detect_dialect(swc / "demo-lesson") == "carpentries"
    assert detect_dialect(d2l_pack(tmp_path / "book")) == "d2l"
    write_org(tmp_path / "hub")
    assert detect_dialect(tmp_path / "hub") == "eduhub"
    mixed = d2l_pack(tmp_path / "mixed")
    jekyll_pack(mixed)
    with pytest.raises(PackError, match="more than one dialect"):
        detect_dialect(mixed)


@pytest.mark.parametrize(
    ("text", "spdx"),
    [
        ("Creative Commons Attribution 4.0 International", "CC-BY-4.0"),
        ("made available under the Creative Commons Attribution-ShareAlike 4.0", "CC-BY-SA-4.0"),
        ("CC-BY 4.0", "CC-BY-4.0"),
        ("MIT License\n\nCopyright", "MIT"),
        ("All rights reserved.", None),
    ],
)
def test_license_texts_are_recognised(text: str, spdx: str | None) -> None:
    assert detect_license(text) == spdx


def test_a_pack_without_a_license_is_refused_with_a_clear_message(tmp_path: Path) -> None:
    jekyll_pack(tmp_path)
    with pytest.raises(PackError, match="pass --license SPDX"):
        load_foreign(tmp_path, "jekyll", ForeignOptions(org_slug="ph"))
    with pytest.raises(PackError, match=r"--license CC-BY-NC-4\.0 is not allowed"):
        load_foreign(tmp_path, "jekyll", ForeignOptions(org_slug="ph", license="CC-BY-NC-4.0"))


def test_a_pack_without_org_yml_needs_an_org(tmp_path: Path) -> None:
    jekyll_pack(tmp_path)
    with pytest.raises(PackError, match="pass --org SLUG"):
        load_foreign(tmp_path, "jekyll", ForeignOptions(license="CC-BY-4.0"))


def test_jekyll_pack_becomes_one_course_per_language_with_translations(app, db, tmp_path) -> None:  # type: ignore[no-untyped-def]
    jekyll_pack(tmp_path)
    tree, report = import_foreign(
        app,
        db,
        tmp_path,
        "jekyll",
        org_slug="ph",
        license="CC-BY-4.0",
        source="https://example.org/ph",
    )
    assert tree.errors == []
    assert report.added == 4
    org = db.session.scalar(select(Organization))
    assert (org.slug, org.name, org.city) == ("ph", "Ph", "Online")
    courses = {c.slug: c for c in db.session.scalars(select(Course))}
    assert set(courses) == {"en", "es"}
    assert courses["es"].language == "es"
    assert courses["en"].source_url == "https://example.org/ph"
    assert courses["en"].dialect == "jekyll"
    intro = db.session.scalar(select(Lesson).where(Lesson.uid == "ph/intro-to-maps"))
    assert intro.summary == "Maps for historians."
    assert intro.authors == ["Ana Author"]
    assert intro.tags == ["mapping"]
    assert intro.extra["doi"] == "10.1/abc"
    assert 'href="/lessons/ph/second-lesson"' in intro.current_revision.html
    translation = db.session.scalar(select(Lesson).where(Lesson.uid == "ph/introduccion-a-mapas"))
    assert translation.translation_of_uid == "ph/intro-to-maps"
    assert translation.translators == ["Tere Traductora"]
    old = db.session.scalar(select(Lesson).where(Lesson.uid == "ph/old-tool"))
    assert old.retired_at is not None
    warnings = [str(m) for m in tree.warnings]
    assert any("intro-to-maps.md:" in w and "/en/lessons/nowhere" in w for w in warnings)


def test_jekyll_lesson_page_shows_attribution_and_translation(app, db, client, tmp_path) -> None:  # type: ignore[no-untyped-def]
    jekyll_pack(tmp_path)
    import_foreign(
        app,
        db,
        tmp_path,
        "jekyll",
        org_slug="ph",
        license="CC-BY-4.0",
        source="https://example.org/ph",
    )
    page = client.get("/lessons/ph/introduccion-a-mapas").get_data(as_text=True)
    assert "Tere Traductora" in page
    assert "https://example.org/ph" in page
    assert 'href="/lessons/ph/intro-to-maps"' in page
    original = client.get("/lessons/ph/intro-to-maps").get_data(as_text=True)
    assert "10.1/abc" in original
    assert "{%" not in original


def test_carpentries_pack_uses_config_authors_and_div_conversion(app, db, tmp_path) -> None:  # type: ignore[no-untyped-def]
    carpentries_pack(tmp_path)
    tree, _report = import_foreign(app, db, tmp_path, "carpentries", org_slug="carpentries")
    assert tree.errors == []
    course = db.session.scalar(select(Course))
    assert (course.slug, course.title, course.license) == (
        "demo-lesson",
        "Demo Lesson",
        "CC-BY-4.0",
    )
    assert course.authors == ["Dee Developer", "Ed Educator"]
    assert course.source_url == "https://github.com/example/demo"
    assert [m.title for m in course.modules] == ["Episodes", "Learner resources"]
    first = db.session.scalar(
        select(Lesson).where(Lesson.uid == "carpentries/demo-lesson/episodes/01-first")
    )
    html = first.current_revision.html
    assert first.minutes == 15
    assert first.objectives == ["Learn the first thing"]
    assert "admonition-exercise" in html
    assert "<details" in html
    assert 'alt="A chart"' in html
    assert 'href="/lessons/carpentries/demo-lesson/episodes/02-second"' in html
    assert ":::" not in html
    second = db.session.scalar(select(Lesson).where(Lesson.uid.endswith("02-second")))
    assert "language-r" in second.current_revision.html
    setup = db.session.scalar(select(Lesson).where(Lesson.uid.endswith("learners/setup")))
    assert '<img src="/media/' in setup.current_revision.html  # fig/ from learners/ → episodes/fig/


def test_d2l_pack_resolves_roles_and_citations(app, db, tmp_path) -> None:  # type: ignore[no-untyped-def]
    d2l_pack(tmp_path)
    tree, _ = import_foreign(app, db, tmp_path, "d2l", org_slug="d2l", course_slug="small-book")
    assert tree.errors == []
    course = db.session.scalar(select(Course))
    assert (course.slug, course.title, course.license) == (
        "small-book",
        "A Small Book",
        "CC-BY-SA-4.0",
    )
    section = db.session.scalar(
        select(Lesson).where(Lesson.uid == "d2l/small-book/chapter-one/section")
    )
    html = section.current_revision.html
    for raw in (":label:", ":eqref:", ":numref:", ":cite:"):
        assert raw not in html
    assert "<math" in html
    assert "A Paper" in html  # the citation's footnote


def test_report_json_and_totals_from_the_cli(runner, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    carpentries_pack(tmp_path / "pack")
    report_file = tmp_path / "report.json"
    result = runner.invoke(
        args=[
            "content",
            "import",
            str(tmp_path / "pack"),
            "--org",
            "swc",
            "--report",
            str(report_file),
        ]
    )
    assert result.exit_code == 0, result.output
    assert "images resolved" in result.output
    report = json.loads(report_file.read_text())
    assert report["totals"]["lessons"] == 3  # two episodes and learners/setup.md
    first = next(le for le in report["lessons"] if le["id"].endswith("01-first"))
    assert first["images"] == {"referenced": 1, "resolved": 1}
    assert first["admonitions"] >= 3
    assert first["divs"]["total"] >= 3


def test_importing_a_foreign_pack_twice_changes_nothing(app, db, tmp_path) -> None:  # type: ignore[no-untyped-def]
    carpentries_pack(tmp_path)
    import_foreign(app, db, tmp_path, "carpentries", org_slug="swc")
    _, report = import_foreign(app, db, tmp_path, "carpentries", org_slug="swc")
    assert (report.added, report.updated, report.retired) == (0, 0, 0)


def test_broken_front_matter_is_a_warning_and_the_lesson_still_imports(app, db, tmp_path) -> None:  # type: ignore[no-untyped-def]
    jekyll_pack(tmp_path)
    write(
        tmp_path,
        "en/lessons/broken.md",
        '---\ntitle: Broken: yes\nauthors:\n- Di\nabstract: "unclosed\n---\n\nBody text.\n',
    )
    tree, _report = import_foreign(app, db, tmp_path, "jekyll", org_slug="ph", license="CC-BY-4.0")
    assert any(m.path.endswith("broken.md") and m.line >= 2 for m in tree.warnings)
    lesson = db.session.scalar(select(Lesson).where(Lesson.uid == "ph/broken"))
    assert lesson.authors == ["Di"]
    assert "Body text." in lesson.current_revision.html


def test_crlf_and_bom_sources_are_read(app, db, tmp_path) -> None:  # type: ignore[no-untyped-def]
    carpentries_pack(tmp_path)
    episode = tmp_path / "demo-lesson" / "episodes" / "01-first.md"
    episode.write_bytes(b"\xef\xbb\xbf" + episode.read_bytes().replace(b"\n", b"\r\n"))
    tree, _ = import_foreign(app, db, tmp_path, "carpentries", org_slug="swc")
    first = next(le for le in tree.lessons if le.uid.endswith("01-first"))
    assert first.title == "First"
    assert first.objectives == ["Learn the first thing"]


def test_an_eduhub_course_can_declare_its_lessons_dialect(tmp_path: Path) -> None:
    from eduhub.packs.reader import load_tree
    from tests.factories import write_course

    course = write_course(write_org(tmp_path), lessons=["episode.md"], dialect="carpentries")
    write(
        course,
        "episode.md",
        "---\ntitle: An episode\nteaching: 5\nexercises: 5\n---\n\n::::: challenge\n\nTry.\n\n"
        ":::: solution\n\nDone.\n\n::::\n:::::\n",
    )
    tree = load_tree(tmp_path)
    assert tree.errors == []
    (lesson,) = tree.lessons
    assert (lesson.uid, lesson.title, lesson.minutes) == (
        "testville/fractions/episode",
        "An episode",
        10,
    )
    assert "admonition-exercise" in lesson.rendered.html
    assert "<details" in lesson.rendered.html
    assert tree.courses[0].dialect == "carpentries"


def test_source_urls_must_be_http(tmp_path: Path) -> None:
    carpentries_pack(tmp_path)
    with pytest.raises(PackError, match="give an http"):
        load_foreign(
            tmp_path, "carpentries", ForeignOptions(org_slug="swc", source="javascript:alert(1)")
        )
    config = tmp_path / "demo-lesson" / "config.yaml"
    config.write_text(
        config.read_text().replace("https://github.com/example/demo", "javascript:alert(1)")
    )
    tree = load_foreign(tmp_path, "carpentries", ForeignOptions(org_slug="swc"))
    assert tree.courses[0].source_url is None
