"""Factories for channel tests: customers with an order, channel settings."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from careloop.context import AppContext
from careloop.customers.models import Customer
from careloop.customers.schemas import CustomerIn
from careloop.customers.service import upsert_customer
from careloop.orders.schemas import OrderIn, OrderLineIn
from careloop.orders.service import upsert_order
from careloop.shops.models import Shop


def make_customer(
    ctx: AppContext,
    shop: Shop,
    customer_id: str = "C1",
    *,
    name: str = "Nguyễn Thị Mai",
    email: str | None = "mai@example.com",
    phone: str | None = "+84901234567",
    locale: str | None = "vi",
    with_order: bool = True,
    **fields: Any,
) -> Customer:
    with ctx.sessions() as s, s.begin():
        data = CustomerIn(
            customer_id=customer_id, name=name, email=email, phone=phone, locale=locale, **fields
        )
        customer = upsert_customer(session=s, clock=ctx.clock, shop=s.merge(shop), data=data)
        if with_order:
            upsert_order(
                session=s,
                clock=ctx.clock,
                shop=s.merge(shop),
                data=OrderIn(
                    order_id=f"DH-{customer_id}",
                    customer_id=customer_id,
                    placed_at=ctx.clock.now(),
                    total=Decimal(405000),
                    lines=[
                        OrderLineIn(
                            sku="CF-500",
                            product_name="Cà phê Arabica 500g",
                            quantity=2,
                            unit_price=Decimal(180000),
                        ),
                        OrderLineIn(
                            sku="PHIN", product_name="Phin nhôm", unit_price=Decimal(45000)
                        ),
                    ],
                ),
            )
        return customer.customer


def load(session: Session, model: Any, ident: int) -> Any:
    return session.get(model, ident)
