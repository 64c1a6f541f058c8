"""A large import on SQLite builds the secondary indexes and the customer search index once
at the end (imports/index_rebuild.py); the schema and the search afterwards are what they
were, and a refused file leaves the indexes as they were.

SQLite documents that DDL is transactional ("DROP INDEX" and "CREATE INDEX" inside BEGIN
are undone by ROLLBACK: sqlite.org/lang_transaction.html) and that an FTS5 table is filled
by INSERT INTO tbl(rowid, col) SELECT (sqlite.org/fts5.html, section 3)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from careloop.context import AppContext
from careloop.core.errors import ValidationFailed
from careloop.customers.search import search_customers
from careloop.imports import index_rebuild, run_import
from careloop.shops.models import Shop
from tests.imports.factories import order_line, write_csv


def _schema(ctx: AppContext) -> list[tuple[str, str, str]]:
    with ctx.sessions() as session:
        rows = session.execute(
            text(
                "SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL"
                " AND type IN ('index', 'trigger') ORDER BY type, name"
            )
        )
        return [(t, n, s) for t, n, s in rows]


@pytest.fixture
def rebuild_always(ctx: AppContext, monkeypatch: pytest.MonkeyPatch) -> None:
    if ctx.engine.dialect.name != "sqlite":
        pytest.skip("indexes are rebuilt on SQLite only")
    monkeypatch.setattr(index_rebuild, "MIN_ROWS_FOR_REBUILD", 0)


def test_a_large_import_leaves_every_index_and_trigger_as_it_found_them(
    ctx: AppContext, shop: Shop, tmp_path: Path, rebuild_always: None
) -> None:
    before = _schema(ctx)
    rows = [
        order_line(
            order_id=f"A-{i}",
            customer_id=f"C-{i}",
            customer_name=f"Trần Văn Bình {i}",
            email=f"binh{i}@example.vn",
            phone=f"0912 345 {i:03d}",
        )
        for i in range(30)
    ]

    run_import(ctx, shop, "orders", write_csv(tmp_path / "o.csv", rows))

    assert _schema(ctx) == before
    with ctx.sessions() as session:
        found = search_customers(session, shop.id, "tran van binh 17")
        assert [c.external_id for c in found.customers] == ["C-17"]
        assert search_customers(session, shop.id, "binh").total == 30
        integrity = session.execute(text("PRAGMA integrity_check")).scalar()
        assert integrity == "ok"


def test_a_refused_large_import_leaves_the_indexes_in_place(
    ctx: AppContext, shop: Shop, tmp_path: Path, rebuild_always: None
) -> None:
    before = _schema(ctx)
    rows = [order_line(order_id=f"A-{i}", customer_id=f"C-{i}") for i in range(30)]
    rows.append(order_line(order_id="A-bad", placed_at="yesterday"))

    with pytest.raises(ValidationFailed):
        run_import(ctx, shop, "orders", write_csv(tmp_path / "o.csv", rows))

    assert _schema(ctx) == before


def test_importing_the_same_large_file_again_changes_nothing(
    ctx: AppContext, shop: Shop, tmp_path: Path, rebuild_always: None
) -> None:
    rows = [order_line(order_id=f"A-{i}", customer_id=f"C-{i % 7}") for i in range(30)]
    path = write_csv(tmp_path / "o.csv", rows)
    run_import(ctx, shop, "orders", path)
    before = _schema(ctx)

    again = run_import(ctx, shop, "orders", path)

    assert (again.orders_new, again.orders_updated, again.customers_new) == (0, 0, 0)
    assert _schema(ctx) == before
