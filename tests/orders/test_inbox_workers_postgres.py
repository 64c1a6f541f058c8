"""Two inbox workers on PostgreSQL (docs/decisions/0029-batched-apply.md): one shop's rows
are applied by one transaction at a time (a transaction-level advisory lock per shop,
PostgreSQL documentation, 9.27.10 "Advisory Lock Functions": `pg_try_advisory_xact_lock`
"obtains the lock if it is immediately available" and holds it "until the end of the
current transaction"), so two workers never lock one shop's customers, products or orders in
crossing order: no deadlock, nothing lost or doubled; while one worker holds a shop, the
other applies another shop's rows.

Since session 12 (0029) batches of one shop are written side by side, sharing the shop's
lock (`pg_try_advisory_xact_lock_shared`) and holding each row's keys; rows applied one at a
time still take the shop alone."""

from __future__ import annotations

import json
import threading
from typing import Any

import pytest
from sqlalchemy import event, func, select, text

from careloop.context import AppContext
from careloop.customers.models import Customer, TimelineEvent
from careloop.orders import inbox
from careloop.orders.models import IngestInboxRow, Order, Product
from careloop.shops.models import Shop
from tests.conftest import PG_URL, ShopFactory

from .test_api import ORDER

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.skipif(not PG_URL, reason="needs PostgreSQL (CARELOOP_TEST_DATABASE_URL)"),
]


def append_orders(ctx: AppContext, shop: Shop, count: int, *, first: int = 0) -> None:
    """`count` orders of five customers who share two products, each order sent twice (a
    placed, then a paid), each naming its customer anew (so each updates the customer's row),
    the customers in a different order in each stretch of rows: two small batches taken side
    by side lock the same customers in crossing order unless one shop is one worker's."""
    with ctx.sessions() as s, s.begin():
        for n in range(first, first + count):
            for step, extra in enumerate(({}, {"status": "paid"})):
                payload = dict(
                    ORDER,
                    order_id=f"{shop.slug}-O-{n}",
                    customer_id=f"C-{n * 2 % 5}",
                    customer_name=f"Khách {n}",
                    phone=None,
                    email=None,
                    lines=[
                        {
                            "sku": f"SKU-{n % 2}",
                            "product_name": "Cà phê",
                            "quantity": 1,
                            "unit_price": "450000",
                        }
                    ],
                    **extra,
                )
                inbox.append(
                    session=s,
                    clock=ctx.clock,
                    shop_id=shop.id,
                    source="api",
                    topic="order",
                    external_id=f"{payload['order_id']}:{step}",
                    order_key=f"order:{payload['order_id']}",
                    payload=json.dumps(payload),
                    check_backlog=False,
                )


def pending(ctx: AppContext) -> int:
    with ctx.sessions() as s:
        return int(s.scalar(select(func.count()).where(IngestInboxRow.state == inbox.PENDING)) or 0)


def test_two_workers_drain_one_shops_shared_customers_without_a_deadlock_each_row_once(
    ctx: AppContext, shop: Shop
) -> None:
    append_orders(ctx, shop, 60)
    errors: list[str] = []

    def caught(context: Any) -> None:
        errors.append(type(context.original_exception).__name__)

    event.listen(ctx.engine, "handle_error", caught)

    def worker() -> None:
        for _ in range(1000):  # bounded: 120 rows need far fewer passes
            if not pending(ctx):
                return
            with ctx.sessions() as s, s.begin():
                inbox.apply_batch(s, ctx.clock, limit=6)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    event.remove(ctx.engine, "handle_error", caught)

    assert errors == []  # no DeadlockDetected (nor any other database error)
    with ctx.sessions() as s:
        states = s.execute(select(IngestInboxRow.state, IngestInboxRow.attempts)).all()
        assert {(state, attempts) for state, attempts in states} == {("applied", 1)}
        assert s.scalar(select(func.count()).select_from(Order)) == 60
        assert s.scalar(select(func.count()).select_from(Customer)) == 5
        assert s.scalar(select(func.count()).select_from(Product)) == 2
        assert set(s.scalars(select(Order.status))) == {"paid"}
        for kind in ("order.placed", "order.paid"):
            assert s.scalar(select(func.count()).where(TimelineEvent.type == kind)) == 60


def test_while_one_transaction_holds_a_shop_alone_a_worker_applies_another_shops_rows(
    ctx: AppContext, make_shop: ShopFactory
) -> None:
    first, second = make_shop("first"), make_shop("second")
    append_orders(ctx, first, 3)
    append_orders(ctx, second, 3)
    with ctx.sessions() as s:
        row_id = s.scalars(
            select(IngestInboxRow.id).where(IngestInboxRow.shop_id == first.id)
        ).first()
        key = s.scalar(select(IngestInboxRow.order_key).where(IngestInboxRow.id == row_id))
    assert row_id is not None and key is not None

    with ctx.sessions() as a, a.begin():
        taken = inbox.apply_batch(a, ctx.clock, order_key=(first.id, key), up_to_id=row_id)
        with ctx.sessions() as b, b.begin():
            b.execute(text("SET LOCAL lock_timeout = '5s'"))
            other = inbox.apply_batch(b, ctx.clock)

    shop_of: dict[int, int] = {}
    with ctx.sessions() as s:
        shop_of = dict(s.execute(select(IngestInboxRow.id, IngestInboxRow.shop_id)).all())
    assert {shop_of[i] for i in taken} == {first.id}
    assert {shop_of[i] for i in other} == {second.id} and len(other) == 6


def test_two_batches_write_one_shops_rows_side_by_side_leaving_what_the_other_holds(
    ctx: AppContext, shop: Shop
) -> None:
    """Batches beside each other hold their rows' keys with `pg_try_advisory_xact_lock`
    (never waits); a row whose customer the other batch holds is left for later."""
    append_orders(ctx, shop, 2)  # SKU-0 and SKU-1 stored, customers C-0 and C-2 known
    while inbox.apply_pass(ctx.sessions, ctx.clock):
        pass
    append_orders(ctx, shop, 6, first=2)  # customers C-4, C-1 | C-3, C-0, C-2, C-4 again

    with ctx.sessions() as third, third.begin():
        # A third batch in progress holds the shop shared: neither batch below is alone.
        hold = func.pg_try_advisory_xact_lock_shared(inbox.APPLY_LOCK_CLASS, shop.id)
        assert third.scalar(select(hold))
        with ctx.sessions() as a, a.begin():
            taken = inbox.apply_batch(a, ctx.clock, limit=2)
            with ctx.sessions() as b, b.begin():
                b.execute(text("SET LOCAL lock_timeout = '5s'"))
                beside = inbox.apply_batch(b, ctx.clock)
    while inbox.apply_pass(ctx.sessions, ctx.clock):
        pass

    assert len(taken) == 2 and len(beside) == 3  # O-4, O-5, O-6 beside; O-7 (C-4) waited
    assert {o.state for o in beside.values()} == {"applied"}
    with ctx.sessions() as s:
        states = s.execute(select(IngestInboxRow.state, IngestInboxRow.attempts)).all()
        assert {(state, attempts) for state, attempts in states} == {("applied", 1)}
        assert s.scalar(select(func.count()).select_from(Order)) == 8
        assert s.scalar(select(func.count()).select_from(Customer)) == 5
        for kind in ("order.placed", "order.paid"):
            assert s.scalar(select(func.count()).where(TimelineEvent.type == kind)) == 8
