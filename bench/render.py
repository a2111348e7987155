"""Print how long rendering and importing take: render time per lesson, import lessons/second.

    .venv/bin/python bench/render.py            # content/ only
    .venv/bin/python bench/render.py --runs 9   # more repetitions

Figures only: nothing here asserts a target. Run on an idle machine.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from eduhub import create_app  # noqa: E402
from eduhub.extensions import db  # noqa: E402
from eduhub.packs import importer  # noqa: E402
from eduhub.packs.reader import load_tree  # noqa: E402
from eduhub.rendering import render_markdown  # noqa: E402


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def bench_render(runs: int) -> None:
    tree = load_tree(ROOT / "content", render=False)
    sources = [(lesson.uid, lesson.markdown) for lesson in tree.lessons]
    for _, source in sources:  # warm caches: lexers, regexes, the parser
        render_markdown(source)
    per_lesson = []
    for uid, source in sources:
        timings = []
        for _ in range(runs):
            started = time.perf_counter()
            render_markdown(source)
            timings.append(time.perf_counter() - started)
        per_lesson.append((statistics.median(timings) * 1000, len(source.encode()), uid))
    times = [ms for ms, _, _ in per_lesson]
    print(f"render, {len(sources)} lessons of content/, median of {runs} runs each")
    median, p95 = statistics.median(times), percentile(times, 0.95)
    print(f"  per lesson: median {median:.1f} ms, p95 {p95:.1f} ms")
    slowest = max(per_lesson)
    print(f"  slowest: {slowest[2]} ({slowest[1] / 1024:.1f} KB) {slowest[0]:.1f} ms")
    kb = sum(size for _, size, _ in per_lesson) / 1024
    print(f"  throughput: {kb / (sum(times) / 1000):.0f} KB/s")


def bench_import() -> None:
    with tempfile.TemporaryDirectory() as instance:
        app = create_app({"INSTANCE_PATH": instance})
        with app.app_context():
            db.create_all()  # a benchmark's throwaway database; the app itself uses migrations
            started = time.perf_counter()
            tree = load_tree(ROOT / "content")
            loaded = time.perf_counter()
            report = importer.import_tree(db.session, tree, media_dir=Path(instance) / "media")
            db.session.commit()
            done = time.perf_counter()
            again = load_tree(ROOT / "content")
            importer.import_tree(db.session, again, media_dir=Path(instance) / "media")
            db.session.commit()
            second = time.perf_counter() - done
    total = done - started
    print(
        f"import of content/ into SQLite: {report.added} lessons in {total:.2f} s "
        f"({report.added / total:.0f} lessons/s; validate+render {loaded - started:.2f} s, "
        f"database {done - loaded:.2f} s); re-import of the unchanged tree {second:.2f} s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    bench_render(args.runs)
    bench_import()


if __name__ == "__main__":
    main()
