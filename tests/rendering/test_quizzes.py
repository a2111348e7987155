"""Quiz blocks: parsing, validation at file lines, hostile YAML, snapshots, the rendered slot."""

from __future__ import annotations

import json
import random
import re
import time
from pathlib import Path

import pytest

from eduhub.rendering import Problem, render_markdown
from eduhub.rendering.quizzes import (
    MAX_QUESTIONS,
    Choice,
    Question,
    Quiz,
    normalize_answer,
    parse_quiz,
)
from eduhub.rendering.sanitizer import sanitize

DOCS = Path(__file__).resolve().parents[2] / "docs" / "content-format.md"

FULL = """\
id: solar-check
title: Check your   understanding
pass: 70
questions:
  - id: junction
    type: single
    prompt: Which part *separates* electrons and `holes`, $e^-$?
    choices:
      - text: The metal grid
        feedback: It collects charges.
      - text: The p–n junction
        correct: true
        feedback: Yes, its **field** does.
    feedback: {correct: "Well done.", incorrect: "See step 2."}
  - type: multiple
    prompt: Which are semiconductors?
    choices:
      - {text: Silicon, correct: true}
      - {text: Copper}
      - {text: Germanium, correct: true}
    feedback: Both silicon and germanium.
  - type: text
    prompt: What does PV stand for?
    answers: [photovoltaic, photo-voltaic]
  - type: numeric
    prompt: Energy from 0.4 kW for 4.5 h?
    answer: 1.8
    tolerance: 2%
    unit: kWh
"""


def _quiz(source: str = FULL, first_line: int = 1, index: int = 1) -> Quiz:
    quiz, problems = parse_quiz(source, first_line=first_line, index=index)
    assert problems == []
    assert quiz is not None
    return quiz


def _problems(source: str, first_line: int = 10) -> list[tuple[int, str, str]]:
    quiz, problems = parse_quiz(source, first_line=first_line, index=1)
    if any(problem.severity == "error" for problem in problems):
        assert quiz is None
    return [(p.line, p.severity, p.message) for p in problems]


# --------------------------------------------------------------------------- parsing


def test_a_complete_quiz_parses_into_the_model() -> None:
    quiz = _quiz()
    assert quiz.id == "solar-check"
    assert quiz.title == "Check your understanding"
    assert quiz.pass_mark == 70
    assert [q.id for q in quiz.questions] == ["junction", "q2", "q3", "q4"]
    assert [q.kind for q in quiz.questions] == ["single", "multiple", "text", "numeric"]

    single, multiple, text, numeric = quiz.questions
    assert single.prompt_html.startswith(
        "Which part <em>separates</em> electrons and <code>holes</code>, <math"
    )
    assert single.prompt_text == "Which part separates electrons and holes, e^-?"
    assert single.choices == (
        Choice("a", "The metal grid", False, "It collects charges."),
        Choice("b", "The p–n junction", True, "Yes, its <strong>field</strong> does."),
    )
    assert single.feedback_correct_html == "Well done."
    assert single.feedback_incorrect_html == "See step 2."
    assert [c.id for c in multiple.choices] == ["a", "b", "c"]
    assert [c.correct for c in multiple.choices] == [True, False, True]
    assert multiple.feedback_correct_html == multiple.feedback_incorrect_html
    assert text.answers == ("photovoltaic", "photo-voltaic")
    assert (numeric.answer, numeric.tolerance, numeric.relative, numeric.unit) == (
        1.8,
        2.0,
        True,
        "kWh",
    )


def test_defaults_for_ids_title_pass_mark_and_tolerance() -> None:
    source = (
        "questions:\n"
        "  - type: numeric\n    prompt: Two plus two?\n    answer: 4\n"
        "  - type: text\n    prompt: Say yes\n    answers: yes\n"
    )
    quiz = _quiz(source, index=3)
    assert (quiz.id, quiz.title, quiz.pass_mark) == ("quiz-3", "", None)
    numeric, text = quiz.questions
    assert (numeric.id, numeric.tolerance, numeric.relative, numeric.unit) == ("q1", 0.0, False, "")
    # YAML 1.1 would read a bare yes as true; an answer is what the author wrote.
    assert text.answers == ("yes",)


def test_absolute_tolerance_and_numbers_in_yaml_forms() -> None:
    source = "questions:\n  - type: numeric\n    prompt: p\n    answer: -2.5e3\n    tolerance: 5\n"
    question = _quiz(source).questions[0]
    assert (question.answer, question.tolerance, question.relative) == (-2500.0, 5.0, False)


