"""The progress JSON API: the learner's own data only, CSRF on writes, idempotent completion."""

from __future__ import annotations

import re

from tests.progress.helpers import course_pack, learner, signed_in
from tests.progress.test_views import quiz_pack


def token_for(client, url: str = "/") -> str:  # type: ignore[no-untyped-def]
    """The page's CSRF token (guests get one only on pages with a form, such as /login)."""
    page = client.get(url).get_data(as_text=True)
    return re.search(r'<meta name="csrf-token" content="([^"]+)"', page).group(1)


def test_endpoints_need_a_signed_in_learner(app, db, client, tmp_path) -> None:  # type: ignore[no-untyped-def]
    course_pack(app, db, tmp_path, lessons=1)
    for path in ("/api/v1/me/progress", "/api/v1/me/courses"):
        response = client.get(path)
        assert response.status_code == 401
        assert response.get_json()["error"]["code"] == 401
    headers = {"X-CSRFToken": token_for(client, "/login")}
    assert client.post("/api/v1/lessons/testville/l1/complete", headers=headers).status_code == 401


def test_complete_is_idempotent_and_needs_the_csrf_header(app, db, tmp_path) -> None:  # type: ignore[no-untyped-def]
    course_pack(app, db, tmp_path, lessons=2)
    client = signed_in(app, learner(db))
    refused = client.post("/api/v1/lessons/testville/l1/complete")
    assert refused.status_code == 400
    headers = {"X-CSRFToken": token_for(client)}
    first = client.post("/api/v1/lessons/testville/l1/complete", headers=headers).get_json()
    second = client.post("/api/v1/lessons/testville/l1/complete", headers=headers).get_json()
    assert first["status"] == second["status"] == "completed"
    assert first["completed_at"] == second["completed_at"]
    assert first["course_completed"] is False
    assert client.post("/api/v1/lessons/nope/x/complete", headers=headers).status_code == 404
    mine = client.get("/api/v1/me/progress").get_json()
    assert [(row["lesson"], row["status"]) for row in mine["lessons"]] == [
        ("testville/l1", "completed")
    ]
    courses = client.get("/api/v1/me/courses").get_json()
    assert [(c["id"], c["done"], c["total"], c["percent"]) for c in courses["in_progress"]] == [
        ("testville/course", 1, 2, 50)
    ]


def test_learners_only_ever_see_their_own_progress(app, db, tmp_path) -> None:  # type: ignore[no-untyped-def]
    course_pack(app, db, tmp_path, lessons=1)
    ada_client = signed_in(app, learner(db, "ada"))
    ada_client.post(
        "/api/v1/lessons/testville/l1/complete", headers={"X-CSRFToken": token_for(ada_client)}
    )
    bo_client = signed_in(app, learner(db, "bo"))
    assert bo_client.get("/api/v1/me/progress").get_json()["lessons"] == []
    assert bo_client.get("/api/v1/me/courses").get_json()["in_progress"] == []


def test_progress_report_validates_its_input(app, db, tmp_path) -> None:  # type: ignore[no-untyped-def]
    course_pack(app, db, tmp_path, lessons=1)
    client = signed_in(app, learner(db))
    headers = {"X-CSRFToken": token_for(client)}
    url = "/api/v1/lessons/testville/l1/progress"
    assert client.post(url, data="not json", headers=headers).status_code == 400
    assert client.post(url, json={"seconds": "ten"}, headers=headers).status_code == 400
    assert client.post(url, json={"seconds": 20, "heading": 5}, headers=headers).status_code == 400
    assert client.post(
        url, json={"seconds": 20, "heading": "part"}, headers=headers
    ).get_json() == {"ok": True}
    row = client.get("/api/v1/me/progress").get_json()["lessons"][0]
    assert (row["time_spent_seconds"], row["last_heading"]) == (20, "part")


def test_quiz_api_grades_for_guests_and_stores_for_learners(app, db, client, tmp_path) -> None:  # type: ignore[no-untyped-def]
    quiz_pack(app, db, tmp_path)
    payload = {"quiz": "check", "answers": {"gas": ["b"], "energy": "3"}}
    guest = client.post(
        "/api/v1/lessons/testville/quiz/quiz",
        json=payload,
        headers={"X-CSRFToken": token_for(client, "/login")},
    ).get_json()
    assert (guest["score"], guest["correct"], guest["total"], guest["stored_attempt"]) == (
        50.0,
        1,
        2,
        None,
    )
    assert guest["passed"] is True
    by_id = {q["id"]: q for q in guest["questions"]}
    assert by_id["gas"]["correct"] is True
    assert by_id["energy"]["correct"] is False
    learner_client = signed_in(app, learner(db))
    stored = learner_client.post(
        "/api/v1/lessons/testville/quiz/quiz",
        json=payload,
        headers={"X-CSRFToken": token_for(learner_client)},
    ).get_json()
    assert isinstance(stored["stored_attempt"], int)
    attempts = learner_client.get("/api/v1/me/progress").get_json()["quiz_attempts"]
    assert [(a["quiz"], a["score"]) for a in attempts] == [("check", 50.0)]
    bad = learner_client.post(
        "/api/v1/lessons/testville/quiz/quiz",
        json={"quiz": "nope", "answers": {}},
        headers={"X-CSRFToken": token_for(learner_client)},
    )
    assert bad.status_code == 404
