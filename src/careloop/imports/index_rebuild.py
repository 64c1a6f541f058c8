"""Secondary indexes and the customer search index maintained in bulk during a large
import on SQLite: dropped when the import starts writing, built again once at the end,
inside the import's own transaction.

Inserting a million rows into a table with six secondary indexes updates each B-tree a
million times at random places; building an index once over the finished table is one
sort. SQLite's DDL is transactional: a refused file or a crash rolls the drops back with
everything else, and readers (WAL) keep the committed schema, indexes included, until the
import commits. Unique indexes stay (they decide the imports' ON CONFLICT); so do the
customers' search-index triggers for updates and deletes, only the one for inserts is
replaced by one INSERT … SELECT of the new rows at the end.

PostgreSQL is left alone: DROP INDEX would lock readers out of the table for the whole
import (see docs/decisions/0025-set-based-csv-import.md)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Final

from sqlalchemy import Connection
from sqlalchemy.orm import Session

from careloop.customers.search_index import FTS_TABLE, TRIGGERS

# Below this many new rows the indexes are kept up to date as usual: a rebuild costs a
# pass over the whole table, worth it only when the import is a large part of it.
MIN_ROWS_FOR_REBUILD: Final = 20_000
# Rebuild when the import adds at least this share of the rows already stored.
MIN_SHARE_FOR_REBUILD: Final = 0.25
SEARCH_INSERT_TRIGGER: Final = TRIGGERS[0]  # AFTER INSERT ON customers
# Indexes the import itself reads while it writes, kept so that each batch's look-ups stay
# index probes instead of scans of a growing table: identity matching by phone and email
# (customers/identity.py) and the stored lines of an order a file changes.
KEPT_FOR_LOOKUPS: Final = frozenset(
    {"ix_customers_shop_email", "ix_customers_shop_phone", "ix_order_lines_order_id"}
)


def _sqlite_indexes(connection: Connection, table: str) -> list[tuple[str, str]]:
    """(name, CREATE statement) of the table's non-unique indexes the import does not read."""
    rows = connection.exec_driver_sql(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ?"
        " AND sql IS NOT NULL ORDER BY name",
        (table,),
    )
    return [
        (name, sql) for name, sql in rows if not sql.lstrip().upper().startswith("CREATE UNIQUE")
    ]


def _worth_rebuilding(connection: Connection, table: str, new_rows: int) -> bool:
    if new_rows < MIN_ROWS_FOR_REBUILD:
        return False
    # max(id) is one B-tree probe; close enough to the row count for this decision.
    stored = connection.exec_driver_sql(f'SELECT max(id) FROM "{table}"').scalar() or 0
    return new_rows >= MIN_SHARE_FOR_REBUILD * stored


@contextmanager
def indexes_built_at_end(session: Session, tables: Sequence[str], new_rows: int) -> Iterator[None]:
    """On SQLite, when `new_rows` is large next to what `tables` hold, their secondary
    indexes (and the customers' search index) are built once when the block ends without
    an error; an error leaves the drops for the transaction's rollback to undo."""
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        yield
        return
    dropped: list[tuple[str, str]] = []
    for table in tables:
        if _worth_rebuilding(connection, table, new_rows):
            for name, sql in _sqlite_indexes(connection, table):
                connection.exec_driver_sql(f'DROP INDEX "{name}"')
                dropped.append((name, sql))
    search = None
    if "customers" in tables and _worth_rebuilding(connection, "customers", new_rows):
        search = _drop_search_trigger(connection)
    yield
    for _name, sql in dropped:
        connection.exec_driver_sql(sql)
    if search is not None:
        _restore_search_trigger(connection, *search)


def _drop_search_trigger(connection: Connection) -> tuple[str, int] | None:
    """(the trigger's CREATE statement, the largest customer id before the import)."""
    sql = connection.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ?",
        (SEARCH_INSERT_TRIGGER,),
    ).scalar()
    if sql is None:
        return None
    before = connection.exec_driver_sql("SELECT max(id) FROM customers").scalar() or 0
    connection.exec_driver_sql(f'DROP TRIGGER "{SEARCH_INSERT_TRIGGER}"')
    return str(sql), int(before)


def _restore_search_trigger(connection: Connection, sql: str, before: int) -> None:
    # The update trigger may already have indexed a new customer changed later in the file.
    connection.exec_driver_sql(f"DELETE FROM {FTS_TABLE} WHERE rowid > ?", (before,))
    connection.exec_driver_sql(
        f"INSERT INTO {FTS_TABLE}(rowid, search_key)"
        " SELECT id, search_key FROM customers WHERE id > ?",
        (before,),
    )
    connection.exec_driver_sql(sql)
