"""Quizzes as assessments: the teacher's attempt and reveal rules replace the author's for an
assigned lesson; every attempt is kept; the page says how the quiz counts."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from eduhub.classrooms import services
from eduhub.classrooms.models import AnswerReveal, Scope, ScoreRule
from eduhub.orm import utcnow
from eduhub.progress.models import QuizAttempt
from tests.classrooms.people import classroom, enrol, learner, signed_in, teacher
from tests.progress.test_quiz_rules import RIGHT, URL, WRONG, quiz_lesson

UID = "testville/quiz"
# One right of three: 33.3%
ONE_RIGHT = {"gas": "b", "sides": "3", "word": "blue"}


@pytest.fixture
def assessed(app, db, tmp_path: Path):  # type: ignore[no-untyped-def]
    """The author's default rule (answers after a pass or three attempts), a class, a learner,
    and a function that assigns the quiz lesson with the teacher's rules."""
    quiz_lesson(app, db, tmp_path)
    tess = teacher(db)
    room = classroom(db, tess)
    ada = learner(db)
    enrol(db, room, ada)

    def assign(**rules):  # type: ignore[no-untyped-def]
        made = services.assign(
            db.session,
            room,
            tess.id,
            services.AssignmentSpec(
                title=rules.pop("title", "Quiz"),
                scope=Scope.LESSONS,
                course_key="testville/course",
                lesson_uids=[UID],
                **rules,
            ),
        )
        db.session.commit()
        return made

    return ada, assign


def submit(client, answers: dict[str, str]) -> str:  # type: ignore[no-untyped-def]
    page = client.get(URL).get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    response = client.post(f"{URL}/quiz", data={"quiz_id": "check", "csrf_token": token, **answers})
    assert response.status_code == 302
    return client.get(response.location).get_data(as_text=True)


def test_after_submission_shows_answers_the_author_would_hide(app, db, assessed) -> None:  # type: ignore[no-untyped-def]
    ada, assign = assessed
    client = signed_in(app, ada)
    assert "Answer:" not in submit(client, WRONG)  # the author's rule: not yet
    assign(answer_reveal=AnswerReveal.AFTER_SUBMISSION)
    page = submit(client, WRONG)
    assert "Answer:" in page
    assert "chlorophyll" in page


def test_never_hides_answers_even_after_a_pass(app, db, assessed) -> None:  # type: ignore[no-untyped-def]
    ada, assign = assessed
    assign(answer_reveal=AnswerReveal.NEVER)
    client = signed_in(app, ada)
    passed = submit(client, RIGHT)
    assert "You got 3 of 3" in passed
    for _ in range(3):
        page = submit(client, WRONG)
        assert "Answer:" not in page
        assert "chlorophyll" not in page
    assert "Your teacher does not show the right answers to this quiz." in page
    assert "shown once you pass" not in page


def test_after_the_due_date(app, db, assessed) -> None:  # type: ignore[no-untyped-def]
    ada, assign = assessed
    made = assign(answer_reveal=AnswerReveal.AFTER_DUE, due_at=utcnow() + timedelta(days=2))
    client = signed_in(app, ada)
    for _ in range(3):
        page = submit(client, WRONG)
        assert "Answer:" not in page
    assert "Your teacher shows the right answers after the due date" in page
    made.due_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    assert "Answer:" in submit(client, WRONG)


def test_the_strictest_of_two_assignments_decides(app, db, assessed) -> None:  # type: ignore[no-untyped-def]
    ada, assign = assessed
    assign(title="Practice", answer_reveal=AnswerReveal.AFTER_SUBMISSION)
    assign(title="Test", answer_reveal=AnswerReveal.NEVER)
    assert "Answer:" not in submit(signed_in(app, ada), WRONG)


def test_a_withdrawn_assignment_gives_the_author_back_the_rule(app, db, assessed) -> None:  # type: ignore[no-untyped-def]
    ada, assign = assessed
    made = assign(answer_reveal=AnswerReveal.AFTER_SUBMISSION)
    services.withdraw(db.session, made)
    db.session.commit()
    assert "Answer:" not in submit(signed_in(app, ada), WRONG)


def test_the_api_follows_the_teachers_rule(app, db, assessed) -> None:  # type: ignore[no-untyped-def]
    ada, assign = assessed
    assign(answer_reveal=AnswerReveal.NEVER)
    client = signed_in(app, ada)
    page = client.get(URL).get_data(as_text=True)
    token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    response = client.post(
        f"/api/v1{URL}/quiz",
        json={"quiz": "check", "answers": {k: [v] for k, v in RIGHT.items()}},
        headers={"X-CSRFToken": token},
    )
    assert response.status_code == 200
    assert response.get_json()["passed"] is True
    assert all(q["expected_html"] == "" for q in response.get_json()["questions"])


def test_the_page_says_how_the_quiz_counts(app, db, assessed) -> None:  # type: ignore[no-untyped-def]
    ada, assign = assessed
    assign(attempts_counted=3, score_rule=ScoreRule.BEST)
    client = signed_in(app, ada)
    before = client.get(URL).get_data(as_text=True)
    assert "7B Science counts: no attempt yet." in before
    submit(client, ONE_RIGHT)
    page = submit(client, WRONG)
    assert "counts: attempt 2 of 3, best score 33.3%" in page
    submit(client, RIGHT)
    page = submit(client, RIGHT)
    assert "counts: attempt 4 (only the first 3 count), best score 100%" in page
    db.session.expire_all()
    assert db.session.scalar(select(func.count(QuizAttempt.id))) == 4  # every attempt kept


def test_only_the_counted_attempts_decide_the_score(app, db, assessed) -> None:  # type: ignore[no-untyped-def]
    ada, assign = assessed
    assign(title="Last of two", attempts_counted=2, score_rule=ScoreRule.LAST)
    client = signed_in(app, ada)
    submit(client, RIGHT)
    submit(client, ONE_RIGHT)
    page = submit(client, RIGHT)  # a third attempt: practice only
    assert "counts: attempt 3 (only the first 2 count), last score 33.3%" in page


@pytest.mark.parametrize(
    ("rule", "due", "shown"),
    [
        (AnswerReveal.AFTER_SUBMISSION, None, True),
        (AnswerReveal.NEVER, None, False),
        (AnswerReveal.AFTER_DUE, None, False),
        (AnswerReveal.AFTER_DUE, timedelta(hours=1), False),
        (AnswerReveal.AFTER_DUE, -timedelta(hours=1), True),
    ],
)
def test_reveal_allowed(rule: AnswerReveal, due: timedelta | None, shown: bool) -> None:
    now = utcnow()
    assert services.reveal_allowed(rule, now + due if due else None, now) is shown


def test_no_assignment_keeps_the_authors_decision(app, db, assessed) -> None:  # type: ignore[no-untyped-def]
    ada, _ = assessed
    assert services.answers_shown(db.session, ada.id, UID, True) is True
    assert services.answers_shown(db.session, ada.id, UID, False) is False
    assert services.answers_shown(db.session, None, UID, True) is True
