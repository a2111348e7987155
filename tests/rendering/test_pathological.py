"""Pathological lessons: work grows linearly with size; past the limits the validator says where.

Nothing here times anything. Linearity is checked by counting the Python lines executed while
rendering n, 2n and 4n copies of one shape: for linear work the second difference is exactly
twice the first; a quadratic part (like de-duplicating heading ids by counting up from 1 each
time) makes it larger. Memory is compared with tracemalloc peaks.
"""

from __future__ import annotations

import sys
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import Any

import pytest

from eduhub.packs.reader import load_tree
from eduhub.rendering import render_markdown
from eduhub.rendering.limits import LIMITS, Limits, check_limits
from eduhub.rendering.slugs import UniqueSlugs
from tests.factories import write_course, write_lesson, write_org


def executed_lines(work: Callable[[], Any]) -> int:
    """How many Python lines ``work`` executes (in every function it calls)."""
    count = 0

    def local(frame: FrameType, event: str, arg: Any) -> Any:
        nonlocal count
        if event == "line":
            count += 1
        return local

    def calls(frame: FrameType, event: str, arg: Any) -> Any:
        return local

    previous = sys.gettrace()
    sys.settrace(calls)
    try:
        work()
    finally:
        sys.settrace(previous)
    return count


def assert_linear(make: Callable[[int], str], n: int, run: Callable[[str], Any]) -> None:
    f1, f2, f4 = (executed_lines(lambda k=k: run(make(k * n))) for k in (1, 2, 4))  # type: ignore[misc]
    first, second = f2 - f1, f4 - f2
    assert first > 0
    # Linear: second == 2 * first (up to a few lines); a quadratic term makes it larger.
    assert second <= 2.08 * first, (f1, f2, f4)


SHAPES: dict[str, Callable[[int], str]] = {
    # The same heading again and again: ids step-1, step-2… must not be found by counting up.
    "same headings": lambda n: "## Step\n\nDo it.\n\n" * n,
    # Numbers of one width, so that every unit of input is the same size.
    "headings and links to them": lambda n: "".join(
        f"## Part {i:05}\n\nSee [the next](#part-{i + 1:05}).\n\n" for i in range(n)
    ),
    "footnotes": lambda n: (
        "".join(f"Fact[^{i:05}].\n\n" for i in range(n))
        + "".join(f"[^{i:05}]: Source {i:05}.\n" for i in range(n))
    ),
    "admonitions": lambda n: "::: note Careful\nText.\n:::\n\n" * n,
    "table rows": lambda n: "| a | b |\n|---|---|\n" + "| 1 | 2 |\n" * n,
    "wide table": lambda n: "|" + " c |" * n + "\n|" + "---|" * n + "\n|" + " x |" * n + "\n",
    "nested lists": lambda n: "".join("  " * d + "- item\n" for d in range(8)) * n,
    "nested quotes": lambda n: "> > > > > > > > deep\n\n" * n,
    # One paragraph line: plain words are matched in C, so give it inline markup to parse.
    "long line": lambda n: "word *em* `code` [link](https://x.org) " * n + "\n",
    "math": lambda n: "Area $a^2$ and $\\frac{1}{2}$.\n\n" * n,
}


@pytest.mark.parametrize("shape", SHAPES)
def test_rendering_work_grows_linearly(shape: str) -> None:
    assert_linear(SHAPES[shape], 40, render_markdown)


def test_validating_a_pack_grows_linearly_in_headings_and_fragment_links(tmp_path: Path) -> None:
    course = write_course(write_org(tmp_path, "town"), "c", lessons=["big.md"])

    def validate(body: str) -> None:
        write_lesson(course, "big.md", body=body, id="big")
        tree = load_tree(tmp_path)
        assert not tree.errors

    assert_linear(SHAPES["headings and links to them"], 40, validate)


def test_heading_ids_are_unique_in_document_order() -> None:
    slugs = UniqueSlugs({"intro"})
    assert [slugs.add(s) for s in ("a-1", "a", "a", "a", "intro")] == [
        "a-1",
        "a",
        "a-2",
        "a-3",
        "intro-1",
    ]
    html = render_markdown("# Step\n\n# Step\n\n# Step-1\n\n# Step\n").html
    assert [chunk.split('"')[0] for chunk in html.split('id="')[1:]] == [
        "step",
        "step-1",
        "step-1-1",
        "step-2",
    ]


