"""The API's contract: /api/v1/openapi.json covers every route, bodies are validated by it, and
schemathesis finds no 5xx and no response that breaks it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode

from eduhub.extensions import db
from eduhub.packs import importer
from eduhub.packs.reader import load_tree
from tests.api.test_api import write_catalog
from tests.conftest import make_app
from tests.factories import make_user, write_course, write_lesson, write_org
from tests.test_fuzz import QUIZ_LESSON, client_for

EXAMPLES = 25


def api_operations(app: Flask) -> set[tuple[str, str]]:
    """(method, rule) for every route under /api/v1 in the app's route table."""
    return {
        (method, rule.rule)
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/v1/")
        for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}
    }


def documented(document: dict[str, Any]) -> set[tuple[str, str]]:
    import re

    return {
        (method.upper(), path)
        for path, methods in document["paths"].items()
        for method in methods
        # Rules write <path:uid>, OpenAPI writes {uid}: compare in OpenAPI's spelling.
        if re.fullmatch(r"/api/v1/[^<>]*", path)
    }


def openapi_spelling(rule: str) -> str:
    import re

    return re.sub(r"<(?:[a-z_]+:)?([a-z_]+)>", r"{\1}", rule)


def undocumented(app: Flask, document: dict[str, Any]) -> set[tuple[str, str]]:
    spelled = {(method, openapi_spelling(rule)) for method, rule in api_operations(app)}
    return spelled - documented(document)


# --------------------------------------------------------------------------- the document


def test_openapi_document_is_3_1_and_covers_every_api_route(
    app: Flask, client: FlaskClient
) -> None:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    document = response.get_json()
    assert document["openapi"] == "3.1.0"
    assert undocumented(app, document) == set()
    assert len(document["paths"]) >= 9
    quiz = document["paths"]["/api/v1/lessons/{uid}/quiz"]["post"]
    body = quiz["requestBody"]["content"]["application/json"]["schema"]
    assert body == {"$ref": "#/components/schemas/QuizSubmission"}
    courses = document["paths"]["/api/v1/courses"]["get"]
    assert {p["name"] for p in courses["parameters"]} >= {"subject", "level", "page"}
    assert "CourseSummaryOut" in document["components"]["schemas"]


def test_a_route_without_a_declared_operation_is_reported(tmp_path: Path) -> None:
    """What the test above catches: a new /api/v1 route that nobody described."""
    app = make_app(tmp_path, None)
    app.add_url_rule("/api/v1/teachers/<int:teacher_id>", "api.teachers", lambda teacher_id: "")
    document = app.test_client().get("/api/v1/openapi.json").get_json()
    assert undocumented(app, document) == {("GET", "/api/v1/teachers/{teacher_id}")}


def test_the_document_loads_as_a_valid_openapi_schema(app: Flask) -> None:
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    labels = {operation.ok().label for operation in schema.get_all_operations()}
    document = app.test_client().get("/api/v1/openapi.json").get_json()
    # Schemathesis leaves out the document's own address.
    expected = {f"{m} {p}" for m, p in documented(document)} - {"GET /api/v1/openapi.json"}
    assert labels == expected


# --------------------------------------------------------------------------- validation


@pytest.fixture
def quiz_lesson(app: Flask, tmp_path: Path) -> Flask:
    app.config["WTF_CSRF_ENABLED"] = False
    course = write_course(write_org(tmp_path / "packs"), "course", lessons=["quiz.md"])
    write_lesson(course, "quiz.md", body=QUIZ_LESSON, id="quiz", title="Quiz lesson")
    tree = load_tree(tmp_path / "packs")
    importer.import_tree(db.session, tree, media_dir=Path(app.config["MEDIA_DIR"]))
    db.session.commit()
    return app


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"quiz": "check", "answers": {"q1": 5}}, {"answers.q1"}),
        ({"quiz": "check", "answers": {"gas": [1, "b"]}}, {"answers.gas.0"}),
        ({"answers": {}}, {"quiz"}),
        ({"quiz": 7}, {"quiz"}),
        ({"quiz": "check", "answers": ["a"]}, {"answers"}),
        ({"quiz": "check", "extra": 1}, {"extra"}),
    ],
)
def test_a_bad_quiz_body_is_a_400_naming_the_field(
    client: FlaskClient, quiz_lesson: Flask, body: dict[str, Any], fields: set[str]
) -> None:
    response = client.post("/api/v1/lessons/testville/quiz/quiz", json=body)
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == 400
    assert set(error["fields"]) == fields
    for name in fields:
        assert name in error["message"]


