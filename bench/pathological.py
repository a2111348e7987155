"""Print render and import time and peak memory for pathological lessons up to 1 MB: 1x, 2x, 4x.

    .venv/bin/python bench/pathological.py               # 0.25, 0.5 and 1 MB of each shape
    .venv/bin/python bench/pathological.py --scale 0.05  # a quick look

1 MB is the largest lesson file the reader accepts, so 4x is 1 MB.
Shapes: headings (all the same title), one wide table, lists and quotes nested as deep as the
limits allow, one long line of inline markup, many footnotes. "as validated" is what an
import does: headings and the wide table are past the limits (eduhub/rendering/limits.py) and
are refused without being parsed. "renderer, limits off" parses them anyway so the growth of
the renderer itself is visible: time and memory should double with the size. Figures only;
nothing here asserts a target. Run on an idle machine.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from eduhub import create_app  # noqa: E402
from eduhub.extensions import db  # noqa: E402
from eduhub.packs import importer  # noqa: E402
from eduhub.packs.reader import load_tree  # noqa: E402
from eduhub.rendering import render  # noqa: E402
from eduhub.rendering.limits import LIMITS  # noqa: E402
from tests.factories import write_course, write_lesson, write_org  # noqa: E402

MB = 1_000_000


def _repeat(unit: str, size: int) -> str:
    return unit * max(1, size // len(unit))


def _nested() -> str:
    depth = LIMITS.nesting
    lists = "".join("  " * d + "- item\n" for d in range(depth)) + "\n"
    quotes = "> " * depth + "quoted\n\n"
    return lists + quotes


SHAPES: dict[str, Callable[[int], str]] = {
    "headings": lambda size: _repeat("## Step\n\nDo it.\n\n", size),
    "wide table": lambda size: (
        "|" + " c |" * (size // 12) + "\n|" + "---|" * (size // 12) + "\n|" + " x |" * (size // 12)
    ),
    "deep nesting": lambda size: _repeat(_nested(), size),
    "long line": lambda size: _repeat("word *em* `code` [link](https://x.org) ", size),
    "footnotes": lambda size: (
        "".join(f"Fact[^{i}].\n\n" for i in range(size // 40))
        + "".join(f"[^{i}]: Source {i}.\n" for i in range(size // 40))
    ),
}


def measure(work: Callable[[], object]) -> tuple[float, float]:
    """(seconds, peak MB): timed without tracemalloc, then run again under it."""
    started = time.perf_counter()
    work()
    seconds = time.perf_counter() - started
    tracemalloc.start()
    try:
        work()
        peak = tracemalloc.get_traced_memory()[1] / MB
    finally:
        tracemalloc.stop()
    return seconds, peak


def render_unlimited(source: str) -> None:
    checker = render.check_limits
    render.check_limits = lambda *args, **kwargs: []  # type: ignore[assignment]
    try:
        render.render_markdown(source)
    finally:
        render.check_limits = checker


def import_once(source: str) -> str:
    """Validate and import a pack of this one lesson into a throwaway SQLite database."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "pack"
        course = write_course(write_org(root, "town"), "big", lessons=["big.md"])
        write_lesson(course, "big.md", body=source, id="big", title="Big")
        app = create_app({"INSTANCE_PATH": str(Path(tmp) / "instance"), "LOG_LEVEL": "WARNING"})
        with app.app_context():
            db.create_all()  # a benchmark's throwaway database; the app itself uses migrations
            tree = load_tree(root)
            if tree.errors:
                return f"refused: {tree.errors[0].text}"
            importer.import_tree(db.session, tree, media_dir=Path(tmp) / "media")
            db.session.commit()
            db.session.remove()
            db.engine.dispose()
        return "imported"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", type=float, default=0.25, help="size of 1x in MB")
    args = parser.parse_args()
    base = int(args.scale * MB)
    print(f"{'shape':<13} {'size':>7}  {'renderer, limits off':>22}  {'validate + import':>20}")
    for name, make in SHAPES.items():
        for factor in (1, 2, 4):
            source = make(base * factor)
            seconds, peak = measure(lambda source=source: render_unlimited(source))  # type: ignore[misc]
            started = time.perf_counter()
            outcome = import_once(source)
            imported = time.perf_counter() - started
            print(
                f"{name:<13} {len(source) / MB:>5.1f}MB  {seconds:>8.2f} s {peak:>8.0f} MB  "
                f"{imported:>8.2f} s  {outcome[:60]}"
            )


if __name__ == "__main__":
    main()
