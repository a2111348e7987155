"""``eduhub content validate|import|rerender`` as an administrator uses them."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from eduhub.catalog.models import Lesson
from tests.factories import write_course, write_lesson, write_org, write_pack


def test_validate_prints_path_line_severity_and_fails_on_errors(runner, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    course = write_course(write_org(tmp_path))
    write_lesson(course, body="# T\n\n[gone](gone.md)\n")
    write_lesson(course, "stray.md")
    result = runner.invoke(args=["content", "validate", str(tmp_path)])
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert f"{course}/one.md:10: error: broken link: gone.md" in lines
    assert f"{course}/stray.md:1: warning: not listed in any module; not imported" in lines
    assert lines[-1] == "1 organization(s), 1 course(s), 1 lesson(s): 1 error(s), 1 warning(s)"


def test_validate_exits_zero_on_warnings_only(runner, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    course = write_course(write_org(tmp_path))
    write_lesson(course)
    write_lesson(course, "stray.md")
    result = runner.invoke(args=["content", "validate", str(tmp_path)])
    assert result.exit_code == 0
    assert "0 error(s), 1 warning(s)" in result.output


def test_validate_refuses_a_folder_that_is_no_pack(runner, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    result = runner.invoke(args=["content", "validate", str(tmp_path)])
    assert result.exit_code == 1
    assert "cannot tell how this pack is written" in result.output


def test_import_prints_counts_and_is_idempotent(runner, db, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    write_pack(tmp_path, lessons=3)
    first = runner.invoke(args=["content", "import", str(tmp_path)])
    assert first.exit_code == 0, first.output
    assert "added 3, updated 0, unchanged 0, retired 0, warnings 0" in first.output
    second = runner.invoke(args=["content", "import", str(tmp_path)])
    assert "added 0, updated 0, unchanged 3, retired 0, warnings 0" in second.output


def test_import_with_errors_changes_nothing_and_says_so(runner, db, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    course = write_course(write_org(tmp_path), lessons=["one.md", "two.md"])
    write_lesson(course, id="fine")
    write_lesson(course, "two.md", body="![no such](x.png)\n")
    result = runner.invoke(args=["content", "import", str(tmp_path)])
    assert result.exit_code == 1
    assert "error: missing image: x.png" in result.output
    assert "nothing was imported" in result.output
    assert db.session.scalars(select(Lesson)).all() == []


def test_import_one_course_folder_into_a_known_organization(runner, db, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    write_pack(tmp_path / "packs", lessons=1)
    assert runner.invoke(args=["content", "import", str(tmp_path / "packs")]).exit_code == 0
    loose = write_course(tmp_path / "elsewhere", "geometry")
    write_lesson(loose, id="angles")
    refused = runner.invoke(args=["content", "import", str(loose)])
    assert refused.exit_code == 1
    assert "pass --org SLUG" in refused.output
    unknown = runner.invoke(args=["content", "import", str(loose), "--org", "atlantis"])
    assert "unknown organization 'atlantis'" in unknown.output
    result = runner.invoke(args=["content", "import", str(loose), "--org", "testville"])
    assert result.exit_code == 0, result.output
    assert "added 1, updated 0, unchanged 0, retired 0" in result.output
    uids = set(db.session.scalars(select(Lesson.uid)))
    assert uids == {"testville/fractions-lesson-1", "testville/angles"}


def test_import_limited_by_org_and_course_options(runner, db, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    write_pack(tmp_path, lessons=1, org="north")
    write_pack(tmp_path, lessons=1, org="south")
    result = runner.invoke(args=["content", "import", str(tmp_path), "--org", "south"])
    assert "added 1," in result.output
    assert set(db.session.scalars(select(Lesson.uid))) == {"south/fractions-lesson-1"}
    result = runner.invoke(args=["content", "import", str(tmp_path), "--course", "nope"])
    assert result.exit_code == 1
    assert "no course 'nope'" in result.output


def test_rerender_reports_how_many(runner, db, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    write_pack(tmp_path, lessons=2)
    runner.invoke(args=["content", "import", str(tmp_path)])
    assert "re-rendered 0 lesson(s)" in runner.invoke(args=["content", "rerender"]).output
    assert "re-rendered 2 lesson(s)" in runner.invoke(args=["content", "rerender", "--all"]).output


def test_import_shows_a_progress_bar_on_a_terminal(runner, db, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from eduhub.packs import cli

    write_pack(tmp_path, lessons=2)
    monkeypatch.setattr(cli, "_on_terminal", lambda: True)
    result = runner.invoke(args=["content", "import", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "Importing" in result.output
    assert "added 2," in result.output


def _console(app):  # type: ignore[no-untyped-def]
    """The real console script's group, run with the test app."""
    from click.testing import CliRunner
    from flask.cli import ScriptInfo

    from eduhub.cli import make_cli

    def invoke(*args: str):  # type: ignore[no-untyped-def]
        return CliRunner().invoke(make_cli(), list(args), obj=ScriptInfo(create_app=lambda: app))

    return invoke


def test_an_unexpected_failure_is_one_line_and_exit_one(app, db, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from eduhub.packs import importer

    def explode(*_args, **_kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("disk on fire\nsecond line of detail")

    write_pack(tmp_path, lessons=1)
    monkeypatch.setattr(importer, "import_tree", explode)
    result = _console(app)("content", "import", str(tmp_path))
    assert result.exit_code == 1
    assert isinstance(result.exception, SystemExit)  # not the RuntimeError: it was handled
    assert "Traceback" not in result.output
    assert result.output.splitlines()[-1] == (
        "Error: RuntimeError: disk on fire (set EDUHUB_LOG_LEVEL=DEBUG for the traceback)"
    )
    assert db.session.scalars(select(Lesson)).all() == []


def test_an_unreadable_database_is_one_line_and_exit_one(tmp_path: Path) -> None:
    from tests.conftest import make_app

    app = make_app(tmp_path, None, DATABASE_URL=f"sqlite:///{tmp_path}/no/such/dir/db.sqlite3")
    write_pack(tmp_path / "pack", lessons=1)
    result = _console(app)("content", "import", str(tmp_path / "pack"))
    assert result.exit_code == 1
    assert isinstance(result.exception, SystemExit)
    assert result.output.splitlines()[-1].startswith(
        "Error: OperationalError: (sqlite3.OperationalError) unable to open database file"
    )


def test_a_failure_midway_rolls_the_import_back(runner, db, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from eduhub.packs import importer

    real = importer.import_tree

    def fail_after_writing(session, *args, **kwargs):  # type: ignore[no-untyped-def]
        real(session, *args, **kwargs)
        session.flush()
        raise RuntimeError("late failure")

    write_pack(tmp_path, lessons=2)
    monkeypatch.setattr(importer, "import_tree", fail_after_writing)
    runner.invoke(args=["content", "import", str(tmp_path)])
    assert db.session.scalars(select(Lesson)).all() == []
