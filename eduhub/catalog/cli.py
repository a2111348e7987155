"""``eduhub content …``: validate, import and re-render content packs."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click
from flask import current_app
from sqlalchemy import select

from eduhub.catalog import importer
from eduhub.catalog.models import Organization
from eduhub.catalog.packs import PackError, PackTree, load_tree
from eduhub.extensions import db


@click.group()
def content() -> None:
    """Validate, import and re-render content packs."""


def _load(path: Path, org: str | None, course: str | None) -> PackTree:
    def known_org(slug: str):  # type: ignore[no-untyped-def]
        row = db.session.scalar(select(Organization).where(Organization.slug == slug))
        return importer.org_spec_from_row(row) if row else None

    try:
        return load_tree(
            path,
            org_slug=org,
            course_slug=course,
            max_media_bytes=current_app.config["MAX_MEDIA_BYTES"],
            known_orgs=known_org,
            known_lessons=lambda slug: importer.lesson_paths_of(db.session, slug),
        )
    except PackError as exc:
        raise click.ClickException(str(exc)) from exc


def _print_messages(tree: PackTree) -> None:
    for message in tree.messages:
        click.echo(str(message), err=message.is_error)


@content.command("validate")
@click.argument("path", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option(
    "--org",
    "org",
    metavar="SLUG",
    help="Only this organization (or the owner of a lone course folder).",
)
@click.option("--course", "course", metavar="SLUG", help="Only this course.")
def validate_command(path: Path, org: str | None, course: str | None) -> None:
    """Check a content pack and print every problem as PATH:LINE: SEVERITY: MESSAGE.

    Exits with status 1 when there is at least one error; warnings alone exit 0.
    """
    tree = _load(path, org, course)
    _print_messages(tree)
    click.echo(
        f"{len(tree.orgs)} organization(s), {len(tree.courses)} course(s), "
        f"{len(tree.lessons)} lesson(s): {len(tree.errors)} error(s), "
        f"{len(tree.warnings)} warning(s)"
    )
    if tree.errors:
        sys.exit(1)


@content.command("import")
@click.argument("path", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option(
    "--org",
    "org",
    metavar="SLUG",
    help="Only this organization (or the owner of a lone course folder).",
)
@click.option("--course", "course", metavar="SLUG", help="Only this course.")
def import_command(path: Path, org: str | None, course: str | None) -> None:
    """Validate, then import a content pack in one transaction.

    Unchanged lessons are skipped by content hash, changed ones get a new revision, lessons
    gone from the pack are retired (never deleted). On any error nothing is imported.
    """
    started = time.perf_counter()
    tree = _load(path, org, course)
    _print_messages(tree)
    media_dir = Path(current_app.config["MEDIA_DIR"])
    try:
        if sys.stdout.isatty() and tree.lessons:
            with click.progressbar(length=len(tree.lessons), label="Importing") as bar:
                report = importer.import_tree(
                    db.session, tree, media_dir=media_dir, on_lesson=lambda _spec: bar.update(1)
                )
        else:
            report = importer.import_tree(db.session, tree, media_dir=media_dir)
        db.session.commit()
    except importer.ImportRefused as exc:
        db.session.rollback()
        raise click.ClickException(
            f"{len(exc.errors)} error(s): nothing was imported; fix them and try again"
        ) from exc
    except Exception:
        db.session.rollback()
        raise
    elapsed = time.perf_counter() - started
    click.echo(
        f"added {report.added}, updated {report.updated}, unchanged {report.unchanged}, "
        f"retired {report.retired}, warnings {report.warnings} "
        f"({report.courses} course(s), {report.media_added} new media file(s), {elapsed:.2f} s)"
    )


@content.command("rerender")
@click.option(
    "--all", "everything", is_flag=True, help="Re-render every lesson, not only stale ones."
)
def rerender_command(everything: bool) -> None:
    """Re-render stored lessons made by an older renderer version (or all with --all)."""
    count = importer.rerender(db.session, everything=everything)
    db.session.commit()
    click.echo(f"re-rendered {count} lesson(s)")
