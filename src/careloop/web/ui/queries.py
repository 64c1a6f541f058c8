"""Read models for the staff pages: a few aggregate queries per page, each scoped by shop."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from careloop.customers.models import Customer, TimelineEvent
from careloop.orders.models import Order, OrderLine
from careloop.shops.models import Shop

# Orders that did not end up as a sale; excluded from "total spent", like the API does.
NOT_A_SALE = ("cancelled", "returned")


@dataclass(frozen=True)
class CustomerRow:
    customer: Customer
    orders: int
    spent_minor: int
    last_order_at: datetime | None


def customer_rows(session: Session, shop: Shop, customers: Sequence[Customer]) -> list[CustomerRow]:
    """Order count, total spent and last order time for one page of customers."""
    ids = [c.id for c in customers]
    stats: dict[int, tuple[int, int, datetime | None]] = {}
    if ids:
        rows = session.execute(
            select(
                Order.customer_id,
                func.count(Order.id).filter(Order.status.not_in(NOT_A_SALE)),
                func.coalesce(
                    func.sum(Order.total_minor).filter(Order.status.not_in(NOT_A_SALE)), 0
                ),
                func.max(Order.placed_at).filter(Order.status.not_in(NOT_A_SALE)),
            )
            .where(Order.shop_id == shop.id, Order.customer_id.in_(ids))
            .group_by(Order.customer_id)
        ).all()
        stats = {cid: (int(n), int(spent), last) for cid, n, spent, last in rows}
    return [CustomerRow(c, *stats.get(c.id, (0, 0, None))) for c in customers]


@dataclass(frozen=True)
class OrderView:
    order: Order
    lines: list[OrderLine]

    def status_times(self) -> list[tuple[str, datetime]]:
        """(status, when) for every status this order reached, in time order."""
        times = [
            (status, getattr(self.order, f"{status}_at"))
            for status in ("placed", "paid", "shipped", "delivered", "returned", "cancelled")
        ]
        return sorted(((s, t) for s, t in times if t is not None), key=lambda st: st[1])


def orders_with_lines(
    session: Session, shop: Shop, customer_id: int, *, limit: int = 100
) -> list[OrderView]:
    """The customer's newest orders with their lines, in two queries."""
    orders = list(
        session.scalars(
            select(Order)
            .where(Order.shop_id == shop.id, Order.customer_id == customer_id)
            .order_by(Order.placed_at.desc(), Order.id.desc())
            .limit(limit)
        )
    )
    lines: dict[int, list[OrderLine]] = defaultdict(list)
    if orders:
        for line in session.scalars(
            select(OrderLine)
            .where(OrderLine.shop_id == shop.id, OrderLine.order_id.in_([o.id for o in orders]))
            .order_by(OrderLine.id)
        ):
            lines[line.order_id].append(line)
    return [OrderView(o, lines[o.id]) for o in orders]


def order_totals(session: Session, shop: Shop, customer_id: int) -> tuple[int, int]:
    """(orders, total spent in minor units) of one customer, sales only."""
    count, spent = session.execute(
        select(func.count(Order.id), func.coalesce(func.sum(Order.total_minor), 0)).where(
            Order.shop_id == shop.id,
            Order.customer_id == customer_id,
            Order.status.not_in(NOT_A_SALE),
        )
    ).one()
    return int(count), int(spent)


@dataclass(frozen=True)
class ShopCounts:
    customers: int
    orders: int
    revenue_minor: int


def shop_counts(session: Session, shop: Shop) -> ShopCounts:
    customers = session.scalar(
        select(func.count(Customer.id)).where(
            Customer.shop_id == shop.id, Customer.erased_at.is_(None)
        )
    )
    orders, revenue = session.execute(
        select(func.count(Order.id), func.coalesce(func.sum(Order.total_minor), 0)).where(
            Order.shop_id == shop.id, Order.status.not_in(NOT_A_SALE)
        )
    ).one()
    return ShopCounts(int(customers or 0), int(orders), int(revenue))


GROUPED_IN_ATTENTION = ("message.failed", "message.maybe_sent")


def recent_events(
    session: Session, shop: Shop, *, limit: int = 15
) -> list[tuple[TimelineEvent, Customer | None]]:
    """The shop's latest timeline events with their customers, newest first. Failed and
    maybe-sent messages are left out: "needs attention" groups them by cause instead."""
    rows = session.execute(
        select(TimelineEvent, Customer)
        .outerjoin(Customer, Customer.id == TimelineEvent.customer_id)
        .where(
            TimelineEvent.shop_id == shop.id,
            TimelineEvent.type.not_in(GROUPED_IN_ATTENTION),
        )
        .order_by(TimelineEvent.occurred_at.desc(), TimelineEvent.id.desc())
        .limit(limit)
    ).all()
    return [(event, customer) for event, customer in rows]
