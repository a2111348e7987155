"""Search documents built from the database (lessons, courses) and from packs on disk."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import event

from eduhub.packs import importer
from eduhub.packs.reader import load_tree
from eduhub.search.documents import (
    SearchDocument,
    course_document_id,
    documents_from_session,
    documents_from_tree,
    from_lesson_spec,
)
from eduhub.search.services import search
from eduhub.search.store import IndexStore
from tests.factories import write_course, write_lesson, write_org

LESSON_BODY = """# Maps

## Reading a map

Every map has a legend.

```python
import folium
folium.Map(location=[45.5, -73.6])
```

### Scale bars

A scale bar turns centimetres into kilometres.
"""


def write_city(root: Path, lessons: int = 2, course: str = "mapping", **course_fields: Any) -> Path:
    org = write_org(root, "riverbend", name="Riverbend District", city="Riverbend")
    names = [f"lesson-{i}.md" for i in range(1, lessons + 1)]
    course_dir = write_course(
        org,
        course,
        lessons=names,
        title="Mapping the city",
        summary="Maps of where we live.",
        subjects=["geography", "programming"],
        level="9-12",
        language="en",
        **course_fields,
    )
    for i, name in enumerate(names, start=1):
        write_lesson(
            course_dir,
            name,
            body=LESSON_BODY if i == 1 else f"# Lesson {i}\n\n## Part\n\nText of lesson {i}.\n",
            id=f"{course}-{i}",
            title=f"Maps lesson {i}",
            summary=f"Summary {i}",
            objectives=["Read a legend", "Use a scale bar"],
            tags=["maps", "python"],
        )
    return root


def run_import(app, db, path: Path) -> importer.ImportReport:  # type: ignore[no-untyped-def]
    tree = load_tree(path)
    report = importer.import_tree(db.session, tree, media_dir=Path(app.config["MEDIA_DIR"]))
    db.session.commit()
    return report


def by_id(documents: list[SearchDocument]) -> dict[str, SearchDocument]:
    return {d.id: d for d in documents}


def test_lessons_and_courses_from_the_database(app, db, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    run_import(app, db, write_city(tmp_path / "pack"))
    documents = by_id(list(documents_from_session(db.session)))
    assert set(documents) == {
        "riverbend/mapping-1",
        "riverbend/mapping-2",
        "course:riverbend/mapping",
    }

    lesson = documents["riverbend/mapping-1"]
    assert lesson.kind == "lesson"
    assert lesson.url == "/lessons/riverbend/mapping-1"
    assert lesson.title == "Maps lesson 1"
    assert lesson.summary == "Summary 1"
    assert lesson.objectives == ("Read a legend", "Use a scale bar")
    assert lesson.headings == ("Module one", "Reading a map", "Scale bars")
    assert "Every map has a legend." in lesson.body
    assert "folium.Map(location=[45.5, -73.6])" in lesson.body  # code stays searchable
    assert "```" not in lesson.body
    assert "##" not in lesson.body
    assert lesson.tags == ("maps", "python")
    assert lesson.subjects == ("geography", "programming")
    assert (lesson.level, lesson.language) == ("9-12", "en")
    assert (lesson.org, lesson.org_name, lesson.city) == (
        "riverbend",
        "Riverbend District",
        "Riverbend",
    )
    assert (lesson.course, lesson.course_title) == ("riverbend/mapping", "Mapping the city")
    assert lesson.updated.tzinfo is not None

    course = documents["course:riverbend/mapping"]
    assert course.kind == "course"
    assert course.url == "/courses/riverbend/mapping"
    assert course.title == "Mapping the city"
    assert course.headings == ("Module one",)
    assert "Maps lesson 1" in course.body
    assert "Summary 2" in course.body
    assert course.subjects == ("geography", "programming")


def test_retired_lessons_and_courses_are_left_out(app, db, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    pack = write_city(tmp_path / "pack", lessons=3)
    run_import(app, db, pack)
    course_dir = pack / "riverbend" / "mapping"
    (course_dir / "lesson-3.md").unlink()
    write_course(
        pack / "riverbend",
        "mapping",
        lessons=["lesson-1.md", "lesson-2.md"],
        title="Mapping the city",
        summary="Maps of where we live.",
        subjects=["geography", "programming"],
        level="9-12",
    )
    report = run_import(app, db, pack)
    assert report.retired_uids == ["riverbend/mapping-3"]
    documents = by_id(list(documents_from_session(db.session)))
    assert "riverbend/mapping-3" not in documents
    assert "Maps lesson 3" not in documents["course:riverbend/mapping"].body

    # A course that disappears from the pack is retired with every lesson in it.
    write_course(pack / "riverbend", "other", lessons=["one.md"], title="Other course")
    write_lesson(pack / "riverbend" / "other", "one.md", id="other-1", title="Other lesson")
    import shutil

    shutil.rmtree(course_dir)
    run_import(app, db, pack)
    ids = set(by_id(list(documents_from_session(db.session))))
    assert ids == {"riverbend/other-1", "course:riverbend/other"}


def test_loading_takes_the_same_number_of_queries_for_any_number_of_lessons(  # type: ignore[no-untyped-def]
    app, db, tmp_path: Path
) -> None:
    def queries_for(lessons: int, name: str) -> int:
        run_import(app, db, write_city(tmp_path / name, lessons=lessons, course=name))
        db.session.expunge_all()
        statements: list[str] = []

        def count(*args: Any) -> None:
            statements.append(args[2])

        event.listen(db.engine, "before_cursor_execute", count)
        try:
            documents = list(documents_from_session(db.session))
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
        assert sum(d.kind == "lesson" for d in documents) >= lessons
        return len(statements)

    few = queries_for(2, "few")
    many = queries_for(9, "many")
    assert many == few


def test_documents_from_the_database_are_searchable(app, db, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    run_import(app, db, write_city(tmp_path / "pack"))
    store = IndexStore(tmp_path / "index")
    store.build(documents_from_session(db.session), generation=1)
    results = search(store, "folium")
    assert [hit.id for hit in results.hits] == ["riverbend/mapping-1"]
    assert "import <mark>folium" in results.hits[0].snippet
    assert search(store, "legend", kind="course").total == 0
    assert search(store, "mapping", org="riverbend", kind="course").hits[0].id == (
        "course:riverbend/mapping"
    )


def test_documents_from_a_pack_without_a_database(tmp_path: Path) -> None:
    tree = load_tree(write_city(tmp_path))
    course_spec = tree.courses[0]
    org_spec = tree.orgs[0]
    spec = next(lesson for lesson in tree.lessons if lesson.uid == "riverbend/mapping-1")
    when = datetime(2025, 5, 1, tzinfo=UTC)
    document = from_lesson_spec(spec, course_spec, org_spec, updated=when)
    assert document.id == "riverbend/mapping-1"
    assert document.headings == ("Module one", "Reading a map", "Scale bars")
    assert "import folium" in document.body
    assert document.course == "riverbend/mapping"
    assert document.subjects == ("geography", "programming")
    assert document.updated == when

    everything = by_id(list(documents_from_tree(tree)))
    assert set(everything) == {
        "riverbend/mapping-1",
        "riverbend/mapping-2",
        course_document_id("riverbend", "mapping"),
    }
    assert everything["riverbend/mapping-2"].updated.tzinfo is not None


def test_an_unrendered_pack_falls_back_to_the_markdown(tmp_path: Path) -> None:
    tree = load_tree(write_city(tmp_path), render=False)
    spec = next(lesson for lesson in tree.lessons if lesson.uid == "riverbend/mapping-1")
    document = from_lesson_spec(spec, tree.courses[0], tree.orgs[0])
    assert "Every map has a legend." in document.body
    assert document.headings == ("Module one",)