ERRORS = {
    "invalid yaml": (
        "questions:\n  - type: single\n   prompt: bad indent\n",
        (12, "error", "invalid YAML in quiz"),
    ),
    "root not a mapping": ("- just\n- a list\n", (10, "error", "must be a mapping")),
    "empty": ("", (10, "error", "quiz is empty")),
    "no questions": ("title: T\n", (10, "error", "quiz has no questions")),
    "empty questions": ("title: T\nquestions: []\n", (11, "error", "at least one question")),
    "unknown type": (
        "questions:\n  - type: essay\n    prompt: p\n",
        (11, "error", "unknown question type 'essay'"),
    ),
    "missing type": ("questions:\n  - prompt: p\n", (11, "error", "has no type")),
    "missing prompt": (
        "questions:\n  - type: text\n    answers: [x]\n",
        (11, "error", "question 'q1' has no prompt"),
    ),
    "blank prompt": (
        "questions:\n  - type: text\n    prompt: '  '\n    answers: [x]\n",
        (11, "error", "has no prompt"),
    ),
    "single with no correct choice": (
        "questions:\n  - type: single\n    prompt: p\n    choices:\n"
        "      - text: a\n      - text: b\n",
        (13, "error", "needs exactly one correct choice (found 0)"),
    ),
    "single with two correct choices": (
        "questions:\n  - type: single\n    prompt: p\n    choices:\n"
        "      - {text: a, correct: true}\n      - {text: b, correct: true}\n",
        (13, "error", "needs exactly one correct choice (found 2)"),
    ),
    "multiple with no correct choice": (
        "questions:\n  - type: multiple\n    prompt: p\n    choices:\n"
        "      - text: a\n      - text: b\n",
        (13, "error", "multiple-choice question 'q1' has no correct choice"),
    ),
    "one choice": (
        "questions:\n  - type: single\n    prompt: p\n    choices:\n"
        "      - {text: a, correct: true}\n",
        (13, "error", "needs at least 2 choices"),
    ),
    "no choices": (
        "questions:\n  - type: multiple\n    prompt: p\n",
        (11, "error", "needs at least 2 choices"),
    ),
    "choice without text": (
        "questions:\n  - type: single\n    prompt: p\n    choices:\n"
        "      - {text: a, correct: true}\n      - correct: false\n",
        (15, "error", "choice has no text"),
    ),
    "choice not a mapping": (
        "questions:\n  - type: single\n    prompt: p\n    choices:\n"
        "      - {text: a, correct: true}\n      - b\n",
        (15, "error", "each choice must be a mapping"),
    ),
    "correct not a boolean": (
        "questions:\n  - type: single\n    prompt: p\n    choices:\n"
        "      - {text: a, correct: 1}\n      - text: b\n",
        (14, "error", "correct must be true or false"),
    ),
    "text without answers": (
        "questions:\n  - type: text\n    prompt: p\n",
        (11, "error", "text question 'q1' has no answers"),
    ),
    "text with an empty answer list": (
        "questions:\n  - type: text\n    prompt: p\n    answers: []\n",
        (13, "error", "has no answers"),
    ),
    "text answer that normalises to nothing": (
        "questions:\n  - type: text\n    prompt: p\n    answers: [ok, '?!']\n",
        (13, "error", "is empty once case, spaces and punctuation are ignored"),
    ),
    "numeric without answer": (
        "questions:\n  - type: numeric\n    prompt: p\n",
        (11, "error", "numeric question 'q1' has no answer"),
    ),
    "numeric answer as a string": (
        "questions:\n  - type: numeric\n    prompt: p\n    answer: '1.8'\n",
        (13, "error", "must be a number"),
    ),
    "numeric answer not finite": (
        "questions:\n  - type: numeric\n    prompt: p\n    answer: .inf\n",
        (13, "error", "must be a number"),
    ),
    "numeric answer too long an integer": (
        "questions:\n  - type: numeric\n    prompt: p\n    answer: " + "9" * 5000 + "\n",
        (13, "error", "must be a number"),
    ),
    "bad tolerance word": (
        "questions:\n  - type: numeric\n    prompt: p\n    answer: 1\n    tolerance: some\n",
        (14, "error", "tolerance must be a number"),
    ),
    "negative tolerance": (
        "questions:\n  - type: numeric\n    prompt: p\n    answer: 1\n    tolerance: -1\n",
        (14, "error", "tolerance must be a number"),
    ),
    "negative percent tolerance": (
        "questions:\n  - type: numeric\n    prompt: p\n    answer: 1\n    tolerance: -2%\n",
        (14, "error", "tolerance must be a number"),
    ),
    "pass zero": ("pass: 0\nquestions: [{type: text, prompt: p, answers: x}]\n", None),
    "pass over 100": ("pass: 101\nquestions: [{type: text, prompt: p, answers: x}]\n", None),
    "pass fraction": ("pass: 70.5\nquestions: [{type: text, prompt: p, answers: x}]\n", None),
    "pass string": ("pass: '70'\nquestions: [{type: text, prompt: p, answers: x}]\n", None),
    "bad quiz id": (
        "id: Solar Check\nquestions: [{type: text, prompt: p, answers: x}]\n",
        (10, "error", "quiz id 'Solar Check' must be lower-case letters"),
    ),
    "bad question id": (
        "questions:\n  - id: q_1\n    type: text\n    prompt: p\n    answers: x\n",
        (11, "error", "question id 'q_1' must be lower-case letters"),
    ),
    "question not a mapping": ("questions:\n  - just text\n", (11, "error", "question 1 must")),
    "duplicate key": (
        "questions:\n  - type: text\n    prompt: p\n    prompt: again\n    answers: x\n",
        (13, "error", "duplicate key 'prompt' in question 1"),
    ),
    "prompt not text": (
        "questions:\n  - type: text\n    prompt: [a, b]\n    answers: x\n",
        (12, "error", "prompt must be text"),
    ),
}


