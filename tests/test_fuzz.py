"""Bad input gets a 4xx with a clear message, never a 500: regressions, then a fuzz of every route.

The fuzz draws path segments, query strings and form or JSON bodies (NUL bytes, integers past
64 bits, unicode, ``%00``, deep nesting) for every rule in ``app.url_map``, signed in and
anonymous, and asserts no response is a 5xx. It is derandomized, so CI runs the same examples
every time, and bounded to a few dozen examples per route.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.routing import IntegerConverter, Rule

from eduhub.extensions import db
from eduhub.guards import MAX_JSON_DEPTH
from eduhub.packs import importer
from eduhub.packs.reader import load_tree
from tests.conftest import make_app
from tests.factories import make_user, write_course, write_lesson, write_org

EXAMPLES_PER_ROUTE = 30

QUIZ_LESSON = """# Plants

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
      - text: Carbon dioxide
        correct: true
  - id: sides
    type: numeric
    prompt: How many sides has a square?
    answer: 4
```
"""

#: Values real pages use, so a share of the examples gets past "not found" into the views.
REAL_VALUES = [
    "testville/quiz",
    "testville/other",
    "testville",
    "course",
    "check",
    "gas",
    "sides",
    "1",
    "2",
]
NASTY_VALUES = [
    "\x00",
    "a\x00b",
    "%00",
    "\x1b[31m",
    "\u202e",
    "\ud7ff\ufffd",
    "9223372036854775807",
    "9223372036854775808",
    "-9223372036854775809",
    str(10**40),
    "1e308",
    "NaN",
    "../../etc/passwd",
    "",
    " ",
    "ü" * 300,
]
QUERY_NAMES = [
    "page",
    "attempt",
    "revision",
    "q",
    "subject",
    "level",
    "language",
    "lang",
    "city",
    "org",
    "course",
    "sort",
    "next",
]
FORM_NAMES = [
    "quiz_id",
    "gas",
    "sides",
    "username",
    "email",
    "password",
    "new_password",
    "confirm",
    "display_name",
    "remember",
    "csrf_token",
]

texts = st.one_of(
    st.sampled_from(REAL_VALUES + NASTY_VALUES),
    st.text(max_size=30),
    st.integers().map(str),
    st.integers(min_value=2**63 - 2, max_value=2**80).map(str),
    st.integers(min_value=-(2**80), max_value=-(2**63) + 1).map(str),
)
queries = st.dictionaries(st.one_of(st.sampled_from(QUERY_NAMES), st.text(max_size=8)), texts)
forms = st.dictionaries(st.one_of(st.sampled_from(FORM_NAMES), st.text(max_size=8)), texts)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | texts,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(texts, children, max_size=4),
    max_leaves=12,
)
json_bodies = st.one_of(
    json_values.map(json.dumps),
    st.fixed_dictionaries(
        {"quiz": texts, "answers": st.dictionaries(texts, st.lists(texts, max_size=3) | texts)}
    ).map(json.dumps),
    st.fixed_dictionaries({"seconds": st.integers() | texts, "heading": texts}).map(json.dumps),
    st.integers(min_value=MAX_JSON_DEPTH - 2, max_value=100_000).map(
        lambda depth: "[" * depth + "]" * depth
    ),
    st.integers(min_value=1, max_value=100_000).map(lambda n: '{"answers":' * n + "1" + "}" * n),
    st.text(max_size=40),  # not JSON at all
)


#: Values for ``<int:…>`` segments: real small ids and ids too large for any database column.
ids = st.one_of(st.integers(min_value=0, max_value=3), st.integers(min_value=0, max_value=2**80))


def build_path(rule: Rule, values: dict[str, Any]) -> str:
    """``rule`` with each of its arguments replaced by a (percent-encoded) drawn value."""
    built = rule.build(values, append_unknown=False)
    assert built is not None
    return built[1]


@pytest.fixture(scope="module")
def fuzz_app(tmp_path_factory: pytest.TempPathFactory, postgres_url: str | None) -> Iterator[Flask]:
    """One app for the whole fuzz: a quiz lesson and a learner; CSRF off so random bodies
    reach the views (each example comes from its own address, so rate limits rarely stop it)."""
    root = tmp_path_factory.mktemp("fuzz")
    app = make_app(root, postgres_url, WTF_CSRF_ENABLED=False)
    with app.app_context():
        db.drop_all()
        db.create_all()
        course = write_course(write_org(root / "packs"), "course", lessons=["quiz.md", "other.md"])
        write_lesson(course, "quiz.md", body=QUIZ_LESSON, id="quiz", title="Quiz lesson")
        write_lesson(course, "other.md", id="other", title="Other")
        tree = load_tree(root / "packs")
        importer.import_tree(db.session, tree, media_dir=Path(app.config["MEDIA_DIR"]))
        db.session.commit()
        app.config["FUZZ_USER_TOKEN"] = make_user(db).get_id()
        db.session.remove()
    yield app
    with app.app_context():
        db.session.remove()
        db.drop_all()
        db.engine.dispose()


def client_for(app: Flask, signed_in: bool) -> FlaskClient:
    client = app.test_client()
    if signed_in:
        with client.session_transaction() as session:
            session["_user_id"] = app.config["FUZZ_USER_TOKEN"]
            session["_fresh"] = True
    return client


def routes(app: Flask) -> list[tuple[Rule, str]]:
    found = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        for method in sorted((rule.methods or set()) & {"GET", "POST"}):
            found.append((rule, method))
    return found


FUZZ_SETTINGS = settings(
    max_examples=EXAMPLES_PER_ROUTE,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def fuzz_route(app: Flask, rule: Rule, method: str) -> None:
    @FUZZ_SETTINGS
    @given(data=st.data())
    def one(data: st.DataObject) -> None:
        values = {
            name: data.draw(
                ids if isinstance(rule._converters[name], IntegerConverter) else texts, label=name
            )
            for name in rule.arguments
        }
        path = build_path(rule, values)
        query = urlencode(data.draw(queries, label="query"))
        url = f"{path}?{query}" if query else path
        client = client_for(app, data.draw(st.booleans(), label="signed in"))
        client.environ_base["REMOTE_ADDR"] = data.draw(st.ip_addresses(v=4).map(str))
        kwargs: dict[str, Any] = {}
        if method == "POST":
            if data.draw(st.booleans(), label="json"):
                kwargs = {
                    "data": data.draw(json_bodies, label="json body"),
                    "content_type": "application/json",
                }
            else:
                kwargs = {"data": data.draw(forms, label="form")}
        response = client.open(url, method=method, **kwargs)
        status, body = response.status_code, response.get_data(as_text=True)[:300]
        # A readiness check answers 503 by design when the instance is not ready (this one has
        # no migrations applied); anything else above 499 is a bug.
        expected_503 = rule.rule in ("/readyz", "/healthz") and status == 503
        assert status < 500 or expected_503, f"{method} {url} {kwargs} -> {status}: {body}"

    one()


def test_no_route_answers_bad_input_with_a_5xx(
    fuzz_app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.CRITICAL, logger="eduhub")
    failures = {}
    checked = routes(fuzz_app)
    assert len(checked) >= 30  # every page and endpoint, not a handful
    for rule, method in checked:
        try:
            fuzz_route(fuzz_app, rule, method)
        except Exception as exc:  # hypothesis raises an ExceptionGroup for several failures
            found = exc.exceptions if isinstance(exc, BaseExceptionGroup) else [exc]
            failures[f"{method} {rule.rule}"] = [str(e).splitlines()[0][:300] for e in found]
    assert failures == {}


# --------------------------------------------------------------------------- regressions


@pytest.fixture
def quiz_catalog(app: Flask, tmp_path: Path) -> Flask:
    course = write_course(write_org(tmp_path / "packs"), "course", lessons=["quiz.md"])
    write_lesson(course, "quiz.md", body=QUIZ_LESSON, id="quiz", title="Quiz lesson")
    tree = load_tree(tmp_path / "packs")
    importer.import_tree(db.session, tree, media_dir=Path(app.config["MEDIA_DIR"]))
    db.session.commit()
    return app


def error_of(response: Any) -> str:
    if response.mimetype == "application/json":
        return str(response.get_json()["error"]["message"])
    return str(response.get_data(as_text=True))


@pytest.mark.parametrize(
    "url",
    [
        "/lessons/testville/qu%00iz",
        "/api/v1/lessons/testville/qu%00iz",
        "/history/%00",
        "/cities/%00",
        "/courses/testville/%00",
        "/api/v1/courses/testville/%00",
        "/courses?subject=%00",
        "/api/v1/courses?city=a%00b",
        "/search?q=solar%00",
        "/api/v1/search?q=%00",
        "/completions/%00",
        "/reset-password/%00",
        "/login?next=/%00",
    ],
)
def test_nul_bytes_in_the_path_or_query_are_a_400(
    client: FlaskClient, quiz_catalog: Flask, url: str
) -> None:
    response = client.get(url)
    assert response.status_code == 400
    assert "control character (U+0000)" in error_of(response)


def test_nul_bytes_in_a_form_are_a_400(client: FlaskClient, quiz_catalog: Flask) -> None:
    response = client.post("/login", data={"username": "ada\x00", "password": "x"})
    assert response.status_code == 400
    assert "control character (U+0000)" in error_of(response)


def test_nul_bytes_in_json_are_a_400(app: Flask, quiz_catalog: Flask) -> None:
    user = make_user(db)
    client = client_for(app, signed_in=False)
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
    app.config["WTF_CSRF_ENABLED"] = False
    response = client.post(
        "/api/v1/lessons/testville/quiz/progress", json={"seconds": 3, "heading": "a\x00"}
    )
    assert response.status_code == 400
    assert "control character (U+0000)" in error_of(response)


@pytest.mark.parametrize(
    "url",
    [
        "/lessons/testville/quiz?attempt=-9223372036854775809",
        "/lessons/testville/quiz?attempt=9223372036854775808",
        "/history/testville/quiz?revision=99999999999999999999",
    ],
)
def test_integers_out_of_range_are_a_400(app: Flask, quiz_catalog: Flask, url: str) -> None:
    client = client_for(app, signed_in=False)
    with client.session_transaction() as session:
        session["_user_id"] = make_user(db).get_id()
    response = client.get(url)
    assert response.status_code == 400
    assert "is out of range (at most 9223372036854775807)" in error_of(response)


def test_integers_in_range_still_work(app: Flask, quiz_catalog: Flask) -> None:
    client = app.test_client()
    assert client.get("/history/testville/quiz?revision=1").status_code == 200
    assert client.get("/history/testville/quiz?revision=2").status_code == 404
    assert client.get("/lessons/testville/quiz?attempt=abc").status_code == 200


@pytest.mark.parametrize("depth", [MAX_JSON_DEPTH + 1, 5_000, 200_000])
def test_deeply_nested_json_is_a_400(client: FlaskClient, quiz_catalog: Flask, depth: int) -> None:
    body = '{"answers":' * depth + "1" + "}" * depth
    response = client.post(
        "/api/v1/lessons/testville/quiz/quiz", data=body, content_type="application/json"
    )
    assert response.status_code in (400, 413)
    assert "nested deeper than" in error_of(response) or "at most" in error_of(response)


def test_json_within_the_limits_reaches_the_view(
    app: Flask, client: FlaskClient, quiz_catalog: Flask
) -> None:
    app.config["WTF_CSRF_ENABLED"] = False
    deep: Any = "deep"
    for _ in range(MAX_JSON_DEPTH - 1):  # the body's own object is the last level
        deep = [deep]
    graded = client.post(
        "/api/v1/lessons/testville/quiz/quiz",
        json={"quiz": "check", "answers": {"sides": "4", "gas": "a"}},
    )
    assert graded.status_code == 200, graded.get_data(as_text=True)
    assert (graded.get_json()["correct"], graded.get_json()["total"]) == (1, 2)
    # As deep as the guard allows: the view's own validation answers, naming the field.
    body = {"quiz": "check", "answers": {"sides": "4"}, "extra": deep}
    refused = client.post("/api/v1/lessons/testville/quiz/quiz", json=body)
    assert refused.status_code == 400
    assert set(refused.get_json()["error"]["fields"]) == {"extra"}


@pytest.mark.parametrize("body", ["[1]", '"x"', "[" * 30 + "]" * 30])
def test_json_sent_to_a_form_page_is_a_415(app: Flask, body: str) -> None:
    client = client_for(app, signed_in=False)
    with client.session_transaction() as session:
        session["_user_id"] = make_user(db).get_id()
    app.config["WTF_CSRF_ENABLED"] = False
    response = client.post("/account/password", data=body, content_type="application/json")
    assert response.status_code == 415
    assert "takes a form, not JSON" in error_of(response)
