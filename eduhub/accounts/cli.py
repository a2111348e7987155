"""``eduhub users …``: create accounts, list them, change roles, deactivate; and
``eduhub mail send-pending``, which drains the outbox of account mail."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

import click

from eduhub.accounts import mail as outbox
from eduhub.accounts import services
from eduhub.accounts.models import Role
from eduhub.catalog.models import Organization
from eduhub.extensions import db
from eduhub.transactions import unit_of_work

ROLE = click.Choice([role.value for role in Role], case_sensitive=False)


def _account_errors(command: Callable[..., None]) -> Callable[..., None]:
    """Turn refused use cases into a clean error message and a non-zero exit (the command's
    unit_of_work has already rolled back)."""

    @wraps(command)
    def wrapped(*args: Any, **kwargs: Any) -> None:
        try:
            command(*args, **kwargs)
        except services.AccountError as exc:
            raise click.ClickException(str(exc)) from exc

    return wrapped


def _organization(slug: str | None) -> Organization | None:
    return services.find_organization(db.session, slug) if slug else None


@click.group()
def users() -> None:
    """Create and administer user accounts."""


@users.command("create")
@click.argument("username")
@click.option("--role", type=ROLE, default=Role.LEARNER.value, show_default=True)
@click.option(
    "--org", "org_slug", metavar="SLUG", help="Organization (required for contributor, reviewer)."
)
@click.option("--email", help="Email address; default USERNAME@users.invalid (no reset emails).")
@click.option("--display-name", help="Name shown to others; default the username.")
@click.option(
    "--password",
    prompt=True,
    hide_input=True,
    confirmation_prompt=True,
    help="Asked for (hidden, twice) when not given; avoid passing it here on shared machines.",
)
@_account_errors
def create(
    username: str,
    role: str,
    org_slug: str | None,
    email: str | None,
    display_name: str | None,
    password: str,
) -> None:
    """Create an account with a role.

    Example: eduhub users create ada --role contributor --org riverbend
    """
    with unit_of_work(db.session):
        user = services.create_user(
            db.session,
            username=username,
            email=email or f"{services.normalise_username(username)}@users.invalid",
            password=password,
            display_name=display_name,
            role=Role(role.lower()),
            organization=_organization(org_slug),
        )
    org = f" of {user.organization.slug}" if user.organization else ""
    click.echo(f"Created {user.username} ({user.role}{org}), email {user.email}.")


@users.command("list")
def list_() -> None:
    """List every account with its role, organization and state."""
    rows = [
        (
            user.username,
            user.role,
            user.organization.slug if user.organization else "-",
            "active" if user.active else "inactive",
            user.email,
            user.last_login_at.strftime("%Y-%m-%d %H:%M") if user.last_login_at else "never",
        )
        for user in services.list_users(db.session)
    ]
    if not rows:
        click.echo("No users yet. Create one with: eduhub users create USERNAME --role admin")
        return
    header = ("USERNAME", "ROLE", "ORG", "STATE", "EMAIL", "LAST SIGN-IN (UTC)")
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        click.echo("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))


@users.command("set-role")
@click.argument("username")
@click.argument("role", type=ROLE, metavar="ROLE")
@click.option("--org", "org_slug", metavar="SLUG", help="Also move the user to this organization.")
@_account_errors
def set_role(username: str, role: str, org_slug: str | None) -> None:
    """Change a user's role (and, with --org, their organization)."""
    with unit_of_work(db.session):
        user = services.get_user(db.session, username)
        services.assign_role(db.session, user, Role(role.lower()), _organization(org_slug))
    org = f" of {user.organization.slug}" if user.organization else ""
    click.echo(f"{user.username} is now {user.role}{org}.")


@users.command("deactivate")
@click.argument("username")
@_account_errors
def deactivate(username: str) -> None:
    """Stop an account from signing in and sign it out everywhere; its data stays."""
    with unit_of_work(db.session):
        user = services.get_user(db.session, username)
        services.set_active(db.session, user, False)
    click.echo(f"{user.username} is deactivated and signed out everywhere.")


@users.command("activate")
@click.argument("username")
@_account_errors
def activate(username: str) -> None:
    """Let a deactivated account sign in again."""
    with unit_of_work(db.session):
        user = services.get_user(db.session, username)
        services.set_active(db.session, user, True)
    click.echo(f"{user.username} can sign in again.")


@click.group()
def mail() -> None:
    """Send the mail waiting in the outbox (password resets)."""


@mail.command("send-pending")
def send_pending() -> None:
    """Send every message that is due, retrying failed ones with backoff.

    Safe to run from cron on every node while the app runs: each message is claimed by one
    sender only. Exits 1 when a message was given up on (after EDUHUB_MAIL_MAX_ATTEMPTS tries).
    """
    from flask import current_app

    result = outbox.send_pending(db.session, current_app.config)
    click.echo(
        f"Sent {result.sent}, {result.retrying} to retry later, {result.failed} given up on."
    )
    if result.failed:
        raise SystemExit(1)