@pytest.mark.parametrize(("source", "expected"), ERRORS.values(), ids=ERRORS.keys())
def test_each_error_is_reported_at_its_line_in_the_file(
    source: str, expected: tuple[int, str, str] | None
) -> None:
    if expected is None:  # the pass mark cases
        expected = (10, "error", "pass must be a whole number of percent from 1 to 100")
    problems = _problems(source)
    line, severity, fragment = expected
    assert any(
        (p_line, p_severity) == (line, severity) and fragment in message
        for p_line, p_severity, message in problems
    ), problems
    quiz, _ = parse_quiz(source, first_line=10, index=1)
    assert quiz is None


def test_duplicate_question_ids_name_both_lines() -> None:
    source = (
        "questions:\n"
        "  - id: q2\n    type: text\n    prompt: a\n    answers: x\n"  # line 21 (id)
        "  - type: text\n    prompt: b\n    answers: y\n"  # default id q2, starts line 25
        "  - id: q2\n    type: text\n    prompt: c\n    answers: z\n"  # line 28
    )
    assert _problems(source, first_line=20) == [
        (25, "error", "duplicate question id 'q2' (first used on line 21)"),
        (28, "error", "duplicate question id 'q2' (first used on line 21)"),
    ]


def test_more_than_fifty_questions_is_an_error_at_the_first_extra_one() -> None:
    question = "  - {type: text, prompt: p, answers: x}\n"
    assert _quiz("questions:\n" + question * MAX_QUESTIONS).questions
    problems = _problems("questions:\n" + question * (MAX_QUESTIONS + 1), first_line=1)
    assert problems == [(2 + MAX_QUESTIONS, "error", "a quiz has at most 50 questions")]


def test_unknown_and_misplaced_keys_are_warnings_and_the_quiz_still_works() -> None:
    source = (
        "colour: blue\n"
        "questions:\n"
        "  - type: single\n    prompt: p\n    answer: 3\n    hint: h\n"
        "    choices:\n      - {text: a, correct: true, why: w}\n      - text: b\n"
        "    feedback: {correct: c, wrong: w}\n"
    )
    quiz, problems = parse_quiz(source, first_line=5, index=1)
    assert quiz is not None
    assert [(p.line, p.severity, p.message) for p in problems] == [
        (5, "warning", "unknown key 'colour' in quiz"),
        (9, "warning", "'answer' is not used by single questions"),
        (10, "warning", "unknown key 'hint' in question 1"),
        (12, "warning", "unknown key 'why' in choice"),
        (14, "warning", "unknown key 'wrong' in question 'q1' feedback"),
    ]


