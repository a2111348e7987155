"""Grading quiz attempts (pure) and the quiz form macro, before and after submission."""

from __future__ import annotations

import json
import random
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from jinja2 import Environment, FileSystemLoader, StrictUndefined

from eduhub.progress.grading import (
    MAX_ANSWER_CHARS,
    MAX_VALUES,
    QuizResult,
    grade,
    parse_number,
)
from eduhub.rendering.quizzes import Quiz, parse_quiz

TEMPLATES = Path(__file__).resolve().parents[2] / "eduhub" / "templates"

SOURCE = """\
id: solar-check
title: Check your understanding
pass: 70
questions:
  - id: junction
    type: single
    prompt: Which part of a cell *splits* electrons and holes?
    choices:
      - text: The metal grid
        feedback: The grid collects charges.
      - text: The p–n junction
        correct: true
        feedback: Its electric field pushes them apart.
      - text: The glass
    feedback: {correct: Well done., incorrect: See step 2.}
  - id: materials
    type: multiple
    prompt: Which are semiconductors?
    choices:
      - {text: Silicon, correct: true}
      - {text: Copper, feedback: Copper is a metal.}
      - {text: Germanium, correct: true}
  - id: pv
    type: text
    prompt: What does PV stand for?
    answers: [photovoltaic, photo-voltaic]
    feedback: From photo (light) and voltaic.
  - id: energy
    type: numeric
    prompt: Energy from 0.4 kW for 4.5 h?
    answer: 1.8
    tolerance: 0.05
    unit: kWh
"""

ALL_RIGHT = {"junction": ["b"], "materials": ["a", "c"], "pv": ["photovoltaic"], "energy": ["1.8"]}


def _quiz(source: str = SOURCE) -> Quiz:
    quiz, problems = parse_quiz(source, first_line=1, index=1)
    assert problems == []
    assert quiz is not None
    return quiz


def _one(kind_source: str, pass_mark: str = "") -> Quiz:
    return _quiz(f"{pass_mark}questions:\n  - id: q\n{kind_source}")


NUMERIC = "    type: numeric\n    prompt: p\n    answer: {answer}\n{extra}"


def _numeric(answer: str, extra: str = "") -> Quiz:
    return _one(NUMERIC.format(answer=answer, extra=extra))


def _correct(quiz: Quiz, *values: str) -> bool:
    return grade(quiz, {"q": list(values)}).questions[0].correct


# --------------------------------------------------------------------------- scoring


def test_all_right_scores_100_and_passes() -> None:
    result = grade(_quiz(), ALL_RIGHT)
    assert (result.score, result.correct_count, result.total, result.passed) == (
        100.0,
        4,
        4,
        True,
    )
    assert all(q.correct and q.answered for q in result.questions)
    assert [q.question_id for q in result.questions] == ["junction", "materials", "pv", "energy"]


def test_nothing_submitted_is_all_wrong_and_unanswered() -> None:
    result = grade(_quiz(), {})
    assert (result.score, result.correct_count, result.passed) == (0.0, 0, False)
    assert [(q.correct, q.answered, q.given) for q in result.questions] == [(False, False, ())] * 4


def test_score_is_rounded_to_one_decimal_and_compared_with_the_pass_mark() -> None:
    three = "questions:\n" + "  - {type: text, prompt: p, answers: x}\n" * 3
    result = grade(_quiz(three), {"q1": ["x"]})
    assert (result.score, result.passed) == (33.3, None)
    result = grade(_quiz(three), {"q1": ["x"], "q2": ["x"]})
    assert result.score == 66.7
    at_mark = _quiz("pass: 75\n" + "questions:\n" + "  - {type: text, prompt: p, answers: x}\n" * 4)
    assert grade(at_mark, {"q1": "x", "q2": "x", "q3": "x"}).passed is True
    assert grade(at_mark, {"q1": "x", "q2": "x"}).passed is False


def test_a_quiz_from_a_snapshot_grades_the_same() -> None:
    quiz = _quiz()
    again = Quiz.from_snapshot(json.loads(json.dumps(quiz.to_snapshot())))
    for submitted in (ALL_RIGHT, {}, {"junction": ["a"], "energy": ["2"]}):
        assert grade(again, submitted) == grade(quiz, submitted)


