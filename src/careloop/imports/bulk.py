"""Inserting many rows at the driver's speed: one statement compiled once per table and
set of columns, values converted by each column's own type, run as one DBAPI executemany.

SQLAlchemy's per-row parameter handling cost more than the database itself in an import
(issue 23: a quarter to a half of the time). Here each column's bind processor is looked up
once per statement, not once per value, and the driver gets plain tuples (sqlite3 loops
over them in C; psycopg pipelines them). UTC times on SQLite take a C-level formatter that
writes exactly what SQLAlchemy's SQLite DATETIME writes (a test compares the two)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from operator import itemgetter
from typing import Any, Final

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session
from sqlalchemy.types import JSON

from careloop.db.base import UTCDateTime

Convert = Callable[[Any], Any]
# SQLite's page cache while an import writes (KiB; the default is 2 MiB): the indexes of
# customers, orders and timeline events are updated in place, and a small cache rereads
# and rewrites their pages over and over as they grow past it.
IMPORT_CACHE_KIB: Final = 128 * 1024
UTC_SUFFIX: Final = "+00:00"


def sqlite_utc(value: datetime | None) -> str | None:
    """A UTC time as SQLAlchemy stores it on SQLite: `YYYY-MM-DD HH:MM:SS.ffffff`, naive UTC."""
    if value is None:
        return None
    text = value.isoformat(" ", "microseconds")
    if text.endswith(UTC_SUFFIX):  # already UTC, as most parsed times are
        return text[: -len(UTC_SUFFIX)]
    if value.tzinfo is None:
        raise ValueError("naive datetime given to a UTC column")
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")


class JsonText(str):
    """A JSON document already serialised as `json.dumps` writes it: a JSON column takes
    it as it is on SQLite (where the column stores that text) instead of encoding it."""

    __slots__ = ()


def _json_converter(processor: Convert, dialect: Dialect) -> Convert:
    if dialect.name == "sqlite":

        def convert(value: Any) -> Any:
            return value if value.__class__ is JsonText else processor(value)

    else:  # the driver's JSON adapter wants the object

        def convert(value: Any) -> Any:
            return processor(json.loads(value) if value.__class__ is JsonText else value)

    return convert


@dataclass(frozen=True)
class _Compiled:
    sql: str
    names: tuple[str, ...]  # the bind names in the statement's order
    converters: tuple[Convert | None, ...]
    positional: bool


_CACHE: dict[tuple[str, str, str, tuple[str, ...], tuple[str, ...]], _Compiled] = {}


def _converter(table: Table, name: str, dialect: Dialect) -> Convert | None:
    column_type = table.c[name].type
    if dialect.name == "sqlite" and isinstance(column_type, UTCDateTime):
        return sqlite_utc
    impl = column_type.dialect_impl(dialect)
    processor: Convert | None = impl.bind_processor(dialect)
    if processor is not None and isinstance(impl, JSON):
        return _json_converter(processor, dialect)
    return processor


def _compile(
    table: Table, columns: tuple[str, ...], conflict_on: tuple[str, ...], dialect: Dialect
) -> _Compiled:
    key = (dialect.name, dialect.driver, table.name, columns, conflict_on)
    found = _CACHE.get(key)
    if found is not None:
        return found
    module: Any = postgresql if dialect.name == "postgresql" else sqlite
    stmt = module.insert(table)
    if conflict_on:
        stmt = stmt.on_conflict_do_nothing(index_elements=list(conflict_on))
    compiled = stmt.compile(dialect=dialect, column_keys=list(columns))
    names = tuple(compiled.positiontup or ()) if compiled.positional else tuple(compiled.binds)
    extra = set(names) - set(columns)
    if extra:
        # A column with a client-side default the rows do not give: say which.
        raise ValueError(f"rows for {table.name} must give {', '.join(sorted(extra))}")
    converters = tuple(_converter(table, name, dialect) for name in names)
    found = _CACHE[key] = _Compiled(compiled.string, names, converters, compiled.positional)
    return found


def _values(plan: _Compiled, rows: Sequence[Mapping[str, Any]]) -> list[Any]:
    """Each row's values in the statement's order, converted where the column type says."""
    if len(plan.names) == 1:  # itemgetter of one name gives the value, not a tuple
        name, convert = plan.names[0], plan.converters[0]
        return [(row[name] if convert is None else convert(row[name]),) for row in rows]
    pick = itemgetter(*plan.names)
    converted = [(i, c) for i, c in enumerate(plan.converters) if c is not None]
    if not converted:
        return [pick(row) for row in rows]
    out: list[Any] = []
    # The same time object recurs across rows and columns (the import's `now` in every
    # created_at and recorded_at): convert each object once. Keyed by id(),
    # which stays unique while `rows` holds every object alive.
    memo: dict[int, Any] = {}
    for row in rows:
        values = list(pick(row))
        for i, convert in converted:
            value = values[i]
            if convert is not sqlite_utc:
                values[i] = convert(value)
            elif value is not None:
                text = memo.get(id(value))
                if text is None:
                    text = memo[id(value)] = sqlite_utc(value)
                values[i] = text
        out.append(tuple(values))  # SQLAlchemy passes on tuples or dicts only
    return out


def insert_rows(
    session: Session,
    table: Table,
    rows: Sequence[Mapping[str, Any]],
    *,
    conflict_on: Sequence[str] = (),
) -> int:
    """Insert `rows` (all with the same keys) in one executemany; with `conflict_on`, a row
    colliding on those unique columns is skipped. Returns the driver's row count."""
    if not rows:
        return 0
    connection = session.connection()
    plan = _compile(table, tuple(rows[0]), tuple(conflict_on), connection.dialect)
    params: list[Any] = _values(plan, rows)
    if not plan.positional:
        params = [dict(zip(plan.names, values, strict=True)) for values in params]
    result = connection.exec_driver_sql(plan.sql, params)
    return max(result.rowcount, 0)


@contextmanager
def large_page_cache(session: Session) -> Iterator[None]:
    """On SQLite, a page cache of IMPORT_CACHE_KIB for the block, then the connection's own
    size again (the connection goes back to the pool); elsewhere nothing."""
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        yield
        return
    before = connection.exec_driver_sql("PRAGMA cache_size").scalar()
    connection.exec_driver_sql(f"PRAGMA cache_size=-{IMPORT_CACHE_KIB}")
    try:
        yield
    finally:
        connection.exec_driver_sql(f"PRAGMA cache_size={int(before or -2000)}")
