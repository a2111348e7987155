"""What a learner does in the browser: complete a lesson, take a quiz, see the dashboard."""

from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy import func, select

from eduhub.progress.models import LessonProgress, QuizAttempt
from tests.progress.helpers import course_pack, learner, signed_in

QUIZ_LESSON = """# Photosynthesis

## Check

```quiz
id: check
pass: 50
questions:
  - id: gas
    type: single
    prompt: Which gas do plants take in?
    choices:
      - text: Oxygen
        feedback: Plants give oxygen out.
      - text: Carbon dioxide
        correct: true
        feedback: Right, they take in CO2.
  - id: energy
    type: numeric
    prompt: How many sides has a square?
    answer: 4
```
"""


def quiz_pack(app, db, tmp_path: Path):  # type: ignore[no-untyped-def]
    from eduhub.packs import importer
    from eduhub.packs.reader import load_tree
    from tests.factories import write_course, write_lesson, write_org

    course = write_course(write_org(tmp_path), "course", lessons=["quiz.md", "other.md"])
    write_lesson(course, "quiz.md", body=QUIZ_LESSON, id="quiz", title="Quiz lesson")
    write_lesson(course, "other.md", id="other", title="Other")
    importer.import_tree(db.session, load_tree(tmp_path), media_dir=Path(app.config["MEDIA_DIR"]))
    db.session.commit()


def test_opening_a_lesson_starts_it_and_the_button_completes_it(app, db, tmp_path) -> None:  # type: ignore[no-untyped-def]
    course_pack(app, db, tmp_path, lessons=2)
    client = signed_in(app, learner(db))
    page = client.get("/lessons/testville/l1").get_data(as_text=True)
    assert "Mark as complete" in page
    assert db.session.scalar(select(LessonProgress.status)) == "started"
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = client.post("/lessons/testville/l1/complete", data={"csrf_token": token})
    assert response.status_code == 302
    page = client.get("/lessons/testville/l1").get_data(as_text=True)
    assert "You completed this lesson" in page
    course = client.get("/courses/testville/course").get_data(as_text=True)
    assert "You have completed 1 of 2 lessons (50%)" in course


def test_completing_needs_sign_in_and_csrf(app, db, client, tmp_path) -> None:  # type: ignore[no-untyped-def]
    course_pack(app, db, tmp_path, lessons=1)
    assert client.post("/lessons/testville/l1/complete").status_code in (302, 400, 401)
    assert db.session.scalar(select(func.count(LessonProgress.id))) == 0
    learner_client = signed_in(app, learner(db))
    assert learner_client.post("/lessons/testville/l1/complete").status_code == 400  # no token
    assert db.session.scalar(select(func.count(LessonProgress.id))) == 0


def test_guests_read_and_are_invited_to_sign_in(app, db, client, tmp_path) -> None:  # type: ignore[no-untyped-def]
    course_pack(app, db, tmp_path, lessons=1)
    page = client.get("/lessons/testville/l1").get_data(as_text=True)
    assert "Sign in</a> to keep your progress" in page
    assert "Mark as complete" not in page


def test_quiz_answers_are_never_in_the_page_before_submission(app, db, client, tmp_path) -> None:  # type: ignore[no-untyped-def]
    quiz_pack(app, db, tmp_path)
    page = client.get("/lessons/testville/quiz").get_data(as_text=True)
    assert 'name="gas"' in page
    assert "Right, they take in CO2" not in page
    assert "give oxygen out" not in page
    assert "correct" not in page.lower().replace("incorrect", "")


def test_a_guest_quiz_is_graded_but_not_stored(app, db, client, tmp_path) -> None:  # type: ignore[no-untyped-def]
    quiz_pack(app, db, tmp_path)
    page = client.get("/lessons/testville/quiz").get_data(as_text=True)
    # The guest form carries no token (nothing is stored), so the page sets no cookie.
    assert "csrf_token" not in page
    response = client.post(
        "/lessons/testville/quiz/quiz", data={"quiz_id": "check", "gas": "b", "energy": "4"}
    )
    graded = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "You got 2 of 2" in graded
    assert "Right, they take in CO2" in graded
    assert "Sign in to keep your results" in graded
    assert db.session.scalar(select(func.count(QuizAttempt.id))) == 0