# --------------------------------------------------------------------------- choices


def test_single_choice() -> None:
    quiz = _quiz()
    junction = lambda values: grade(quiz, {"junction": values}).questions[0]  # noqa: E731
    assert junction(["b"]).correct
    wrong = junction(["a"])
    assert (wrong.correct, wrong.answered, wrong.given) == (False, True, ("a",))
    assert wrong.feedback_html == ("The grid collects charges.", "See step 2.")
    assert wrong.expected_html == "The p–n junction"
    assert junction(["b"]).feedback_html == ("Its electric field pushes them apart.", "Well done.")
    # Posting every choice at once is wrong, not a way to find the answer.
    assert not junction(["a", "b", "c"]).correct
    # Unknown ids are ignored; an answer made only of them is no answer.
    ignored = junction(["z", "../b", "B"])
    assert (ignored.correct, ignored.answered, ignored.given) == (False, False, ())
    assert junction(["zz", "b"]).correct
    assert junction(["b", "b"]).given == ("b",)


def test_multiple_choice_is_all_or_nothing() -> None:
    quiz = _quiz()

    def materials(values: list[str]) -> Any:
        return grade(quiz, {"materials": values}).questions[1]

    assert materials(["a", "c"]).correct
    assert materials(["c", "a", "a"]).correct
    assert materials(["c", "a"]).given == ("a", "c")
    assert not materials(["a"]).correct
    extra = materials(["a", "b", "c"])
    assert not extra.correct
    assert extra.feedback_html == ("Copper is a metal.",)
    assert extra.expected_html == "<ul><li>Silicon</li><li>Germanium</li></ul>"


# --------------------------------------------------------------------------- text


@pytest.mark.parametrize(
    ("typed", "correct"),
    [
        ("photovoltaic", True),
        ("  PhotoVoltaic  ", True),
        ("Photovoltaïc.", True),
        ("«photo-voltaic»", True),
        ("photo-voltaic!?", True),
        ("PHOTOVOLTAIC\t", True),
        ("photo voltaic", False),
        ("photo-voltaics", False),
        ("photovoltaic cells", False),
        ("", False),
        ("!!!", False),
    ],
)
def test_text_answers_are_normalised(typed: str, correct: bool) -> None:
    result = grade(_quiz(), {"pv": [typed]}).questions[2]
    assert result.correct is correct
    assert result.answered is bool(typed.strip())


def test_text_whitespace_is_collapsed_and_accents_folded_on_both_sides() -> None:
    quiz = _one("    type: text\n    prompt: p\n    answers: ['Energía  Solar']\n")
    assert _correct(quiz, "energia solar")
    assert _correct(quiz, " ENERGÍA \n SOLAR ")
    assert not _correct(quiz, "energiasolar")


def test_text_expected_answer_lists_every_accepted_answer_escaped() -> None:
    quiz = _one("    type: text\n    prompt: p\n    answers: ['<b>a</b>', b & c]\n")
    result = grade(quiz, {"q": ["nope"]}).questions[0]
    assert result.expected_html == "&lt;b&gt;a&lt;/b&gt; (also accepted: b &amp; c)"
    assert grade(_quiz(), {"pv": ["x"]}).questions[2].feedback_html == (
        "From photo (light) and voltaic.",
    )


# --------------------------------------------------------------------------- numeric


@pytest.mark.parametrize(
    ("typed", "correct"),
    [
        ("1.8", True),
        ("1,8", True),
        (" 1.80 ", True),
        ("1.8 kWh", True),
        ("1.8kwh", True),
        ("1.85", True),  # exactly at the tolerance, despite binary floating point
        ("1.75", True),
        ("1.86", False),
        ("1.74", False),
        ("18", False),
        ("-1.8", False),
        ("1.8 Wh", False),
    ],
)
def test_numeric_answers_with_an_absolute_tolerance(typed: str, correct: bool) -> None:
    assert grade(_quiz(), {"energy": [typed]}).questions[3].correct is correct


def test_numeric_relative_tolerance() -> None:
    quiz = _numeric("200", "    tolerance: 2%\n")
    assert _correct(quiz, "204")
    assert _correct(quiz, "196")
    assert not _correct(quiz, "204.5")
    negative = _numeric("-50", "    tolerance: '10%'\n")
    assert _correct(negative, "-55")
    assert not _correct(negative, "-56")


