"""The inbox's batched apply (careloop.orders.inbox_bulk, docs/decisions/0029): new API
orders written set-based leave exactly what applying the same rows one at a time leaves,
customers resolved by the identity rules of customers/identity.py, each order's rows in
received order, a refused row failed alone with its cause, and a bulk write that breaks
falling back to one at a time without losing or doubling a row."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from careloop.context import AppContext
from careloop.customers.models import Customer, CustomerIdentity, TimelineEvent
from careloop.customers.schemas import CustomerIn
from careloop.customers.service import upsert_customer
from careloop.orders import inbox, inbox_bulk
from careloop.orders.models import IngestInboxRow, Order, OrderLine, Product
from careloop.shops.models import Shop

from ..conftest import ShopFactory
from .test_api import ORDER


def order(order_id: str, customer_id: str, **fields: Any) -> dict[str, Any]:
    return dict(ORDER, order_id=order_id, customer_id=customer_id, **fields)


# A flash sale's round: new buyers, repeat buyers, one person under two ids, a family
# sharing a phone, a changed name, a refused payload, an order sent again, a status change.
ROWS: list[tuple[str, dict[str, Any]]] = [
    ("order", order("O-1", "C-1")),
    ("order", order("O-2", "C-2", phone="0987 000 002", email="c2@example.vn", status="paid")),
    ("order", order("O-3", "C-1", total="90000", lines=[])),
    ("order", order("O-1", "C-1", status="delivered", delivered_at="2026-10-03T09:00:00+07:00")),
    ("order", order("O-4", "C-3", customer_name="Lan", email=None)),  # C-1's phone: linked
    ("order", order("O-5", "C-4", customer_name="Nguyễn Văn An", email=None)),  # a family
    ("order", order("O-6", "C-9", customer_name="Trần Minh", phone=None, email=None)),
    ("order", order("O-7", "C-8", customer_name="Tên Mới", phone=None, email=None)),
    ("order", order("O-8", "C-5", total="-1")),  # refused: total
    ("order", order("O-9", "C-6", phone=None, email=None, customer_name=None, status="paid")),
    ("status", {"order_id": "O-2", "status": "shipped", "at": "2026-10-02T09:00:00+07:00"}),
    (
        "order",
        order(
            "O-10",
            "C-7",
            phone="0987 000 007",
            email="c7@example.vn",
            lines=[
                {"sku": "CF-NEW", "product_name": "New", "quantity": 1, "unit_price": "1000"},
                {"sku": None, "product_name": "Gift wrap", "quantity": 1, "unit_price": "0"},
            ],
            shipping_address="12 Lê Lợi, Q.1",
            number="#1010",
        ),
    ),
]


def fill(ctx: AppContext, shop: Shop) -> None:
    """The stored customers the round meets (C-9 unchanged, C-8 renamed), then the rows."""
    with ctx.sessions() as s, s.begin():
        stored = s.get_one(Shop, shop.id)
        for customer_id, name in (("C-9", "Trần Minh"), ("C-8", "Tên Cũ")):
            upsert_customer(
                session=s,
                clock=ctx.clock,
                shop=stored,
                data=CustomerIn(customer_id=customer_id, name=name),
            )
        for n, (topic, payload) in enumerate(ROWS):
            key = f"order:{payload['order_id']}"
            inbox.append(
                session=s,
                clock=ctx.clock,
                shop_id=shop.id,
                source="api",
                topic=topic,
                external_id=f"{topic}:{n}",
                order_key=key,
                payload=json.dumps(payload),
                check_backlog=False,
            )


def drain(ctx: AppContext) -> None:
    while inbox.apply_pass(ctx.sessions, ctx.clock):
        pass


def snapshot(session: Session, shop_id: int) -> dict[str, Any]:
    """What a shop's rows say, without ids, referral codes or search keys."""
    customers = {c.id: c.external_id for c in session.scalars(select(Customer))}
    orders = {o.id: o.external_id for o in session.scalars(select(Order))}
    skip = {"id", "shop_id", "customer_id", "order_id", "product_id", "referral_code"}

    def plain(row: Any) -> dict[str, Any]:
        return {k: v for k, v in vars(row).items() if not k.startswith("_") and k not in skip}

    def where(model: Any) -> Any:
        return select(model).where(model.shop_id == shop_id)

    return {
        "customers": sorted(
            (c.external_id, c.name, c.email, c.phone, c.search_key)
            for c in session.scalars(where(Customer))
        ),
        "identities": sorted(
            (i.external_id, customers[i.customer_id], i.source, i.matched_on)
            for i in session.scalars(where(CustomerIdentity))
        ),
        "orders": sorted(
            (customers[o.customer_id], str(sorted(plain(o).items())))
            for o in session.scalars(where(Order))
        ),
        "lines": sorted(
            (orders[x.order_id], str(sorted(plain(x).items())))
            for x in session.scalars(where(OrderLine))
        ),
        "products": sorted(str(sorted(plain(p).items())) for p in session.scalars(where(Product))),
        "events": sorted(
            (
                e.type,
                e.event_key or "",
                customers.get(e.customer_id or 0, ""),
                orders.get(e.order_id or 0, ""),
                e.occurred_at.isoformat(),
                json.dumps(e.payload, sort_keys=True),
                e.summary,
                e.source,
            )
            for e in session.scalars(where(TimelineEvent))
        ),
        "inbox": [
            (r.external_id, r.state, r.attempts, r.error)
            for r in session.scalars(where(IngestInboxRow).order_by(IngestInboxRow.id))
        ],
    }


