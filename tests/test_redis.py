"""The documented production setting: rate limits counted in Redis, and every import declared."""

from __future__ import annotations

import ast
import importlib.metadata
import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from packaging.requirements import Requirement

from eduhub import config
from eduhub.extensions import limiter
from tests.conftest import make_app

REDIS_URL = os.environ.get("EDUHUB_TEST_REDIS_URL", "redis://127.0.0.1:6379")
PROJECT = Path(__file__).resolve().parent.parent


def _redis_client():  # type: ignore[no-untyped-def]
    redis = pytest.importorskip("redis", reason="the redis extra is not installed")
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.exceptions.ConnectionError:
        pytest.skip(f"Redis does not answer at {REDIS_URL}")
    return client


@pytest.fixture
def client_address() -> Iterator[str]:
    """A client address of this test's own, so its counts in the shared Redis are its own
    (limits are keyed by address); its keys are removed afterwards."""
    client = _redis_client()
    token = uuid.uuid4().bytes
    address = f"10.{token[0]}.{token[1]}.{token[2]}"
    yield address
    keys = list(client.scan_iter(f"*/{address}/*"))
    if keys:
        client.delete(*keys)
    client.close()


def _redis_app(tmp_path: Path, postgres_url: str | None) -> Flask:
    return make_app(tmp_path, postgres_url, RATELIMIT_STORAGE_URI=REDIS_URL, WTF_CSRF_ENABLED=False)


# --------------------------------------------------------------------------- dependencies


def _declared(extra: str | None = None) -> set[str]:
    names = set()
    for line in importlib.metadata.requires("eduhub") or []:
        requirement = Requirement(line)
        marker = requirement.marker
        if extra is None:
            wanted = marker is None
        else:
            wanted = bool(marker and marker.evaluate({"extra": extra}))
        if wanted:
            names.add(requirement.name.lower().replace("_", "-"))
    return names