def test_numeric_default_tolerance_is_exact() -> None:
    quiz = _numeric("0.1")
    assert _correct(quiz, "0.1")
    assert _correct(quiz, ".1")
    assert _correct(quiz, "0,10")
    assert not _correct(quiz, "0.1001")


def test_not_a_number_is_wrong_and_the_feedback_says_so() -> None:
    result = grade(_quiz(), {"energy": ["abc <i>"]}).questions[3]
    assert (result.correct, result.answered, result.given) == (False, True, ("abc <i>",))
    assert result.feedback_html == ("“abc &lt;i&gt;” is not a number.",)
    assert result.expected_html == "1.8 kWh (± 0.05)"
    long = grade(_quiz(), {"energy": ["x" * 300]}).questions[3]
    assert long.feedback_html == ("“" + "x" * 39 + "…” is not a number.",)


def test_numeric_expected_answer_formats() -> None:
    assert grade(_numeric("200", "    tolerance: 2%\n    unit: W\n"), {}).questions[
        0
    ].expected_html == ("200 W (± 2%)")
    assert grade(_numeric("2.5e-3"), {}).questions[0].expected_html == "0.0025"


@pytest.mark.parametrize(
    ("text", "unit", "values"),
    [
        ("1.8", "", (1.8,)),
        ("1,8", "", (1.8,)),
        ("1.8 kWh", "kWh", (1.8,)),
        ("$70", "", (70.0,)),
        ("70 €", "", (70.0,)),
        ("75 %", "%", (75.0,)),
        ("−2", "", (-2.0,)),
        ("+2", "", (2.0,)),
        ("2e3", "", (2000.0,)),
        ("1 000", "", (1000.0,)),
        ("1,000", "", (1000.0, 1.0)),
        ("1,234.5", "", (1234.5,)),
        ("1.234,5", "", (1234.5,)),
        ("1.000.000", "", (1_000_000.0,)),
        ("abc", "", ()),
        ("1.8.3", "", ()),
        ("1,23,4", "", ()),
        ("nan", "", ()),
        ("inf", "", ()),
        ("1e999", "", ()),
        ("0x10", "", ()),
        ("١٢", "", ()),
        ("", "", ()),
        ("-", "", ()),
        ("1.8 kWh", "", ()),
    ],
)
def test_parse_number(text: str, unit: str, values: tuple[float, ...]) -> None:
    assert parse_number(text, unit) == values


# --------------------------------------------------------------------------- hostile input


def test_long_and_many_values_are_cut_not_refused() -> None:
    quiz = _quiz()
    result = grade(quiz, {"pv": ["photovoltaic" + " " * 10_000 + "x"]}).questions[2]
    assert len(result.given[0]) <= MAX_ANSWER_CHARS
    assert result.correct  # the tail beyond the cap is dropped
    many = ["z"] * (MAX_VALUES * 50) + ["a", "c"]
    assert not grade(quiz, {"materials": many}).questions[1].answered


@pytest.mark.parametrize(
    "submitted",
    [
        None,
        [],
        "junction=b",
        {"junction": None},
        {"junction": 5},
        {"junction": [None, 3, b"b", ["b"]]},
        {"energy": ["\x00\ud800"]},
        {"pv": "photovoltaic"},
        {1: ["b"], ("x",): ["y"]},
        {"energy": ["9" * 5000]},
        {"energy": ["1" + "0" * 400 + ".5"]},
        {"energy": ["1e-99999"]},
        {"pv": ["\u0301" * 600]},
    ],
)
def test_hostile_submissions_never_raise(submitted: Any) -> None:
    result = grade(_quiz(), submitted)
    assert isinstance(result, QuizResult)
    assert result.total == 4
    json.dumps([q.given for q in result.questions])
    for question in result.questions:
        for given in question.given:
            given.encode("utf-8")  # no lone surrogates left for the page


def test_a_bare_string_counts_as_one_value() -> None:
    assert grade(_quiz(), {"pv": "photovoltaic"}).questions[2].correct


