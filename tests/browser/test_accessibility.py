"""Pages pass axe-core's WCAG 2.1 A and AA checks in a real browser (Debian's Chromium)."""

from __future__ import annotations

import json
import shutil
import subprocess
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from eduhub.packs import importer
from eduhub.packs.reader import load_tree

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
    "/search?q=sollar+batteries&course=riverbend/solar-energy",
    "/login",
    "/signup",
    "/reset-password",
    "/no-such-page",
]

#: Pages a signed-in learner sees (with a completed lesson and a graded quiz attempt).
SIGNED_IN_PAGES = [
    "/",
    "/dashboard",
    "/account",
    "/account/password",
    "/account/delete",
    "/courses/riverbend/solar-energy",
    "/lessons/riverbend/sun-hours-and-irradiance",
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


def run_axe(server: str, pages: list[str], cookies: list[dict[str, str]] | None = None) -> dict:  # type: ignore[type-arg]
    missing = browser_tools_missing()
    if missing:
        pytest.skip(f"browser accessibility check skipped: {missing}")
    env = {"CHROMIUM": CHROMIUM, "PATH": "/usr/bin:/bin:/usr/local/bin"}
    if cookies:
        env["EDUHUB_COOKIES"] = json.dumps(cookies)
    completed = subprocess.run(
        ["node", str(HERE / "axe.mjs"), *[server + page for page in pages]],
        capture_output=True,
        text=True,
        timeout=240,
        cwd=HERE,
        env=env,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr[-2000:]
    results = json.loads(completed.stdout)
    assert len(results) == len(pages)
    return results


def serious_violations(server: str, results: dict) -> dict:  # type: ignore[type-arg]
    serious = {
        url.removeprefix(server): [v for v in found if v["impact"] in ("serious", "critical")]
        for url, found in results.items()
    }
    return {url: found for url, found in serious.items() if found}


def test_signed_in_pages_have_no_serious_accessibility_violations(app, db, server: str) -> None:  # type: ignore[no-untyped-def]
    from eduhub.catalog import services as catalog
    from eduhub.progress import services as progress
    from tests.progress.helpers import learner

    ada = learner(db, "ada")
    progress.mark_complete(
        db.session, ada.id, catalog.get_lesson(db.session, "riverbend/what-is-solar-power")
    )
    db.session.commit()
    serializer = app.session_interface.get_signing_serializer(app)
    cookie = serializer.dumps({"_user_id": ada.get_id(), "_fresh": True})
    host = server.split("//")[1].split(":")[0]
    cookies = [{"name": "session", "value": cookie, "domain": host, "path": "/"}]
    from tests.browser.classes import class_pages, session_cookie

    classes = class_pages(db, ada)
    learner_pages = SIGNED_IN_PAGES + [url for _, url in classes["learner_pages"]]
    results = run_axe(server, learner_pages, cookies)
    dashboard = next(found for url, found in results.items() if url.endswith("/dashboard"))
    assert isinstance(dashboard, list)
    assert serious_violations(server, results) == {}
    teacher = [session_cookie(app, classes["teacher"], host)]
    results = run_axe(server, [url for _, url in classes["teacher_pages"]], teacher)
    report = serious_violations(server, results)
    assert report == {}, json.dumps(report, indent=2)


def test_pages_have_no_serious_accessibility_violations(server: str) -> None:
    results = run_axe(server, PAGES)
    report = serious_violations(server, results)
    assert report == {}, json.dumps(report, indent=2)
