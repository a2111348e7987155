"""Class report pages: who may see them, what they show, and that the CSV is the screen."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest

from eduhub.orm import utcnow
from tests.classrooms import report_factories as rf
from tests.progress.helpers import signed_in


class TableText(HTMLParser):
    """The text of every cell of the table with ``id``, row by row (header row first)."""

    def __init__(self, table_id: str) -> None:
        super().__init__()
        self.table_id = table_id
        self.depth = 0  # > 0 inside the table
        self.rows: list[list[str]] = []
        self.cell: list[str] | None = None
        self.in_caption = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table" and (self.depth or dict(attrs).get("id") == self.table_id):
            self.depth += 1
        elif self.depth and tag == "tr":
            self.rows.append([])
        elif self.depth and tag in ("td", "th"):
            self.cell = []
        elif self.depth and tag == "caption":
            self.in_caption = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "table" and self.depth:
            self.depth -= 1
        elif self.depth and tag in ("td", "th") and self.cell is not None:
            self.rows[-1].append(" ".join("".join(self.cell).split()))
            self.cell = None
        elif tag == "caption":
            self.in_caption = False

    def handle_data(self, data: str) -> None:
        if self.cell is not None and not self.in_caption:
            self.cell.append(data)


def screen_table(html: str, table_id: str) -> list[list[str]]:
    parser = TableText(table_id)
    parser.feed(html)
    assert parser.rows, f"no table #{table_id} on the page"
    return parser.rows


def csv_rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8"))))


@pytest.fixture
def setting(app, db, tmp_path: Path):  # type: ignore[no-untyped-def]
    """A class of six learners (one named like a formula), two teachers, two assignments."""
    uids = rf.quiz_pack(app, db, tmp_path / "packs", lessons=3)
    teacher, co_teacher, other = rf.users(db, ["tess", "cole", "otto"], role="teacher")
    learners = rf.users(db, ["ana", "bea", "carl", "dan", "eve", "fay"])
    learners[5].display_name = "=HYPERLINK(1)"
    outsider = rf.users(db, ["olga"])[0]
    room = rf.classroom(db, [teacher, co_teacher], learners)
    homework = rf.assign(db, room, uids[:2], title="Plants week", score_rule="best")
    rf.assign(
        db,
        room,
        [uids[2]],
        title="Catch-up",
        recipients=learners[:2],
        due_at=utcnow() - timedelta(days=1),
    )
    ana, bea, carl, dan, eve, fay = learners
    rf.progress(db, ana, uids[0], done=True, seconds=600)
    rf.progress(db, bea, uids[0], seconds=90)
    rf.progress(db, carl, uids[0], done=True, seconds=1500)
    early = utcnow() - timedelta(days=2)
    # Ana: 50 then 100 (best counts: 100). Bea and Dan pick A; Carl, Eve: right; Fay: C.
    rf.attempt(db, ana, uids[0], "a", created_at=early)
    rf.attempt(db, ana, uids[0], "b")
    rf.attempt(db, bea, uids[0], "a", sides="5")
    rf.attempt(db, carl, uids[0], "b")
    rf.attempt(db, dan, uids[0], "a")
    rf.attempt(db, eve, uids[0], "b", sides="3")
    rf.attempt(db, fay, uids[0], "c", sides="x")
    db.session.commit()
    return {
        "app": app,
        "room": room,
        "uids": uids,
        "teacher": teacher,
        "co_teacher": co_teacher,
        "other": other,
        "learners": learners,
        "outsider": outsider,
        "homework": homework,
    }


def urls(room_id: int, learner_id: int) -> list[str]:
    base = f"/classes/{room_id}/report"
    return [
        base,
        base + ".csv",
        base + "/items",
        base + "/items.csv",
        f"{base}/learners/{learner_id}",
    ]


def test_anonymous_visitors_are_sent_to_sign_in(setting, client) -> None:  # type: ignore[no-untyped-def]
    for url in urls(setting["room"].id, setting["learners"][0].id):
        response = client.get(url)
        assert response.status_code == 302, url
        assert "/login" in response.headers["Location"]


@pytest.mark.parametrize("who", ["other", "outsider", "learner"])
def test_a_class_you_do_not_teach_does_not_exist(setting, who) -> None:  # type: ignore[no-untyped-def]
    user = setting["learners"][0] if who == "learner" else setting[who]
    client = signed_in(setting["app"], user)
    for url in urls(setting["room"].id, setting["learners"][0].id):
        assert client.get(url).status_code == 404, url


def test_teachers_and_co_teachers_see_the_report(setting) -> None:  # type: ignore[no-untyped-def]
    for who in ("teacher", "co_teacher"):
        client = signed_in(setting["app"], setting[who])
        for url in urls(setting["room"].id, setting["learners"][0].id):
            assert client.get(url).status_code == 200, (who, url)


def test_no_such_class_learner_or_sort_is_a_clear_4xx(setting) -> None:  # type: ignore[no-untyped-def]
    client = signed_in(setting["app"], setting["teacher"])
    room = setting["room"].id
    assert client.get(f"/classes/{room + 1000}/report").status_code == 404
    assert client.get(f"/classes/{2**63}/report").status_code == 404
    assert client.get(f"/classes/{room}/report/learners/{setting['teacher'].id}").status_code == 404
    assert client.get(f"/classes/{room}/report/learners/{2**63}").status_code == 404
    response = client.get(f"/classes/{room}/report?sort=drop+table")
    assert response.status_code == 400
    assert "Unknown sort" in response.get_data(as_text=True)
    assert client.get(f"/classes/{room}/report.csv?order=up").status_code == 400


def test_grid_shows_status_counted_score_and_time(setting) -> None:  # type: ignore[no-untyped-def]
    client = signed_in(setting["app"], setting["teacher"])
    page = client.get(f"/classes/{setting['room'].id}/report").get_data(as_text=True)
    table = screen_table(page, "report-grid")
    header, *rows = table
    assert header == [
        "Learner",
        "Completion",
        "Average score",
        "Lesson 1 (Plants week)",
        "Lesson 2 (Plants week)",
        "Lesson 3 (Catch-up)",
    ]
    by_name = {row[0]: row for row in rows}
    assert by_name["Ana"][3:] == ["done · 100% · 10 min", "not started", "overdue"]
    assert by_name["Ana"][1] == "33% (1 of 3)"
    assert by_name["Bea"][3] == "in progress · 0% · 1 min"
    assert by_name["Carl"][5] == "not assigned"
    assert by_name["Carl"][1] == "50% (1 of 2)"
    assert [row[0] for row in rows] == ["=HYPERLINK(1)", "Ana", "Bea", "Carl", "Dan", "Eve"]
    # Breadcrumb back to the class page, and a drill-down link per learner.
    assert f'href="/classes/{setting["room"].id}"' in page
    ana = setting["learners"][0]
    assert f"/classes/{setting['room'].id}/report/learners/{ana.id}" in page


def test_sorting_by_query_parameters(setting) -> None:  # type: ignore[no-untyped-def]
    client = signed_in(setting["app"], setting["teacher"])
    base = f"/classes/{setting['room'].id}/report"

    def first_column(url: str) -> list[str]:
        page = client.get(url).get_data(as_text=True)
        return [row[0] for row in screen_table(page, "report-grid")[1:]]

    assert first_column(base + "?sort=name&order=desc") == [
        "Eve", "Dan", "Carl", "Bea", "Ana", "=HYPERLINK(1)",
    ]  # fmt: skip
    by_completion = first_column(base + "?sort=completion&order=desc")
    assert by_completion[0] == "Carl"  # 1 of 2 beats Ana's 1 of 3
    by_score = first_column(base + "?sort=score&order=desc")
    assert by_score[:2] == ["Ana", "Carl"]  # 100 each; names break the tie
    assert by_score[-2:] == ["=HYPERLINK(1)", "Bea"]  # both scored 0; names break the tie


@pytest.mark.parametrize("sort", ["", "?sort=score&order=desc", "?sort=completion"])
def test_grid_csv_is_the_screen_cell_for_cell(setting, sort: str) -> None:  # type: ignore[no-untyped-def]
    client = signed_in(setting["app"], setting["teacher"])
    base = f"/classes/{setting['room'].id}/report"
    screen = screen_table(client.get(base + sort).get_data(as_text=True), "report-grid")
    response = client.get(base + ".csv" + sort)
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.headers["Cache-Control"] == "private, no-store"
    assert client.get(base + sort).headers["Cache-Control"] == "private, no-cache"
    exported = csv_rows(response.data)
    assert len(exported) == len(screen) == 7
    for screen_row, csv_row in zip(screen, exported, strict=True):
        assert [cell.removeprefix("'") if cell.startswith("'=") else cell for cell in csv_row] == (
            screen_row
        )
    # The learner named like a formula is text in the spreadsheet.
    assert any(row[0] == "'=HYPERLINK(1)" for row in exported)


def test_item_analysis_csv_is_the_screen_cell_for_cell(setting) -> None:  # type: ignore[no-untyped-def]
    client = signed_in(setting["app"], setting["teacher"])
    base = f"/classes/{setting['room'].id}/report/items"
    screen = screen_table(client.get(base).get_data(as_text=True), "report-items")
    exported = csv_rows(client.get(base + ".csv").data)
    assert exported == screen
    assert len(screen) == 1 + 3 * 2  # three assigned lessons, two questions each


def test_item_analysis_figures_and_hint(setting) -> None:  # type: ignore[no-untyped-def]
    client = signed_in(setting["app"], setting["teacher"])
    page = client.get(f"/classes/{setting['room'].id}/report/items").get_data(as_text=True)
    header, *rows = screen_table(page, "report-items")
    gas = dict(zip(header, rows[0], strict=True))
    # Counted attempts: Ana's best (b), Bea a, Carl b, Dan a, Eve b, Fay c → 3 of 6 right.
    assert gas["Question"] == "1. Which gas do plants take in?"
    assert gas["Counted attempts"] == "6"
    assert gas["Percent correct"] == "50%"
    assert gas["Facility index"] == "0.50"
    assert gas["Most chosen wrong answer"] == "A: Oxygen"
    # Groups of round(0.27 × 6) = 2: the top two (100, 100) right, the bottom two (0, 0) wrong.
    assert gas["Discrimination index"] == "1.00"
    assert gas["Hint"] == (
        "Many in the class (33%) chose A: revisit the section “Plants and gases” of the lesson."
    )
    sides = dict(zip(header, rows[1], strict=True))
    assert sides["Most chosen wrong answer"] in ("“5”", "“3”", "“x”")
    # Lesson 2 has no attempt yet: figures are empty, and no hint is ventured.
    lesson2 = dict(zip(header, rows[2], strict=True))
    assert lesson2["Counted attempts"] == "0"
    assert lesson2["Discrimination index"] == "too few attempts to judge"
    assert lesson2["Hint"].startswith("Too few attempts to judge")
    assert 'href="/lessons/reportville/l1#plants-and-gases"' in page
    assert "27%" in page  # the formula is stated on the page


def test_learner_drill_down_lists_every_attempt(setting) -> None:  # type: ignore[no-untyped-def]
    client = signed_in(setting["app"], setting["teacher"])
    ana = setting["learners"][0]
    page = client.get(f"/classes/{setting['room'].id}/report/learners/{ana.id}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert text.count('class="counted"') == 1
    for shown in ("50%", "100%", "Plants week", "Catch-up"):
        assert shown in text
    assert "overdue" in text


def test_completion_chart_has_a_text_alternative(setting) -> None:  # type: ignore[no-untyped-def]
    client = signed_in(setting["app"], setting["teacher"])
    page = client.get(f"/classes/{setting['room'].id}/report").get_data(as_text=True)
    assert page.count("<svg") == 2
    assert "<title id=" in page
    assert "<desc id=" in page
    assert 'role="img"' in page
    # Plants week: 6 learners × 2 lessons, Ana and Carl finished lesson 1 → 2 of 12.
    assert "“Plants week”: 17% done (2 of 12 lessons" in page
    assert "<script" not in page


def test_a_lesson_retired_or_revised_since_it_was_assigned_is_flagged(setting, db) -> None:  # type: ignore[no-untyped-def]
    from eduhub.catalog.models import Lesson

    homework = setting["homework"]
    homework.lessons[0].assigned_revision = 0  # the lesson is at revision 1 now
    db.session.scalars(
        db.select(Lesson).where(Lesson.uid == setting["uids"][1])
    ).one().retired_at = utcnow()
    db.session.commit()
    client = signed_in(setting["app"], setting["teacher"])
    base = f"/classes/{setting['room'].id}/report"
    header = screen_table(client.get(base).get_data(as_text=True), "report-grid")[0]
    assert header[3:5] == [
        "Lesson 1 (Plants week) — revised since assigned",
        "Lesson 2 (Plants week) — retired",
    ]
    assert csv_rows(client.get(base + ".csv").data)[0] == header