def test_problems_in_inline_markdown_are_warnings_at_their_line() -> None:
    source = (
        "questions:\n"
        "  - type: single\n"
        "    prompt: See ![a chart](chart.png) and [this](other.md)^[a note]\n"
        "    choices:\n"
        "      - text: '[x](javascript:alert(1))'\n"
        "        correct: true\n"
        "      - text: $\\frac{1}{$\n"
    )
    quiz, problems = parse_quiz(source, first_line=1, index=1)
    assert quiz is not None
    assert all(p.severity == "warning" for p in problems)
    assert [(p.line, p.message) for p in problems[:-1]] == [
        (3, "images are not supported in quiz text"),
        (3, "only full http(s) links and #headings work in quiz text"),
        (3, "footnotes are not supported in quiz text"),
        (5, "link with scheme 'javascript:' removed"),
    ]
    assert problems[-1].line == 7
    assert problems[-1].message.startswith("could not render math `")
    question = quiz.questions[0]
    assert "<img" not in question.prompt_html
    assert '<span class="image-missing">a chart</span>' in question.prompt_html
    assert "href" not in question.prompt_html
    assert "footnote" not in question.prompt_html
    assert question.choices[0].text_html == "x"
    assert 'class="math-error"' in question.choices[1].text_html


def test_inline_markdown_is_sanitized_and_external_links_get_rel() -> None:
    source = (
        "questions:\n  - type: text\n"
        "    prompt: '<script>alert(1)</script> <b onclick=x>b</b> [ok](https://example.org)'\n"
        "    answers: x\n"
        "    feedback: '<img src=x onerror=alert(1)> [top](#intro)'\n"
    )
    question = _quiz(source).questions[0]
    assert question.prompt_html == (
        "&lt;script&gt;alert(1)&lt;/script&gt; &lt;b onclick=x&gt;b&lt;/b&gt; "
        '<a href="https://example.org" rel="noopener noreferrer">ok</a>'
    )
    assert question.feedback_correct_html == (
        '&lt;img src=x onerror=alert(1)&gt; <a href="#intro">top</a>'
    )


# --------------------------------------------------------------------------- hostile YAML


BILLION_LAUGHS = (
    'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    "b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
    "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n"
    "d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n"
    "e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n"
    "f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\n"
    "g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]\n"
    "h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]\n"
    "i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]\n"
    "questions: *i\n"
)


def test_alias_bombs_are_refused_quickly() -> None:
    started = time.perf_counter()
    problems = _problems(BILLION_LAUGHS, first_line=1)
    assert time.perf_counter() - started < 1
    assert problems == [(2, "error", "YAML aliases (*name) are not allowed in a quiz")]


def test_even_a_harmless_alias_is_refused() -> None:
    source = "questions:\n  - &q {type: text, prompt: p, answers: x}\n  - *q\n"
    assert _problems(source, first_line=1) == [
        (3, "error", "YAML aliases (*name) are not allowed in a quiz")
    ]


@pytest.mark.parametrize(
    "source",
    [
        "questions: !!python/object/apply:os.system ['touch {marker}']\n",
        "questions: !!python/object/apply:pathlib.Path.touch [!!python/object/apply:pathlib.Path"
        " ['{marker}']]\n",
        "questions:\n  - type: text\n    prompt: !!python/name:os.system\n    answers: x\n",
        "id: !!binary aGVsbG8=\nquestions: []\n",
        "questions:\n  - !custom {{type: text, prompt: p, answers: x}}\n",
    ],
)
def test_yaml_tags_are_errors_and_never_construct_objects(source: str, tmp_path: Path) -> None:
    marker = tmp_path / "constructed"
    problems = _problems(source.format(marker=marker), first_line=1)
    assert any("unsupported YAML tag" in message for _, _, message in problems), problems
    assert not marker.exists()


def test_deep_nesting_and_huge_quizzes_are_refused() -> None:
    assert _problems("questions: " + "[" * 5000 + "]" * 5000 + "\n", first_line=1) == [
        (1, "error", "quiz is nested too deeply")
    ]
    huge = "questions:\n" + "  - {type: text, prompt: p, answers: x}\n" * 3000
    assert _problems(huge, first_line=1) == [(1, "error", "quiz is longer than 64,000 characters")]
    many = "questions: [" + ",".join(["x"] * 25_000) + "]\n"
    assert _problems(many, first_line=1) == [(1, "error", "quiz has too many YAML items")]


