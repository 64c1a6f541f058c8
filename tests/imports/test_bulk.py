"""The import's compiled-once inserts write what SQLAlchemy's own statements write."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.dialects import sqlite

from careloop.context import AppContext
from careloop.customers.models import TimelineEvent
from careloop.db.base import UTCDateTime
from careloop.imports.bulk import IMPORT_CACHE_KIB, insert_rows, large_page_cache, sqlite_utc
from careloop.imports.timeline_rows import EVENTS_TABLE, event_row
from careloop.shops.models import Shop

SA_SQLITE_UTC = UTCDateTime().dialect_impl(sqlite.dialect()).bind_processor(sqlite.dialect())


@given(
    st.datetimes(
        min_value=datetime(1900, 1, 2),
        max_value=datetime(9999, 12, 30),
        timezones=st.sampled_from(
            [UTC, timezone(timedelta(hours=7)), timezone(-timedelta(hours=5, minutes=30))]
        ),
    )
)
def test_utc_times_are_written_on_sqlite_exactly_as_sqlalchemy_writes_them(at: datetime) -> None:
    """SQLAlchemy's SQLite DATETIME stores `%(year)04d-%(month)02d-%(day)02d
    %(hour)02d:%(minute)02d:%(second)02d.%(microsecond)06d` (SQLAlchemy 2.0 docs, SQLite
    dialect, "class sqlalchemy.dialects.sqlite.DATETIME"); SQLite compares these strings,
    so the import must write the very same text."""
    assert SA_SQLITE_UTC is not None
    assert sqlite_utc(at) == SA_SQLITE_UTC(at)


def test_a_naive_time_is_refused_like_the_column_type_refuses_it() -> None:
    try:
        sqlite_utc(datetime(2026, 1, 1))
    except ValueError as exc:
        assert "naive datetime" in str(exc)
    else:
        raise AssertionError("a naive time was accepted")


def test_rows_colliding_on_the_conflict_columns_are_skipped_and_read_back_as_written(
    ctx: AppContext, shop: Shop
) -> None:
    now = ctx.clock.now()
    at = datetime(2026, 3, 1, 9, 30, 15, 250, tzinfo=timezone(timedelta(hours=7)))

    def event(key: str, summary: str) -> dict[str, object]:
        return event_row(
            shop_id=shop.id,
            customer_id=None,  # type: ignore[arg-type]
            type="order.placed",
            occurred_at=at,
            now=now,
            source="import",
            event_key=key,
            payload={"order_id": key, "total": "125000"},
            summary=summary,
        )

    with ctx.sessions() as s, s.begin():
        insert_rows(s, EVENTS_TABLE, [event("k1", "first")], conflict_on=("shop_id", "event_key"))
        insert_rows(
            s,
            EVENTS_TABLE,
            [event("k1", "again"), event("k2", "second")],
            conflict_on=("shop_id", "event_key"),
        )
    with ctx.sessions() as s:
        stored = s.scalars(select(TimelineEvent).order_by(TimelineEvent.event_key)).all()
        assert [(e.event_key, e.summary) for e in stored] == [("k1", "first"), ("k2", "second")]
        assert stored[0].occurred_at == at
        assert stored[0].payload == {"order_id": "k1", "total": "125000"}
        found = s.scalar(
            select(TimelineEvent.event_key).where(TimelineEvent.occurred_at == at.astimezone(UTC))
        )
        assert found == "k1"


def test_the_import_page_cache_is_given_back_to_the_pooled_connection(ctx: AppContext) -> None:
    """SQLite's `PRAGMA cache_size`: a negative N means N KiB
    (sqlite.org/pragma.html#pragma_cache_size)."""
    if ctx.engine.dialect.name != "sqlite":
        pytest.skip("a SQLite page cache")
    with ctx.sessions() as s, s.begin():
        connection = s.connection()
        before = connection.exec_driver_sql("PRAGMA cache_size").scalar()
        with large_page_cache(s):
            inside = connection.exec_driver_sql("PRAGMA cache_size").scalar()
        after = connection.exec_driver_sql("PRAGMA cache_size").scalar()
    assert (inside, after) == (-IMPORT_CACHE_KIB, before)