def test_a_round_applied_in_bulk_leaves_what_applying_its_rows_one_at_a_time_leaves(
    ctx: AppContext, make_shop: ShopFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    bulk_shop, single_shop = make_shop("bulk"), make_shop("single")
    written: list[int] = []
    real = inbox_bulk.apply_planned

    def counted(*args: Any) -> Any:
        applied, rest = real(*args)
        written.append(len(applied))
        return applied, rest

    monkeypatch.setattr(inbox_bulk, "apply_planned", counted)
    fill(ctx, bulk_shop)
    drain(ctx)
    monkeypatch.setattr(inbox, "BULK_MIN_ROWS", 10**9)
    fill(ctx, single_shop)
    drain(ctx)

    assert sum(written) >= 4  # O-1, O-2, O-6, O-9, O-10 at least went in bulk
    with ctx.sessions() as s:
        bulk, single = snapshot(s, bulk_shop.id), snapshot(s, single_shop.id)
    for part in single:
        assert bulk[part] == single[part], part
    states = {ext: state for ext, state, _, _ in bulk["inbox"]}
    assert states["order:8"] == "failed" and list(states.values()).count("applied") == 11
    error = next(e for ext, _, _, e in bulk["inbox"] if ext == "order:8")
    assert error is not None and "total" in error


def test_a_bulk_write_that_breaks_falls_back_to_one_at_a_time_and_applies_each_row_once(
    ctx: AppContext, shop: Shop, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_args: Any) -> None:
        raise RuntimeError("the bulk insert of lines broke")

    monkeypatch.setattr(inbox_bulk, "_write_lines", broken)
    fill(ctx, shop)
    drain(ctx)

    with ctx.sessions() as s:
        orders = s.scalar(select(func.count()).select_from(Order)) or 0
        placed = s.scalar(select(func.count()).where(TimelineEvent.type == "order.placed"))
        states = [r.state for r in s.scalars(select(IngestInboxRow).order_by(IngestInboxRow.id))]
    assert orders == 9 and placed == 9  # O-1..O-10 but the refused O-8
    assert states.count("applied") == 11 and states.count("failed") == 1


def test_an_orders_later_row_waits_for_its_earlier_row_even_when_both_could_go_in_bulk(
    ctx: AppContext, shop: Shop
) -> None:
    with ctx.sessions() as s, s.begin():
        for n, status in enumerate(("placed", "paid", "delivered")):
            times = {"paid": {"paid_at": "2026-10-02T09:00:00+07:00"}}.get(status, {})
            if status == "delivered":
                times = {"delivered_at": "2026-10-03T09:00:00+07:00"}
            for order_id, customer in (("X-1", "K-1"), ("X-2", "K-2")):
                inbox.append(
                    session=s,
                    clock=ctx.clock,
                    shop_id=shop.id,
                    source="api",
                    topic="order",
                    external_id=f"{order_id}:{n}",
                    order_key=f"order:{order_id}",
                    payload=json.dumps(
                        order(order_id, customer, phone=None, email=None, status=status, **times)
                    ),
                    check_backlog=False,
                )

    drain(ctx)

    with ctx.sessions() as s:
        found = {o.external_id: o.status for o in s.scalars(select(Order))}
        events = s.scalar(select(func.count()).where(TimelineEvent.order_id.is_not(None)))
    assert found == {"X-1": "delivered", "X-2": "delivered"}
    assert events == 6  # placed, paid, delivered for each, once


# Status changes as `POST /api/v1/orders/{id}/status` stores them, released out of order:
# a "delivered" before its "paid", a repeat under another event id, a later "delivered"
# (a status keeps its first time), a change dated before its order was placed (refused),
# an unknown order (refused), a change without `at` (it happened when applied), and the
# end states returned and cancelled.
STATUS_ROWS: list[dict[str, Any]] = [
    {"order_id": "S-1", "status": "delivered", "at": "2026-10-04T09:00:00+07:00"},
    {"order_id": "S-2", "status": "paid", "at": "2026-10-02T10:00:00+07:00", "event_id": "e-1"},
    {"order_id": "S-1", "status": "paid", "at": "2026-10-02T09:00:00+07:00", "event_id": "p-1"},
    {"order_id": "S-2", "status": "paid", "at": "2026-10-02T11:00:00+07:00", "event_id": "e-2"},
    {"order_id": "S-3", "status": "cancelled", "at": "2026-10-02T08:00:00+07:00"},
    {"order_id": "S-1", "status": "shipped", "at": "2026-10-03T09:00:00+07:00"},
    {"order_id": "S-4", "status": "shipped", "at": "2026-09-01T09:00:00+07:00"},  # too early
    {"order_id": "S-404", "status": "paid", "at": "2026-10-02T09:00:00+07:00"},  # unknown
    {"order_id": "S-5", "status": "paid"},
    {"order_id": "S-1", "status": "delivered", "at": "2026-10-05T09:00:00+07:00"},
    {"order_id": "S-6", "status": "delivered", "at": "2026-10-04T09:00:00+07:00"},
    {"order_id": "S-6", "status": "returned", "at": "2026-10-09T09:00:00+07:00"},
    {"order_id": "S-3", "status": "paid", "at": "2026-10-02T07:00:00+07:00"},
]


def append_rows(ctx: AppContext, shop: Shop, rows: list[tuple[str, dict[str, Any]]]) -> None:
    with ctx.sessions() as s, s.begin():
        for n, (topic, payload) in enumerate(rows):
            inbox.append(
                session=s,
                clock=ctx.clock,
                shop_id=shop.id,
                source="api",
                topic=topic,
                external_id=f"{topic}:{n}:{payload['order_id']}",
                order_key=f"order:{payload['order_id']}",
                payload=json.dumps(payload),
                check_backlog=False,
            )


def test_status_changes_applied_in_bulk_leave_what_applying_them_one_at_a_time_leaves(
    ctx: AppContext, make_shop: ShopFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    bulk_shop, single_shop = make_shop("bulk"), make_shop("single")
    orders = [("order", order(f"S-{n}", f"K-{n % 3}", phone=None, email=None)) for n in range(7)]
    for shop in (bulk_shop, single_shop):
        append_rows(ctx, shop, orders)
    drain(ctx)
    changed: list[int] = []
    real = inbox_bulk._status_changes

    def counted(*args: Any) -> Any:
        changed.append(1)
        return real(*args)

    monkeypatch.setattr(inbox_bulk, "_status_changes", counted)
    append_rows(ctx, bulk_shop, [("status", row) for row in STATUS_ROWS])
    drain(ctx)
    monkeypatch.setattr(inbox, "BULK_MIN_ROWS", 10**9)
    append_rows(ctx, single_shop, [("status", row) for row in STATUS_ROWS])
    drain(ctx)

    assert len(changed) >= 8  # all but the two refused rows, at least
    with ctx.sessions() as s:
        bulk, single = snapshot(s, bulk_shop.id), snapshot(s, single_shop.id)
    for part in single:
        assert bulk[part] == single[part], part
    states = [state for ext, state, _, _ in bulk["inbox"] if ext.startswith("status:")]
    assert states.count("failed") == 2 and states.count("applied") == len(STATUS_ROWS) - 2
    found = {o.external_id: o.status for o in bulk_orders(ctx, bulk_shop)}
    assert found["S-1"] == "delivered" and found["S-3"] == "cancelled"
    assert found["S-6"] == "returned" and found["S-5"] == "paid"


def bulk_orders(ctx: AppContext, shop: Shop) -> list[Order]:
    with ctx.sessions() as s:
        return list(s.scalars(select(Order).where(Order.shop_id == shop.id)))
