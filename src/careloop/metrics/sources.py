"""What the KPIs are computed from: the shop's sales and its customers' timeline events.

Capabilities that are not built yet (tickets, surveys, reviews) simply have no events;
each query here returns an empty list then, and the KPI says "no data" rather than 0.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, case, func, select
from sqlalchemy.orm import Session

from careloop.customers.models import TimelineEvent
from careloop.orders.models import Order

NOT_SALES = ("cancelled", "returned")
CHUNK = 500  # ids per IN (...) list


@dataclass(frozen=True)
class Sale:
    customer_id: int
    placed_at: datetime
    total_minor: int


@dataclass(frozen=True)
class Event:
    customer_id: int | None
    type: str
    occurred_at: datetime
    payload: dict[str, Any]


def aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def sales(
    session: Session, shop_id: int, *, end: datetime, start: datetime | None = None
) -> list[Sale]:
    """Orders that became sales (not cancelled or returned) placed in [start, end)."""
    stmt = select(Order.customer_id, Order.placed_at, Order.total_minor).where(
        Order.shop_id == shop_id, Order.placed_at < end, Order.status.not_in(NOT_SALES)
    )
    if start is not None:
        stmt = stmt.where(Order.placed_at >= start)
    return [Sale(int(c), aware(at), int(t)) for c, at, t in session.execute(stmt)]


def _sale_filter(shop_id: int, end: datetime) -> list[ColumnElement[bool]]:
    return [Order.shop_id == shop_id, Order.placed_at < end, Order.status.not_in(NOT_SALES)]


def sales_totals(session: Session, shop_id: int, *, end: datetime) -> tuple[int, int]:
    """(customers with a sale, total of their sales) placed before `end`, summed in SQL.

    Grouped per customer rather than COUNT(DISTINCT): the groups come in the covering
    index's customer order, so the database needs no temporary table of every id."""
    per_customer = (
        select(func.sum(Order.total_minor).label("spent"))
        .where(*_sale_filter(shop_id, end))
        .group_by(Order.customer_id)
        .subquery()
    )
    customers, total = session.execute(
        select(func.count(), func.coalesce(func.sum(per_customer.c.spent), 0))
    ).one()
    return int(customers), int(total)


@dataclass(frozen=True)
class PeriodSales:
    buyers: int  # customers with a sale in the period
    repeaters: int  # of them, with 2 or more
    orders: int
    revenue_minor: int


def period_sales(session: Session, shop_id: int, *, start: datetime, end: datetime) -> PeriodSales:
    """Buyers, repeat buyers, sales and revenue in [start, end), counted in SQL."""
    per_customer = (
        select(func.count().label("n"), func.sum(Order.total_minor).label("spent"))
        .where(*_sale_filter(shop_id, end), Order.placed_at >= start)
        .group_by(Order.customer_id)
        .subquery()
    )
    buyers, repeaters, orders, revenue = session.execute(
        select(
            func.count(),
            func.coalesce(func.sum(case((per_customer.c.n >= 2, 1), else_=0)), 0),
            func.coalesce(func.sum(per_customer.c.n), 0),
            func.coalesce(func.sum(per_customer.c.spent), 0),
        )
    ).one()
    return PeriodSales(int(buyers), int(repeaters), int(orders), int(revenue))


def active_counts(
    session: Session, shop_id: int, *, start: datetime, middle: datetime, end: datetime
) -> tuple[int, int]:
    """(customers with a sale in (start, middle], of them how many have none in
    (middle, end]): churn's two windows, counted per customer in one indexed range scan."""
    per_customer = (
        select(
            func.max(case((Order.placed_at <= middle, 1), else_=0)).label("before"),
            func.max(case((Order.placed_at > middle, 1), else_=0)).label("after"),
        )
        .where(
            Order.shop_id == shop_id,
            Order.placed_at > start,
            Order.placed_at <= end,
            Order.status.not_in(NOT_SALES),
        )
        .group_by(Order.customer_id)
        .subquery()
    )
    before, gone = session.execute(
        select(
            func.coalesce(func.sum(per_customer.c.before), 0),
            func.coalesce(
                func.sum(
                    case(((per_customer.c.before == 1) & (per_customer.c.after == 0), 1), else_=0)
                ),
                0,
            ),
        )
    ).one()
    return int(before), int(gone)


def monthly_revenue(
    session: Session, shop_id: int, bounds: Sequence[tuple[datetime, datetime]]
) -> list[int]:
    """Sales revenue in each [start, end) of `bounds`, one query (a CASE sum per period)."""
    if not bounds:
        return []
    sums = [
        func.coalesce(
            func.sum(
                case(((Order.placed_at >= s) & (Order.placed_at < e), Order.total_minor), else_=0)
            ),
            0,
        )
        for s, e in bounds
    ]
    row = session.execute(
        select(*sums).where(
            *_sale_filter(shop_id, max(e for _, e in bounds)),
            Order.placed_at >= min(s for s, _ in bounds),
        )
    ).one()
    return [int(v) for v in row]


