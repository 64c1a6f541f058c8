"""Factories for community tests: customers (optionally in an RFM segment), earlier
journey messages, and running the community worker tasks."""

from __future__ import annotations

import zlib
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from careloop.channels.models import Message
from careloop.channels.service import enqueue_message
from careloop.community.links import LinkMaker
from careloop.community.tasks import event_steps, launch_steps, send_due, start_campaigns
from careloop.context import AppContext
from careloop.core.clock import VirtualClock
from careloop.customers.models import Customer
from careloop.customers.schemas import CustomerIn
from careloop.customers.service import upsert_customer
from careloop.orders.schemas import OrderIn, OrderLineIn
from careloop.orders.service import upsert_order
from careloop.segments.models import CustomerSegment
from careloop.shops.models import Shop


def own_phone(customer_id: str) -> str:
    """A mobile number of this customer's own, the same on every run."""
    return f"+8490{zlib.crc32(customer_id.encode()) % 10**7:07d}"


def make_customer(
    ctx: AppContext,
    shop: Shop,
    customer_id: str,
    *,
    segment: str | None = "champions",
    name: str = "Nguyễn Thị Mai",
    email: str | None = None,
    phone: str | None = "",
    locale: str = "en",
    with_order: bool = True,
    **fields: Any,
) -> Customer:
    """A customer with a phone, an email and an order of a phin filter (sku PHIN), in
    `segment` when one is given."""
    with ctx.sessions() as s, s.begin():
        data = CustomerIn(
            customer_id=customer_id,
            name=name,
            email=email or f"{customer_id.lower()}@example.com",
            # Each customer their own phone: customers sharing one are one person.
            phone=own_phone(customer_id) if phone == "" else phone,
            locale=locale,
            **fields,
        )
        customer = upsert_customer(session=s, clock=ctx.clock, shop=s.merge(shop), data=data)
        if segment is not None:
            put_in_segment(s, ctx, shop, customer.customer.id, segment)
    if with_order:
        buy(
            ctx, shop, customer_id, f"O-{customer_id}", "PHIN", ctx.clock.now() - timedelta(days=20)
        )
    return customer.customer


def put_in_segment(s: Any, ctx: AppContext, shop: Shop, customer_id: int, segment: str) -> None:
    existing = s.scalar(select(CustomerSegment).where(CustomerSegment.customer_id == customer_id))
    if existing is not None:
        existing.segment = segment
        return
    now = ctx.clock.now()
    s.add(
        CustomerSegment(
            shop_id=shop.id,
            customer_id=customer_id,
            segment=segment,
            r_score=5,
            f_score=5,
            m_score=5,
            recency_days=3,
            frequency=4,
            monetary_minor=1_000_000,
            entered_at=now,
            computed_at=now,
        )
    )


def buy(
    ctx: AppContext, shop: Shop, customer_id: str, order_id: str, sku: str, at: datetime
) -> None:
    with ctx.sessions() as s, s.begin():
        upsert_order(
            session=s,
            clock=ctx.clock,
            shop=s.merge(shop),
            data=OrderIn(
                order_id=order_id,
                customer_id=customer_id,
                placed_at=at,
                total=Decimal(300000),
                lines=[OrderLineIn(sku=sku, product_name=sku, unit_price=Decimal(300000))],
            ),
        )


def journey_message(
    ctx: AppContext, clock: VirtualClock, shop: Shop, customer: Customer, at: datetime, key: str
) -> None:
    """A marketing message a journey queued at `at` (the clock comes back afterwards)."""
    back = clock.now()
    clock.set(at)
    with ctx.sessions() as s, s.begin():
        enqueue_message(
            session=s,
            clock=clock,
            shop=s.merge(shop),
            customer=s.merge(customer),
            channels=["sms"],
            template_key="cross_sell.suggestion",
            kind="marketing",
            context={},
            idempotency_key=key,
            journey_key="cross_sell",
            step_key="suggest",
        )
    clock.set(back)


def run_worker(ctx: AppContext) -> int:
    """One pass of the community tasks (the channels dispatcher is not run: messages stay
    queued, which is what the caps count)."""
    first = start_campaigns(ctx) + launch_steps(ctx) + event_steps(ctx)
    return first + send_due(ctx) + start_campaigns(ctx)


def links(ctx: AppContext) -> LinkMaker:
    return LinkMaker(ctx.settings.base_url, ctx.secret_key)


def messages(ctx: AppContext, prefix: str = "camp:") -> list[Message]:
    with ctx.sessions() as s:
        return list(
            s.scalars(
                select(Message)
                .where(Message.idempotency_key.startswith(prefix))
                .order_by(Message.customer_id)
            )
        )
