"""Grade one quiz attempt: a pure function of the quiz and the submitted form values."""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from html import escape
from typing import Any

from eduhub.rendering.quizzes import Question, Quiz, normalize_answer

# Submissions are hostile input: beyond these bounds values are cut, never rejected.
MAX_ANSWER_CHARS = 500
MAX_VALUES = 20
_SHOWN_CHARS = 40  # of a rejected answer, quoted back in feedback

_SURROGATES = re.compile("[\ud800-\udfff]")
_MINUS_SIGNS = str.maketrans({"\u2212": "-", "\u2013": "-", "\ufe63": "-", "\uff0d": "-"})
# Separators learners put between groups of thousands besides "," and ".": spaces, "'".
_SPACES = re.compile(r"[\s\u2009\u202f\u00a0]+")
_CURRENCY = frozenset("$€£¥₹₩₽¢₺₴₦₱₫₪")
_SIGNED = re.compile(r"([+-]?)(.+?)(?:[eE]([+-]?\d{1,3}))?")


@dataclass(frozen=True)
class QuestionResult:
    """How one question was answered."""

    question_id: str
    correct: bool
    answered: bool
    given: tuple[str, ...]  # choice ids, or the one text typed (cut to MAX_ANSWER_CHARS)
    feedback_html: tuple[str, ...]  # chosen choices' feedback, then the question's
    expected_html: str  # the right answer, shown after submission


@dataclass(frozen=True)
class QuizResult:
    """A graded attempt."""

    score: float  # percent of questions correct, 0–100, one decimal
    correct_count: int
    total: int
    passed: bool | None  # None when the quiz has no pass mark
    questions: tuple[QuestionResult, ...]

    def for_question(self, question_id: str) -> QuestionResult | None:
        return next((q for q in self.questions if q.question_id == question_id), None)


def grade(quiz: Quiz, submitted: Mapping[str, Sequence[str]]) -> QuizResult:
    """Grade ``submitted`` (question id → the raw strings a form posted) against ``quiz``.

    Unanswered questions are wrong; unknown question and choice ids are ignored; nothing a
    learner sends makes this raise.
    """
    values = submitted if isinstance(submitted, Mapping) else {}
    results = tuple(_grade_question(q, _values(values.get(q.id))) for q in quiz.questions)
    total = len(results)
    correct_count = sum(result.correct for result in results)
    score = round(100 * correct_count / total, 1) if total else 0.0
    passed = None if quiz.pass_mark is None else score >= quiz.pass_mark
    return QuizResult(score, correct_count, total, passed, results)


def _values(raw: Any) -> list[str]:
    """At most MAX_VALUES strings of at most MAX_ANSWER_CHARS each; anything else dropped."""
    if isinstance(raw, str):
        raw = [raw]
    if not isinstance(raw, list | tuple):
        return []
    strings = [item for item in raw[:MAX_VALUES] if isinstance(item, str)]
    return [_SURROGATES.sub("\ufffd", item[:MAX_ANSWER_CHARS]) for item in strings]


def _grade_question(question: Question, values: list[str]) -> QuestionResult:
    if question.kind in ("single", "multiple"):
        return _grade_choices(question, values)
    if question.kind == "text":
        return _grade_text(question, values)
    return _grade_numeric(question, values)


def _result(
    question: Question, correct: bool, given: tuple[str, ...], notes: list[str], expected: str
) -> QuestionResult:
    general = question.feedback_correct_html if correct else question.feedback_incorrect_html
    feedback = tuple(note for note in [*notes, general] if note)
    return QuestionResult(question.id, correct, bool(given), given, feedback, expected)


def _grade_choices(question: Question, values: list[str]) -> QuestionResult:
    known = {choice.id for choice in question.choices}
    given = tuple(dict.fromkeys(value.strip() for value in values if value.strip() in known))
    chosen = set(given)
    right = {choice.id for choice in question.choices if choice.correct}
    # All or nothing; a single-choice form posting every id at once is simply wrong.
    correct = chosen == right
    notes = [c.feedback_html for c in question.choices if c.id in chosen and c.feedback_html]
    texts = [c.text_html for c in question.choices if c.correct]
    if question.kind == "single":
        expected = texts[0] if texts else ""
    else:
        expected = "<ul>" + "".join(f"<li>{text}</li>" for text in texts) + "</ul>"
    return _result(question, correct, tuple(sorted(given)), notes, expected)


def _grade_text(question: Question, values: list[str]) -> QuestionResult:
    typed = values[0].strip() if values else ""
    accepted = {normalize_answer(answer) for answer in question.answers}
    normalised = normalize_answer(typed)
    correct = bool(normalised) and normalised in accepted
    expected = escape(question.answers[0]) if question.answers else ""
    if len(question.answers) > 1:
        others = ", ".join(escape(answer) for answer in question.answers[1:])
        expected += f" (also accepted: {others})"
    return _result(question, correct, (typed,) if typed else (), [], expected)


