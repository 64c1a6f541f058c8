"""Churn: the rate by DESIGN's definition, and the ranked list of customers at risk."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from careloop.customers.models import Customer
from careloop.orders.models import Order
from careloop.segments.models import CustomerSegment
from careloop.segments.rfm import SEGMENTS

NOT_SALES = ("cancelled", "returned")
DEFAULT_WINDOW_DAYS = 90
# Below this P(alive) a customer is listed as at risk whatever their segment.
LOW_P_ALIVE = 0.3
RISK_SEGMENTS = ("at_risk", "cant_lose")


@dataclass(frozen=True)
class ChurnRate:
    rate: float | None
    churned: int
    active_before: int
    window_days: int
    reason: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _active(session: Session, shop_id: int, start: datetime, end: datetime) -> set[int]:
    """Customers with a sale placed in (start, end]."""
    return set(
        session.scalars(
            select(Order.customer_id)
            .distinct()
            .where(
                Order.shop_id == shop_id,
                Order.placed_at > start,
                Order.placed_at <= end,
                Order.status.not_in(NOT_SALES),
            )
        )
    )


def churn_rate(
    *, session: Session, shop_id: int, end: datetime, window_days: int = DEFAULT_WINDOW_DAYS
) -> ChurnRate:
    """Customers who bought in the window before the last one and not in the last one
    (ending at `end`), over those who bought in the window before."""
    window = timedelta(days=window_days)
    before = _active(session, shop_id, end - 2 * window, end - window)
    if not before:
        return ChurnRate(
            None,
            0,
            0,
            window_days,
            f"no customer bought in the {window_days} days before the last {window_days}",
        )
    churned = len(before - _active(session, shop_id, end - window, end))
    return ChurnRate(churned / len(before), churned, len(before), window_days)


@dataclass(frozen=True)
class AtRisk:
    customer_id: int
    external_id: str
    name: str
    segment: str
    segment_label: str
    p_alive: float | None
    recency_days: int
    frequency: int
    monetary_minor: int
    predicted_clv_minor: int | None
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def risk_reason(segment: str, p_alive: float | None, frequency: int, recency_days: int) -> str:
    """Why a customer is on the list, in words staff can act on."""
    parts = []
    if segment in RISK_SEGMENTS:
        parts.append(f"{SEGMENTS[segment].label}: {frequency} orders, none for {recency_days} days")
    if p_alive is not None and p_alive < LOW_P_ALIVE:
        parts.append(f"only {p_alive:.0%} likely to still be a customer")
    return "; ".join(parts)


def churn_risk_list(*, session: Session, shop_id: int, limit: int = 50) -> list[AtRisk]:
    """Customers in At Risk / Can't Lose Them or with a low P(alive), the most valuable at
    stake first (spend so far x chance they are gone)."""
    rows = session.execute(
        select(CustomerSegment, Customer.external_id, Customer.name)
        .join(Customer, Customer.id == CustomerSegment.customer_id)
        .where(
            CustomerSegment.shop_id == shop_id,
            Customer.erased_at.is_(None),
            (CustomerSegment.segment.in_(RISK_SEGMENTS)) | (CustomerSegment.p_alive < LOW_P_ALIVE),
        )
    ).all()
    found = []
    for seg, external_id, name in rows:
        found.append(
            AtRisk(
                seg.customer_id,
                external_id,
                name,
                seg.segment,
                SEGMENTS[seg.segment].label,
                seg.p_alive,
                seg.recency_days,
                seg.frequency,
                seg.monetary_minor,
                seg.predicted_clv_minor,
                risk_reason(seg.segment, seg.p_alive, seg.frequency, seg.recency_days),
            )
        )

    def at_stake(r: AtRisk) -> tuple[float, int]:
        gone = 1 - r.p_alive if r.p_alive is not None else 0.5
        return (-r.monetary_minor * gone, r.customer_id)

    return sorted(found, key=at_stake)[:limit]
