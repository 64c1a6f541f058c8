"""Factories for support tests: customers, staff, orders in a shop, with overrides."""

from __future__ import annotations

from itertools import count
from typing import Any

from sqlalchemy.orm import Session

from careloop.context import AppContext
from careloop.customers.models import Customer
from careloop.customers.schemas import CustomerIn
from careloop.customers.service import upsert_customer
from careloop.orders.models import Order
from careloop.shops.models import Shop, StaffUser
from careloop.shops.service import create_user

_ids = count(1)


def make_customer(session: Session, ctx: AppContext, shop: Shop, **overrides: Any) -> Customer:
    n = next(_ids)
    fields: dict[str, Any] = {
        "customer_id": f"C-{n}",
        "name": "Nguyễn Thị Lan",
        "phone": f"09123456{n % 100:02d}",
        "email": f"lan{n}@example.vn",
        "locale": "vi",
    }
    data = CustomerIn(**(fields | overrides))
    return upsert_customer(session=session, clock=ctx.clock, shop=shop, data=data).customer


def make_staff(
    session: Session, ctx: AppContext, shop: Shop, email: str, role: str = "agent"
) -> StaffUser:
    return create_user(
        session=session, clock=ctx.clock, shop=shop, email=email, password="x" * 12, role=role
    )


def make_order(session: Session, ctx: AppContext, shop: Shop, customer: Customer) -> Order:
    now = ctx.clock.now()
    order = Order(
        shop_id=shop.id,
        external_id=f"O-{next(_ids)}",
        customer_id=customer.id,
        status="delivered",
        currency="VND",
        total_minor=500_000,
        discount_codes=[],
        placed_at=now,
        created_at=now,
        updated_at=now,
    )
    session.add(order)
    session.flush()
    return order
