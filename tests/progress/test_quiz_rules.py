"""Quizzes teachers can trust: blank submissions refused, answers shown by the author's rule."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import func, select

from eduhub.progress.grading import answers_revealed, grade
from eduhub.progress.models import LessonProgress, QuizAttempt
from eduhub.rendering.quizzes import Quiz, parse_quiz
from tests.progress.helpers import learner, signed_in

QUIZ = """\
id: check
pass: 100
{rule}questions:
  - id: gas
    type: single
    prompt: Which gas do plants take in?
    choices:
      - text: Oxygen
      - text: Carbon dioxide
        correct: true
  - id: sides
    type: numeric
    prompt: How many sides has a square?
    answer: 4
  - id: word
    type: text
    prompt: The green pigment?
    answers: [chlorophyll]
"""
URL = "/lessons/testville/quiz"
WRONG = {"gas": "a", "sides": "3", "word": "blue"}
RIGHT = {"gas": "b", "sides": "4", "word": "chlorophyll"}


def parsed(rule: str = "") -> tuple[Quiz | None, list[str]]:
    quiz, problems = parse_quiz(QUIZ.format(rule=rule), first_line=10, index=1)
    return quiz, [f"{p.line}: {p.severity}: {p.message}" for p in problems]


# --------------------------------------------------------------------------- front matter


def test_by_default_answers_show_after_a_pass_or_three_attempts() -> None:
    quiz, problems = parsed()
    assert problems == []
    assert quiz is not None
    assert (quiz.reveal_on_pass, quiz.reveal_after) == (True, 3)


@pytest.mark.parametrize(
    ("rule", "on_pass", "after"),
    [
        ("reveal: after-pass\n", True, None),
        ("reveal: after-attempts\n", False, 3),
        ("reveal: after-attempts\nreveal_after: 5\n", False, 5),
        ("reveal: never\n", False, None),
        ("reveal_after: 2\n", True, 2),
    ],
)
def test_the_author_chooses_when_answers_show(rule: str, on_pass: bool, after: int | None) -> None:
    quiz, problems = parsed(rule)
    assert problems == []
    assert quiz is not None
    assert (quiz.reveal_on_pass, quiz.reveal_after) == (on_pass, after)
    again = Quiz.from_snapshot(quiz.to_snapshot())
    assert (again.reveal_on_pass, again.reveal_after) == (on_pass, after)


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        (
            "reveal: sometimes\n",
            "12: error: reveal must be one of after-pass, after-attempts, never",
        ),
        ("reveal_after: 0\n", "12: error: reveal_after must be a whole number of attempts from 1"),
        ("reveal_after: two\n", "12: error: reveal_after must be a whole number"),
        ("reveal_after: 2.5\n", "12: error: reveal_after must be a whole number"),
        (
            "reveal: never\nreveal_after: 4\n",
            "13: warning: reveal_after is ignored with reveal: never",
        ),
    ],
)
def test_bad_reveal_rules_are_reported_at_their_line(rule: str, message: str) -> None:
    _quiz, problems = parsed(rule)
    assert any(problem.startswith(message) for problem in problems), problems


def test_snapshots_from_before_the_rule_get_the_default() -> None:
    quiz, _ = parsed("reveal: never\n")
    assert quiz is not None
    old = quiz.to_snapshot()
    del old["reveal_on_pass"], old["reveal_after"]
    again = Quiz.from_snapshot(old)
    assert (again.reveal_on_pass, again.reveal_after) == (True, 3)


@pytest.mark.parametrize(
    ("rule", "attempts", "passed", "shown"),
    [
        ("", 1, False, False),
        ("", 1, True, True),
        ("", 3, False, True),
        ("reveal: after-pass\n", 50, False, False),
        ("reveal: after-pass\n", 2, True, True),
        ("reveal: after-attempts\nreveal_after: 2\n", 1, True, False),
        ("reveal: after-attempts\nreveal_after: 2\n", 2, False, True),
        ("reveal: never\n", 99, True, False),
    ],
)
def test_answers_revealed(rule: str, attempts: int, passed: bool, shown: bool) -> None:
    quiz, _ = parsed(rule)
    assert quiz is not None
    assert answers_revealed(quiz, attempts=attempts, passed=passed) is shown


# --------------------------------------------------------------------------- pages and API


def quiz_lesson(app, db, root: Path, rule: str = "") -> None:  # type: ignore[no-untyped-def]
    from eduhub.packs import importer
    from eduhub.packs.reader import load_tree
    from tests.factories import write_course, write_lesson, write_org

    course = write_course(write_org(root), "course", lessons=["quiz.md"])
    body = f"# Photosynthesis\n\n## Check\n\n```quiz\n{QUIZ.format(rule=rule)}```\n"
    write_lesson(course, "quiz.md", body=body, id="quiz", title="Quiz lesson")
    importer.import_tree(db.session, load_tree(root), media_dir=Path(app.config["MEDIA_DIR"]))
    db.session.commit()


def token(client) -> str:  # type: ignore[no-untyped-def]
    page = client.get(URL).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]


def attempts(db) -> int:  # type: ignore[no-untyped-def]
    db.session.expire_all()
    return db.session.scalar(select(func.count(QuizAttempt.id))) or 0


def post(client, answers: dict[str, str], csrf: str | None = None):  # type: ignore[no-untyped-def]
    data = {"quiz_id": "check", **answers}
    if csrf:
        data["csrf_token"] = csrf
    return client.post(f"{URL}/quiz", data=data)


def test_a_guests_empty_submission_is_refused_and_shows_no_answers(
    app, db, client, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    quiz_lesson(app, db, tmp_path)
    response = post(client, {})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Answer every question before checking: questions 1, 2 and 3 are unanswered." in page
    for secret in ("You got", "Carbon dioxide</div>", "Answer:", "chlorophyll", "try again"):
        assert secret not in page, secret
    assert attempts(db) == 0


def test_a_partial_submission_keeps_the_given_answers(app, db, client, tmp_path) -> None:  # type: ignore[no-untyped-def]
    quiz_lesson(app, db, tmp_path)
    response = post(client, {"gas": "a", "word": "  green  "})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "question 2 is unanswered." in page
    assert re.search(r'value="a" checked', page)
    assert 'value="green"' in page
    assert "Check my answers" in page  # the same form, ready to finish
    assert attempts(db) == 0


def test_a_learners_empty_or_partial_submission_stores_nothing(app, db, tmp_path) -> None:  # type: ignore[no-untyped-def]
    quiz_lesson(app, db, tmp_path)
    client = signed_in(app, learner(db))
    csrf = token(client)
    for answers in ({}, {"gas": "b"}, {"gas": "b", "sides": " ", "word": "chlorophyll"}):
        response = post(client, answers, csrf)
        assert response.status_code == 422, answers
        assert "unanswered" in response.get_data(as_text=True)
    assert attempts(db) == 0
    assert db.session.scalar(select(LessonProgress.status)) == "started"  # not completed


def test_answers_stay_hidden_until_three_attempts_by_default(app, db, tmp_path) -> None:  # type: ignore[no-untyped-def]
    quiz_lesson(app, db, tmp_path)
    client = signed_in(app, learner(db))
    csrf = token(client)
    for number in (1, 2, 3):
        response = post(client, WRONG, csrf)
        assert response.status_code == 302
        page = client.get(response.location).get_data(as_text=True)
        assert "You got 0 of 3" in page
        assert page.count("✗ Incorrect") == 3
        if number < 3:
            assert "Answer:" not in page, number
            assert "chlorophyll" not in page, number
            assert "shown once you pass, or after 3 attempts" in page
        else:
            assert "Answer:" in page
            assert "chlorophyll" in page
    assert attempts(db) == 3


def test_a_pass_reveals_and_never_means_never(app, db, tmp_path) -> None:  # type: ignore[no-untyped-def]
    quiz_lesson(app, db, tmp_path, "reveal: never\n")
    client = signed_in(app, learner(db))
    csrf = token(client)
    for _ in range(4):
        page = client.get(post(client, WRONG, csrf).location).get_data(as_text=True)
        assert "Answer:" not in page
    assert "does not show its answers" in page


def test_try_again_is_a_clean_form(app, db, tmp_path) -> None:  # type: ignore[no-untyped-def]
    quiz_lesson(app, db, tmp_path)
    client = signed_in(app, learner(db))
    graded = client.get(post(client, WRONG, token(client)).location).get_data(as_text=True)
    retry = re.search(r'<a class="button" href="([^"]+)">Try again</a>', graded)
    assert retry, "the graded quiz offers to try again"
    assert retry.group(1) == "/lessons/testville/quiz#quiz-check"
    clean = client.get(retry.group(1)).get_data(as_text=True)
    assert "Check my answers" in clean
    for trace in ("checked", "You got", "✗", 'value="3"', 'value="blue"'):
        assert trace not in clean, trace


def test_a_guest_sees_answers_only_after_a_pass(app, db, client, tmp_path) -> None:  # type: ignore[no-untyped-def]
    quiz_lesson(app, db, tmp_path)
    for _ in range(4):  # a guest's attempts are not counted: nothing of theirs is stored
        wrong = post(client, WRONG).get_data(as_text=True)
        assert "You got 0 of 3" in wrong
        assert "Answer:" not in wrong
    right = post(client, RIGHT).get_data(as_text=True)
    assert "You got 3 of 3" in right
    assert "Answer:" in right
    assert attempts(db) == 0


def test_the_api_refuses_blank_submissions_and_hides_answers(app, db, client, tmp_path) -> None:  # type: ignore[no-untyped-def]
    quiz_lesson(app, db, tmp_path)
    page = client.get("/login").get_data(as_text=True)
    guest_csrf = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    api = f"/api/v1{URL}/quiz"
    refused = client.post(
        api,
        json={"quiz": "check", "answers": {"gas": ["a"]}},
        headers={"X-CSRFToken": guest_csrf},
    )
    assert refused.status_code == 400
    message = refused.get_json()["error"]["message"]
    assert "questions 2 and 3 are unanswered" in message
    assert "sides, word" in message

    ada = signed_in(app, learner(db))
    csrf = re.search(
        r'name="csrf-token" content="([^"]+)"', ada.get(URL).get_data(as_text=True)
    ).group(1)  # type: ignore[union-attr]
    empty = ada.post(api, json={"quiz": "check", "answers": {}}, headers={"X-CSRFToken": csrf})
    assert empty.status_code == 400
    assert attempts(db) == 0
    answers = {key: [value] for key, value in WRONG.items()}
    graded = ada.post(
        api, json={"quiz": "check", "answers": answers}, headers={"X-CSRFToken": csrf}
    )
    assert graded.status_code == 200
    body = graded.get_json()
    assert body["stored_attempt"]
    assert [q["expected_html"] for q in body["questions"]] == ["", "", ""]
    assert attempts(db) == 1


def test_grading_a_blank_form_still_never_raises() -> None:
    quiz, _ = parsed()
    assert quiz is not None
    assert grade(quiz, {}).correct_count == 0
