"""KPIs by first-purchase cohort (the month of a customer's first order, shop time) and the
retention matrix behind the cohort chart."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from careloop.metrics import sources
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


def cohorts(*, session: Session, shop: Shop, end: datetime, months: int = 12) -> list[Cohort]:
    """The last `months` first-purchase cohorts up to `end`, oldest first."""
    tz = ZoneInfo(shop.timezone)
    by_customer: dict[int, list[sources.Sale]] = defaultdict(list)
    for s in sources.sales(session, shop.id, end=end):
        by_customer[s.customer_id].append(s)
    last = month_index(end, tz) if by_customer else 0
    members: dict[int, list[list[sources.Sale]]] = defaultdict(list)
    for rows in by_customer.values():
        rows.sort(key=lambda s: s.placed_at)
        first = month_index(rows[0].placed_at, tz)
        if first > last - months:
            members[first].append(rows)
    out = []
    for first in sorted(members):
        group = members[first]
        n = len(group)
        active = [0] * (last - first)
        for rows in group:
            for k in {month_index(s.placed_at, tz) - first for s in rows[1:]}:
                if 1 <= k <= len(active):
                    active[k - 1] += 1
        out.append(
            Cohort(
                month=month_label(first),
                customers=n,
                repeat_purchase_rate=round(sum(1 for r in group if len(r) >= 2) / n, 4),
                clv_historical_mean=round(sum(s.total_minor for r in group for s in r) / n, 2),
                orders_per_customer=round(sum(len(r) for r in group) / n, 3),
                retention=[round(a / n, 4) for a in active],
            )
        )
    return out