def test_random_submissions_never_raise() -> None:
    rng = random.Random(7)  # noqa: S311 - reproducible fuzzing, not secrets
    quiz = _quiz()
    alphabet = "abc019.,-+eE %$€ \t\n\u00a0\u2212kWh'\"<>&\ud800"
    for _ in range(500):
        submitted = {
            key: [
                "".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 30)))
                for _ in range(rng.randrange(0, 4))
            ]
            for key in ("junction", "materials", "pv", "energy", "other")
        }
        result = grade(quiz, submitted)
        assert 0 <= result.score <= 100


# --------------------------------------------------------------------------- the form macro


@pytest.fixture(scope="module")
def macro() -> Any:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES), autoescape=True, undefined=StrictUndefined
    )
    return env.get_template("progress/_quiz.html").module.quiz_form  # type: ignore[attr-defined]


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def all(self, tag: str, **wanted: str) -> list[dict[str, str | None]]:
        return [
            attrs
            for name, attrs in self.tags
            if name == tag and all(attrs.get(k) == v for k, v in wanted.items())
        ]


def _parse(html: str) -> _Page:
    page = _Page()
    page.feed(html)
    page.close()
    return page


def test_the_form_before_submission_is_accessible_and_holds_no_answers(macro: Any) -> None:
    html = str(macro(_quiz(), "/lessons/riverbend/x/quiz", "TOKEN"))
    page = _parse(html)
    (form,) = page.all("form")
    assert (form["method"], form["action"]) == ("post", "/lessons/riverbend/x/quiz")
    assert page.all("input", type="hidden", name="csrf_token", value="TOKEN")
    assert page.all("input", type="hidden", name="quiz_id", value="solar-check")
    assert len(page.all("fieldset")) == len(page.all("legend")) == 4
    assert len(page.all("input", type="radio", name="junction")) == 3
    assert len(page.all("input", type="checkbox", name="materials")) == 3
    assert page.all("input", type="text", name="pv")
    (energy,) = page.all("input", type="text", name="energy", inputmode="decimal")
    assert energy["aria-describedby"] == "quiz-solar-check_energy_unit"
    assert '<span class="quiz-unit" id="quiz-solar-check_energy_unit">kWh</span>' in html
    assert '<button type="submit">Check my answers</button>' in html
    assert "<em>splits</em>" in html  # prompts are the sanitized HTML, not escaped again

    ids = [attrs["id"] for _, attrs in page.tags if attrs.get("id")]
    assert len(ids) == len(set(ids))
    labelled = {attrs["for"] for attrs in page.all("label")}
    visible_inputs = [a for a in page.all("input") if a.get("type") != "hidden"]
    assert all(attrs["id"] in labelled for attrs in visible_inputs)
    assert not any("checked" in attrs for attrs in visible_inputs)

    lowered = html.lower()
    assert "correct" not in lowered
    for secret in (
        "The grid collects charges",
        "Its electric field",
        "Well done",
        "See step 2",
        "Copper is a metal",
        "photovoltaic",
        "photo-voltaic",
        "From photo",
        "1.8",
        "0.05",
        "You got",
        "Sign in",
    ):
        assert secret not in html, secret
    assert "Pass mark: 70%." in html


def test_the_form_after_submission_shows_score_marks_feedback_and_answers(macro: Any) -> None:
    quiz = _quiz()
    submitted = {"junction": ["a"], "materials": ["a", "c"], "pv": ["Photo-Voltaic"]}
    result = grade(quiz, submitted)
    html = str(macro(quiz, "/q", "T", result=result, reveal=True, retry_url="/l#quiz-solar-check"))
    page = _parse(html)
    assert "You got 2 of 4 — 50%" in html
    assert "not passed yet (the pass mark is 70%)" in html
    assert html.count("✓ Correct") == 2
    assert html.count("✗ Incorrect") == 1
    assert html.count("✗ Not answered") == 1
    assert '<p class="quiz-feedback">The grid collects charges.</p>' in html
    assert '<p class="quiz-feedback">See step 2.</p>' in html
    assert "The p–n junction</div>" in html  # the expected answer
    assert "1.8 kWh (± 0.05)" in html
    assert [a["value"] for a in page.all("input", type="radio") if "checked" in a] == ["a"]
    assert [a["value"] for a in page.all("input", type="checkbox") if "checked" in a] == [
        "a",
        "c",
    ]
    assert page.all("input", name="pv", value="Photo-Voltaic")
    assert page.all("input", name="energy", value="")
    (junction,) = page.all("fieldset", id="quiz-solar-check_junction")
    assert junction["aria-describedby"] == "quiz-solar-check_junction_result"
    assert "Sign in" not in html
    # Read-only: "Try again" is a clean form elsewhere, not this one resubmitted.
    assert page.all("form") == []
    assert all("disabled" in a for a in page.all("input"))
    assert page.all("a", href="/l#quiz-solar-check")
    assert "Check my answers" not in html


