"""Time per request of the pages and API calls people hit most, and SQL statements per request.

    .venv/bin/python bench/requests.py                    # 12 courses x 25 lessons + content/
    .venv/bin/python bench/requests.py --courses 20 --runs 300
    .venv/bin/python bench/requests.py --database postgresql+psycopg://postgres@127.0.0.1/bench

Everything goes through Flask's test client (no sockets, no gunicorn): what is timed is
EduHub's own work per request. The catalog is content/ plus generated packs (each generated
lesson reuses the body of a real lesson of content/ without images) imported into a fresh
database in a temporary folder, with the search index built as ``make run`` builds it. Each
endpoint is requested ``--warmup`` times, then ``--runs`` times timed; the script prints the
median, p95, SQL statements per request and the budget of issue 12. Figures only: nothing here
asserts them. Run on an idle machine; record results in docs/performance.md.
"""

from __future__ import annotations

import argparse
import re
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import event  # noqa: E402

from eduhub import create_app  # noqa: E402
from eduhub.extensions import db  # noqa: E402
from eduhub.packs import importer  # noqa: E402
from eduhub.packs.reader import load_tree  # noqa: E402
from tests.factories import make_user, write_course, write_lesson, write_org  # noqa: E402

#: Median budgets in milliseconds (issue 12); None means "measured, no budget".
BUDGETS: dict[str, float | None] = {
    "lesson page (anonymous)": 2.0,
    "course page (anonymous)": 3.0,
    "catalog (anonymous)": 3.0,
    "search (anonymous)": 5.0,
    "dashboard (signed in)": 4.0,
    "/api/v1/courses": 1.5,
    "/api/v1/me/progress": None,
}

_FRONT = re.compile(r"\A---\n.*?\n---\n", re.DOTALL)


def real_bodies() -> list[str]:
    """Bodies of content/'s lessons that need no image or sibling file."""
    bodies = []
    for path in sorted((ROOT / "content").rglob("*.md")):
        text = path.read_text(encoding="utf-8")
        if not text.startswith("---\n"):
            continue
        body = _FRONT.sub("", text, count=1)
        if "](" in body and ("![" in body or ".md" in body):
            continue
        bodies.append(body)
    return bodies


def build_catalog(root: Path, courses: int, per_course: int) -> int:
    """content/ plus ``courses`` generated courses of ``per_course`` lessons; returns the count."""
    shutil.copytree(ROOT / "content", root, dirs_exist_ok=True)
    bodies = real_bodies()
    made = 0
    for c in range(courses):
        org = write_org(root, f"benchcity{c % 4}")
        names = [f"lesson-{i:02d}.md" for i in range(per_course)]
        modules = [
            {"title": f"Module {m + 1}", "lessons": names[m * 5 : (m + 1) * 5]}
            for m in range(-(-per_course // 5))
        ]
        course = write_course(org, f"bench-course-{c}", modules=modules, title=f"Bench {c}")
        for i, name in enumerate(names):
            body = bodies[(c * per_course + i) % len(bodies)]
            write_lesson(course, name, body=body, id=f"bench-{c}-{i}", title=f"Bench {c}.{i}")
            made += 1
    return made


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def measure(
    client: Any, url: str, runs: int, warmup: int, statements: list[int], **kw: Any
) -> tuple[list[float], int, int, int]:
    for _ in range(warmup):
        client.get(url, **kw)
    times = []
    before = statements[0]
    status = size = 0
    for _ in range(runs):
        start = time.perf_counter()
        response = client.get(url, **kw)
        times.append((time.perf_counter() - start) * 1000)
        status, size = response.status_code, len(response.get_data())
    per_request = round((statements[0] - before) / runs)
    return times, per_request, status, size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--courses", type=int, default=12)
    parser.add_argument("--lessons-per-course", type=int, default=25)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--database", help="SQLAlchemy URL of an EMPTY database (default SQLite)")
    parser.add_argument(
        "--encoding", default="gzip", help="Accept-Encoding sent (default gzip; '' for none)"
    )
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="eduhub-bench-") as tmp:
        tmp_path = Path(tmp)
        app = create_app(
            {
                "INSTANCE_PATH": str(tmp_path / "instance"),
                "SECRET_KEY": "bench-secret-key-not-for-production",
                "DATABASE_URL": args.database or f"sqlite:///{tmp_path / 'bench.sqlite3'}",
                "RATELIMIT_ENABLED": False,
            }
        )
        with app.app_context():
            db.create_all()
            generated = build_catalog(tmp_path / "packs", args.courses, args.lessons_per_course)
            tree = load_tree(tmp_path / "packs")
            importer.import_tree(db.session, tree, media_dir=Path(app.config["MEDIA_DIR"]))
            db.session.commit()
            user = make_user(db, "bench")
            user_token = user.get_id()
            lessons = len(tree.lessons) if hasattr(tree, "lessons") else generated
            db.session.remove()

        statements = [0]

        def count(*_args: Any) -> None:
            statements[0] += 1

        with app.app_context():
            event.listen(db.engine, "before_cursor_execute", count)

        guest = app.test_client()
        reader = app.test_client()
        with reader.session_transaction() as session:
            session["_user_id"] = user_token
            session["_fresh"] = True
        # The reader has opened a few lessons, so the dashboard and progress have rows to show.
        for i in range(5):
            reader.get(f"/lessons/benchcity0/bench-0-{i}")
        headers = {"Accept-Encoding": args.encoding} if args.encoding else {}

        cases: list[tuple[str, Any, str]] = [
            ("lesson page (anonymous)", guest, "/lessons/benchcity3/bench-3-12"),
            ("course page (anonymous)", guest, "/courses/benchcity3/bench-course-3"),
            ("catalog (anonymous)", guest, "/courses"),
            ("search (anonymous)", guest, "/search?q=python"),
            ("dashboard (signed in)", reader, "/dashboard"),
            ("/api/v1/courses", guest, "/api/v1/courses"),
            ("/api/v1/me/progress", reader, "/api/v1/me/progress"),
        ]
        print(
            f"{generated} generated lessons + content/ ({lessons} in all), "
            f"{args.runs} timed requests each, Accept-Encoding: {args.encoding or '(none)'}"
        )
        print(
            f"{'endpoint':26} {'status':>6} {'bytes':>7} {'median ms':>10} {'p95 ms':>8} "
            f"{'SQL/req':>7} {'budget':>7}"
        )
        over: list[str] = []
        # No app context is pushed around the requests: each must get its own `g`, as it
        # does under gunicorn (a shared one would carry the guest's user into the reader's).
        for name, client, url in cases:
            times, sql, status, size = measure(
                client, url, args.runs, args.warmup, statements, headers=headers
            )
            median = statistics.median(times)
            budget = BUDGETS[name]
            mark = "" if budget is None or median <= budget else " over"
            if mark:
                over.append(name)
            print(
                f"{name:26} {status:>6} {size:>7} {median:>10.2f} {percentile(times, 0.95):>8.2f}"
                f" {sql:>7} {budget if budget is not None else '-':>7}{mark}"
            )
        print("over budget: " + (", ".join(over) if over else "none"))


if __name__ == "__main__":
    main()
