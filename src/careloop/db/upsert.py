"""Dialect-neutral INSERT ... ON CONFLICT DO NOTHING, the core of idempotent ingestion."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session


def insert_ignoring_duplicates(
    session: Session, table: Table, rows: Sequence[dict[str, Any]], conflict_on: Sequence[str]
) -> int:
    """Insert `rows`, skipping any that collide on the unique `conflict_on` columns.

    Returns how many were inserted. Safe under concurrent writers: the database decides.
    """
    if not rows:
        return 0
    dialect = session.get_bind().dialect.name
    module: Any = postgresql if dialect == "postgresql" else sqlite
    stmt = module.insert(table).on_conflict_do_nothing(index_elements=list(conflict_on))
    # psycopg reports rowcount -1 for these inserts: count the rows the database says it
    # inserted instead (RETURNING works for one row and for executemany on both dialects).
    key = next(iter(table.primary_key.columns))
    params: Any = dict(rows[0]) if len(rows) == 1 else list(rows)
    return len(session.execute(stmt.returning(key), params).all())
