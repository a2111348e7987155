"""The report's pure half: cell status, sorting, item statistics, nearest heading, CSV safety."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta

import pytest

from eduhub.classrooms import reports
from eduhub.classrooms.reports import (
    Answer,
    AttemptRow,
    CellStatus,
    Column,
    Heading,
    Learner,
    Progress,
    SortKey,
)
from eduhub.rendering.quizzes import Choice, Question

NOW = datetime(2026, 3, 10, 12, tzinfo=UTC)


def column(**fields) -> Column:  # type: ignore[no-untyped-def]
    data = {
        "assignment_id": 1,
        "assignment_title": "Homework",
        "lesson_uid": "org/l1",
        "lesson_title": "Lesson 1",
        "due_at": None,
        "score_rule": "best",
        "attempts_counted": None,
        "recipients": None,
    }
    data.update(fields)
    return Column(**data)  # type: ignore[arg-type]


def tries(*scores: float) -> dict[str, list[AttemptRow]]:
    return {
        "check": [
            AttemptRow(i, 7, "org/l1", "check", score, NOW - timedelta(hours=10 - i))
            for i, score in enumerate(scores, start=1)
        ]
    }


@pytest.mark.parametrize(
    ("progress", "due", "expected"),
    [
        (None, None, CellStatus.NOT_STARTED),
        (Progress("started", None, 60), None, CellStatus.IN_PROGRESS),
        (Progress("completed", NOW, 60), None, CellStatus.DONE),
        (None, NOW - timedelta(days=1), CellStatus.OVERDUE),
        (Progress("started", None, 0), NOW - timedelta(days=1), CellStatus.OVERDUE),
        (Progress("completed", NOW, 0), NOW - timedelta(days=1), CellStatus.DONE),
        (Progress("started", None, 0), NOW + timedelta(days=1), CellStatus.IN_PROGRESS),
    ],
)
def test_cell_status(progress, due, expected) -> None:  # type: ignore[no-untyped-def]
    assert reports.build_cell(column(due_at=due), 7, progress, None, NOW).status is expected


def test_a_learner_the_assignment_is_not_for_has_no_cell() -> None:
    col = column(recipients=frozenset({8}))
    assert reports.build_cell(col, 7, None, tries(50), NOW).status is CellStatus.NOT_ASSIGNED
    assert reports.build_cell(col, 8, None, None, NOW).status is CellStatus.NOT_STARTED


@pytest.mark.parametrize(
    ("rule", "counted", "expected"),
    [("best", None, 90.0), ("last", None, 20.0), ("best", 1, 50.0), ("last", 2, 90.0)],
)
def test_score_is_the_counted_attempt(rule, counted, expected) -> None:  # type: ignore[no-untyped-def]
    col = column(score_rule=rule, attempts_counted=counted)
    cell = reports.build_cell(col, 7, None, tries(50, 90, 20), NOW)
    assert cell.score == expected
    assert len(cell.quizzes[0][1]) == 3  # every attempt is kept for the drill-down


def test_cell_text() -> None:
    cell = reports.Cell(CellStatus.DONE, 80.0, 12 * 60 + 5)
    assert cell.text() == "done · 80% · 12 min"
    assert reports.Cell(CellStatus.NOT_STARTED).text() == "not started"
    assert reports.duration(3900) == "1 h 5 min"


def rows() -> tuple[reports.Row, ...]:
    def row(name: str, *cells: reports.Cell) -> reports.Row:
        return reports.Row(Learner(len(name), name, name.lower()), cells)

    done, todo = reports.Cell(CellStatus.DONE, 40.0), reports.Cell(CellStatus.NOT_STARTED)
    return (
        row("bea", done, todo),
        row("Ana", todo, todo),
        row("Carl", done, reports.Cell(CellStatus.DONE, 90.0)),
        row("dan", reports.Cell(CellStatus.NOT_ASSIGNED), reports.Cell(CellStatus.NOT_ASSIGNED)),
    )


def names(sorted_rows) -> list[str]:  # type: ignore[no-untyped-def]
    return [r.learner.name for r in sorted_rows]


def test_sorting() -> None:
    assert names(reports.sort_rows(rows(), SortKey.NAME, False)) == ["Ana", "bea", "Carl", "dan"]
    assert names(reports.sort_rows(rows(), SortKey.NAME, True)) == ["dan", "Carl", "bea", "Ana"]
    # Completion: Carl 100, bea 50, Ana 0; dan has nothing assigned and goes last either way.
    assert names(reports.sort_rows(rows(), SortKey.COMPLETION, True)) == [
        "Carl", "bea", "Ana", "dan",
    ]  # fmt: skip
    assert names(reports.sort_rows(rows(), SortKey.COMPLETION, False)) == [
        "Ana", "bea", "Carl", "dan",
    ]  # fmt: skip
    # Score: Carl 65, bea 40; Ana and dan have none.
    assert names(reports.sort_rows(rows(), SortKey.SCORE, True)) == ["Carl", "bea", "Ana", "dan"]


def test_bad_sort_is_refused() -> None:
    assert reports.parse_sort(None, None) == (SortKey.NAME, False)
    assert reports.parse_sort("score", "desc") == (SortKey.SCORE, True)
    with pytest.raises(reports.BadReportQuery, match="Unknown sort"):
        reports.parse_sort("password", None)
    with pytest.raises(reports.BadReportQuery, match="Unknown order"):
        reports.parse_sort("name", "sideways")


QUESTION = Question(
    id="gas",
    kind="single",
    prompt_html="<p>Which gas?</p>",
    choices=(
        Choice("a", "Oxygen", False),
        Choice("b", "Carbon <em>dioxide</em>", True),
        Choice("c", "Nitrogen", False),
    ),
    prompt_text="Which gas?",
)


def answers(*pairs: tuple[str, float]) -> list[Answer]:
    return [Answer(i, (given,), given == "b", score) for i, (given, score) in enumerate(pairs, 1)]


def test_item_statistics() -> None:
    # Ten attempts; the three best (by quiz score) all right, the three worst all wrong.
    given = answers(
        ("b", 100), ("b", 95), ("b", 90), ("b", 70), ("a", 60),
        ("a", 50), ("c", 40), ("a", 30), ("a", 20), ("c", 10),
    )  # fmt: skip
    stats = reports.analyse_question(QUESTION, 1, given)
    assert (stats.n, stats.correct, stats.facility) == (10, 4, 0.4)
    assert stats.wrong_answer == "A: Oxygen"
    assert stats.wrong_share == 0.4
    # round(0.27 × 10) = 3 in each group: 3/3 right above, 0/3 below.
    assert stats.discrimination == 1.0


def test_discrimination_is_negative_when_the_weak_do_better() -> None:
    given = answers(("a", 100), ("a", 90), ("b", 80), ("b", 20), ("b", 10))
    # round(0.27 × 5) = 1: the top attempt is wrong, the bottom one right.
    assert reports.discrimination_index(given) == -1.0


def test_below_five_attempts_nothing_is_judged() -> None:
    stats = reports.analyse_question(QUESTION, 1, answers(("a", 0), ("a", 0), ("a", 0)))
    assert stats.discrimination is None
    hint = reports.hint_for(stats, Heading("gases", "Gases"), "/lessons/x")
    assert hint.text.startswith("Too few attempts to judge")
    assert not hint.link


def test_hint_names_the_wrong_answer_and_the_section() -> None:
    given = answers(*[("a", 50)] * 5, ("b", 100), ("b", 100), ("c", 0))
    stats = reports.analyse_question(QUESTION, 1, given)
    hint = reports.hint_for(stats, Heading("plants-and-gases", "Plants and gases"), "/lessons/x")
    assert hint.text == (
        "Most of the class (62%) chose A: revisit the section “Plants and gases” of the lesson."
    )
    assert hint.link == "Plants and gases"
    assert hint.href == "/lessons/x#plants-and-gases"


def test_hint_without_a_heading_links_the_lesson() -> None:
    stats = reports.analyse_question(QUESTION, 1, answers(*[("c", 0)] * 6))
    hint = reports.hint_for(stats, None, "/lessons/x")
    assert (hint.link, hint.href) == ("the lesson", "/lessons/x")


HTML = """<h1 id="lesson">Lesson</h1><p>x</p><h2 id="warm-up">Warm-up</h2>
<h2 id="plants-and-gases">Plants &amp; <em>gases</em></h2><p>y</p>
<div class="quiz-slot" id="quiz-check"></div><h2 id="after">After</h2>
<div class="quiz-slot" id="quiz-late"></div>"""


def test_nearest_heading_is_the_last_one_before_the_quiz() -> None:
    assert reports.nearest_heading(HTML, [], "check") == Heading(
        "plants-and-gases", "Plants & gases"
    )
    toc = [{"level": 2, "anchor": "after", "title": "After the quiz"}]
    assert reports.nearest_heading(HTML, toc, "late") == Heading("after", "After the quiz")
    assert reports.nearest_heading(HTML, toc, "missing") is None
    assert reports.nearest_heading('<div class="quiz-slot" id="quiz-a"></div>', [], "a") is None


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ('=HYPERLINK("http://evil")', '\'=HYPERLINK("http://evil")'),
        ("+1", "'+1"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("Ada", "Ada"),
        ("—", "—"),
    ],
)
def test_csv_cells_cannot_be_formulas(value: str, written: str) -> None:
    table = reports.Table(("Learner",), (reports.TableRow((value,)),))
    parsed = list(csv.reader(io.StringIO(reports.to_csv(table))))
    assert parsed == [["Learner"], [written]]


def test_completion_series_accumulates_by_day() -> None:
    start = datetime(2026, 3, 1, 9, tzinfo=UTC)
    col = column()
    learners = [Learner(i, f"L{i}", f"l{i}") for i in range(1, 5)]
    progress = {
        (1, "org/l1"): Progress("completed", datetime(2026, 2, 20, tzinfo=UTC), 0),  # before
        (2, "org/l1"): Progress("completed", datetime(2026, 3, 3, tzinfo=UTC), 0),
        (3, "org/l1"): Progress("completed", datetime(2026, 3, 3, 20, tzinfo=UTC), 0),
        (4, "org/l1"): Progress("started", None, 0),
    }
    grid = reports.build_grid(None, [col], learners, progress, [], NOW)  # type: ignore[arg-type]

    class Set:
        id, title, due_at, created_at = 1, "Homework", NOW, start

    series = reports.completion_series(Set, grid)  # type: ignore[arg-type]
    assert series.total == 4
    assert series.points == ((date(2026, 3, 1), 25.0), (date(2026, 3, 3), 75.0))
    assert series.end == date(2026, 3, 10)
    assert "75% done (3 of 4" in series.summary()


def test_names_sort_as_people_read_them() -> None:
    names_ = ["Learner 10", "learner 2", "Álvaro", "Bea", "Learner 1"]
    assert sorted(names_, key=reports.name_key) == [
        "Álvaro", "Bea", "Learner 1", "learner 2", "Learner 10",
    ]  # fmt: skip