def period_buyers_lifetime_spend(
    session: Session, shop_id: int, *, start: datetime, end: datetime
) -> tuple[int, int]:
    """(customers with a sale in [start, end), the total of all their sales before `end`)."""
    buyers = (
        select(Order.customer_id)
        .where(*_sale_filter(shop_id, end), Order.placed_at >= start)
        .distinct()
        .subquery()
    )
    per_customer = (
        select(func.sum(Order.total_minor).label("spent"))
        .where(*_sale_filter(shop_id, end), Order.customer_id.in_(select(buyers.c.customer_id)))
        .group_by(Order.customer_id)
        .subquery()
    )
    customers, total = session.execute(
        select(func.count(), func.coalesce(func.sum(per_customer.c.spent), 0))
    ).one()
    return int(customers), int(total)


def converted_referrers_with_sales(
    session: Session, shop_id: int, *, end: datetime, start: datetime | None = None
) -> int:
    """Customers with a `referral.converted` event in [start, end) who also have a sale in
    [start, end) (from the beginning when `start` is None)."""
    # Referrers first (few, by the shop/type/time index), then one indexed look-up per
    # chunk: a correlated EXISTS let SQLite scan the shop's orders once per event.
    referrers = session.scalars(
        select(TimelineEvent.customer_id)
        .distinct()
        .where(
            TimelineEvent.shop_id == shop_id,
            TimelineEvent.type == "referral.converted",
            TimelineEvent.occurred_at < end,
            *([TimelineEvent.occurred_at >= start] if start is not None else []),
            TimelineEvent.customer_id.is_not(None),
        )
    ).all()
    since = [Order.placed_at >= start] if start is not None else []
    found = 0
    for chunk in chunks([int(c) for c in referrers if c is not None]):
        found += int(
            session.scalar(
                select(func.count(func.distinct(Order.customer_id))).where(
                    *_sale_filter(shop_id, end), *since, Order.customer_id.in_(chunk)
                )
            )
            or 0
        )
    return found


def chunks(ids: Sequence[int], size: int = CHUNK) -> Iterator[list[int]]:
    """`ids` in lists of at most `size`: bound parameters per statement stay few."""
    for i in range(0, len(ids), size):
        yield list(ids[i : i + size])


def sales_of(
    session: Session, shop_id: int, customer_ids: Iterable[int], *, start: datetime, end: datetime
) -> dict[int, list[tuple[datetime, int]]]:
    """The sales (placed at, total) in [start, end) of the given customers, oldest first;
    for figures about a few customers (clickers, enrollees) without loading the shop's."""
    out: dict[int, list[tuple[datetime, int]]] = defaultdict(list)
    for chunk in chunks(sorted(set(customer_ids))):
        rows = session.execute(
            select(Order.customer_id, Order.placed_at, Order.total_minor).where(
                *_sale_filter(shop_id, end), Order.placed_at >= start, Order.customer_id.in_(chunk)
            )
        )
        for c, at, total in rows:
            out[int(c)].append((aware(at), int(total)))
    for rows_of in out.values():
        rows_of.sort()
    return out


def events(
    session: Session,
    shop_id: int,
    types: tuple[str, ...],
    *,
    end: datetime,
    start: datetime | None = None,
) -> list[Event]:
    """Timeline events of the given types in [start, end), oldest first."""
    # Sorted here, not by ORDER BY: with several types the database would rather walk the
    # shop's whole time index (every event type) than sort the few matching rows.
    stmt = select(
        TimelineEvent.id,
        TimelineEvent.customer_id,
        TimelineEvent.type,
        TimelineEvent.occurred_at,
        TimelineEvent.payload,
    ).where(
        TimelineEvent.shop_id == shop_id,
        TimelineEvent.type.in_(types),
        TimelineEvent.occurred_at < end,
    )
    if start is not None:
        stmt = stmt.where(TimelineEvent.occurred_at >= start)
    rows = sorted(session.execute(stmt).all(), key=lambda r: (aware(r[3]), r[0]))
    return [
        Event(None if c is None else int(c), str(t), aware(at), dict(p or {}))
        for _id, c, t, at, p in rows
    ]


def number(payload: dict[str, Any], key: str) -> float | None:
    """A numeric payload field, or None when absent or not a number (bad data is skipped)."""
    value = payload.get(key)
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None
