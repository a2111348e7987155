"""Pages pass axe-core's WCAG 2.1 A and AA checks in a real browser (Debian's Chromium)."""

from __future__ import annotations

import json
import shutil
import subprocess
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from eduhub.catalog import importer
from eduhub.catalog.packs import load_tree

pytestmark = pytest.mark.browser

HERE = Path(__file__).resolve().parent
CONTENT = HERE.parent.parent / "content"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"

PAGES = [
    "/",
    "/courses",
    "/courses?subject=energy",
    "/cities",
    "/cities/riverbend",
    "/courses/riverbend/solar-energy",
    "/lessons/riverbend/what-is-solar-power",
    "/lessons/valle-serena/huertos-compostaje",
    "/lessons/northmere/python-reading-csv",
    "/history/riverbend/what-is-solar-power",
    "/search?q=solar",
    "/search?q=zzzzqqq",
    "/login",
    "/signup",
    "/reset-password",
    "/no-such-page",
]


def browser_tools_missing() -> str | None:
    if shutil.which("node") is None:
        return "node is not installed"
    if not Path(CHROMIUM).exists():
        return f"Chromium not found at {CHROMIUM} (apt-get install chromium)"
    if not (HERE / "node_modules" / "axe-core").is_dir():
        return "tests/browser/node_modules missing (make test runs npm ci there)"
    return None


@pytest.fixture
def server(app, db):  # type: ignore[no-untyped-def]
    importer.import_tree(db.session, load_tree(CONTENT), media_dir=Path(app.config["MEDIA_DIR"]))
    db.session.commit()
    from eduhub.search import sync

    sync.reindex(db.session, sync.store_for(app))
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()
    thread.join(timeout=5)


def test_pages_have_no_serious_accessibility_violations(server: str) -> None:
    missing = browser_tools_missing()
    if missing:
        pytest.skip(f"browser accessibility check skipped: {missing}")
    completed = subprocess.run(
        ["node", str(HERE / "axe.mjs"), *[server + page for page in PAGES]],
        capture_output=True,
        text=True,
        timeout=240,
        cwd=HERE,
        env={"CHROMIUM": CHROMIUM, "PATH": "/usr/bin:/bin:/usr/local/bin"},
        check=False,
    )
    assert completed.returncode == 0, completed.stderr[-2000:]
    results = json.loads(completed.stdout)
    assert len(results) == len(PAGES)
    serious = {
        url.removeprefix(server): [v for v in violations if v["impact"] in ("serious", "critical")]
        for url, violations in results.items()
    }
    report = {url: found for url, found in serious.items() if found}
    assert report == {}, json.dumps(report, indent=2)
