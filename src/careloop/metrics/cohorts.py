"""KPIs by first-purchase cohort (the month of a customer's first order, shop time) and the
retention matrix behind the cohort chart."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import SQLColumnExpression, case, func, select
from sqlalchemy.orm import Session

from careloop.metrics import sources
from careloop.metrics.periods import month_period
from careloop.orders.models import Order
from careloop.shops.models import Shop


@dataclass(frozen=True)
class Cohort:
    month: str  # YYYY-MM of the first order
    customers: int
    repeat_purchase_rate: float
    clv_historical_mean: float
    orders_per_customer: float
    # retention[k] = share of the cohort with an order k months after the first month (k >= 1)
    retention: list[float]

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def month_index(moment: datetime, tz: ZoneInfo) -> int:
    local = moment.astimezone(tz)
    return local.year * 12 + local.month - 1


def month_label(index: int) -> str:
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def month_bucket(moment: SQLColumnExpression[datetime], bounds: Sequence[datetime]) -> Any:
    """SQL: which of the months starting at `bounds` (ascending UTC instants of local
    midnights, the first month's start first) `moment` falls in, as 0, 1, ...; the same on
    SQLite and PostgreSQL, where date functions differ, and exact at the shop's month
    boundaries (a CASE over the precomputed bounds, not a date truncation)."""
    arms = [(moment < bound, i) for i, bound in enumerate(bounds[1:])]
    return case(*arms, else_=len(bounds) - 1) if arms else 0


def month_starts(shop: Shop, first: int, count: int) -> list[datetime]:
    """The starts (UTC) of `count` months from month index `first`, in the shop's time."""
    return [month_period(shop, month_label(first + i))[0] for i in range(count)]


def cohorts(*, session: Session, shop: Shop, end: datetime, months: int = 12) -> list[Cohort]:
    """The last `months` first-purchase cohorts up to `end`, oldest first.

    One grouped query: a pass over the shop's sales in customer order (a covering index)
    gives each customer's first sale, count, spend and a flag per month they bought in;
    the outer query sums those per cohort. The orders never reach Python."""
    tz = ZoneInfo(shop.timezone)
    last = month_index(end, tz)
    oldest = last - months + 1
    bounds = month_starts(shop, oldest, months)
    edges = [*bounds[1:], end]  # month i is [bounds[i], edges[i])
    per_customer = (
        select(
            func.min(Order.placed_at).label("first_at"),
            func.count().label("orders"),
            func.sum(Order.total_minor).label("spent"),
            *(
                func.max(
                    case(
                        ((Order.placed_at >= bounds[i]) & (Order.placed_at < edges[i]), 1), else_=0
                    )
                ).label(f"m{i}")
                for i in range(1, months)
            ),
        )
        .where(
            Order.shop_id == shop.id,
            Order.placed_at < end,
            Order.status.not_in(sources.NOT_SALES),
        )
        .group_by(Order.customer_id)
        .having(func.min(Order.placed_at) >= bounds[0])
        .subquery()
    )
    cohort = month_bucket(per_customer.c.first_at, bounds).label("cohort")
    members = select(cohort, *(c for c in per_customer.c if c.name != "first_at")).subquery()
    rows = session.execute(
        select(
            members.c.cohort,
            func.count(),
            func.sum(case((members.c.orders >= 2, 1), else_=0)),
            func.sum(members.c.spent),
            func.sum(members.c.orders),
            *(func.sum(members.c[f"m{i}"]) for i in range(1, months)),
        ).group_by(members.c.cohort)
    ).all()
    out = []
    for row in sorted(rows, key=lambda r: int(r[0])):
        index, n, repeaters, spent, orders = (int(v) for v in row[:5])
        # Buyers per later month of the window (month i at column i - 1), for this cohort.
        buyers = [int(v) for v in row[5:]]
        first = oldest + index
        out.append(
            Cohort(
                month=month_label(first),
                customers=n,
                repeat_purchase_rate=round(repeaters / n, 4),
                clv_historical_mean=round(spent / n, 2),
                orders_per_customer=round(orders / n, 3),
                retention=[round(buyers[index + k - 1] / n, 4) for k in range(1, last - first + 1)],
            )
        )
    return out
