"""On a 375 px phone no page scrolls sideways; wide blocks scroll in their own box; targets are
44 px tall; the lesson's contents come before its body. Playwright for Python drives Debian's
Chromium (never a downloaded browser)."""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from werkzeug.serving import make_server

from eduhub.packs import importer
from eduhub.packs.reader import load_tree
from tests.factories import write_course, write_lesson, write_org

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
CONTENT = Path(__file__).resolve().parents[2] / "content"
PHONE = {"width": 375, "height": 812}
#: Set to a folder to keep a screenshot of every page (to look at them, not to compare).
SHOTS = os.environ.get("EDUHUB_SCREENSHOTS")

WIDE_ROW = " | ".join(f"Column {n} heading" for n in range(1, 13))
WIDE_LESSON = f"""# Wide things

## A wide table

| {WIDE_ROW} |
|{"---|" * 12}
| {" | ".join(f"value-{n}-without-spaces" for n in range(1, 13))} |

## Long code

```python
print("{"x" * 200}")  # a line far wider than a phone
```

## A wide formula

$$
{" + ".join(f"a_{{{n}}} x^{{{n}}}" for n in range(1, 40))} = 0
$$

A word that never breaks: {"Donaudampfschifffahrtsgesellschaft" * 4}.

## Check

```quiz
id: check
pass: 50
questions:
  - id: gas
    type: single
    prompt: Which gas do plants take in?
    choices:
      - text: Oxygen
      - text: Carbon dioxide
        correct: true
  - id: sides
    type: numeric
    prompt: How many sides has a square?
    answer: 4
    unit: sides
```
"""
WIDE = "/lessons/phones/wide"

#: (what, URL) of every page type, as a guest.
PAGES = [
    ("home", "/"),
    ("catalog", "/courses"),
    ("cities", "/cities"),
    ("city", "/cities/riverbend"),
    ("course", "/courses/riverbend/solar-energy"),
    ("lesson: wide table, code, math, quiz", WIDE),
    ("lesson: tables", "/lessons/riverbend/how-a-city-budget-works"),
    ("lesson: math", "/lessons/northmere/simple-and-compound-interest"),
    ("lesson: code", "/lessons/northmere/python-reading-csv"),
    ("lesson: quiz", "/lessons/riverbend/what-is-solar-power"),
    ("history", "/history/riverbend/what-is-solar-power"),
    ("history of a revision", "/history/riverbend/what-is-solar-power?revision=1"),
    ("search", "/search?q=solar"),
    ("search, no results", "/search?q=zzzzqqq"),
    (
        "search, corrected, in one course",
        "/search?q=sollar+batteries&course=riverbend/solar-energy",
    ),
    ("sign in", "/login"),
    ("sign up", "/signup"),
    ("reset password", "/reset-password"),
    ("404", "/no-such-page"),
]
SIGNED_IN_PAGES = [
    ("home, signed in", "/"),
    ("dashboard", "/dashboard"),
    ("account", "/account"),
    ("password", "/account/password"),
    ("delete account", "/account/delete"),
    ("course, signed in", "/courses/riverbend/solar-energy"),
    ("lesson, signed in", WIDE),
]


def chromium_missing() -> str | None:
    if not Path(CHROMIUM).exists():
        return f"Chromium not found at {CHROMIUM} (apt-get install chromium; never downloaded)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright (Python) is not installed: pip install -e '.[dev]'"
    return None


@pytest.fixture
def site(app, db, tmp_path: Path) -> Iterator[str]:  # type: ignore[no-untyped-def]
    missing = chromium_missing()
    if missing:
        pytest.skip(f"phone layout check skipped: {missing}")
    media = Path(app.config["MEDIA_DIR"])
    importer.import_tree(db.session, load_tree(CONTENT), media_dir=media)
    course = write_course(write_org(tmp_path / "packs", "phones"), "layout", lessons=["wide.md"])
    write_lesson(course, "wide.md", WIDE_LESSON, id="wide", title="Wide things")
    importer.import_tree(db.session, load_tree(tmp_path / "packs"), media_dir=media)
    db.session.commit()
    from eduhub.search import sync

    sync.reindex(db.session, sync.store_for(app))
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()
    thread.join(timeout=5)


