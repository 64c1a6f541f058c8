"""Backups. SQLite: the online backup API copies a consistent snapshot while Careloop keeps
serving (readers and the writer go on; the copy restarts pages the writer changed).
PostgreSQL: pg_dump/pg_restore, which already do this well (see the README)."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

from sqlalchemy.engine import make_url

from careloop.core.errors import CareloopError
from careloop.db.crypto import create_private_file

PAGES_PER_STEP = 1024  # ~4 MB a step: the writer is never held for long


def sqlite_path(database_url: str) -> Path:
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        raise CareloopError(
            "backup and restore handle SQLite files; for PostgreSQL use pg_dump -Fc and "
            "pg_restore (README: Production)"
        )
    return Path(url.database)


def backup_sqlite(
    database_url: str, target: Path, progress: Callable[[int, int], None] | None = None
) -> int:
    """Copy the live database into `target`; returns its size in bytes."""
    source_path = sqlite_path(database_url)
    if not source_path.exists():
        raise CareloopError(f"{source_path}: no database here (run `careloop init` first)")
    if target.exists():
        raise CareloopError(f"{target}: already exists; choose a new file name")
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    # Owner-only from the first byte: a backup holds every customer's personal data.
    create_private_file(partial)
    source = sqlite3.connect(f"file:{source_path}?mode=ro", uri=True)
    copy = sqlite3.connect(partial)
    try:
        with copy:
            source.backup(
                copy,
                pages=PAGES_PER_STEP,
                progress=(lambda _status, left, total: progress(total - left, total))
                if progress
                else None,
            )
        _check(copy, partial)
    finally:
        copy.close()
        source.close()
    partial.rename(target)  # a crash mid-copy never leaves a file that looks complete
    return target.stat().st_size


def restore_sqlite(database_url: str, backup: Path) -> None:
    """Replace the database with `backup` (stop `careloop serve` and workers first)."""
    target_path = sqlite_path(database_url)
    if not backup.exists():
        raise CareloopError(f"{backup}: no such file")
    source = sqlite3.connect(f"file:{backup}?mode=ro", uri=True)
    try:
        _check(source, backup)
        target = sqlite3.connect(target_path)
        try:
            with target:
                source.backup(target, pages=PAGES_PER_STEP)
        finally:
            target.close()
    finally:
        source.close()


def _check(connection: sqlite3.Connection, path: Path) -> None:
    try:
        result = connection.execute("PRAGMA integrity_check").fetchone()
        tables = {r[0] for r in connection.execute("SELECT name FROM sqlite_master")}
    except sqlite3.DatabaseError as exc:
        raise CareloopError(f"{path}: not a Careloop backup ({exc})") from None
    if result is None or result[0] != "ok":
        raise CareloopError(f"{path}: integrity check failed: {result}")
    if "alembic_version" not in tables or "shops" not in tables:
        raise CareloopError(f"{path}: not a Careloop database")
