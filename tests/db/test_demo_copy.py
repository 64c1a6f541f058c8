"""The demo shop copied in for tests that start from it (tests/demo_snapshot.py) is the
database `load_demo` leaves: every row with its ids, and the next ids handed out."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import inspect, select

from careloop.context import AppContext
from careloop.db.models import Base
from careloop.shops.models import Shop
from careloop.shops.service import create_shop
from tests.conftest import PG_URL
from tests.demo_snapshot import demo_database


def every_row(ctx: AppContext) -> dict[str, list[Any]]:
    with ctx.engine.connect() as conn:
        present = set(inspect(conn).get_table_names())
        return {
            t.name: [tuple(map(repr, row)) for row in conn.execute(select(t).order_by(*t.c))]
            for t in Base.metadata.sorted_tables
            if t.name in present
        }


def back_to_just_migrated(ctx: AppContext, template: str, pg_cleaner: Callable[[], None]) -> None:
    if PG_URL:
        pg_cleaner()
        return
    ctx.engine.dispose()
    path = Path(str(ctx.engine.url.database))
    for name in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        name.unlink(missing_ok=True)
    shutil.copy(template, path)


def test_the_demo_copy_has_every_row_and_next_id_that_load_demo_leaves(
    ctx: AppContext,
    tmp_path: Path,
    _template: str,
    _pg_cleaner: Callable[[], None],
) -> None:
    demo_database(ctx, customers=5, seed=31, folder=tmp_path)  # loads, keeps a copy
    loaded = every_row(ctx)
    assert loaded["customers"] and loaded["orders"] and loaded["shops"]

    back_to_just_migrated(ctx, _template, _pg_cleaner)
    assert not any(every_row(ctx).values())
    demo_database(ctx, customers=5, seed=31, folder=tmp_path)  # the copy comes in

    assert every_row(ctx) == loaded
    with ctx.sessions() as s, s.begin():
        after = create_shop(session=s, clock=ctx.clock, slug="after-copy")
        assert after.id == max(s.scalars(select(Shop.id).where(Shop.slug != "after-copy"))) + 1


def test_a_database_with_rows_gets_a_real_load_demo_not_the_copy(
    ctx: AppContext, shop: Shop, tmp_path: Path
) -> None:
    demo_database(ctx, customers=5, seed=31, folder=tmp_path)
    with ctx.sessions() as s:
        slugs = sorted(s.scalars(select(Shop.slug)))
    assert slugs == ["acme", "demo"]
