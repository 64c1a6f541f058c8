"""The substring index behind customer search, one per database engine.

SQLite: an FTS5 table with the trigram tokenizer over `customers.search_key`, kept in step
by triggers on `customers`, so every write path (ORM, Core bulk inserts, imports, erasure,
raw SQL) updates it in the same transaction. PostgreSQL: a pg_trgm GIN index on the same
column, which the database maintains itself and uses for `LIKE '%...%'`.

Neither is a model (an FTS5 table has no SQLAlchemy form, a GIN operator-class index is
PostgreSQL-only), so the migration creates them and `include_object` (used by
migrations/env.py and tests/db/test_migrations.py) keeps autogenerate from proposing to drop
them. A later migration that rebuilds the customers
table on SQLite (`batch_alter_table("customers")`) drops the triggers with it: call
`create_search_index` again at its end (tests/customers/test_search_index.py checks)."""

from __future__ import annotations

import logging
from typing import Final

from sqlalchemy import Connection, text

log = logging.getLogger(__name__)

FTS_TABLE: Final = "customers_search"
# FTS5 keeps its data in shadow tables named after the virtual table.
FTS_SHADOWS: Final = tuple(
    f"{FTS_TABLE}_{s}" for s in ("data", "idx", "content", "docsize", "config")
)
TRIGGERS: Final = ("customers_search_ai", "customers_search_ad", "customers_search_au")
TRGM_INDEX: Final = "ix_customers_search_trgm"

_SQLITE_CREATE: Final = (
    # Its own copy of the key (not external content): a delete by rowid needs no old
    # values, so the index can never be corrupted by a row it did not see.
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5(search_key, tokenize='trigram')",
    f"""CREATE TRIGGER IF NOT EXISTS customers_search_ai AFTER INSERT ON customers BEGIN
        INSERT INTO {FTS_TABLE}(rowid, search_key) VALUES (new.id, new.search_key);
    END""",
    f"""CREATE TRIGGER IF NOT EXISTS customers_search_ad AFTER DELETE ON customers BEGIN
        DELETE FROM {FTS_TABLE} WHERE rowid = old.id;
    END""",
    f"""CREATE TRIGGER IF NOT EXISTS customers_search_au AFTER UPDATE OF search_key ON customers
    BEGIN
        DELETE FROM {FTS_TABLE} WHERE rowid = old.id;
        INSERT INTO {FTS_TABLE}(rowid, search_key) VALUES (new.id, new.search_key);
    END""",
)


def create_search_index(conn: Connection) -> None:
    """Create the index for this engine and fill it from the stored keys; idempotent."""
    if conn.dialect.name == "sqlite":
        for statement in _SQLITE_CREATE:
            conn.execute(text(statement))
        rebuild_search_index(conn)
    elif conn.dialect.name == "postgresql":
        _create_trgm_index(conn)


def rebuild_search_index(conn: Connection) -> None:
    """Refill the SQLite index from `customers` (a repair; the triggers keep it in step)."""
    if conn.dialect.name != "sqlite":
        return
    conn.execute(text(f"DELETE FROM {FTS_TABLE}"))
    conn.execute(
        text(f"INSERT INTO {FTS_TABLE}(rowid, search_key) SELECT id, search_key FROM customers")
    )


def drop_search_index(conn: Connection) -> None:
    if conn.dialect.name == "sqlite":
        for trigger in TRIGGERS:
            conn.execute(text(f"DROP TRIGGER IF EXISTS {trigger}"))
        conn.execute(text(f"DROP TABLE IF EXISTS {FTS_TABLE}"))
    elif conn.dialect.name == "postgresql":
        conn.execute(text(f"DROP INDEX IF EXISTS {TRGM_INDEX}"))


def _create_trgm_index(conn: Connection) -> None:
    # pg_trgm ships with PostgreSQL (contrib) and is a trusted extension, but a server
    # without it still works: search falls back to scanning, so only warn.
    try:
        with conn.begin_nested():
            conn.execute(text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
    except Exception as exc:  # any failure means "not available here"
        log.warning("pg_trgm is not available (%s): customer search will scan", exc)
        return
    conn.execute(
        text(
            f"CREATE INDEX IF NOT EXISTS {TRGM_INDEX} ON customers"
            " USING gin (search_key gin_trgm_ops)"
        )
    )


def include_object(
    _obj: object, name: str | None, type_: str, _reflected: bool, _compare_to: object
) -> bool:
    """Alembic's `include_object` filter (env.py and the models-vs-migrations test): the
    search index is not a model, so autogenerate must neither drop nor report it."""
    if type_ == "table":
        return name != FTS_TABLE and name not in FTS_SHADOWS
    if type_ == "index":
        return name != TRGM_INDEX
    return True