def test_a_bad_progress_report_is_a_400_naming_the_field(quiz_lesson: Flask) -> None:
    user = make_user(db)
    client = client_for(quiz_lesson, signed_in=False)
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
    url = "/api/v1/lessons/testville/quiz/progress"
    for body, field in [
        ({"seconds": "ten"}, "seconds"),
        ({"seconds": True}, "seconds"),
        ({"seconds": -1}, "seconds"),
        ({"seconds": 3, "heading": 5}, "heading"),
        ({"heading": "x" * 201}, "heading"),
    ]:
        response = client.post(url, json=body)
        assert response.status_code == 400, body
        assert set(response.get_json()["error"]["fields"]) == {field}
    assert client.post(url, json={"seconds": 5, "heading": "part"}).get_json() == {"ok": True}


def test_a_valid_quiz_body_is_graded(client: FlaskClient, quiz_lesson: Flask) -> None:
    response = client.post(
        "/api/v1/lessons/testville/quiz/quiz",
        json={"quiz": "check", "answers": {"sides": "4", "gas": "a"}},
    )
    assert response.status_code == 200
    data = response.get_json()
    assert (data["quiz"], data["correct"], data["total"], data["stored_attempt"]) == (
        "check",
        1,
        2,
        None,
    )


# --------------------------------------------------------------------------- schemathesis


@pytest.fixture(scope="module")
def contract_app(
    tmp_path_factory: pytest.TempPathFactory, postgres_url: str | None
) -> Iterator[Flask]:
    """A catalog with a quiz lesson, CSRF off so generated bodies reach validation."""
    root = tmp_path_factory.mktemp("contract")
    app = make_app(root, postgres_url, WTF_CSRF_ENABLED=False)
    with app.app_context():
        db.drop_all()
        db.create_all()
        packs = write_catalog(root / "packs")
        course = write_course(packs / "riverbend", "quizzes", lessons=["quiz.md"])
        write_lesson(course, "quiz.md", body=QUIZ_LESSON, id="quiz", title="Quiz lesson")
        importer.import_tree(db.session, load_tree(packs), media_dir=Path(app.config["MEDIA_DIR"]))
        db.session.commit()
        app.config["CONTRACT_USER_TOKEN"] = make_user(db).get_id()
        db.session.remove()
    yield app
    with app.app_context():
        db.session.remove()
        db.drop_all()
        db.engine.dispose()


@pytest.fixture(scope="module")
def api_schema(contract_app: Flask) -> Any:
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", contract_app)
    return schema


@pytest.fixture(scope="module")
def session_cookie(contract_app: Flask) -> str:
    client = client_for(contract_app, signed_in=False)
    with client.session_transaction() as session:
        session["_user_id"] = contract_app.config["CONTRACT_USER_TOKEN"]
        session["_fresh"] = True
    cookie = client.get_cookie("session")
    assert cookie is not None
    return cookie.value


def run_operation(operation: Any, mode: GenerationMode, cookie: str) -> None:
    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def one(case: Any) -> None:
        # Valid requests come signed in; invalid ones bring no session of their own, so that
        # schemathesis sees the 401 a request without (or with broken) credentials gets.
        # The contract is about shapes: ask for bodies as they are (the WSGI transport does not
        # decompress the gzip or brotli a browser would get).
        plain = {"Accept-Encoding": "identity"}
        if mode is GenerationMode.POSITIVE:
            case.call_and_validate(cookies={"session": cookie}, headers=plain)
        else:
            case.call_and_validate(headers=plain)

    one()


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_schemathesis_finds_no_5xx_and_no_response_off_the_schema(
    api_schema: Any, session_cookie: str, mode: GenerationMode
) -> None:
    """Schemathesis' Python API over the WSGI app, every operation, a bounded number of
    examples each, with its default checks (no 5xx, status codes, content types and bodies
    as documented)."""
    failures = {}
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 9
    for operation in operations:
        try:
            run_operation(operation, mode, session_cookie)
        except (Exception, BaseExceptionGroup) as exc:  # schemathesis' FailureGroup
            failures[operation.label] = str(exc)[:1500]
    assert not failures, "\n\n".join(f"{label}:\n{text}" for label, text in failures.items())
