"""A capability's demo module as tests/demo uses it: adds a tag to one customer."""

from __future__ import annotations

import random
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from careloop.customers.models import Customer
from careloop.customers.timeline import record_event
from careloop.shops.models import Shop

CALLS: list[dict[str, Any]] = []


def seed_demo(*, ctx: Any, session: Session, shop: Shop, rng: random.Random, now: datetime) -> None:
    customer = session.scalars(
        select(Customer).where(Customer.shop_id == shop.id).order_by(Customer.id)
    ).first()
    assert customer is not None
    customer.tags = [*customer.tags, "extension-was-here"]
    record_event(
        session=session,
        clock=ctx.clock,
        shop_id=shop.id,
        customer_id=customer.id,
        type="points.earned",
        occurred_at=now,
        payload={"points": rng.randrange(100)},
        source="demo",
    )
    CALLS.append({"shop": shop.slug, "draw": rng.random(), "now": now})