@pytest.mark.parametrize(
    "source",
    [
        "---\nquestions: []\n---\nquestions: []\n",
        "questions: [\x00]\n",
        "\t- x\n",
        "questions:\n  - {type: text, prompt: p, answers: {a: b}}\n",
        "questions:\n  - {type: [single], prompt: p}\n",
        "questions:\n  - {type: text, prompt: {a: b}, answers: x}\n",
        "questions:\n  - {type: numeric, prompt: p, answer: [1]}\n",
        "questions:\n  - {type: numeric, prompt: p, answer: 1, tolerance: [1]}\n",
        "questions:\n  - {type: single, prompt: p, choices: {a: b}}\n",
        "questions:\n  - {type: single, prompt: p, feedback: [x], choices: [a, b]}\n",
        "questions:\n  - ? [complex, key]\n    : value\n",
        "? [complex]\n: key\nquestions: x\n",
        "questions: 3\n",
        "id: [x]\nquestions: x\n",
        "title: {a: b}\nquestions: x\n",
        "\ufeffquestions: x\n",
        "questions:\n  - {type: text, prompt: '\ud800', answers: x}\n",
    ],
)
def test_malformed_quizzes_report_errors_and_never_raise(source: str) -> None:
    quiz, problems = parse_quiz(source, first_line=1, index=1)
    assert quiz is None
    assert any(problem.severity == "error" for problem in problems)


def test_random_garbage_never_raises() -> None:
    rng = random.Random(5)  # noqa: S311 - reproducible fuzzing, not secrets
    alphabet = "abc-:[]{}&*!|>'\"#%@`,?\n\t  01.eE$\\<>"
    for _ in range(400):
        source = "".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 120)))
        quiz, problems = parse_quiz(source, first_line=1, index=1)
        assert quiz is not None or problems
    pieces = FULL.splitlines(keepends=True)
    for _ in range(200):
        mutated = pieces[:]
        rng.shuffle(mutated)
        parse_quiz("".join(mutated[: rng.randrange(1, len(mutated))]), first_line=1, index=1)


# --------------------------------------------------------------------------- snapshots


def test_snapshot_round_trips_through_json() -> None:
    quiz = _quiz()
    snapshot = json.loads(json.dumps(quiz.to_snapshot()))
    assert snapshot["format"] == 1
    assert Quiz.from_snapshot(snapshot) == quiz


@pytest.mark.parametrize(
    "snapshot",
    [{}, {"format": 2}, {"format": 1, "id": "x"}, {"format": 1, "id": "x", "questions": [{}]}],
)
def test_a_broken_snapshot_is_a_value_error(snapshot: dict[str, object]) -> None:
    with pytest.raises(ValueError, match=r"snapshot|kind"):
        Quiz.from_snapshot(snapshot)


def test_question_from_snapshot_rejects_unknown_kinds() -> None:
    data = Question("q1", "text", "p", answers=("x",)).to_snapshot()
    data["kind"] = "essay"
    with pytest.raises(ValueError, match="unknown question kind"):
        Question.from_snapshot(data)


# --------------------------------------------------------------------------- normalising


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("  Photovoltaic ", "photovoltaic"),
        ("PHOTO-VOLTAIC!", "photo-voltaic"),
        ("«Énergie   solaire»", "energie solaire"),
        ("Straße", "strasse"),
        ("¿Metano?", "metano"),
        ("CH₄", "ch4"),
        ("ﬁsh", "fish"),
        ('"it\'s"', "it's"),
        ("...", ""),
    ],
)
def test_normalize_answer(given: str, expected: str) -> None:
    assert normalize_answer(given) == expected


# --------------------------------------------------------------------------- rendering


LESSON = f"""# Solar

Intro.

```quiz
{FULL}```

After.
"""


def test_a_quiz_becomes_a_slot_the_page_fills_at_request_time() -> None:
    rendered = render_markdown(LESSON, line_offset=10)
    assert rendered.html == (
        '<h1 id="solar">Solar</h1>\n<p>Intro.</p>\n'
        '<div class="quiz-slot" id="quiz-solar-check"></div>\n<p>After.</p>\n'
    )
    assert rendered.problems == ()
    assert [quiz.id for quiz in rendered.quizzes] == ["solar-check"]
    assert rendered.quizzes[0] == _quiz()
    assert "quiz-solar-check" in rendered.anchors


def test_the_sanitizer_keeps_exactly_the_slot() -> None:
    slot = '<div class="quiz-slot" id="quiz-solar-check"></div>'
    assert sanitize(slot) == slot
    assert sanitize('<div id="main">x</div><div id="quiz-X">y</div>') == "<div>x</div><div>y</div>"
    assert sanitize('<span id="quiz-a">x</span>') == "<span>x</span>"