def _grade_numeric(question: Question, values: list[str]) -> QuestionResult:
    typed = values[0].strip() if values else ""
    notes: list[str] = []
    correct = False
    if typed:
        candidates = parse_number(typed, question.unit)
        if not candidates:
            shown = typed if len(typed) <= _SHOWN_CHARS else typed[: _SHOWN_CHARS - 1] + "…"
            notes.append(f"“{escape(shown)}” is not a number.")
        elif question.answer is not None:
            correct = any(_close_enough(question, value) for value in candidates)
    return _result(question, correct, (typed,) if typed else (), notes, _expected_number(question))


def _close_enough(question: Question, value: float) -> bool:
    answer = question.answer
    if answer is None:
        return False
    allowed = abs(answer) * question.tolerance / 100 if question.relative else question.tolerance
    # 1.85 - 1.8 is 0.05000000000000004 in binary floating point: forgive the last bits.
    slack = 1e-9 * max(1.0, abs(answer))
    return abs(value - answer) <= allowed + slack


def _expected_number(question: Question) -> str:
    if question.answer is None:
        return ""
    text = _format_number(question.answer)
    if question.unit:
        text += f" {escape(question.unit)}"
    if question.tolerance:
        if question.relative:
            text += f" (± {_format_number(question.tolerance)}%)"
        else:
            text += f" (± {_format_number(question.tolerance)})"
    return text


def _format_number(value: float) -> str:
    return str(int(value)) if value.is_integer() and abs(value) < 1e15 else f"{value:.12g}"


def parse_number(text: str, unit: str = "") -> tuple[float, ...]:
    """Every value a learner may have meant by ``text``; () when it is not a number.

    Accepts "1.8", "1,8", " 1.80 ", "1.8 kWh" (the question's unit, any case), "$70", "−2",
    "1 000", "1,000.5", "1.000,5" and "2e3". "1,000" is ambiguous (a thousand, or one with
    a decimal comma), so both readings are returned.
    """
    text = unicodedata.normalize("NFKC", text[:MAX_ANSWER_CHARS]).translate(_MINUS_SIGNS)
    text = text.strip()
    unit = unicodedata.normalize("NFKC", unit).strip().casefold()
    if unit and text.casefold().endswith(unit):
        text = text[: -len(unit)].rstrip()
    elif unit and text.casefold().startswith(unit):  # "$ 70" for a unit of "$"
        text = text[len(unit) :].lstrip()
    # A currency sign on either side ("$70", "70 €") is never part of the number.
    text = _SPACES.sub(" ", text.strip("".join(_CURRENCY) + " "))
    match = _SIGNED.fullmatch(text)
    if match is None:
        return ()
    sign, body, exponent = match.groups()
    values: list[float] = []
    for decimal, group in ((".", ","), (",", ".")):
        digits = _digits(body, decimal, group)
        if digits is None:
            continue
        try:
            value = float(f"{sign}{digits}e{exponent or 0}")
        except ValueError:
            continue
        if math.isfinite(value) and value not in values:
            values.append(value)
    return tuple(values)


def _digits(body: str, decimal: str, group: str) -> str | None:
    """``body`` as plain digits with "." for the decimal point, or None if it does not fit."""
    whole, point, fraction = body.partition(decimal)
    if point and not (fraction.isascii() and fraction.isdigit()):
        return None
    if not whole and point:
        return f"0.{fraction}"
    for separator in (group, " ", "'"):
        if separator in whole:
            parts = whole.split(separator)
            # Grouped thousands: 1–3 digits, then groups of exactly three.
            if not (1 <= len(parts[0]) <= 3 and all(len(part) == 3 for part in parts[1:])):
                return None
            whole = "".join(parts)
    if not whole.isascii() or not whole.isdigit():
        return None
    return f"{whole}.{fraction}" if point else whole


def unanswered(result: QuizResult) -> tuple[str, ...]:
    """Ids of the questions a submission left blank; a submission with any is refused."""
    return tuple(q.question_id for q in result.questions if not q.answered)


def is_pass(result: QuizResult) -> bool:
    """Passed the pass mark, or, for a quiz without one, every answer right."""
    return result.passed if result.passed is not None else result.correct_count == result.total


def answers_revealed(quiz: Quiz, *, attempts: int, passed: bool) -> bool:
    """Whether the learner may now see the right answers, by the author's rule.

    ``attempts`` counts the learner's graded attempts at this quiz, this one included;
    ``passed`` is true when any of them passed. Before this is true the page says which
    answers were right or wrong, never what the right ones are.
    """
    if quiz.reveal_on_pass and passed:
        return True
    return quiz.reveal_after is not None and attempts >= quiz.reveal_after
