"""``eduhub search …``: build the full-text index and tell whether it is current."""

from __future__ import annotations

import time

import click

from eduhub.extensions import db
from eduhub.search import sync


@click.group()
def search() -> None:
    """Build and check the full-text search index."""


@search.command("reindex")
@click.option("--if-needed", is_flag=True, help="Only when the index is missing or stale.")
def reindex_command(if_needed: bool) -> None:
    """Rebuild the whole index from the database into a new folder, then swap it in.

    Web processes keep answering from the old index until the swap, then move to the new one
    without a restart.
    """
    store = sync.store_for()
    state = sync.status(store)
    if if_needed and state.ok and state.index_generation is not None:
        click.echo(f"search index is current (generation {state.index_generation})")
        return
    started = time.perf_counter()
    generation = sync.reindex(db.session, store)
    size = sum(f.stat().st_size for f in store.current_path().rglob("*") if f.is_file())
    click.echo(
        f"search index built: generation {generation}, {size / 1024 / 1024:.1f} MB, "
        f"{time.perf_counter() - started:.2f} s"
    )


@search.command("status")
def status_command() -> None:
    """Say whether the index is current, stale or missing (exit 1 unless current)."""
    state = sync.status(sync.store_for())
    click.echo(
        f"search index {state.state}: index generation {state.index_generation}, "
        f"content generation {state.content_generation}"
    )
    if not state.ok:
        raise SystemExit(1)
