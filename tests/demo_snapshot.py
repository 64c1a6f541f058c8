"""The demo shop for tests that only use it: built once per test worker, then copied in.

`load_demo` builds 18 months of history and every capability's demo data, seconds of CPU
each time. Tests that need "the demo shop" as their starting point (not tests of the demo
itself, tests/demo) call `demo_database(ctx, customers=..., seed=...)`: the first call in a
worker loads the demo into the fresh test database and keeps a copy of the whole database;
later calls with the same arguments, clock reading and demo modules put that copy in place
of the (still untouched) test database. The database is then exactly what `load_demo`
would have left: every row, the ids and sequences, and on SQLite the key file of its
encrypted columns. A database that is not untouched gets a real `load_demo`.

SQLite: the copy is made with SQLite's online backup API (sqlite.org/backup.html), which
includes what is still in the -wal file, and restored as a new file (the test's engine is
disposed first). PostgreSQL: each filled table is copied out with COPY ... TO STDOUT and
back with COPY ... FROM STDIN (postgresql.org/docs/current/sql-copy.html, psycopg's
`Cursor.copy`), with foreign-key triggers off for that transaction
(`session_replication_role = replica`, the setting pg_restore uses for data-only loads),
and each used sequence set back to its value.
"""

from __future__ import annotations

import shutil
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import inspect, text

from careloop.context import AppContext
from careloop.db.crypto import attach_keys, key_file_for
from careloop.db.models import Base
from careloop.demo import extensions
from careloop.demo.service import load_demo
from careloop.metrics.readers import read_sessions


@dataclass(frozen=True)
class _Snapshot:
    sqlite_file: Path | None
    sqlite_key: Path | None
    pg_tables: tuple[tuple[str, bytes], ...]
    pg_sequences: tuple[tuple[str, int], ...]


_SNAPSHOTS: dict[tuple[Any, ...], _Snapshot] = {}


def demo_database(ctx: AppContext, *, customers: int, seed: int, folder: Path) -> None:
    """`load_demo(ctx, customers=customers, seed=seed)`, from this worker's copy when there
    is one; `folder` (session-scoped) holds the SQLite copies."""
    key = (
        ctx.engine.dialect.name,
        customers,
        seed,
        ctx.clock.now(),
        tuple(extensions.DEMO_MODULES),
    )
    if not _untouched(ctx):
        load_demo(ctx, customers=customers, seed=seed)
        return
    snapshot = _SNAPSHOTS.get(key)
    if snapshot is None:
        load_demo(ctx, customers=customers, seed=seed)
        _SNAPSHOTS[key] = _take(ctx, folder / f"demo-{len(_SNAPSHOTS)}")
        return
    _restore(ctx, snapshot)


def _untouched(ctx: AppContext) -> bool:
    """No row in any table of the models (as right after the test's database was made)."""
    with ctx.engine.connect() as conn:
        present = set(inspect(conn).get_table_names())
        names = [t.name for t in Base.metadata.sorted_tables if t.name in present]
        probe = " UNION ALL ".join(
            f'SELECT 1 FROM (SELECT 1 FROM "{n}" LIMIT 1) AS t' for n in names
        )
        return conn.execute(text(probe)).first() is None


def _sqlite_path(ctx: AppContext) -> Path:
    return Path(str(ctx.engine.url.database))


def _take(ctx: AppContext, where: Path) -> _Snapshot:
    if ctx.engine.dialect.name == "sqlite":
        where.mkdir(parents=True)
        copy = where / "careloop.db"
        with sqlite3.connect(_sqlite_path(ctx)) as source, sqlite3.connect(copy) as target:
            source.backup(target)
        source.close()
        target.close()
        key = key_file_for(str(ctx.engine.url))
        kept_key = None
        if key.exists():
            kept_key = where / "careloop.key"
            shutil.copy(key, kept_key)
        return _Snapshot(copy, kept_key, (), ())
    tables: list[tuple[str, bytes]] = []
    with ctx.engine.connect() as conn:
        cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        for name in _pg_tables(conn):
            if conn.execute(text(f'SELECT EXISTS (SELECT 1 FROM "{name}")')).scalar_one():
                data = bytearray()
                with cursor.copy(f'COPY "{name}" TO STDOUT (FORMAT binary)') as copy:
                    for chunk in copy:
                        data += chunk
                tables.append((name, bytes(data)))
        sequences = conn.execute(
            text(
                "SELECT format('%I.%I', schemaname, sequencename), last_value FROM pg_sequences"
                " WHERE schemaname = current_schema() AND last_value IS NOT NULL"
            )
        ).all()
        conn.rollback()
    return _Snapshot(None, None, tuple(tables), tuple((s, int(v)) for s, v in sequences))


def _pg_tables(conn: Any) -> list[str]:
    return list(
        conn.scalars(
            text(
                "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
                " AND tablename <> 'alembic_version' ORDER BY tablename"
            )
        )
    )


def _restore(ctx: AppContext, snapshot: _Snapshot) -> None:
    if snapshot.sqlite_file is not None:
        path = _sqlite_path(ctx)
        read_engine = read_sessions(ctx.sessions).kw.get("bind")
        if read_engine is not None and read_engine is not ctx.engine:
            read_engine.dispose()
        ctx.engine.dispose()
        for name in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
            name.unlink(missing_ok=True)
        shutil.copy(snapshot.sqlite_file, path)
        key = key_file_for(str(ctx.engine.url))
        key.unlink(missing_ok=True)
        if snapshot.sqlite_key is not None:
            shutil.copy(snapshot.sqlite_key, key)
        attach_keys(ctx.engine)  # forget a key read before the copy came in
        return
    with ctx.engine.begin() as conn:
        conn.execute(text("SET LOCAL session_replication_role = replica"))
        cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        for name, data in snapshot.pg_tables:
            with cursor.copy(f'COPY "{name}" FROM STDIN (FORMAT binary)') as copy:
                copy.write(data)
        for sequence, value in snapshot.pg_sequences:
            conn.execute(
                text("SELECT setval(CAST(:s AS regclass), :v, true)"), {"s": sequence, "v": value}
            )
