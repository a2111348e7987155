"""Class report pages in Debian's Chromium: no sideways scroll at 375 px (JavaScript on and
off), the grid scrolls in its own named box, and axe-core finds no serious violation."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from werkzeug.serving import make_server

from eduhub.orm import utcnow
from tests.browser.test_accessibility import run_axe, serious_violations
from tests.browser.test_phones import PHONE, browser, chromium_missing, shoot, too_wide
from tests.classrooms import report_factories as rf

pytestmark = pytest.mark.browser
__all__ = ["browser"]  # the fixture, imported so this module can use it

DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture
def report_site(app, db, tmp_path: Path) -> Iterator[dict[str, Any]]:  # type: ignore[no-untyped-def]
    """A class of 24 learners with long names, eight assigned lessons, progress and attempts."""
    uids = rf.quiz_pack(app, db, tmp_path / "packs", lessons=8)
    teacher = rf.users(db, ["tess"], role="teacher")[0]
    learners = rf.users(db, [f"learner-with-a-long-name-{i}" for i in range(24)])
    room = rf.classroom(db, [teacher], learners, name="Grade 7B, Riverbend North Secondary")
    rf.assign(db, room, uids[:5], title="Plants week", due_at=utcnow() + timedelta(days=3))
    rf.assign(db, room, uids[5:], title="Catch-up", recipients=learners[:6])
    for i, learner in enumerate(learners):
        for uid in uids[: i % 6]:
            rf.progress(db, learner, uid, done=i % 3 != 0, seconds=120 * i)
            rf.attempt(db, learner, uid, "abc"[i % 3], created_at=utcnow() - timedelta(days=i % 5))
    db.session.commit()
    serializer = app.session_interface.get_signing_serializer(app)
    cookie = serializer.dumps({"_user_id": teacher.get_id(), "_fresh": True})
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    base = f"/classes/{room.id}/report"
    yield {
        "site": f"http://127.0.0.1:{httpd.server_port}",
        "cookie": {"name": "session", "value": cookie, "domain": "127.0.0.1", "path": "/"},
        "pages": [
            ("report", base),
            ("report sorted", base + "?sort=score&order=desc"),
            ("report items", base + "/items"),
            ("report learner", f"{base}/learners/{learners[1].id}"),
        ],
    }
    httpd.shutdown()
    thread.join(timeout=5)


@pytest.mark.parametrize("javascript", [True, False], ids=["js-on", "js-off"])
def test_report_pages_do_not_scroll_sideways_on_a_phone(
    report_site: dict[str, Any], browser: Any, javascript: bool
) -> None:
    context = browser.new_context(viewport=PHONE, java_script_enabled=javascript)
    context.add_cookies([report_site["cookie"]])
    page = context.new_page()
    failures = {}
    for name, url in report_site["pages"]:
        response = page.goto(report_site["site"] + url)
        assert response is not None
        assert response.status == 200, url
        failures[name] = too_wide(page)
        shoot(page, f"375-{'js' if javascript else 'nojs'}-{name}")
    context.close()
    wide = {name: found for name, found in failures.items() if found}
    assert wide == {}, json.dumps(wide, indent=1)


def test_report_grid_scrolls_in_its_own_box_and_fits_a_desktop(
    report_site: dict[str, Any], browser: Any
) -> None:
    for viewport in (PHONE, DESKTOP):
        context = browser.new_context(viewport=viewport)
        context.add_cookies([report_site["cookie"]])
        page = context.new_page()
        page.goto(report_site["site"] + report_site["pages"][0][1])
        box = page.evaluate(
            """() => { const b = document.querySelector('#report-grid').parentElement;
              return {role: b.getAttribute('role'), tab: b.tabIndex,
                      scrolls: b.scrollWidth > b.clientWidth,
                      label: document.getElementById(
                        b.getAttribute('aria-labelledby')).textContent}; }"""
        )
        assert box["role"] == "region"
        assert box["tab"] == 0
        assert box["label"].startswith("Learners × assigned lessons")
        assert box["scrolls"]  # 7 lesson columns do not fit even 1280 px: the box scrolls
        assert too_wide(page) is None
        # The chart fits the viewport and is named.
        chart = page.evaluate(
            """() => { const s = document.querySelector('svg.chart').getBoundingClientRect();
              return s.right <= window.innerWidth; }"""
        )
        assert chart
        shoot(page, f"{viewport['width']}-report")
        for name, url in report_site["pages"][1:]:
            page.goto(report_site["site"] + url)
            assert too_wide(page) is None, name
            shoot(page, f"{viewport['width']}-{name}")
        context.close()


def test_report_pages_have_no_serious_accessibility_violations(
    report_site: dict[str, Any],
) -> None:
    if chromium_missing():
        pytest.skip(chromium_missing() or "")
    site = report_site["site"]
    pages = [url for _, url in report_site["pages"]]
    results = run_axe(site, pages, cookies=[report_site["cookie"]])
    assert serious_violations(site, results) == {}
