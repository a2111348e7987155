"""gunicorn settings for one EduHub node: ``gunicorn -c gunicorn.conf.py`` (``make run`` does).

Every value can be overridden from the environment (or on the command line, which wins):
``GUNICORN_WORKERS`` or ``WORKERS``, ``GUNICORN_THREADS``, ``GUNICORN_BIND`` (or ``HOST`` and
``PORT``), ``GUNICORN_TIMEOUT``, ``GUNICORN_GRACEFUL_TIMEOUT``, ``GUNICORN_ACCESS_LOG`` ("-" is
stdout, "" turns it off). See docs/deploy.md.
"""

from __future__ import annotations

import faulthandler
import multiprocessing
import os
import sys
from typing import Any

#: Workers by default: 2 x cores + 1 (gunicorn's rule for sync/gthread workers), capped so a
#: large machine does not start dozens of processes each holding its own caches and index.
MAX_DEFAULT_WORKERS = 8


def _int(names: tuple[str, ...], default: int) -> int:
    for name in names:
        value = os.environ.get(name, "").strip()
        if value:
            try:
                number = int(value)
            except ValueError:
                message = f"gunicorn.conf.py: {name}={value!r} is not a whole number"
                raise SystemExit(message) from None
            if number < 1:
                raise SystemExit(f"gunicorn.conf.py: {name} must be at least 1, not {number}")
            return number
    return default


def default_workers(cores: int | None = None) -> int:
    cores = cores or multiprocessing.cpu_count()
    return min(2 * cores + 1, MAX_DEFAULT_WORKERS)


wsgi_app = "wsgi:app"
bind = os.environ.get("GUNICORN_BIND") or (
    f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
)
workers = _int(("GUNICORN_WORKERS", "WORKERS"), default_workers())
# gthread: a slow client or a long import request does not hold a whole worker.
worker_class = "gthread"
threads = _int(("GUNICORN_THREADS",), 4)
# A request running longer than this is stuck: the arbiter kills the worker (and faulthandler
# below prints where it was).
timeout = _int(("GUNICORN_TIMEOUT",), 30)
# On SIGHUP / SIGTERM, workers finish their requests for up to this long before being killed.
graceful_timeout = _int(("GUNICORN_GRACEFUL_TIMEOUT",), 30)
keepalive = 5
# Recycle workers now and then (jittered so they do not restart together): bounds any slow leak.
max_requests = _int(("GUNICORN_MAX_REQUESTS",), 10_000)
max_requests_jitter = max_requests // 10
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# Response time in microseconds (%(D)s) at the end of the usual combined format.
access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(D)sus'
# The app is imported in each worker, not the arbiter: a restart (SIGHUP) loads new code, and
# no database connection or index searcher is shared across a fork.
preload_app = False
proc_name = "eduhub"


def post_fork(_server: Any, _worker: Any) -> None:
    """Each worker dumps every thread's stack to the error log (stderr) on SIGSEGV, SIGFPE,
    SIGABRT, SIGBUS or SIGILL: a crash in a C extension leaves a trace, not just "exited".
    (Not on SIGUSR1: gunicorn's workers use it to reopen their logs.)"""
    faulthandler.enable(file=sys.stderr, all_threads=True)


def worker_abort(worker: Any) -> None:
    """A worker killed for exceeding ``timeout`` (SIGABRT): say where it was stuck."""
    worker.log.warning("worker %s timed out; its stacks follow", worker.pid)
    faulthandler.dump_traceback(file=sys.stderr, all_threads=True)


def on_starting(_server: Any) -> None:
    """Check EduHub's settings once, in the arbiter, before any worker starts: a missing base
    URL or a bad value stops gunicorn with one clear line rather than one per worker."""
    os.environ.setdefault("EDUHUB_ENV", "production")  # as wsgi.py does
    from eduhub.config import ConfigError, load
    from eduhub.extensions import check_ratelimit_storage

    try:
        check_ratelimit_storage(load()["RATELIMIT_STORAGE_URI"])
    except ConfigError as exc:
        print(f"eduhub: {exc}", file=sys.stderr, flush=True)
        raise SystemExit(1) from None


def when_ready(server: Any) -> None:
    for listener in server.LISTENERS:  # the real address, also when bound to port 0
        address = str(listener).replace("http://0.0.0.0:", "http://127.0.0.1:")
        server.log.info("EduHub is listening: open %s/", address)
