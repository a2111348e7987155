"""Two tabs, a double click, a flaky network: concurrent requests never duplicate a progress row
or move a completion back to "started"."""

from __future__ import annotations

import re
import threading
import time
from pathlib import Path

from sqlalchemy import select

from eduhub.progress.models import LessonProgress
from tests.progress.helpers import course_pack, learner, signed_in

THREADS = 8
REQUESTS_PER_THREAD = 15


def csrf_token(client) -> str:  # type: ignore[no-untyped-def]
    page = client.get("/").get_data(as_text=True)
    return re.search(r'<meta name="csrf-token" content="([^"]+)"', page).group(1)


def test_concurrent_visits_completions_and_reports_leave_one_completed_row(
    app, db, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    course_pack(app, db, tmp_path, lessons=2)
    ada = learner(db)
    uid = "testville/l1"
    errors: list[str] = []
    statuses: list[int] = []
    start = threading.Barrier(THREADS)
    # Each thread signs in its own client and gets its own CSRF token, as two browser tabs do;
    # the main thread's application context (and its cached token) stays out of the way.
    session_token = ada.get_id()

    def worker(index: int) -> None:
        client = signed_in(app, session_token)
        headers = {"X-CSRFToken": csrf_token(client)}
        start.wait()
        for step in range(REQUESTS_PER_THREAD):
            kind = (index + step) % 3
            if kind == 0:
                response = client.post(f"/api/v1/lessons/{uid}/complete", headers=headers)
            elif kind == 1:
                response = client.get(f"/lessons/{uid}")
            else:
                response = client.post(
                    f"/api/v1/lessons/{uid}/progress",
                    json={"seconds": 5, "heading": "part"},
                    headers=headers,
                )
            statuses.append(response.status_code)
            if response.status_code != 200:
                errors.append(f"{response.status_code} {response.get_data(as_text=True)[:200]}")

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(THREADS)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    print(f"{len(statuses)} concurrent requests in {elapsed:.2f} s, {len(errors)} errors")

    assert errors == []
    assert len(statuses) == THREADS * REQUESTS_PER_THREAD
    db.session.expire_all()
    rows = db.session.scalars(select(LessonProgress).where(LessonProgress.lesson_uid == uid)).all()
    assert len(rows) == 1
    (row,) = rows
    assert row.status == "completed"
    assert row.completed_at is not None
    reports = sum(1 for i in range(THREADS) for s in range(REQUESTS_PER_THREAD) if (i + s) % 3 == 2)
    assert row.time_spent_seconds == 5 * reports  # no report lost, none counted twice
