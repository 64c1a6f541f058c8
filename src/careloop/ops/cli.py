"""`careloop backup FILE`, `careloop restore FILE` and `careloop secrets rotate`."""

from __future__ import annotations

import sys
from pathlib import Path

import typer
from rich.progress import Progress

from careloop.cli_kit import _, cli_error_text, num
from careloop.core.errors import CareloopError


def backup(file: Path) -> None:
    """Copy the SQLite database to FILE, consistently, while Careloop keeps running."""
    from careloop.core.settings import get_settings
    from careloop.ops.backup import backup_sqlite

    settings = get_settings()
    try:
        with Progress(transient=True) as bar:
            task = bar.add_task(_("cli.backup.progress"), total=None)
            size = backup_sqlite(
                settings.database_url,
                file,
                progress=lambda done, total: bar.update(task, completed=done, total=total),
            )
    except CareloopError as exc:
        print(cli_error_text(exc), file=sys.stderr)
        raise typer.Exit(1) from None
    print(_("cli.backup.done", file=file, size=num(size / 1_048_576, 1)))


def restore(
    file: Path,
    yes: bool = typer.Option(False, "--yes", help="Do not ask for confirmation."),
) -> None:
    """Replace the SQLite database with the backup FILE (stop serve and workers first)."""
    from careloop.core.settings import get_settings
    from careloop.ops.backup import restore_sqlite

    settings = get_settings()
    if not yes and not typer.confirm(
        _("cli.restore.confirm", url=settings.database_url, file=file)
    ):
        raise typer.Exit(1)
    try:
        restore_sqlite(settings.database_url, file)
    except CareloopError as exc:
        print(cli_error_text(exc), file=sys.stderr)
        raise typer.Exit(1) from None
    print(_("cli.restore.done", file=file))


secrets_app = typer.Typer(help="The key that encrypts stored credentials.", no_args_is_help=True)


@secrets_app.command("rotate")
def rotate_secrets() -> None:
    """Encrypt every stored credential again with a new key.

    With a key file (careloop.key beside the database), a new key is made and the old one
    removed once everything is rewritten. With CARELOOP_SECRET_KEY, set the new key there
    and the old one in CARELOOP_PREVIOUS_SECRET_KEYS first; remove the old one after."""
    from careloop.core.settings import get_settings
    from careloop.db.crypto import rotate
    from careloop.db.engine import make_engine

    engine = make_engine(get_settings().database_url)
    try:
        written, where = rotate(engine)
    except CareloopError as exc:
        print(cli_error_text(exc), file=sys.stderr)
        raise typer.Exit(1) from None
    finally:
        engine.dispose()
    print(_("cli.secrets.rotated", n=num(written), where=where))
    print(_("cli.secrets.old_backups"))


def register(app: typer.Typer) -> None:
    """Add backup, restore and secrets to the `careloop` app."""
    app.command("backup")(backup)
    app.command("restore")(restore)
    app.add_typer(secrets_app, name="secrets")
