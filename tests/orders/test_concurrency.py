from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from careloop.context import AppContext
from careloop.customers.models import Customer, TimelineEvent
from careloop.orders.models import Order, OrderLine, Product
from careloop.orders.schemas import OrderIn
from careloop.orders.service import change_status, upsert_order
from careloop.shops.models import Shop

PLACED = datetime(2026, 10, 1, 2, 0, tzinfo=UTC)


def order(n: int) -> OrderIn:
    return OrderIn(
        order_id=f"O-{n % 5}",
        customer_id=f"C-{(n % 5) % 3}",
        placed_at=PLACED,
        total=100_000,
        lines=[{"sku": "SKU-1", "product_name": "Cà phê", "quantity": 1, "unit_price": 100_000}],
    )


def test_concurrent_duplicate_deliveries_store_each_order_once(ctx: AppContext, shop: Shop) -> None:
    def post(n: int) -> None:
        with ctx.sessions() as s, s.begin():
            result = upsert_order(session=s, clock=ctx.clock, shop=s.merge(shop), data=order(n))
            status = ["paid", "delivered", "shipped"][n % 3]
            change_status(
                session=s,
                clock=ctx.clock,
                shop=s.merge(shop),
                order_external_id=result.order.external_id,
                status=status,
                at=PLACED + timedelta(hours=1 + n % 3),
            )

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(post, range(60)))

    with ctx.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Order)) == 5
        assert s.scalar(select(func.count()).select_from(Customer)) == 3
        assert s.scalar(select(func.count()).select_from(Product)) == 1
        assert s.scalar(select(func.count()).select_from(OrderLine)) == 5
        assert set(s.scalars(select(Order.status))) == {"delivered"}
        per_order = s.execute(
            select(TimelineEvent.order_id, func.count())
            .where(TimelineEvent.type.like("order.%"))
            .group_by(TimelineEvent.order_id)
        ).all()
        assert sorted(n for _, n in per_order) == [4] * 5  # placed, paid, shipped, delivered
