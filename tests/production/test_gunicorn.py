"""gunicorn.conf.py: its settings, and a real gunicorn started with it on a loopback port."""

from __future__ import annotations

import json
import os
import runpy
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from flask_migrate import upgrade

from eduhub.extensions import db as _db
from eduhub.packs import importer
from eduhub.packs.reader import load_tree
from tests.conftest import make_app
from tests.factories import write_pack

ROOT = Path(__file__).resolve().parents[2]
CONF = ROOT / "gunicorn.conf.py"
_ENV_NAMES = ("GUNICORN_WORKERS", "WORKERS", "GUNICORN_THREADS", "GUNICORN_BIND", "HOST", "PORT")


def load_conf(monkeypatch: pytest.MonkeyPatch, **env: str) -> dict:  # type: ignore[type-arg]
    for name in _ENV_NAMES:
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(CONF))


def test_workers_follow_the_cores_capped_and_overridable(monkeypatch: pytest.MonkeyPatch) -> None:
    conf = load_conf(monkeypatch)
    assert [conf["default_workers"](n) for n in (1, 2, 3, 4, 64)] == [3, 5, 7, 8, 8]
    assert conf["workers"] == conf["default_workers"](os.cpu_count())
    assert load_conf(monkeypatch, WORKERS="3")["workers"] == 3
    assert load_conf(monkeypatch, WORKERS="3", GUNICORN_WORKERS="2")["workers"] == 2
    conf = load_conf(monkeypatch, HOST="0.0.0.0", PORT="9001")  # noqa: S104
    assert conf["bind"] == "0.0.0.0:9001"
    assert conf["threads"] >= 2
    assert conf["worker_class"] == "gthread"
    assert conf["timeout"] > 0
    assert conf["graceful_timeout"] > 0
    assert conf["accesslog"] == "-"
    assert conf["wsgi_app"] == "wsgi:app"


@pytest.mark.parametrize("value", ["many", "0", "-2"])
def test_a_bad_worker_count_stops_with_a_message(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    with pytest.raises(SystemExit, match="WORKERS"):
        load_conf(monkeypatch, WORKERS=value)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def get(url: str) -> tuple[int, dict]:  # type: ignore[type-arg]
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310  (loopback)
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def wait_for(predicate, seconds: float = 30):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = predicate()
        if found:
            return found
        time.sleep(0.2)
    raise AssertionError("timed out waiting")


def worker_pids(master: int) -> list[int]:
    children = Path(f"/proc/{master}/task/{master}/children")
    return [int(pid) for pid in children.read_text().split()] if children.exists() else []


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc for worker pids")
def test_gunicorn_serves_readyz_and_a_crashing_worker_leaves_a_stack_trace(
    tmp_path: Path,
) -> None:
    database = tmp_path / "eduhub.sqlite3"
    instance = tmp_path / "instance"
    env = {
        **os.environ,
        "EDUHUB_DATABASE_URL": f"sqlite:///{database}",
        "EDUHUB_INSTANCE_PATH": str(instance),
        "EDUHUB_SECRET_KEY": "a-test-secret-key-for-gunicorn",
        "EDUHUB_BASE_URL": "http://127.0.0.1",
        "EDUHUB_MAIL_DELIVERY": "command",
        "GUNICORN_WORKERS": "1",
        "GUNICORN_BIND": f"127.0.0.1:{free_port()}",
    }
    # The node's database, migrated and holding a pack, and its index: what `make run` prepares.
    app = make_app(
        tmp_path, None, DATABASE_URL=env["EDUHUB_DATABASE_URL"], INSTANCE_PATH=str(instance)
    )
    with app.app_context():
        upgrade()
        tree = load_tree(write_pack(tmp_path / "packs"))
        importer.import_tree(_db.session, tree, media_dir=Path(app.config["MEDIA_DIR"]))
        _db.session.commit()
        _db.engine.dispose()

    base = f"http://{env['GUNICORN_BIND']}"
    log = tmp_path / "gunicorn.log"
    with open(log, "wb") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--config", str(CONF)],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_for(lambda: "EduHub is listening: open http://127.0.0.1:" in log.read_text())

        def answered() -> tuple[int, dict] | None:  # type: ignore[type-arg]
            try:
                return get(base + "/readyz")
            except OSError:
                return None

        status, body = wait_for(answered)
        assert status == 200, body
        assert body["status"] == "ready"
        assert get(base + "/healthz")[0] == 200
        assert '"GET /readyz HTTP/1.1" 200' in log.read_text()  # the access log

        # A worker dying of SIGSEGV (as one did under load) prints its stacks, and is replaced.
        (worker,) = wait_for(lambda: worker_pids(server.pid))
        os.kill(worker, signal.SIGSEGV)
        wait_for(lambda: "Fatal Python error: Segmentation fault" in log.read_text())
        text = log.read_text()
        assert "Current thread" in text or "Thread 0x" in text
        wait_for(lambda: [pid for pid in worker_pids(server.pid) if pid != worker])
        assert wait_for(answered)[0] == 200
    finally:
        server.send_signal(signal.SIGTERM)  # graceful stop
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    assert server.returncode == 0, log.read_text()[-2000:]
