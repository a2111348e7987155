"""Importing packs: idempotent, revisions on change, retire on removal, all or nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from eduhub.catalog.media import media_file_path
from eduhub.catalog.models import Course, Lesson, LessonRevision, MediaFile, Module, Organization
from eduhub.packs import importer
from eduhub.packs.reader import load_tree
from tests.factories import PNG_BYTES, write_course, write_lesson, write_org, write_pack


def run_import(app, db, path: Path, **kwargs):  # type: ignore[no-untyped-def]
    tree = load_tree(path, **kwargs)
    report = importer.import_tree(db.session, tree, media_dir=Path(app.config["MEDIA_DIR"]))
    db.session.commit()
    return report


def count(db, model) -> int:  # type: ignore[no-untyped-def]
    return db.session.scalar(select(func.count()).select_from(model))


def test_first_import_adds_everything(app, db, tmp_path: Path) -> None:
    write_pack(tmp_path, lessons=3)
    report = run_import(app, db, tmp_path)
    assert (report.added, report.updated, report.unchanged, report.retired) == (3, 0, 0, 0)
    org = db.session.scalar(select(Organization))
    assert (org.slug, org.city, org.kind) == ("testville", "Testville", "district")
    course = db.session.scalar(select(Course))
    assert course.subjects == ["mathematics"]
    assert [m.title for m in course.modules] == ["Module one"]
    lessons = db.session.scalars(select(Lesson).order_by(Lesson.position)).all()
    assert [le.uid for le in lessons] == [
        "testville/fractions-lesson-1",
        "testville/fractions-lesson-2",
        "testville/fractions-lesson-3",
    ]
    revision = lessons[0].current_revision
    assert revision.number == 1
    assert '<h2 id="part-one">Part one</h2>' in revision.html
    assert revision.toc == [{"level": 2, "anchor": "part-one", "title": "Part one"}]
    assert "The body of lesson 1." in revision.text


def test_importing_the_same_tree_twice_changes_nothing(app, db, tmp_path: Path) -> None:
    write_pack(tmp_path, lessons=3)
    run_import(app, db, tmp_path)
    before = {
        le.uid: (le.updated_at, le.revision_number) for le in db.session.scalars(select(Lesson))
    }
    course_before = db.session.scalar(select(Course.updated_at))
    report = run_import(app, db, tmp_path)
    assert (report.added, report.updated, report.unchanged, report.retired) == (0, 0, 3, 0)
    assert not report.changed_anything
    after = {
        le.uid: (le.updated_at, le.revision_number) for le in db.session.scalars(select(Lesson))
    }
    assert after == before
    assert db.session.scalar(select(Course.updated_at)) == course_before
    assert count(db, LessonRevision) == 3


def test_changed_file_adds_a_revision_and_keeps_the_old_one(app, db, tmp_path: Path) -> None:
    write_pack(tmp_path, lessons=2)
    run_import(app, db, tmp_path)
    course_dir = tmp_path / "testville" / "fractions"
    write_lesson(
        course_dir,
        "lesson-1.md",
        body="# Lesson 1\n\nRewritten.\n",
        id="fractions-lesson-1",
        title="Lesson 1",
    )
    report = run_import(app, db, tmp_path)
    assert (report.added, report.updated, report.unchanged) == (0, 1, 1)
    assert report.changed_uids == ["testville/fractions-lesson-1"]
    lesson = db.session.scalar(select(Lesson).where(Lesson.uid == "testville/fractions-lesson-1"))
    assert lesson.revision_number == 2
    assert [r.number for r in lesson.revisions] == [2, 1]
    assert "Rewritten." in lesson.current_revision.html
    assert "The body of lesson 1." in lesson.revisions[1].html


def test_removed_file_retires_its_lesson_and_restoring_brings_it_back(
    app, db, tmp_path: Path
) -> None:
    write_pack(tmp_path, lessons=3)
    run_import(app, db, tmp_path)
    course_dir = tmp_path / "testville" / "fractions"
    write_course(course_dir.parent, "fractions", lessons=["lesson-1.md", "lesson-2.md"])
    (course_dir / "lesson-3.md").unlink()
    report = run_import(app, db, tmp_path)
    assert report.retired == 1
    assert report.retired_uids == ["testville/fractions-lesson-3"]
    retired = db.session.scalar(select(Lesson).where(Lesson.uid == "testville/fractions-lesson-3"))
    assert retired.retired_at is not None
    assert count(db, Lesson) == 3  # never deleted
    # Put it back: same id, the lesson comes back to life with its history.
    write_pack(tmp_path, lessons=3)
    report = run_import(app, db, tmp_path)
    assert report.updated == 1
    db.session.refresh(retired)
    assert retired.retired_at is None
    assert retired.revision_number == 1


def test_moving_a_lesson_with_an_explicit_id_keeps_its_identity(app, db, tmp_path: Path) -> None:
    write_pack(tmp_path, lessons=2)
    run_import(app, db, tmp_path)
    original = db.session.scalar(select(Lesson).where(Lesson.uid == "testville/fractions-lesson-2"))
    original_id = original.id
    course_dir = tmp_path / "testville" / "fractions"
    (course_dir / "part-two").mkdir()
    (course_dir / "lesson-2.md").rename(course_dir / "part-two" / "moved.md")
    write_course(
        course_dir.parent,
        "fractions",
        modules=[
            {"title": "Module one", "lessons": ["lesson-1.md"]},
            {"title": "Module two", "lessons": ["part-two/moved.md"]},
        ],
    )
    report = run_import(app, db, tmp_path)
    assert report.retired == 0
    moved = db.session.scalar(select(Lesson).where(Lesson.uid == "testville/fractions-lesson-2"))
    assert moved.id == original_id
    assert moved.source_path == "fractions/part-two/moved.md"
    assert moved.module.title == "Module two"
    assert moved.revision_number == 1  # same content, same revision


def test_a_pack_with_errors_imports_nothing(app, db, tmp_path: Path) -> None:
    write_pack(tmp_path, lessons=2)
    run_import(app, db, tmp_path)
    course_dir = tmp_path / "testville" / "fractions"
    write_lesson(
        course_dir, "lesson-1.md", body="# Changed\n", id="fractions-lesson-1", title="Changed"
    )
    write_lesson(course_dir, "lesson-2.md", body="[broken](nowhere.md)\n", id="fractions-lesson-2")
    tree = load_tree(tmp_path)
    with pytest.raises(importer.ImportRefused) as refused:
        importer.import_tree(db.session, tree, media_dir=Path(app.config["MEDIA_DIR"]))
    assert "broken link: nowhere.md" in str(refused.value.errors[0])
    db.session.rollback()
    lesson = db.session.scalar(select(Lesson).where(Lesson.uid == "testville/fractions-lesson-1"))
    assert lesson.title == "Lesson 1"
    assert lesson.revision_number == 1


def test_a_failure_midway_rolls_everything_back(app, db, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    write_pack(tmp_path, lessons=2)
    run_import(app, db, tmp_path)
    write_pack(tmp_path / "more", lessons=2, org="otherville")
    for name in ("lesson-1.md", "lesson-2.md"):
        write_lesson(
            tmp_path / "testville" / "fractions",
            name,
            body="# New text\n",
            id=f"fractions-{name[:-3]}",
            title="New",
        )
    calls = []

    def explode_on_second(spec) -> None:  # type: ignore[no-untyped-def]
        calls.append(spec.uid)
        if len(calls) == 2:
            raise OSError("disk full")

    tree = load_tree(tmp_path)
    with pytest.raises(OSError, match="disk full"):
        importer.import_tree(
            db.session, tree, media_dir=Path(app.config["MEDIA_DIR"]), on_lesson=explode_on_second
        )
    db.session.rollback()
    assert db.session.scalars(select(Lesson.title)).all() == ["Lesson 1", "Lesson 2"]
    assert count(db, LessonRevision) == 2


def test_media_are_stored_by_hash_and_recorded_once(app, db, tmp_path: Path) -> None:
    org = write_org(tmp_path)
    course = write_course(org)
    (course / "img").mkdir()
    (course / "img" / "dot.png").write_bytes(PNG_BYTES)
    write_lesson(course, body="# T\n\n![A dot](img/dot.png)\n")
    report = run_import(app, db, tmp_path)
    assert report.media_added == 1
    media = db.session.scalar(select(MediaFile))
    assert (media.path, media.mime_type, media.size) == (
        "fractions/img/dot.png",
        "image/png",
        len(PNG_BYTES),
    )
    stored = media_file_path(Path(app.config["MEDIA_DIR"]), media.sha256)
    assert stored.read_bytes() == PNG_BYTES
    assert run_import(app, db, tmp_path).media_added == 0


def test_removing_a_course_retires_it_and_its_lessons(app, db, tmp_path: Path) -> None:
    org = write_org(tmp_path)
    for slug in ("keep", "drop"):
        write_lesson(write_course(org, slug), id=f"{slug}-one")
    run_import(app, db, tmp_path)
    for path in sorted((org / "drop").rglob("*"), reverse=True):
        path.unlink() if path.is_file() else path.rmdir()
    (org / "drop").rmdir()
    report = run_import(app, db, tmp_path)
    assert report.retired == 1
    dropped = db.session.scalar(select(Course).where(Course.slug == "drop"))
    assert dropped.retired_at is not None
    kept = db.session.scalar(select(Course).where(Course.slug == "keep"))
    assert kept.retired_at is None


def test_importing_one_course_leaves_the_others_alone(app, db, tmp_path: Path) -> None:
    org = write_org(tmp_path)
    for slug in ("first", "second"):
        write_lesson(write_course(org, slug), id=f"{slug}-one")
    run_import(app, db, tmp_path)
    (org / "first" / "one.md").unlink()
    write_course(org, "first", lessons=["two.md"])
    write_lesson(org / "first", "two.md", id="first-two")
    report = run_import(app, db, tmp_path, course_slug="second")
    assert (report.added, report.retired, report.unchanged) == (0, 0, 1)
    assert (
        db.session.scalar(select(Lesson).where(Lesson.uid == "testville/first-one")).retired_at
        is None
    )


def test_removed_module_keeps_its_lessons_retired_not_deleted(app, db, tmp_path: Path) -> None:
    org = write_org(tmp_path)
    course = write_course(
        org,
        modules=[{"title": "A", "lessons": ["a.md"]}, {"title": "B", "lessons": ["b.md"]}],
    )
    write_lesson(course, "a.md", id="a")
    write_lesson(course, "b.md", id="b")
    run_import(app, db, tmp_path)
    write_course(org, modules=[{"title": "A", "lessons": ["a.md"]}])
    (course / "b.md").unlink()
    report = run_import(app, db, tmp_path)
    assert report.retired == 1
    assert db.session.scalars(select(Module.title)).all() == ["A"]
    lesson_b = db.session.scalar(select(Lesson).where(Lesson.uid == "testville/b"))
    assert lesson_b.retired_at is not None
    assert lesson_b.module_id is None


def test_rerender_updates_stale_revisions_only(app, db, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    write_pack(tmp_path, lessons=2)
    run_import(app, db, tmp_path)
    first = db.session.scalar(select(LessonRevision).order_by(LessonRevision.id))
    first.renderer_version = 0
    first.html = "<p>stale</p>"
    db.session.commit()
    assert importer.rerender(db.session) == 1
    db.session.commit()
    db.session.refresh(first)
    assert "Part one" in first.html
    assert importer.rerender(db.session) == 0
    assert importer.rerender(db.session, everything=True) == 2


def test_import_refreshes_html_made_by_an_older_renderer(app, db, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    write_pack(tmp_path, lessons=1)
    run_import(app, db, tmp_path)
    revision = db.session.scalar(select(LessonRevision))
    revision.renderer_version = 1
    revision.html = "<p>old renderer</p>"
    db.session.commit()
    report = run_import(app, db, tmp_path)
    assert report.updated == 1
    db.session.refresh(revision)
    assert "Part one" in revision.html
    assert revision.number == 1
    assert db.session.scalar(select(func.count(LessonRevision.id))) == 1
    assert run_import(app, db, tmp_path).updated == 0
