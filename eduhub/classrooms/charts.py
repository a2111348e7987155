"""Charts drawn on the server as inline SVG: readable without JavaScript, named for screen readers.

Hand-written rather than a plotting library: one step line, two axes and a due-date mark are a
few dozen lines of markup, and a library would add a dependency and a second rendering path.
Every chart carries a ``<title>`` and a ``<desc>``; the page puts a data table beside it.
"""

from __future__ import annotations

from datetime import date, datetime
from html import escape

from markupsafe import Markup

from eduhub.classrooms.reports import CompletionSeries

WIDTH, HEIGHT = 600, 240
LEFT, RIGHT, TOP, BOTTOM = 52, 16, 16, 40


def _x(day: date, start: date, end: date) -> float:
    span = max((end - start).days, 1)
    return LEFT + (WIDTH - LEFT - RIGHT) * (day - start).days / span


def _y(value: float) -> float:
    return TOP + (HEIGHT - TOP - BOTTOM) * (1 - value / 100)


LINE, GRID, DUE, AXIS = "#1d5c4d", "#d0d7de", "#9a6700", "#57606a"


def _line(kind: str, x1: float, y1: float, x2: float, y2: float) -> str:
    dash = ' stroke-dasharray="4 3"' if kind == "due" else ""
    colour = DUE if kind == "due" else GRID
    return (
        f'<line class="{kind}" stroke="{colour}"{dash} '
        f'x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}"/>'
    )


def _text(x: float, y: float, text: str, anchor: str = "start") -> str:
    return (
        f'<text class="axis" font-size="15" fill="{AXIS}" x="{x:.1f}" y="{y:.1f}" '
        f'text-anchor="{anchor}">{escape(text)}</text>'
    )


def completion_chart(series: CompletionSeries, chart_id: str) -> Markup:
    """A step line of percent done per day, from the day the assignment was set to today."""
    start, end = series.start, series.end
    points: list[str] = []
    previous = None
    for day, value in series.points:
        x, y = _x(day, start, end), _y(value)
        if previous is not None:
            points.append(f"{x:.1f},{previous:.1f}")
        points.append(f"{x:.1f},{y:.1f}")
        previous = y
    if previous is not None:
        points.append(f"{_x(end, start, end):.1f},{previous:.1f}")
    title_id, desc_id = f"{chart_id}-title", f"{chart_id}-desc"
    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}" '
        f'role="img" aria-labelledby="{title_id} {desc_id}" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{title_id}">{escape(f"Completion over time: {series.title}")}</title>',
        f'<desc id="{desc_id}">{escape(series.summary())}</desc>',
    ]
    for value in (0, 50, 100):
        y = _y(value)
        parts.append(_line("grid", LEFT, y, WIDTH - RIGHT, y))
        parts.append(_text(LEFT - 6, y + 4, f"{value}%", "end"))
    baseline = HEIGHT - BOTTOM + 18
    parts.append(_text(LEFT, baseline, start.isoformat()))
    parts.append(_text(WIDTH - RIGHT, baseline, end.isoformat(), "end"))
    due = series.due_at
    if isinstance(due, datetime) and start <= due.date() <= end:
        x = _x(due.date(), start, end)
        parts.append(_line("due", x, TOP, x, HEIGHT - BOTTOM))
        parts.append(_text(x + 4, TOP + 12, "due"))
    if points:
        parts.append(
            f'<polyline class="line" fill="none" stroke="{LINE}" stroke-width="3" '
            f'points="{" ".join(points)}"/>'
        )
    parts.append("</svg>")
    # Every text put in is escaped (_text, escape above); the rest is numbers we formatted.
    return Markup("".join(parts))  # noqa: S704