def test_answers_and_feedback_are_neither_in_the_html_nor_in_the_search_text() -> None:
    rendered = render_markdown(LESSON)
    assert rendered.text.splitlines() == [
        "Solar",
        "Intro.",
        "Which part separates electrons and holes, e^-?",
        "Which are semiconductors?",
        "What does PV stand for?",
        "Energy from 0.4 kW for 4.5 h?",
        "After.",
    ]
    for secret in ("junction", "photovoltaic", "1.8", "collects", "Well done", "correct"):
        assert secret not in rendered.html
        assert secret not in rendered.text.replace("Which part", "")


def test_problems_carry_lines_of_the_original_file() -> None:
    source = "# T\n\n```quiz\nquestions:\n  - type: single\n    prompt: p\n    choices: []\n```\n"
    rendered = render_markdown(source, line_offset=7)
    # The fence is body line 3, so file line 10; "choices" is body line 7, file line 14.
    assert rendered.problems == (
        Problem(14, "error", "single-choice question 'q1' needs at least 2 choices"),
    )
    assert rendered.quizzes == ()


def test_a_quiz_with_errors_is_a_visible_notice_without_its_content() -> None:
    source = (
        "```quiz\nquestions:\n  - type: single\n    prompt: Secret prompt\n    choices:\n"
        "      - {text: Secret answer, correct: true}\n      - {text: Other, correct: true}\n```\n"
    )
    rendered = render_markdown(source)
    assert rendered.html == (
        '<aside class="admonition admonition-warning quiz-error" role="note">\n'
        '<p class="admonition-title">This quiz cannot be shown</p>\n'
        "<p>It has errors that its authors need to fix.</p>\n"
        "<ul>\n<li>line 5: single-choice question 'q1' needs exactly one correct choice "
        "(found 2)</li>\n</ul>\n</aside>\n"
    )
    assert "quiz-slot" not in rendered.html
    assert "Secret" not in rendered.text
    assert rendered.quizzes == ()


def test_default_ids_follow_the_order_and_duplicates_are_errors() -> None:
    block = "```quiz\n{}questions: [{{type: text, prompt: p, answers: x}}]\n```\n\n"
    source = block.format("") + block.format("") + block.format("id: quiz-1\n")
    rendered = render_markdown(source, line_offset=2)
    assert [quiz.id for quiz in rendered.quizzes] == ["quiz-1", "quiz-2"]
    assert rendered.problems == (
        Problem(12, "error", "duplicate quiz id 'quiz-1' (first quiz on line 3)"),
    )
    assert rendered.html.count('class="quiz-slot"') == 2
    assert 'id="quiz-quiz-1"' in rendered.html
    assert 'id="quiz-quiz-2"' in rendered.html


def test_a_quiz_id_clashing_with_a_heading_anchor_is_a_warning() -> None:
    source = (
        "## Quiz check\n\n```quiz\nid: check\n"
        "questions: [{type: text, prompt: p, answers: x}]\n```\n"
    )
    rendered = render_markdown(source)
    assert rendered.problems == (
        Problem(3, "warning", "quiz id 'check' gives the same anchor as a heading"),
    )


def test_quizzes_work_inside_admonitions_and_other_fences_stay_code() -> None:
    source = (
        "::: exercise\n```quiz\nquestions: [{type: text, prompt: p, answers: x}]\n```\n:::\n\n"
        "```yaml\nquestions: []\n```\n\n```quizzes\nnot: a quiz\n```\n"
    )
    rendered = render_markdown(source)
    assert '<aside class="admonition admonition-exercise" role="note">' in rendered.html
    assert '<div class="quiz-slot" id="quiz-quiz-1"></div>' in rendered.html
    assert rendered.html.count('class="quiz-slot"') == 1
    assert (
        rendered.html.count('<pre class="highlight" tabindex="0" role="region" aria-label="Code">')
        == 2
    )
    assert len(rendered.quizzes) == 1


def test_every_quiz_in_the_format_documentation_is_valid() -> None:
    docs = DOCS.read_text(encoding="utf-8")
    blocks = re.findall(r"^```quiz\n(.*?)^```$", docs, re.DOTALL | re.MULTILINE)
    assert len(blocks) >= 2
    for block in blocks:
        quiz = _quiz(block)
        assert quiz.questions
    kinds = {question.kind for block in blocks for question in _quiz(block).questions}
    assert kinds == {"single", "multiple", "text", "numeric"}
