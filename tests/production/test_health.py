"""/healthz and /readyz: a node says it is up, and whether it can be sent traffic."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import text

from eduhub.catalog import services as catalog_services
from eduhub.extensions import db as _db
from eduhub.packs import importer
from eduhub.packs.reader import load_tree
from eduhub.search import sync
from tests.conftest import make_app
from tests.factories import write_pack

#: A revision before the head (0006_mail_outbox): a database a release behind.
OLDER_REVISION = "2e10659cf50e"


def _drop_everything() -> None:
    _db.session.remove()
    _db.drop_all()
    with _db.engine.begin() as connection:
        connection.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")


@pytest.fixture
def migrated(tmp_path: Path, postgres_url: str | None) -> Iterator[Flask]:
    """An app whose database was built by the migrations (not create_all), with one pack
    imported and its search index built by the import's commit."""
    app = make_app(tmp_path, postgres_url)
    with app.app_context():
        _drop_everything()
        upgrade()
        tree = load_tree(write_pack(tmp_path / "packs"))
        importer.import_tree(_db.session, tree, media_dir=Path(app.config["MEDIA_DIR"]))
        _db.session.commit()
        _db.session.remove()
        yield app
        _drop_everything()
        _db.engine.dispose()


def readyz(app: Flask) -> tuple[int, dict]:  # type: ignore[type-arg]
    response = app.test_client().get("/readyz")
    assert response.headers["Cache-Control"] == "no-store"
    return response.status_code, response.get_json()


def test_ready_when_migrated_indexed_and_reachable(migrated: Flask) -> None:
    status, body = readyz(migrated)
    assert status == 200, body
    assert body["status"] == "ready"
    checks = body["checks"]
    assert checks["database"] == "ok"
    assert checks["migrations"]["state"] == "ok"
    assert checks["migrations"]["database"] == checks["migrations"]["head"]
    assert checks["search"]["index"] == "ok"
    assert checks["search"]["index_generation"] == checks["search"]["content_generation"] >= 1
    health = migrated.test_client().get("/healthz")
    assert (health.status_code, health.get_json()["status"]) == (200, "ok")


def test_not_ready_when_migrations_are_behind(tmp_path: Path, postgres_url: str | None) -> None:
    app = make_app(tmp_path, postgres_url)
    with app.app_context():
        _drop_everything()
        upgrade(revision=OLDER_REVISION)
        try:
            status, body = readyz(app)
            assert status == 503
            assert body["status"] == "not ready"
            migrations = body["checks"]["migrations"]
            assert migrations["state"] == "behind"
            assert migrations["database"] == [OLDER_REVISION]
            assert migrations["head"] != [OLDER_REVISION]
            # …and the process is still up: liveness is another question.
            assert app.test_client().get("/healthz").status_code == 200
        finally:
            _drop_everything()
            _db.engine.dispose()


def test_not_ready_on_a_revision_this_code_does_not_know(migrated: Flask) -> None:
    with migrated.app_context(), _db.engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = 'f00dfacef00d'"))
    status, body = readyz(migrated)
    assert status == 503
    assert body["checks"]["migrations"]["state"] == "unknown"


def test_not_ready_without_a_database_schema(app: Flask) -> None:
    # The test fixture's database is made by create_all: no alembic_version at all.
    status, body = readyz(app)
    assert status == 503
    migrations = body["checks"]["migrations"]
    assert (migrations["state"], migrations["database"]) == ("behind", [])
    assert migrations["head"]


def test_not_ready_when_the_index_is_stale(migrated: Flask) -> None:
    with migrated.app_context():
        catalog_services.advance_generation(_db.session)
        _db.session.commit()
    status, body = readyz(migrated)
    assert status == 503
    search = body["checks"]["search"]
    assert search["index"] == "stale"
    assert search["index_generation"] < search["content_generation"]
    assert body["checks"]["migrations"]["state"] == "ok"


def test_not_ready_when_the_index_is_missing(migrated: Flask) -> None:
    with migrated.app_context():
        store = sync.store_for(migrated)
        current = store.current_path()
        assert current is not None
        shutil.rmtree(current)
        (store.root / "CURRENT").unlink()
    status, body = readyz(migrated)
    assert status == 503
    assert body["checks"]["search"]["index"] == "missing"


def test_not_ready_when_the_database_is_unreachable(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-folder" / "eduhub.sqlite3"
    app = make_app(tmp_path, None, DATABASE_URL=f"sqlite:///{missing}")
    try:
        status, body = readyz(app)
        assert status == 503
        assert body["checks"]["database"].startswith("unreachable")
        assert body["checks"]["migrations"] == {"state": "unknown"}
    finally:
        with app.app_context():
            _db.engine.dispose()
