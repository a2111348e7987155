"""The index follows every commit: writes inside a request reach search without any CLI."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask import Flask, abort
from sqlalchemy import select

from eduhub.catalog.models import Lesson, Organization
from eduhub.orm import utcnow
from eduhub.packs import importer
from eduhub.packs.reader import load_tree
from eduhub.search import sync
from eduhub.search.store import IndexBusy, IndexStore
from tests.factories import write_lesson
from tests.search.test_views import pack


def hits(client: Any, query: str) -> set[str]:
    return {
        hit["id"] for hit in client.get("/api/v1/search", query_string={"q": query}).json["hits"]
    }


@pytest.fixture
def imported(runner, tmp_path: Path) -> Path:  # type: ignore[no-untyped-def]
    root = pack(tmp_path / "packs")
    result = runner.invoke(args=["content", "import", str(root)])
    assert result.exit_code == 0, result.output
    return root


@pytest.fixture
def routes(app: Flask, db) -> None:  # type: ignore[no-untyped-def]
    """Writers the app does not have yet (a web publish, a retirement, a rename), as routes."""
    from eduhub.extensions import csrf

    def lesson(uid: str) -> Lesson:
        return db.session.scalars(select(Lesson).where(Lesson.uid == uid)).one()

    @app.post("/_t/publish")
    def publish() -> str:
        from flask import request

        tree = load_tree(Path(request.form["path"]))
        importer.import_tree(db.session, tree, media_dir=Path(app.config["MEDIA_DIR"]))
        return "published"

    @app.post("/_t/retitle/<path:uid>")
    def retitle(uid: str) -> str:
        lesson(uid).title = "Heliotrope arrays"
        db.session.flush()
        return "ok"

    @app.post("/_t/retitle-refused/<path:uid>")
    def retitle_refused(uid: str) -> str:
        lesson(uid).title = "Heliotrope arrays"
        db.session.flush()
        abort(400, description="refused after the flush")

    @app.post("/_t/retire/<path:uid>")
    def retire(uid: str) -> str:
        lesson(uid).retired_at = utcnow()
        return "ok"

    @app.post("/_t/unretire/<path:uid>")
    def unretire(uid: str) -> str:
        lesson(uid).retired_at = None
        return "ok"

    @app.post("/_t/rename/<slug>")
    def rename(slug: str) -> str:
        org = db.session.scalars(select(Organization).where(Organization.slug == slug)).one()
        org.name = "Quillfeather Schools"
        return "ok"

    for name in ("publish", "retitle", "retitle_refused", "retire", "unretire", "rename"):
        csrf.exempt(app.view_functions[name])


def test_a_publish_inside_a_request_is_found_by_search_without_any_cli(
    client, routes, imported: Path
) -> None:  # type: ignore[no-untyped-def]
    write_lesson(
        imported / "riverbend" / "energy",
        "sun.md",
        id="sun",
        title="Solar panels",
        body="# Solar panels\n\nPerovskite is a new cell material.\n",
    )
    assert hits(client, "perovskite") == set()
    assert client.post("/_t/publish", data={"path": str(imported)}).status_code == 200
    assert hits(client, "perovskite") == {"riverbend/sun"}
    assert hits(client, "photovoltaic") == set()
    assert client.get("/healthz").json["search"]["index"] == "ok"


def test_another_process_reading_the_index_sees_the_change(
    app, client, routes, imported: Path
) -> None:  # type: ignore[no-untyped-def]
    other = IndexStore(sync.store_for(app).root)  # what another gunicorn worker holds
    with other.reading() as view:
        before = view.generation
    assert client.post("/_t/retitle/riverbend/sun").status_code == 200
    with other.reading() as view:
        assert view.generation == before + 1
    assert hits(client, "heliotrope") == {"riverbend/sun", "course:riverbend/energy"}


def test_the_generation_moves_in_the_same_flush_as_the_change(app, db, imported) -> None:  # type: ignore[no-untyped-def]
    before = sync.content_generation(db.session)
    lesson = db.session.scalars(select(Lesson).where(Lesson.uid == "riverbend/wind")).one()
    lesson.summary = "Changed"
    db.session.flush()
    assert sync.content_generation(db.session) == before + 1
    lesson.title = "Changed again"
    db.session.flush()  # one transaction, one generation
    assert sync.content_generation(db.session) == before + 1
    db.session.rollback()
    assert sync.content_generation(db.session) == before


def test_a_rolled_back_change_leaves_the_index_untouched(app, db, client, routes, imported) -> None:  # type: ignore[no-untyped-def]
    store = sync.store_for(app)
    pointer = store.pointer()
    files = {p: p.stat().st_mtime_ns for p in store.current_path().iterdir()}
    generation = sync.content_generation(db.session)
    assert client.post("/_t/retitle-refused/riverbend/sun").status_code == 400
    assert store.pointer() == pointer
    assert {p: p.stat().st_mtime_ns for p in store.current_path().iterdir()} == files
    assert sync.content_generation(db.session) == generation
    assert hits(client, "heliotrope") == set()
    assert hits(client, "solar") >= {"riverbend/sun"}


def test_a_retired_lesson_disappears_from_search_and_comes_back_when_unretired(
    client, routes, imported
) -> None:  # type: ignore[no-untyped-def]
    assert hits(client, "blades") == {"riverbend/wind"}
    assert client.post("/_t/retire/riverbend/wind").status_code == 200
    assert hits(client, "blades") == set()
    assert client.get("/healthz").json["search"]["index"] == "ok"
    assert client.post("/_t/unretire/riverbend/wind").status_code == 200
    assert hits(client, "blades") == {"riverbend/wind"}


def test_renaming_an_organization_reindexes_its_lessons_and_courses(
    client, routes, imported
) -> None:  # type: ignore[no-untyped-def]
    assert hits(client, "quillfeather") == set()
    assert client.post("/_t/rename/riverbend").status_code == 200
    assert hits(client, "quillfeather") == {
        "riverbend/sun",
        "riverbend/wind",
        "course:riverbend/energy",
    }


def test_a_failed_update_is_reported_and_the_next_commit_rebuilds(
    app, client, routes, imported, monkeypatch, caplog
) -> None:  # type: ignore[no-untyped-def]
    store = sync.store_for(app)
    real_apply = store.apply

    def busy(*args: Any, **kwargs: Any) -> bool:
        raise IndexBusy("another process is writing the search index")

    monkeypatch.setattr(store, "apply", busy)
    assert client.post("/_t/retitle/riverbend/sun").status_code == 200  # committed anyway
    assert "search index update failed" in caplog.text
    assert client.get("/healthz").json["search"]["index"] == "stale"
    assert hits(client, "heliotrope") == set()

    monkeypatch.setattr(store, "apply", real_apply)
    assert client.post("/_t/retire/riverbend/wind").status_code == 200
    # The index had missed the first change: patching would hide it, so it was rebuilt.
    assert hits(client, "heliotrope") == {"riverbend/sun", "course:riverbend/energy"}
    assert hits(client, "blades") == set()
    assert client.get("/healthz").json["search"]["index"] == "ok"


def test_the_import_command_prints_what_the_index_did(runner, imported) -> None:  # type: ignore[no-untyped-def]
    write_lesson(
        imported / "valle" / "huertos",
        "agua.md",
        id="agua",
        title="El agua del huerto",
        body="# Riego\n\nGoteo y aspersión.\n",
    )
    result = runner.invoke(args=["content", "import", str(imported)])
    assert result.exit_code == 0, result.output
    assert "search index updated (2 changed, 0 removed)" in result.output
    unchanged = runner.invoke(args=["content", "import", str(imported)])
    assert "search index" not in unchanged.output  # nothing committed, nothing to do
