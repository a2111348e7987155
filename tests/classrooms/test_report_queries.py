"""Each report page reads a class in the same number of SQL statements, 5 learners or 200."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import event

from tests.classrooms import report_factories as rf
from tests.progress.helpers import signed_in


@contextmanager
def counted(engine) -> Iterator[list[str]]:  # type: ignore[no-untyped-def]
    statements: list[str] = []

    def note(conn, cursor, statement, parameters, context, executemany) -> None:  # type: ignore[no-untyped-def]
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", note)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", note)


def class_of(db, uids: list[str], size: int, tag: str):  # type: ignore[no-untyped-def]
    teacher = rf.users(db, [f"teacher-{tag}"], role="teacher")[0]
    learners = rf.users(db, [f"{tag}-{i}" for i in range(size)])
    room = rf.classroom(db, [teacher], learners, name=f"Class {tag}")
    rf.assign(db, room, uids[:2], title="First")
    rf.assign(db, room, uids[2:], title="Second", recipients=learners[::2], attempts_counted=1)
    for i, learner in enumerate(learners):
        for uid in uids[: 1 + i % len(uids)]:
            rf.progress(db, learner, uid, done=i % 2 == 0, seconds=60 * i)
            rf.attempt(db, learner, uid, "abc"[i % 3])
            if i % 4 == 0:
                rf.attempt(db, learner, uid, "b")
    db.session.commit()
    return teacher, room, learners[0]


PAGES = ["", ".csv", "/items", "/items.csv", "/learners/{learner}"]


@pytest.mark.parametrize("page", PAGES)
def test_report_pages_read_a_fixed_number_of_statements(app, db, tmp_path: Path, page: str) -> None:  # type: ignore[no-untyped-def]
    uids = rf.quiz_pack(app, db, tmp_path / "packs", lessons=4)
    counts = {}
    for size in (5, 200):
        teacher, room, first = class_of(db, uids, size, f"c{size}")
        client = signed_in(app, teacher)
        url = f"/classes/{room.id}/report" + page.format(learner=first.id)
        db.session.expire_all()
        with counted(db.engine) as statements:
            response = client.get(url)
        assert response.status_code == 200
        # The page really covers the whole class: the last learner, or all counted attempts.
        expected = {
            "": f"C{size} {size - 1}",
            ".csv": f"C{size} {size - 1}",
            "/items": f"<td>{size}</td>",
            "/items.csv": f",{size},",
            "/learners/{learner}": f"C{size} 0",
        }[page]
        assert expected in response.get_data(as_text=True)
        counts[size] = len(statements)
    assert counts[5] == counts[200], counts
    assert counts[5] <= 14, counts