def peak_bytes(work: Callable[[], Any]) -> int:
    tracemalloc.start()
    try:
        work()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_memory_grows_linearly_and_a_huge_table_is_never_parsed() -> None:
    wide = SHAPES["wide table"]
    small, double = (peak_bytes(lambda n=n: render_markdown(wide(n))) for n in (300, 600))  # type: ignore[misc]
    assert double <= 2.6 * small
    huge = wide(250_000)  # 3 MB in one row (a 1 MB one was: 470 MB of tokens when parsed)
    assert len(huge) >= 1_000_000
    peak = peak_bytes(lambda: render_markdown(huge))
    assert peak < 20 * len(huge)


# --------------------------------------------------------------------------- the limits


@pytest.fixture
def course(tmp_path: Path) -> Path:
    return write_course(write_org(tmp_path, "town"), "c", lessons=["big.md"])


def errors_of(tmp_path: Path) -> list[tuple[str, int, str]]:
    tree = load_tree(tmp_path)
    return [(Path(m.path).name, m.line, m.text) for m in tree.errors]


def body_start(course: Path) -> int:
    """The file line of the body's first line (after the front matter the factory writes)."""
    text = (course / "big.md").read_text(encoding="utf-8")
    return text.split("\n").index("BODY") + 1


def test_too_many_headings_are_an_error_at_the_first_one_past_the_limit(
    tmp_path: Path, course: Path
) -> None:
    body = "BODY\n\n" + "## Step\n\n" * (LIMITS.headings + 5)
    write_lesson(course, "big.md", body=body, id="big")
    first = body_start(course)
    # Heading k (1-based) is on body line 3 + 2 * (k - 1).
    line = first + 2 + 2 * LIMITS.headings
    assert errors_of(tmp_path) == [
        ("big.md", line, "more than 1,000 headings; split the lesson into several")
    ]


def test_a_table_with_too_many_cells_is_an_error_at_its_first_line(
    tmp_path: Path, course: Path
) -> None:
    columns = 101
    rows = LIMITS.table_cells // columns + 2
    table = (
        "|"
        + " h |" * columns
        + "\n|"
        + "---|" * columns
        + "\n"
        + ("|" + " x |" * columns + "\n") * rows
    )
    write_lesson(course, "big.md", body=f"BODY\n\nIntro.\n\n{table}", id="big")
    line = body_start(course) + 4
    assert errors_of(tmp_path) == [
        (
            "big.md",
            line,
            "table with more than 10,000 cells (101 columns); split it or make it a list",
        )
    ]


def test_nesting_too_deep_is_an_error_at_the_first_line_too_deep(
    tmp_path: Path, course: Path
) -> None:
    lists = "".join("  " * d + "- level\n" for d in range(8))
    body = f"BODY\n\n{lists}\n> > > quoted\n> > > > > > > > > > > too deep\n"
    write_lesson(course, "big.md", body=body, id="big")
    line = body_start(course) + 12  # the quote after the list ends it
    assert errors_of(tmp_path) == [
        ("big.md", line, "lists and quotes nested 11 deep; at most 10 are allowed")
    ]


def test_code_blocks_do_not_count_and_ordinary_lessons_pass() -> None:
    limits = Limits(headings=2, table_cells=4, nesting=2)
    code = "```bash\n# comment\n# comment\n# comment\n> > > x\n```\n"
    assert check_limits("# One\n\n" + code + "\n## Two\n", limits=limits) == []
    assert [p.line for p in check_limits("# a\n# b\n# c\n", limits=limits, line_offset=7)] == [10]
    lesson = Path(__file__).parents[2] / "content"
    for file in lesson.rglob("*.md"):
        assert check_limits(file.read_text(encoding="utf-8")) == [], file


def test_a_lesson_past_the_limits_shows_its_source_escaped() -> None:
    rendered = render_markdown("<b>x</b>\n\n" + "# h\n" * (LIMITS.headings + 1))
    assert rendered.problems
    assert all(p.severity == "error" for p in rendered.problems)
    assert "&lt;b&gt;x&lt;/b&gt;" in rendered.html
    assert "<h1" not in rendered.html
