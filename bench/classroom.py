"""Time a real-sized class: the report and its CSV through the test client, then a sign-in
burst of a whole class against gunicorn on 127.0.0.1.

    .venv/bin/python bench/classroom.py                 # 200 learners × 40 lessons, 30 runs
    .venv/bin/python bench/classroom.py --learners 200 --runs 50 --burst 60 --spread 10

Seeds a throwaway SQLite database (migrated, content/ imported plus generated lessons with
quizzes so 40 lessons are assigned), with progress and quiz attempts for every learner. Then:
p50/p95 of GET /classes/<id>/report, report.csv and report/items (targets p95 ≤ 150 ms for
the report, ≤ 300 ms for the CSV on a 2-core machine); then starts gunicorn on a free port
with its own instance folder and database, and has ``--burst`` learners each GET /login (for
the CSRF token), POST the real sign-in form and open their assigned lesson, started at random
moments within ``--spread`` seconds, in concurrent threads (target p99 ≤ 500 ms, 0 errors).
Gunicorn is stopped at the end, whatever happens. Figures only: nothing here asserts a target.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import event, insert, select  # noqa: E402
from werkzeug.security import check_password_hash, generate_password_hash  # noqa: E402

from eduhub import create_app  # noqa: E402
from eduhub.accounts.models import User  # noqa: E402
from eduhub.catalog.models import Lesson, LessonRevision  # noqa: E402
from eduhub.classrooms.models import (  # noqa: E402
    Assignment,
    AssignmentLesson,
    AssignmentRecipient,
    Classroom,
    ClassroomMember,
)
from eduhub.extensions import db  # noqa: E402
from eduhub.orm import utcnow  # noqa: E402
from eduhub.packs import importer  # noqa: E402
from eduhub.packs.reader import load_tree  # noqa: E402
from eduhub.progress.models import LessonProgress, QuizAnswer, QuizAttempt  # noqa: E402
from eduhub.rendering.quizzes import Quiz  # noqa: E402

PASSWORD = "correct horse battery"  # noqa: S105 (the seeded learners' password)
SECRET = "bench-secret-key-not-for-production"  # noqa: S105
QUIZ = """```quiz
id: check-{n}
title: Check {n}
questions:
  - id: q1
    type: single
    prompt: Which gas do plants take in? ({n})
    choices:
      - text: Oxygen
      - text: Carbon dioxide
        correct: true
      - text: Nitrogen
  - id: q2
    type: multiple
    prompt: Which are renewable?
    choices:
      - text: Sunlight
        correct: true
      - text: Coal
      - text: Wind
        correct: true
  - id: q3
    type: numeric
    prompt: How many sides has a square?
    answer: 4
```"""


def write_generated(root: Path, count: int) -> None:
    org = root / "benchville"
    course = org / "class-bench"
    course.mkdir(parents=True)
    (org / "org.yml").write_text(
        "name: Benchville Schools\nkind: district\ncity: Benchville\n"
        "country: Nowhere (fictional)\n",
        encoding="utf-8",
    )
    names = [f"lesson-{n:02}.md" for n in range(1, count + 1)]
    (course / "course.yml").write_text(
        "title: Class bench\nsummary: Generated lessons with quizzes.\nsubjects: [science]\n"
        "level: 6-8\nlanguage: en\nlicense: CC-BY-4.0\nauthors: [EduHub contributors]\n"
        "modules:\n  - title: All\n    lessons: [" + ", ".join(names) + "]\n",
        encoding="utf-8",
    )
    for n, name in enumerate(names, start=1):
        body = "\n\n".join(
            [
                f"# Generated lesson {n}",
                "## Warm-up",
                "Plants take in a gas and give out another. " * 20,
                "## Gases and energy",
                "Sunlight and wind are renewable; coal is not. " * 20,
                QUIZ.format(n=n),
                "## Summary",
                "What we learned. " * 10,
            ]
        )
        (course / name).write_text(
            f"---\nid: gen-{n:02}\ntitle: Generated lesson {n}\nsummary: For the bench.\n"
            f"objectives: [Read]\nminutes: 10\n---\n{body}\n",
            encoding="utf-8",
        )


def answer(question: dict[str, Any], right: bool, rng: random.Random) -> tuple[list[str], bool]:
    if question["kind"] in ("single", "multiple"):
        correct = sorted(c["id"] for c in question["choices"] if c["correct"])
        if right:
            return correct, True
        wrong = [c["id"] for c in question["choices"] if not c["correct"]]
        return [rng.choice(wrong or ["z"])], False
    return (["4"] if right else [str(rng.randint(5, 9))]), right


def seed(app: Any, tmp: Path, learners: int, lessons: int) -> tuple[int, int, list[str]]:
    """The class and everything in it; returns (classroom id, teacher id, burst lesson uids)."""
    rng = random.Random(9)
    with app.app_context():
        upgrade()
        media = Path(app.config["MEDIA_DIR"])
        importer.import_tree(db.session, load_tree(ROOT / "content"), media_dir=media)
        write_generated(tmp / "packs", 25)
        importer.import_tree(db.session, load_tree(tmp / "packs"), media_dir=media)
        db.session.commit()
        rows = db.session.execute(
            select(Lesson.uid, Lesson.revision_number, LessonRevision.quizzes)
            .join(
                LessonRevision,
                (LessonRevision.lesson_id == Lesson.id)
                & (LessonRevision.number == Lesson.revision_number),
            )
            .where(Lesson.retired_at.is_(None))
            .order_by(Lesson.uid)
        ).all()
        with_quiz = [r for r in rows if r.quizzes]
        without = [r for r in rows if not r.quizzes]
        chosen = (with_quiz + without)[:lessons]
        hashed = generate_password_hash(PASSWORD, method="scrypt")
        teacher = User(
            username="teacher",
            email="teacher@example.org",
            display_name="Teacher",
            password_hash=hashed,
            role="teacher",
        )
        db.session.add(teacher)
        people = [
            User(
                username=f"learner{i:03}",
                email=f"learner{i:03}@example.org",
                display_name=f"Learner {i:03}",
                password_hash=hashed,
            )
            for i in range(learners)
        ]
        db.session.add_all(people)
        db.session.flush()
        room = Classroom(name="Grade 7, all sections", created_by_id=teacher.id)
        room.members.append(ClassroomMember(user_id=teacher.id, role="teacher"))
        for person in people:
            room.members.append(ClassroomMember(user_id=person.id, role="learner"))
        db.session.add(room)
        db.session.flush()
        now = utcnow()
        per = max(1, len(chosen) // 4)
        for k in range(4):
            part = chosen[k * per : (k + 1) * per] if k < 3 else chosen[3 * per :]
            assignment = Assignment(
                classroom_id=room.id,
                title=f"Week {k + 1}",
                created_at=now - timedelta(days=28 - 7 * k),
                due_at=now - timedelta(days=21 - 7 * k) if k < 3 else now + timedelta(days=7),
                whole_class=k != 2,
                attempts_counted=1 if k == 1 else None,
                score_rule="last" if k == 3 else "best",
            )
            for position, row in enumerate(part):
                assignment.lessons.append(
                    AssignmentLesson(
                        lesson_uid=row.uid, position=position, assigned_revision=row.revision_number
                    )
                )
            if k == 2:
                for person in people[::2]:
                    assignment.recipients.append(AssignmentRecipient(user_id=person.id))
            db.session.add(assignment)
        db.session.flush()
        progress, attempts, answers = [], [], []
        attempt_id = 0
        for person in people:
            ability = rng.uniform(0.3, 0.95)
            for row in chosen:
                if rng.random() < 0.15:
                    continue  # not opened
                done = rng.random() < 0.7
                opened = now - timedelta(days=rng.randint(0, 27), minutes=rng.randint(0, 600))
                progress.append(
                    {
                        "user_id": person.id,
                        "lesson_uid": row.uid,
                        "status": "completed" if done else "started",
                        "started_at": opened,
                        "last_seen_at": opened,
                        "completed_at": opened + timedelta(minutes=20) if done else None,
                        "time_spent_seconds": rng.randint(60, 2400),
                    }
                )
                for snapshot in row.quizzes or ():
                    quiz = Quiz.from_snapshot(snapshot)
                    for n in range(rng.choice((1, 1, 2, 3))):
                        attempt_id += 1
                        graded = [
                            answer(question.to_snapshot(), rng.random() < ability, rng)
                            for question in quiz.questions
                        ]
                        score = round(100 * sum(ok for _, ok in graded) / len(graded), 1)
                        attempts.append(
                            {
                                "id": attempt_id,
                                "user_id": person.id,
                                "lesson_uid": row.uid,
                                "quiz_id": quiz.id,
                                "revision_number": row.revision_number,
                                "snapshot": snapshot,
                                "score": score,
                                "passed": None,
                                "created_at": opened + timedelta(minutes=5 + n),
                            }
                        )
                        answers.extend(
                            {
                                "attempt_id": attempt_id,
                                "question_id": question.id,
                                "given": given,
                                "correct": ok,
                            }
                            for question, (given, ok) in zip(quiz.questions, graded, strict=True)
                        )
        db.session.execute(insert(LessonProgress), progress)
        db.session.execute(insert(QuizAttempt), attempts)
        db.session.execute(insert(QuizAnswer), answers)
        db.session.commit()
        print(
            f"seeded: {learners} learners × {len(chosen)} lessons "
            f"({len(with_quiz[:lessons])} with quizzes), {len(progress)} progress rows, "
            f"{len(attempts)} attempts, {len(answers)} answers"
        )
        return room.id, teacher.id, [row.uid for row in chosen[:per]]


def quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def time_pages(app: Any, room_id: int, teacher_id: int, runs: int) -> None:
    client = app.test_client()
    with app.app_context():
        token = db.session.get(User, teacher_id).get_id()  # type: ignore[union-attr]
    with client.session_transaction() as session:
        session["_user_id"] = token
        session["_fresh"] = True
    base = f"/classes/{room_id}/report"
    targets = {"report": 150, "report.csv": 300, "report/items": None, "report.csv?sort=score": 300}
    for name, target in targets.items():
        url = base + name.removeprefix("report")
        statements = []

        def note(*_args: Any) -> None:
            statements.append(1)  # noqa: B023

        with app.app_context():
            event.listen(db.engine, "before_cursor_execute", note)
            response = client.get(url)
            event.remove(db.engine, "before_cursor_execute", note)
        assert response.status_code == 200, (url, response.status_code)
        size = len(response.data)
        for _ in range(2):
            client.get(url)  # warm-up
        timings = []
        for _ in range(runs):
            started = time.perf_counter()
            response = client.get(url)
            timings.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200
        goal = f"   target p95 ≤ {target} ms" if target else ""
        print(
            f"{name:22} p50 {statistics.median(timings):6.1f} ms   "
            f"p95 {quantile(timings, 0.95):6.1f} ms   "
            f"({runs} runs, {size // 1024} KiB, {len(statements)} SQL statements){goal}"
        )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


_CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|'
                   r'<meta name="csrf-token" content="([^"]+)">')  # fmt: skip


def one_learner(
    base: str, username: str, lesson: str, delay: float, out: list[tuple[str, float, str]]
) -> None:
    time.sleep(delay)
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))

    def timed(step: str, request: urllib.request.Request | str) -> str:
        started = time.perf_counter()
        try:
            with opener.open(request, timeout=30) as response:
                body = response.read().decode("utf-8", "replace")
                status = str(response.status)
        except urllib.error.HTTPError as exc:
            body, status = "", str(exc.code)
        except OSError as exc:
            body, status = "", type(exc).__name__
        out.append((step, (time.perf_counter() - started) * 1000, status))
        return body

    page = timed("GET /login", f"{base}/login")
    match = _CSRF.search(page)
    token = (match.group(1) or match.group(2)) if match else ""
    form = urllib.parse.urlencode({"csrf_token": token, "username": username, "password": PASSWORD})
    timed("POST /login", urllib.request.Request(f"{base}/login", data=form.encode()))  # noqa: S310
    body = timed("GET lesson", f"{base}/lessons/{lesson}")
    if body and username not in body.lower() and "Sign out" not in body:
        out.append(("signed in", 0.0, "not signed in"))


def burst(tmp: Path, db_path: Path, learners: int, spread: float, lessons: list[str]) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    instance = tmp / "gunicorn-instance"
    instance.mkdir()
    env = {
        **os.environ,
        "EDUHUB_ENV": "production",
        "EDUHUB_BASE_URL": base,
        "EDUHUB_DATABASE_URL": f"sqlite:///{db_path}",
        "EDUHUB_INSTANCE_PATH": str(instance),
        "EDUHUB_SECRET_KEY": SECRET,
        "EDUHUB_LOG_LEVEL": "WARNING",
    }
    command = [
        sys.executable, "-m", "gunicorn", "--workers", "2", "--threads", "4",
        "--bind", f"127.0.0.1:{port}", "--log-level", "warning", "wsgi:app",
    ]  # fmt: skip
    server = subprocess.Popen(command, cwd=ROOT, env=env)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"{base}/healthz", timeout=2) as response:  # noqa: S310
                    if response.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                raise SystemExit("gunicorn did not start")
            time.sleep(0.2)
        for uid in set(lessons):  # each worker renders the lessons once before the class arrives
            urllib.request.urlopen(f"{base}/lessons/{uid}", timeout=10).read()  # noqa: S310
        rng = random.Random(7)
        out: list[tuple[str, float, str]] = []
        threads = [
            threading.Thread(
                target=one_learner,
                args=(
                    base,
                    f"learner{i:03}",
                    lessons[i % len(lessons)],
                    rng.uniform(0, spread),
                    out,
                ),
            )
            for i in range(learners)
        ]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=spread + 60)
        elapsed = time.perf_counter() - started
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    errors = [(step, status) for step, _, status in out if status not in ("200", "302")]
    timings = [ms for _, ms, status in out if status in ("200", "302")]
    print(
        f"burst: {learners} learners within {spread:.0f} s "
        f"({len(out)} requests in {elapsed:.1f} s, gunicorn 2 workers × 4 threads, SQLite)"
    )
    for step in ("GET /login", "POST /login", "GET lesson"):
        values = [ms for name, ms, status in out if name == step and status in ("200", "302")]
        if values:
            print(
                f"  {step:12} p50 {statistics.median(values):6.1f} ms   p95 "
                f"{quantile(values, 0.95):6.1f} ms   p99 {quantile(values, 0.99):6.1f} ms"
            )
    if timings:
        print(
            f"  all requests p50 {statistics.median(timings):6.1f} ms   p99 "
            f"{quantile(timings, 0.99):6.1f} ms   max {max(timings):6.1f} ms   "
            f"errors {len(errors)}   (target p99 ≤ 500 ms, 0 errors)"
        )
    if errors:
        print("  errors:", sorted(set(errors))[:10])


def machine() -> str:
    """What the figures were measured on: a loaded machine makes every figure worse."""
    hashed = generate_password_hash(PASSWORD, method="scrypt")
    started = time.perf_counter()
    check_password_hash(hashed, PASSWORD)
    scrypt_ms = (time.perf_counter() - started) * 1000
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    return (
        f"{os.cpu_count()} cores, load average {load}; one scrypt password check "
        f"({hashed.split('$')[0]}) takes {scrypt_ms:.0f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=200)
    parser.add_argument("--lessons", type=int, default=40)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--burst", type=int, default=60, help="learners in the sign-in burst")
    parser.add_argument("--spread", type=float, default=10.0, help="seconds the burst spans")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        db_path = tmp / "bench.sqlite3"
        app = create_app(
            {
                "INSTANCE_PATH": str(tmp / "instance"),
                "SECRET_KEY": SECRET,
                "DATABASE_URL": f"sqlite:///{db_path}",
                "LOG_LEVEL": "WARNING",
            }
        )
        print("machine:", machine())
        started = time.perf_counter()
        room_id, teacher_id, lessons = seed(app, tmp, args.learners, args.lessons)
        print(f"seeding took {time.perf_counter() - started:.1f} s")
        time_pages(app, room_id, teacher_id, args.runs)
        with app.app_context():
            db.engine.dispose()
        if args.burst:
            burst(tmp, db_path, min(args.burst, args.learners), args.spread, lessons)
        print("machine:", machine())


if __name__ == "__main__":
    main()
