"""Factories for analytics tests: customers and orders written straight to the tables
(fast: these tests are about what is computed from orders, not about ingestion)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from careloop.customers.models import Customer
from careloop.orders.models import Order
from careloop.shops.models import Shop


def add_customer(
    session: Session, shop: Shop, external_id: str, *, created_at: datetime
) -> Customer:
    customer = Customer(
        shop_id=shop.id,
        external_id=external_id,
        name=f"Customer {external_id}",
        referral_code=f"R{external_id}"[:16],
        tags=[],
        created_at=created_at,
        updated_at=created_at,
    )
    session.add(customer)
    session.flush()
    return customer


def add_order(
    session: Session,
    shop: Shop,
    customer: Customer,
    placed_at: datetime,
    total_minor: int,
    *,
    status: str = "delivered",
    external_id: str | None = None,
) -> Order:
    order = Order(
        shop_id=shop.id,
        external_id=external_id or f"{customer.external_id}-{placed_at.isoformat()}",
        customer_id=customer.id,
        status=status,
        currency=shop.currency,
        total_minor=total_minor,
        discount_codes=[],
        placed_at=placed_at,
        created_at=placed_at,
        updated_at=placed_at,
    )
    if status == "returned":
        order.returned_at = placed_at + timedelta(days=5)
    session.add(order)
    return order


def add_buyer(
    session: Session,
    shop: Shop,
    external_id: str,
    orders: Sequence[tuple[datetime, int]],
) -> Customer:
    """A customer with orders given as (placed_at, total_minor)."""
    first = min((at for at, _ in orders), default=None)
    customer = add_customer(
        session,
        shop,
        external_id,
        created_at=first or datetime.fromisoformat("2025-01-01T00:00+00:00"),
    )
    for at, total in orders:
        add_order(session, shop, customer, at, total)
    session.flush()
    return customer


def simulate_shop(
    session: Session, shop: Shop, now: datetime, *, customers: int, seed: int = 1
) -> None:
    """Customers whose orders follow BG/NBD (purchase times) and Gamma-Gamma (spend)."""
    import numpy as np
    from sqlalchemy import insert

    from careloop.segments.simulate import simulate_bgnbd, simulate_spend

    rng = np.random.default_rng(seed)
    ages = rng.uniform(30, 400, customers)
    x, _, times = simulate_bgnbd(rng, customers, r=0.8, alpha=40.0, a=0.8, b=2.5, T=ages)
    m, first = simulate_spend(rng, x, p=6.0, q=4.0, gamma=15.0)
    rows = []
    for i in range(customers):
        c = add_customer(session, shop, f"S{i}", created_at=now - timedelta(days=float(ages[i])))
        start = now - timedelta(days=float(ages[i]))
        spends = [first[i]] + [m[i]] * len(times[i])
        for j, t in enumerate([0.0, *times[i].tolist()]):
            at = start + timedelta(days=t)
            rows.append(
                {
                    "shop_id": shop.id,
                    "external_id": f"S{i}-{j}",
                    "customer_id": c.id,
                    "status": "delivered",
                    "currency": shop.currency,
                    "total_minor": max(1, int(spends[j] * 1000)),
                    "discount_codes": [],
                    "placed_at": at,
                    "created_at": at,
                    "updated_at": at,
                }
            )
    session.execute(insert(Order), rows)
    session.flush()
