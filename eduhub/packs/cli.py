"""``eduhub content …``: validate, import and re-render content packs."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from pathlib import Path

import click
from flask import current_app
from sqlalchemy import select

from eduhub.catalog.models import Organization
from eduhub.extensions import db
from eduhub.packs import fidelity, foreign, importer
from eduhub.packs.model import OrgSpec, PackError, PackTree
from eduhub.packs.reader import load_tree
from eduhub.transactions import unit_of_work


@click.group()
def content() -> None:
    """Validate, import and re-render content packs."""


def _load(
    path: Path,
    org: str | None,
    course: str | None,
    dialect: str | None = None,
    license_id: str | None = None,
    source: str | None = None,
    language: str | None = None,
) -> PackTree:
    def known_org(slug: str) -> OrgSpec | None:
        row = db.session.scalar(select(Organization).where(Organization.slug == slug))
        return importer.org_spec_from_row(row) if row else None

    try:
        dialect = dialect or foreign.detect_dialect(path)
        if foreign.REGISTRY[dialect].layout is not None:  # converted by its dialect
            options = foreign.ForeignOptions(
                org_slug=org,
                course_slug=course,
                license=license_id,
                source=source,
                language=language,
                max_media_bytes=current_app.config["MAX_MEDIA_BYTES"],
                known_orgs=known_org,
            )
            return foreign.load_foreign(path, dialect, options)
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


def _pack_options(command: Callable[..., None]) -> Callable[..., None]:
    """Options shared by validate and import."""
    options = [
        click.option(
            "--org",
            "org",
            metavar="SLUG",
            help="Only this organization; for a pack without org.yml, the organization "
            "to import it for (created when new).",
        ),
        click.option("--course", "course", metavar="SLUG", help="Only this course."),
        click.option(
            "--dialect",
            type=click.Choice(foreign.DIALECTS),
            help="How the pack is written; detected when unambiguous.",
        ),
        click.option(
            "--license",
            "license_id",
            metavar="SPDX",
            help="License of a pack that states none itself, e.g. CC-BY-4.0.",
        ),
        click.option(
            "--language",
            metavar="TAG",
            help="Language of plain Markdown files outside a language folder (default en).",
        ),
        click.option(
            "--source",
            metavar="URL",
            help="Where the pack comes from (repository URL), shown on every lesson.",
        ),
        click.option(
            "--report",
            type=click.Path(dir_okay=False, writable=True, path_type=Path),
            help="Write the fidelity report (JSON) to this file.",
        ),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def _write_report(tree: PackTree, report_path: Path | None, *, show_totals: bool) -> None:
    report = fidelity.build_report(tree)
    if report_path is not None:
        report_path.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
        click.echo(f"fidelity report written to {report_path}")
    if show_totals:
        click.echo(fidelity.format_totals(report["totals"]))


def _on_terminal() -> bool:
    """A progress bar helps a person watching; in logs and pipes it is noise."""
    return sys.stdout.isatty()


def _print_messages(tree: PackTree) -> None:
    for message in tree.messages:
        click.echo(str(message), err=message.is_error)


@content.command("validate")
@click.argument("path", type=click.Path(exists=True, file_okay=False, path_type=Path))
@_pack_options
def validate_command(
    path: Path,
    org: str | None,
    course: str | None,
    dialect: str | None,
    license_id: str | None,
    source: str | None,
    language: str | None,
    report: Path | None,
) -> None:
    """Check a content pack and print every problem as PATH:LINE: SEVERITY: MESSAGE.

    Exits with status 1 when there is at least one error; warnings alone exit 0.
    """
    tree = _load(path, org, course, dialect, license_id, source, language)
    _print_messages(tree)
    _write_report(tree, report, show_totals=tree.dialect_used != "eduhub")
    click.echo(
        f"{len(tree.orgs)} organization(s), {len(tree.courses)} course(s), "
        f"{len(tree.lessons)} lesson(s): {len(tree.errors)} error(s), "
        f"{len(tree.warnings)} warning(s)"
    )
    if tree.errors:
        sys.exit(1)


@content.command("import")
@click.argument("path", type=click.Path(exists=True, file_okay=False, path_type=Path))
@_pack_options
def import_command(
    path: Path,
    org: str | None,
    course: str | None,
    dialect: str | None,
    license_id: str | None,
    source: str | None,
    language: str | None,
    report: Path | None,
) -> None:
    """Validate, then import a content pack in one transaction.

    Unchanged lessons are skipped by content hash, changed ones get a new revision, lessons
    gone from the pack are retired (never deleted). On any error nothing is imported.
    """
    started = time.perf_counter()
    tree = _load(path, org, course, dialect, license_id, source, language)
    _print_messages(tree)
    _write_report(tree, report, show_totals=tree.dialect_used != "eduhub")
    media_dir = Path(current_app.config["MEDIA_DIR"])
    if tree.errors:
        raise click.ClickException(
            f"{len(tree.errors)} error(s): nothing was imported; fix them and try again"
        )
    with unit_of_work(db.session):
        if _on_terminal() and tree.lessons:
            with click.progressbar(length=len(tree.lessons), label="Importing") as bar:
                report = importer.import_tree(
                    db.session, tree, media_dir=media_dir, on_lesson=lambda _spec: bar.update(1)
                )
        else:
            report = importer.import_tree(db.session, tree, media_dir=media_dir)
        # The content generation and the search index follow the commit (search.sync).
    elapsed = time.perf_counter() - started
    from eduhub.search import sync

    if (done := sync.last_result(db.session)) is not None:
        click.echo(f"search index {done}", err=done.startswith("NOT"))
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
    with unit_of_work(db.session):
        # Re-rendered lessons reach the search index after the commit (search.sync).
        count = importer.rerender(db.session, everything=everything)
    click.echo(f"re-rendered {count} lesson(s)")
