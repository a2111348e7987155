"""The signed-in home page and the dashboard cost the same number of queries for a learner who
touched one lesson and one who touched three hundred."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import event

from eduhub.catalog import services as catalog
from eduhub.progress import services
from tests.progress.helpers import course_pack, learner, signed_in


@contextmanager
def counted(engine):  # type: ignore[no-untyped-def]
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany) -> None:  # type: ignore[no-untyped-def]
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def queries_for(app, db, client, path: str) -> int:  # type: ignore[no-untyped-def]
    with counted(db.engine) as statements:
        response = client.get(path)
    assert response.status_code == 200
    return len(statements)


def test_home_and_dashboard_queries_do_not_grow_with_lessons_touched(
    app, db, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    course_pack(app, db, tmp_path, lessons=300, modules=10)
    one, many = learner(db, "one"), learner(db, "many")
    services.mark_complete(db.session, one.id, catalog.get_lesson(db.session, "testville/l1"))
    for i in range(1, 301):
        lesson = catalog.get_lesson(db.session, f"testville/l{i}")
        if i % 2:
            services.mark_complete(db.session, many.id, lesson)
        else:
            services.record_visit(db.session, many.id, lesson.uid)
    db.session.commit()
    for path in ("/dashboard", "/"):
        few = queries_for(app, db, signed_in(app, one), path)
        lots = queries_for(app, db, signed_in(app, many), path)
        print(f"{path}: {few} queries for 1 lesson, {lots} for 300")
        # The same handful of queries either way (one may differ: which courses are "done").
        assert abs(lots - few) <= 1
        assert lots <= 15
