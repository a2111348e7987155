"""Print how long password-reset requests take for an address with an account and without,
while the mail server takes two seconds to answer (as a slow or unreachable one would).

    .venv/bin/python bench/reset_timing.py              # 30 requests of each kind
    .venv/bin/python bench/reset_timing.py --runs 100

Figures only: nothing here asserts a target. Before the outbox, known addresses took the SMTP
time and unknown ones did not; now both should show the same milliseconds.
"""

from __future__ import annotations

import argparse
import secrets
import smtplib
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from flask_migrate import upgrade  # noqa: E402

from eduhub import create_app  # noqa: E402
from eduhub.accounts import mail, services  # noqa: E402
from eduhub.accounts.models import User  # noqa: E402
from eduhub.extensions import db  # noqa: E402


class SlowSMTP:
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        time.sleep(2)

    def __enter__(self) -> SlowSMTP:
        return self

    def __exit__(self, *exc: object) -> None:
        pass

    def starttls(self, **kwargs: Any) -> None:
        pass

    def send_message(self, message: Any) -> None:
        pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    smtplib.SMTP = SlowSMTP  # type: ignore[misc,assignment]
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(
            {
                "TESTING": True,
                "INSTANCE_PATH": tmp,
                "SECRET_KEY": "bench-secret-key-not-for-production",
                "WTF_CSRF_ENABLED": False,
                "RATELIMIT_ENABLED": False,
                "MAIL_SERVER": "smtp.invalid",
                "MAIL_USE_TLS": False,
            }
        )
        with app.app_context():
            upgrade()
            db.session.add(
                User(
                    username="ada",
                    email="ada@example.org",
                    password_hash=services.hash_password(secrets.token_urlsafe(16)),
                    display_name="Ada",
                )
            )
            db.session.commit()
        client = app.test_client()
        timings: dict[str, list[float]] = {"known": [], "unknown": []}
        for n in range(args.runs):
            for kind, email in (("known", "ada@example.org"), ("unknown", f"x{n}@example.org")):
                started = time.perf_counter()
                response = client.post("/reset-password", data={"email": email})
                timings[kind].append((time.perf_counter() - started) * 1000)
                assert response.status_code == 200, response.status_code
        mail.worker_for(app).stop(timeout=0)
    for kind, values in timings.items():
        ordered = sorted(values)
        print(
            f"{kind:8} median {statistics.median(values):6.1f} ms   "
            f"p95 {ordered[int(0.95 * (len(ordered) - 1))]:6.1f} ms   ({len(values)} requests)"
        )


if __name__ == "__main__":
    main()
