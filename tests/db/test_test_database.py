"""The suite's own database harness: every test starts on a database that is exactly "just
migrated", on SQLite (a copy of the migrated template file) and on PostgreSQL (the worker's
database emptied after each test by tests/conftest.py's PgCleaner)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import inspect, text

from careloop.context import AppContext
from careloop.db.models import Base
from tests.conftest import PG_URL, ShopFactory


def row_counts(ctx: AppContext) -> dict[str, int]:
    """Rows in each table of the models (SQLite's full-text index keeps its own shadow
    tables, which a fresh migration fills with its configuration)."""
    with ctx.engine.connect() as conn:
        names = set(inspect(conn).get_table_names()) & set(Base.metadata.tables)
        return {n: conn.execute(text(f'SELECT count(*) FROM "{n}"')).scalar_one() for n in names}


def test_a_test_starts_with_every_table_empty_but_the_migration_version(ctx: AppContext) -> None:
    assert len(row_counts(ctx)) > 50
    assert row_counts(ctx) and not any(row_counts(ctx).values())
    with ctx.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM alembic_version")).scalar_one() >= 1


@pytest.mark.postgres_only
@pytest.mark.skipif(not PG_URL, reason="needs PostgreSQL (CARELOOP_TEST_DATABASE_URL)")
def test_the_postgres_cleaner_empties_what_a_test_filled_and_restarts_its_ids(
    ctx: AppContext,
    make_shop: ShopFactory,
    make_staff: Callable[..., str],
    _pg_cleaner: Callable[[], None],
) -> None:
    first = make_shop("first")
    make_staff(first)
    make_shop("second")
    assert row_counts(ctx)["shops"] == 2

    _pg_cleaner()

    assert not any(row_counts(ctx).values())
    assert make_shop("again").id == first.id  # ids start over, as on a fresh SQLite copy
