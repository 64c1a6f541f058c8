"""What the KPIs are computed from: the shop's sales and its customers' timeline events.

Capabilities that are not built yet (tickets, surveys, reviews) simply have no events;
each query here returns an empty list then, and the KPI says "no data" rather than 0.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from careloop.customers.models import TimelineEvent
from careloop.orders.models import Order

NOT_SALES = ("cancelled", "returned")


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


def events(
    session: Session,
    shop_id: int,
    types: tuple[str, ...],
    *,
    end: datetime,
    start: datetime | None = None,
) -> list[Event]:
    """Timeline events of the given types in [start, end), oldest first."""
    stmt = (
        select(
            TimelineEvent.customer_id,
            TimelineEvent.type,
            TimelineEvent.occurred_at,
            TimelineEvent.payload,
        )
        .where(
            TimelineEvent.shop_id == shop_id,
            TimelineEvent.type.in_(types),
            TimelineEvent.occurred_at < end,
        )
        .order_by(TimelineEvent.occurred_at, TimelineEvent.id)
    )
    if start is not None:
        stmt = stmt.where(TimelineEvent.occurred_at >= start)
    return [
        Event(None if c is None else int(c), str(t), aware(at), dict(p or {}))
        for c, t, at, p in session.execute(stmt)
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