@pytest.fixture
def browser() -> Iterator[Any]:
    missing = chromium_missing()
    if missing:
        pytest.skip(f"phone layout check skipped: {missing}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield launched
        launched.close()


#: The widest elements that stick out past the viewport, to say what broke the layout.
_CULPRITS = """() => {
  const out = [];
  for (const el of document.querySelectorAll('body *')) {
    const box = el.getBoundingClientRect();
    if (box.right > window.innerWidth + 0.5 && box.width > 0) {
      let inScroller = false;
      for (let p = el.parentElement; p; p = p.parentElement) {
        const s = getComputedStyle(p);
        if (['auto', 'scroll', 'hidden'].includes(s.overflowX)
            && p.getBoundingClientRect().right <= window.innerWidth + 0.5) {
          inScroller = true;
          break;
        }
      }
      const name = el.tagName.toLowerCase() + (el.className ? '.' + el.className : '');
      if (!inScroller) out.push(name + ' ' + Math.round(box.right));
    }
  }
  return out.slice(0, 8);
}"""


def too_wide(page: Any) -> dict[str, Any] | None:
    width = page.evaluate("document.documentElement.scrollWidth")
    inner = page.evaluate("window.innerWidth")
    if width <= inner:
        return None
    return {"scrollWidth": width, "innerWidth": inner, "culprits": page.evaluate(_CULPRITS)}


def shoot(page: Any, name: str) -> None:
    if SHOTS:
        folder = Path(SHOTS)
        folder.mkdir(parents=True, exist_ok=True)
        safe = "".join(c if c.isalnum() else "-" for c in name)
        page.screenshot(path=str(folder / f"{safe}.png"), full_page=True)
        page.screenshot(path=str(folder / f"{safe}-top.png"))


def sign_in_cookie(app, db, host: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    from eduhub.catalog import services as catalog
    from eduhub.progress import services as progress
    from tests.progress.helpers import learner

    ada = learner(db, "ada")
    progress.mark_complete(
        db.session, ada.id, catalog.get_lesson(db.session, "riverbend/what-is-solar-power")
    )
    db.session.commit()
    serializer = app.session_interface.get_signing_serializer(app)
    value = serializer.dumps({"_user_id": ada.get_id(), "_fresh": True})
    return {"name": "session", "value": value, "domain": host, "path": "/"}


@pytest.mark.parametrize("javascript", [True, False], ids=["js-on", "js-off"])
def test_no_page_scrolls_sideways_on_a_phone(
    site: str, browser: Any, app, db, javascript: bool
) -> None:  # type: ignore[no-untyped-def]
    failures: dict[str, Any] = {}
    guest = browser.new_context(viewport=PHONE, java_script_enabled=javascript)
    page = guest.new_page()
    for name, url in PAGES:
        response = page.goto(site + url)
        assert response is not None
        failures[name] = too_wide(page)
        shoot(page, f"375-{'js' if javascript else 'nojs'}-{name}")
    # A guest's graded quiz, and a refused (blank) one.
    page.goto(site + WIDE)
    with page.expect_navigation():
        page.click("#quiz-check button[type=submit]")
    failures["quiz refused"] = too_wide(page)
    shoot(page, f"375-{'js' if javascript else 'nojs'}-quiz-refused")
    assert "unanswered" in page.inner_text("#quiz-check")
    page.check("#quiz-check_gas_a", force=True)
    page.fill("#quiz-check_sides_answer", "3")
    with page.expect_navigation():
        page.click("#quiz-check button[type=submit]")
    assert "You got" in page.inner_text("#quiz-check")
    failures["quiz graded"] = too_wide(page)
    shoot(page, f"375-{'js' if javascript else 'nojs'}-quiz-graded")
    guest.close()

    host = site.split("//")[1].split(":")[0]
    cookie = sign_in_cookie(app, db, host)
    from tests.browser.classes import class_pages, session_cookie, user_named

    classes = class_pages(db, user_named(db, "ada"))
    learner_context = browser.new_context(viewport=PHONE, java_script_enabled=javascript)
    learner_context.add_cookies([cookie])
    page = learner_context.new_page()
    for name, url in SIGNED_IN_PAGES + classes["learner_pages"]:
        page.goto(site + url)
        failures[name] = too_wide(page)
        shoot(page, f"375-{'js' if javascript else 'nojs'}-{name}")
    learner_context.close()
    teacher_context = browser.new_context(viewport=PHONE, java_script_enabled=javascript)
    teacher_context.add_cookies([session_cookie(app, classes["teacher"], host)])
    page = teacher_context.new_page()
    for name, url in classes["teacher_pages"]:
        page.goto(site + url)
        failures[name] = too_wide(page)
        shoot(page, f"375-{'js' if javascript else 'nojs'}-{name}")
    teacher_context.close()
    wide = {name: found for name, found in failures.items() if found}
    assert wide == {}, json.dumps(wide, indent=1)


def test_wide_blocks_scroll_in_their_own_named_focusable_box(site: str, browser: Any) -> None:
    page = browser.new_context(viewport=PHONE).new_page()
    page.goto(site + WIDE)
    boxes = page.evaluate(
        """() => ['.lesson-body table', '.lesson-body pre', '.lesson-body .math-block'].map(sel => {
          const el = document.querySelector(sel);
          const box = el.closest('[tabindex="0"]');
          return {sel, scrolls: box.scrollWidth > box.clientWidth,
                  overflow: getComputedStyle(box).overflowX,
                  name: box.getAttribute('aria-label') || box.getAttribute('aria-labelledby') || '',
                  right: box.getBoundingClientRect().right};
        })"""
    )
    for box in boxes:
        assert box["scrolls"], f"{box['sel']} is not wider than its box: the test proves nothing"
        assert box["overflow"] in ("auto", "scroll"), box
        assert box["right"] <= PHONE["width"], box
        assert box["name"], f"{box['sel']}: its scrolling box has no accessible name"


def test_lesson_contents_come_first_folded_and_targets_are_44px(site: str, browser: Any) -> None:
    page = browser.new_context(viewport=PHONE).new_page()
    page.goto(site + WIDE)
    toc_top = page.evaluate("document.querySelector('.toc').getBoundingClientRect().top")
    body_top = page.evaluate("document.querySelector('.lesson-body').getBoundingClientRect().top")
    assert toc_top < body_top, "on a phone the contents come before the lesson"
    assert page.evaluate("!!document.querySelector('.toc details:not([open]) summary')")
    assert not page.is_visible(".toc ol"), "folded until opened"
    page.click(".toc summary")
    assert page.is_visible(".toc ol")

    small = page.evaluate(
        """() => [...document.querySelectorAll(
            'main button, main .button, .quiz-choices label, .toc summary')]
          .map(el => [el.textContent.trim().slice(0, 30), el.getBoundingClientRect().height])
          .filter(([, h]) => h < 44)"""
    )
    assert small == []
    targets = page.evaluate("document.querySelectorAll('.quiz-choices label').length")
    assert targets == 2


def test_on_a_wide_screen_the_contents_are_a_sidebar(site: str, browser: Any) -> None:
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    page.goto(site + WIDE)
    shoot(page, "1280-lesson")
    box = (
        "(s) => [document.querySelector(s).getBoundingClientRect()].map(b => [b.left, b.right])[0]"
    )
    toc = page.evaluate(box, ".toc")
    body = page.evaluate(box, ".lesson-body")
    assert toc[0] >= body[1], "the contents stand to the right of the lesson"
    assert page.is_visible(".toc ol"), "on a wide screen the contents are open"
    assert too_wide(page) is None
