"""Learners' progress, quiz attempts and course completions."""

from __future__ import annotations

from typing import Any


def export_for_account(session: Any, user: Any) -> dict[str, Any]:
    """The progress section of a user's data export."""
    from eduhub.progress import services

    return services.export_progress(session, user.id)


def forget_for_account(session: Any, user: Any, anonymise: bool) -> None:
    """On account deletion: unlink the learner's records, or delete them."""
    from eduhub.progress import services

    services.forget_progress(session, user.id, anonymise=anonymise)


def init_app(app: Any) -> None:
    """Register the blueprint, and the progress sections of account export and deletion."""
    from eduhub.accounts import services as accounts
    from eduhub.progress.views import bp

    accounts.register_exporter("progress", export_for_account)
    accounts.register_deleter(forget_for_account)
    app.register_blueprint(bp)
