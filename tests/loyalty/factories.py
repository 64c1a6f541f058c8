"""Factories for loyalty tests: customers and orders through the real ingestion service."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from careloop.context import AppContext
from careloop.customers.models import Customer
from careloop.customers.schemas import CustomerIn
from careloop.customers.service import upsert_customer
from careloop.orders.models import Order
from careloop.orders.schemas import OrderIn
from careloop.orders.service import change_status, upsert_order
from careloop.shops.models import Shop


def make_customer(ctx: AppContext, shop: Shop, external_id: str = "C-1", **fields: Any) -> Customer:
    with ctx.sessions() as s, s.begin():
        return upsert_customer(
            session=s,
            clock=ctx.clock,
            shop=s.merge(shop),
            data=CustomerIn(customer_id=external_id, **fields),
        ).customer


def place_order(
    ctx: AppContext,
    shop: Shop,
    order_id: str,
    customer_id: str = "C-1",
    total: str = "1000000",
    status: str = "placed",
    placed_at: datetime | None = None,
    **fields: Any,
) -> Order:
    with ctx.sessions() as s, s.begin():
        return upsert_order(
            session=s,
            clock=ctx.clock,
            shop=s.merge(shop),
            data=OrderIn(
                order_id=order_id,
                customer_id=customer_id,
                total=total,
                status=status,
                placed_at=placed_at or ctx.clock.now(),
                **fields,
            ),
        ).order


def set_status(ctx: AppContext, shop: Shop, order_id: str, status: str) -> None:
    with ctx.sessions() as s, s.begin():
        change_status(
            session=s,
            clock=ctx.clock,
            shop=s.merge(shop),
            order_external_id=order_id,
            status=status,
            at=ctx.clock.now(),
        )


def in_tx(ctx: AppContext) -> Session:
    return ctx.sessions()
