"""`careloop backup FILE` and `careloop restore FILE`."""

from __future__ import annotations

import sys
from pathlib import Path

import typer
from rich.progress import Progress

from careloop.core.errors import CareloopError


def backup(file: Path) -> None:
    """Copy the SQLite database to FILE, consistently, while Careloop keeps running."""
    from careloop.core.settings import get_settings
    from careloop.ops.backup import backup_sqlite

    settings = get_settings()
    try:
        with Progress(transient=True) as bar:
            task = bar.add_task("backing up", total=None)
            size = backup_sqlite(
                settings.database_url,
                file,
                progress=lambda done, total: bar.update(task, completed=done, total=total),
            )
    except CareloopError as exc:
        print(str(exc), file=sys.stderr)
        raise typer.Exit(1) from None
    print(f"backup written to {file} ({size / 1_048_576:.1f} MB)")


def restore(
    file: Path,
    yes: bool = typer.Option(False, "--yes", help="Do not ask for confirmation."),
) -> None:
    """Replace the SQLite database with the backup FILE (stop serve and workers first)."""
    from careloop.core.settings import get_settings
    from careloop.ops.backup import restore_sqlite

    settings = get_settings()
    if not yes and not typer.confirm(f"Replace {settings.database_url} with {file}?"):
        raise typer.Exit(1)
    try:
        restore_sqlite(settings.database_url, file)
    except CareloopError as exc:
        print(str(exc), file=sys.stderr)
        raise typer.Exit(1) from None
    print(f"restored from {file}")