def _imported_top_level_modules() -> set[str]:
    found = set()
    for file in [*(PROJECT / "eduhub").rglob("*.py"), PROJECT / "wsgi.py"]:
        for node in ast.walk(ast.parse(file.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                found.add(node.module.split(".")[0])
    return found - set(sys.stdlib_module_names) - {"eduhub"}


def test_every_package_the_code_imports_is_a_declared_dependency() -> None:
    owners = importlib.metadata.packages_distributions()
    declared = _declared()
    missing = {}
    for module in sorted(_imported_top_level_modules()):
        distributions = {d.lower().replace("_", "-") for d in owners.get(module, [module])}
        if not distributions & declared:
            missing[module] = sorted(distributions)
    assert missing == {}, f"imported but not in [project] dependencies: {missing}"


def test_redis_is_an_extra_that_the_deployment_docs_and_the_dev_extra_install() -> None:
    assert "limits" in {name.split("[")[0] for name in _declared("redis")}
    redis_extra = [
        Requirement(line)
        for line in importlib.metadata.requires("eduhub") or []
        if 'extra == "redis"' in line
    ]
    assert any("redis" in r.extras for r in redis_extra)
    dev = [
        Requirement(line)
        for line in importlib.metadata.requires("eduhub") or []
        if 'extra == "dev"' in line
    ]
    assert any(r.name == "limits" and "redis" in r.extras for r in dev)
    install_lines = [
        line
        for line in (PROJECT / "docs" / "deployment.md").read_text().splitlines()
        if "pip install" in line
    ]
    assert any("redis" in line for line in install_lines), install_lines


def test_dev_tools_have_upper_bounds() -> None:
    for line in importlib.metadata.requires("eduhub") or []:
        requirement = Requirement(line)
        if 'extra == "dev"' not in line:
            continue
        operators = {spec.operator for spec in requirement.specifier}
        assert operators & {"<", "<=", "==", "~="}, f"{requirement.name} has no upper bound"


# --------------------------------------------------------------------------- start-up


def test_app_starts_with_the_documented_redis_url(
    tmp_path: Path, postgres_url: str | None, client_address: str
) -> None:
    app = _redis_app(tmp_path, postgres_url)
    assert type(limiter.storage).__name__ == "RedisStorage"
    assert limiter.storage.check()
    with app.app_context():
        from eduhub.extensions import db

        db.create_all()
        try:
            assert app.test_client().get("/login").status_code == 200
        finally:
            db.drop_all()
            db.engine.dispose()


def test_the_documented_setting_starts_the_app_from_the_environment(
    tmp_path: Path, client_address: str
) -> None:
    """The exact line of docs/deployment.md, through the real `eduhub` command."""
    environ = dict(os.environ)
    environ.update(
        EDUHUB_RATELIMIT_STORAGE_URI="redis://127.0.0.1:6379",
        EDUHUB_INSTANCE_PATH=str(tmp_path / "instance"),
        EDUHUB_SECRET_KEY="test-secret-key-not-for-production",
    )
    environ.pop("EDUHUB_DATABASE_URL", None)
    eduhub = Path(sys.executable).with_name("eduhub")
    result = subprocess.run(
        [str(eduhub), "routes"], env=environ, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert "/login" in result.stdout


@pytest.mark.parametrize(
    ("uri", "message"),
    [
        ("bogus://somewhere", "is not a storage EduHub can count rate limits in"),
        ("redis://127.0.0.1:1", "does not answer: is Redis running there?"),
        ("redis://user:hunter22@127.0.0.1:port", "is not a valid URL"),
    ],
)
def test_a_bad_storage_uri_stops_the_app_with_a_clear_message(
    tmp_path: Path, uri: str, message: str
) -> None:
    with pytest.raises(config.ConfigError, match=message.replace("?", r"\?")) as caught:
        make_app(tmp_path, None, RATELIMIT_STORAGE_URI=uri)
    assert "EDUHUB_RATELIMIT_STORAGE_URI=" in str(caught.value)
    assert "hunter22" not in str(caught.value)


def test_a_missing_redis_driver_says_what_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What happened before `redis` was declared: limits cannot import its driver."""
    monkeypatch.setitem(sys.modules, "redis", None)  # `import redis` now fails
    with pytest.raises(config.ConfigError, match=r"pip install -e '\.\[redis\]'"):
        make_app(tmp_path, None, RATELIMIT_STORAGE_URI=REDIS_URL)


def test_the_cli_reports_a_bad_storage_uri_in_one_line(tmp_path: Path) -> None:
    environ = dict(os.environ)
    environ.update(
        EDUHUB_RATELIMIT_STORAGE_URI="bogus://somewhere",
        EDUHUB_INSTANCE_PATH=str(tmp_path / "instance"),
    )
    eduhub = Path(sys.executable).with_name("eduhub")
    result = subprocess.run(
        [str(eduhub), "routes"], env=environ, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("eduhub: EDUHUB_RATELIMIT_STORAGE_URI='bogus://somewhere'")


# --------------------------------------------------------------------------- counting in Redis

_OTHER_INSTANCE = """
import json, sys
from eduhub import create_app
from eduhub.extensions import db
settings = json.loads(sys.argv[1])
app = create_app(settings)
with app.app_context():
    db.create_all()
client = app.test_client()
client.environ_base["REMOTE_ADDR"] = sys.argv[3]
codes = [
    client.post("/login", data={"username": "nobody", "password": "wrong password"}).status_code
    for _ in range(int(sys.argv[2]))
]
print(json.dumps(codes))
"""


def test_sign_in_limit_is_shared_by_two_app_instances_through_redis(
    tmp_path: Path, postgres_url: str | None, client_address: str
) -> None:
    """Failed sign-ins in one process count against the next in another, as gunicorn workers."""
    from eduhub.accounts.views import SIGN_IN_LIMIT

    allowed = int(SIGN_IN_LIMIT.split()[0])  # "5 per minute; …"
    other = {
        "TESTING": True,
        "INSTANCE_PATH": str(tmp_path / "other"),
        "SECRET_KEY": "test-secret-key-not-for-production",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'other.sqlite3'}",
        "RATELIMIT_STORAGE_URI": REDIS_URL,
        "WTF_CSRF_ENABLED": False,
    }
    arguments = [json.dumps(other), str(allowed - 1), client_address]
    result = subprocess.run(
        [sys.executable, "-c", _OTHER_INSTANCE, *arguments],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=PROJECT,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == [200] * (allowed - 1)

    counted = list(_redis_client().scan_iter(f"*/{client_address}/*"))
    assert counted, "the other instance's failed sign-ins are not in Redis"

    app = _redis_app(tmp_path, postgres_url)
    with app.app_context():
        from eduhub.extensions import db

        db.create_all()
        try:
            client = app.test_client()
            client.environ_base["REMOTE_ADDR"] = client_address
            form = {"username": "nobody", "password": "wrong password"}
            assert client.post("/login", data=form).status_code == 200  # the last one allowed
            refused = client.post("/login", data=form)
            assert refused.status_code == 429
            assert "Too many attempts" in refused.get_data(as_text=True)
        finally:
            db.session.remove()
            db.drop_all()
            db.engine.dispose()


def test_a_redis_outage_after_start_falls_back_to_counting_in_the_process(
    tmp_path: Path, postgres_url: str | None, client_address: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Sign-ins neither fail with a 500 nor go unlimited while Redis is away."""
    import redis

    app = _redis_app(tmp_path, postgres_url)

    def unreachable(*_args: object, **_kwargs: object) -> None:
        raise redis.exceptions.ConnectionError("Redis went away")

    # The limiter is one object per process: put its "storage is dead" mark back afterwards.
    monkeypatch.setattr(limiter, "_storage_dead", False)
    for name in ("incr", "get", "get_expiry", "clear"):
        monkeypatch.setattr(limiter.storage, name, unreachable)
    monkeypatch.setattr(limiter.storage, "check", lambda: False)
    with app.app_context():
        from eduhub.extensions import db

        db.create_all()
        try:
            client = app.test_client()
            client.environ_base["REMOTE_ADDR"] = client_address
            form = {"username": "nobody", "password": "wrong password"}
            codes = [client.post("/login", data=form).status_code for _ in range(6)]
            assert codes == [200] * 5 + [429]
        finally:
            db.session.remove()
            db.drop_all()
            db.engine.dispose()


def test_gunicorn_entry_point_reports_a_bad_storage_uri_in_one_line(tmp_path: Path) -> None:
    """``gunicorn wsgi:app`` stops with one line instead of respawning workers forever."""
    environ = dict(os.environ)
    environ.update(
        EDUHUB_RATELIMIT_STORAGE_URI="bogus://somewhere",
        EDUHUB_INSTANCE_PATH=str(tmp_path / "instance"),
        EDUHUB_BASE_URL="http://127.0.0.1:8000",
    )
    result = subprocess.run(
        [sys.executable, "-m", "gunicorn", "--bind", "127.0.0.1:0", "wsgi:app"],
        env=environ,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=PROJECT,
    )
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    ours = [line for line in result.stderr.splitlines() if "eduhub:" in line]
    assert ours == [
        "eduhub: EDUHUB_RATELIMIT_STORAGE_URI='bogus://somewhere' is not a storage EduHub can "
        "count rate limits in (unknown storage scheme : bogus://somewhere); use memory:// or "
        "redis://host:6379"
    ], result.stderr