def test_before_the_reveal_the_form_marks_right_and_wrong_but_hides_the_answers(
    macro: Any,
) -> None:
    quiz = _quiz()
    submitted = {"junction": ["a"], "materials": ["a", "c"], "pv": ["x"], "energy": ["2"]}
    html = str(macro(quiz, "/q", "T", result=grade(quiz, submitted)))
    assert html.count("✓ Correct") == 1
    assert html.count("✗ Incorrect") == 3
    assert "Answer:" not in html
    assert "The p–n junction</div>" not in html
    assert "1.8 kWh" not in html
    assert "photovoltaic" not in html.lower()
    assert "shown once you pass, or after 3 attempts" in html


def test_the_reveal_rule_is_explained_in_the_authors_words(macro: Any) -> None:
    wrong = {"junction": ["b"], "materials": ["a"], "pv": ["x"], "energy": ["2"]}
    for rule, wording in (
        ("reveal: after-pass\n", "shown once you pass."),
        ("reveal: after-attempts\nreveal_after: 5\n", "shown after 5 attempts."),
        ("reveal: never\n", "does not show its answers"),
    ):
        quiz = _quiz(SOURCE.replace("pass: 70\n", "pass: 70\n" + rule))
        html = str(macro(quiz, "/q", "T", result=grade(quiz, wrong)))
        assert wording in html, rule


def test_a_refused_submission_keeps_the_answers_and_marks_the_blank_questions(
    macro: Any,
) -> None:
    quiz = _quiz()
    result = grade(quiz, {"junction": ["a"], "pv": ["Photo"]})
    message = "Answer every question before checking: questions 2 and 4 are unanswered."
    html = str(macro(quiz, "/q", "T", result=result, refused=message))
    page = _parse(html)
    assert message in html
    assert page.all("form", method="post", action="/q")
    assert "Check my answers" in html
    assert [a["value"] for a in page.all("input", type="radio") if "checked" in a] == ["a"]
    assert page.all("input", name="pv", value="Photo")
    assert not any("disabled" in a for a in page.all("input"))
    missing = [f["id"] for f in page.all("fieldset") if "quiz-missing" in (f["class"] or "")]
    assert missing == ["quiz-solar-check_materials", "quiz-solar-check_energy"]
    for secret in ("You got", "✓", "✗", "Answer:", "The grid collects charges"):
        assert secret not in html, secret


def test_passing_and_no_pass_mark_wording(macro: Any) -> None:
    passed = str(macro(_quiz(), "/q", "T", result=grade(_quiz(), ALL_RIGHT)))
    assert "You got 4 of 4 — 100%</strong>: passed (the pass mark is 70%)." in passed
    plain = _quiz(SOURCE.replace("pass: 70\n", ""))
    html = str(macro(plain, "/q", "T", result=grade(plain, {"pv": ["photovoltaic"]}), reveal=True))
    assert "You got 1 of 4 — 25%</strong>." in html
    assert "pass" not in html


def test_anonymous_readers_are_invited_to_sign_in(macro: Any) -> None:
    assert "Sign in to keep your results" in str(macro(_quiz(), "/q", "T", anonymous=True))


def test_given_answers_are_escaped_when_shown_again(macro: Any) -> None:
    quiz = _quiz()
    hostile = '"><script>alert(1)</script>'
    html = str(macro(quiz, "/q", "T", result=grade(quiz, {"pv": [hostile], "energy": [hostile]})))
    assert "<script>" not in html
    escaped = "&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"
    assert html.count(f'value="{escaped}"') == 2
    assert "“&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;” is not a number." in html
