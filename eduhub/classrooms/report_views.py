"""Class reports for the class's teachers: grid, learner drill-down, item analysis, CSV.

A class you do not teach answers 404, as every class page does, so ids cannot be probed. The
CSV files are written from the same ``Table`` the page shows.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required
from markupsafe import Markup, escape

from eduhub.classrooms import reports
from eduhub.classrooms.charts import completion_chart
from eduhub.classrooms.permissions import teaches
from eduhub.extensions import db

bp = Blueprint("classroom_reports", __name__)

#: Ids above this are no row on any backend (PostgreSQL integers are 32-bit): 404, not a 500.
MAX_ID = 2**31 - 1


@bp.after_request
def _private(response: Response) -> Response:
    """Learners' results: never kept by a shared cache; downloaded files not kept at all."""
    csv = response.mimetype == "text/csv"
    response.headers["Cache-Control"] = "private, no-store" if csv else "private, no-cache"
    return response


def _guard(classroom_id: int) -> None:
    if classroom_id > MAX_ID or not teaches(db.session, current_user.id, classroom_id):
        abort(404, description="No class of yours has that number.")


def _sort() -> tuple[reports.SortKey, bool]:
    try:
        return reports.parse_sort(request.args.get("sort"), request.args.get("order"))
    except reports.BadReportQuery as exc:
        abort(400, description=str(exc))


def _csv(table: reports.Table, filename: str) -> Response:
    return Response(
        reports.to_csv(table),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "X-Content-Type-Options": "nosniff",
        },
    )


def grid_body(table: reports.Table, learner_href: str) -> Markup:
    """The grid's rows as HTML, straight from the Table the CSV is written from.

    Written here rather than in the template: for 200 learners × 40 lessons Jinja's work per
    cell (a loop step, an attribute lookup, an escape call) came to a third of the page's time.
    Every text is escaped; ``learner_href`` ends where the learner's id goes.
    """
    out = []
    for row in table.rows:
        out.append(
            f'<tr><th scope="row"><a href="{escape(learner_href)}{row.learner_id}">'
            f"{escape(row.cells[0])}</a></th>"
        )
        for text, kind in row.rest():
            out.append(f'<td class="cell-{kind}">' if kind else "<td>")
            out.append(escape(text))
            out.append("</td>")
        out.append("</tr>\n")
    return Markup("".join(out))  # noqa: S704 (escaped above)


@bp.get("/classes/<int:classroom_id>/report")
@login_required
def grid(classroom_id: int) -> ResponseReturnValue:
    _guard(classroom_id)
    key, descending = _sort()
    loaded = reports.load_grid(db.session, classroom_id)
    if loaded is None:
        abort(404)
    grid, data = loaded
    charts = [
        (series, completion_chart(series, f"chart-{series.assignment_id}"))
        for series in reports.completion_charts(grid, data)
    ]
    table = reports.grid_table(grid, key, descending)
    learner_href = url_for("classroom_reports.learner", classroom_id=classroom_id, user_id=0)
    return render_template(
        "classrooms/report.html",
        classroom=grid.classroom,
        table=table,
        body=grid_body(table, learner_href.removesuffix("0")),
        columns=grid.columns,
        sort=key.value,
        order="desc" if descending else "asc",
        charts=charts,
    )


@bp.get("/classes/<int:classroom_id>/report.csv")
@login_required
def grid_csv(classroom_id: int) -> ResponseReturnValue:
    _guard(classroom_id)
    key, descending = _sort()
    loaded = reports.load_grid(db.session, classroom_id)
    if loaded is None:
        abort(404)
    return _csv(reports.grid_table(loaded[0], key, descending), f"class-{classroom_id}-report.csv")


@bp.get("/classes/<int:classroom_id>/report/learners/<int:user_id>")
@login_required
def learner(classroom_id: int, user_id: int) -> ResponseReturnValue:
    _guard(classroom_id)
    loaded = reports.load_learner(db.session, classroom_id, user_id) if user_id <= MAX_ID else None
    if loaded is None:
        abort(404, description="No learner of this class has that number.")
    grid, row = loaded
    return render_template(
        "classrooms/report_learner.html",
        classroom=grid.classroom,
        columns=grid.columns,
        row=row,
    )


def _items(classroom_id: int) -> tuple[object, list[reports.ItemRow]]:
    _guard(classroom_id)
    loaded = reports.load_items(
        db.session, classroom_id, lesson_url=lambda uid: url_for("catalog.lesson", uid=uid)
    )
    if loaded is None:
        abort(404)
    return loaded


@bp.get("/classes/<int:classroom_id>/report/items")
@login_required
def items(classroom_id: int) -> ResponseReturnValue:
    classroom, rows = _items(classroom_id)
    return render_template(
        "classrooms/report_items.html",
        classroom=classroom,
        items=rows,
        table=reports.items_table(rows),
        min_attempts=reports.MIN_ATTEMPTS,
    )


@bp.get("/classes/<int:classroom_id>/report/items.csv")
@login_required
def items_csv(classroom_id: int) -> ResponseReturnValue:
    _, rows = _items(classroom_id)
    return _csv(reports.items_table(rows), f"class-{classroom_id}-items.csv")
