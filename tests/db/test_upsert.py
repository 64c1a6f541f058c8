from __future__ import annotations

from careloop.context import AppContext
from careloop.customers.timeline import record_event
from careloop.db.upsert import insert_ignoring_duplicates
from careloop.orders.models import Product
from careloop.shops.models import Shop


def test_a_keyed_event_reports_whether_it_was_stored(ctx: AppContext, shop: Shop) -> None:
    with ctx.sessions() as s, s.begin():
        first = record_event(
            session=s,
            clock=ctx.clock,
            shop_id=shop.id,
            customer_id=None,
            type="app.x",
            event_key="k1",
        )
        again = record_event(
            session=s,
            clock=ctx.clock,
            shop_id=shop.id,
            customer_id=None,
            type="app.x",
            event_key="k1",
        )
    assert (first, again) == (True, False)


def test_a_batch_counts_only_the_rows_it_inserted(ctx: AppContext, shop: Shop) -> None:
    def rows(*skus: str) -> list[dict[str, object]]:
        return [
            {
                "shop_id": shop.id,
                "sku": sku,
                "name": sku,
                "price_minor": 1,
                "created_at": ctx.clock.now(),
            }
            for sku in skus
        ]

    table = Product.__table__
    with ctx.sessions() as s, s.begin():
        assert insert_ignoring_duplicates(s, table, rows("a", "b"), ["shop_id", "sku"]) == 2  # type: ignore[arg-type]
        assert insert_ignoring_duplicates(s, table, rows("b", "c", "d"), ["shop_id", "sku"]) == 2  # type: ignore[arg-type]