def test_a_learner_quiz_is_stored_and_passing_completes_the_lesson(app, db, tmp_path) -> None:  # type: ignore[no-untyped-def]
    quiz_pack(app, db, tmp_path)
    ada = learner(db)
    client = signed_in(app, ada)
    page = client.get("/lessons/testville/quiz").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = client.post(
        "/lessons/testville/quiz/quiz",
        data={"csrf_token": token, "quiz_id": "check", "gas": "a", "energy": "4.0"},
    )
    assert response.status_code == 302
    assert "attempt=" in response.location
    graded = client.get(response.location).get_data(as_text=True)
    assert "You got 1 of 2" in graded
    assert "Plants give oxygen out." in graded
    attempt = db.session.scalar(select(QuizAttempt))
    assert (attempt.score, attempt.passed, attempt.quiz_id) == (50.0, True, "check")
    assert attempt.snapshot["id"] == "check"
    assert sorted((a.question_id, a.correct) for a in attempt.answers) == [
        ("energy", True),
        ("gas", False),
    ]
    assert db.session.scalar(select(LessonProgress.status)) == "completed"
    # Another learner cannot see this attempt by guessing its number.
    other = signed_in(app, learner(db, "bo"))
    assert "You got" not in other.get(response.location).get_data(as_text=True)


def test_unknown_quiz_is_a_clear_400(app, db, client, tmp_path) -> None:  # type: ignore[no-untyped-def]
    quiz_pack(app, db, tmp_path)
    response = client.post("/lessons/testville/quiz/quiz", data={"quiz_id": "gone"})
    assert response.status_code == 400
    assert "reload the page" in response.get_data(as_text=True)


def test_a_learner_quiz_without_its_csrf_token_is_refused(app, db, tmp_path) -> None:  # type: ignore[no-untyped-def]
    quiz_pack(app, db, tmp_path)
    client = signed_in(app, learner(db))
    response = client.post(
        "/lessons/testville/quiz/quiz", data={"quiz_id": "check", "gas": "b", "energy": "4"}
    )
    assert response.status_code == 400
    assert db.session.scalar(select(func.count(QuizAttempt.id))) == 0


def test_dashboard_and_public_completion_page(app, db, tmp_path) -> None:  # type: ignore[no-untyped-def]
    course_pack(app, db, tmp_path, lessons=1)
    ada = learner(db, display_name="Ada Lovelace", show_name_publicly=True)
    client = signed_in(app, ada)
    page = client.get("/lessons/testville/l1").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = client.post("/lessons/testville/l1/complete", data={"csrf_token": token})
    assert "/completions/" in response.location
    public = app.test_client().get(response.location).get_data(as_text=True)
    assert "Ada Lovelace" in public
    assert "Course testville" not in public or "completed" in public
    board = client.get("/dashboard").get_data(as_text=True)
    assert "Completed courses" in board
    assert "certificate page" in board
    assert app.test_client().get("/dashboard").status_code == 302  # guests go to sign in
    assert app.test_client().get("/completions/not-a-token").status_code == 404


def test_completion_page_hides_the_name_unless_allowed(app, db, tmp_path) -> None:  # type: ignore[no-untyped-def]
    course_pack(app, db, tmp_path, lessons=1)
    ada = learner(db, display_name="Ada Private")
    client = signed_in(app, ada)
    page = client.get("/lessons/testville/l1").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    location = client.post("/lessons/testville/l1/complete", data={"csrf_token": token}).location
    public = app.test_client().get(location).get_data(as_text=True)
    assert "Ada Private" not in public
    assert "A learner" in public


def test_home_offers_to_continue_where_you_left_off(app, db, tmp_path) -> None:  # type: ignore[no-untyped-def]
    course_pack(app, db, tmp_path, lessons=2)
    client = signed_in(app, learner(db))
    client.get("/lessons/testville/l2")
    home = client.get("/").get_data(as_text=True)
    assert "Continue where you left off" in home
    assert 'href="/lessons/testville/l2"' in home
