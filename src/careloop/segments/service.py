"""Use cases of segments: recompute a shop's RFM segments, read a customer's segment."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from careloop.core import events
from careloop.core.clock import Clock
from careloop.customers.timeline import record_event
from careloop.orders.models import Order
from careloop.segments.models import CustomerSegment, SegmentChange
from careloop.segments.rfm import SEGMENTS, RfmInput, RfmScore, score_customers
from careloop.shops.models import Shop

# Orders that did not turn into a sale do not count towards R, F or M.
NOT_SALES = ("cancelled", "returned")
SECONDS_PER_DAY = 86_400


@dataclass
class RecomputeResult:
    customers: int
    changes: int
    counts: dict[str, int]
    clv: dict[str, Any] = field(default_factory=dict)


def current_segment(*, session: Session, shop_id: int, customer_id: int) -> str | None:
    """The customer's segment key, or None if they have no completed order yet."""
    return session.scalar(
        select(CustomerSegment.segment).where(
            CustomerSegment.shop_id == shop_id, CustomerSegment.customer_id == customer_id
        )
    )


def segment_counts(*, session: Session, shop_id: int) -> dict[str, int]:
    """Customers per segment key, every segment present (zero when empty), in map order."""
    rows = session.execute(
        select(CustomerSegment.segment, func.count())
        .where(CustomerSegment.shop_id == shop_id)
        .group_by(CustomerSegment.segment)
    ).all()
    found = {str(seg): int(n) for seg, n in rows}
    return {key: found.get(key, 0) for key in SEGMENTS}


def rfm_inputs(*, session: Session, shop_id: int, as_of: datetime) -> list[RfmInput]:
    """Per customer with a sale up to `as_of`: days since the last one, count and spend."""
    rows = session.execute(
        select(
            Order.customer_id,
            func.max(Order.placed_at),
            func.count(),
            func.coalesce(func.sum(Order.total_minor), 0),
        )
        .where(
            Order.shop_id == shop_id,
            Order.placed_at <= as_of,
            Order.status.not_in(NOT_SALES),
        )
        .group_by(Order.customer_id)
        .order_by(Order.customer_id)
    ).all()
    out = []
    for customer_id, last, count, spend in rows:
        last_at = _aware(last)
        days = int((as_of - last_at).total_seconds() // SECONDS_PER_DAY)
        out.append(RfmInput(int(customer_id), max(days, 0), int(count), int(spend)))
    return out


def _aware(value: Any) -> datetime:
    # func.max() bypasses the column type on SQLite and may hand back a naive datetime or text.
    from datetime import UTC

    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    assert isinstance(value, datetime)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def recompute_segments(
    *, session: Session, clock: Clock, shop: Shop, with_clv: bool = True
) -> RecomputeResult:
    """Score every customer, store changed segments with their history, and write
    segment.left / segment.entered timeline events (journeys trigger on them)."""
    now = clock.now()
    inputs = rfm_inputs(session=session, shop_id=shop.id, as_of=now)
    scores = score_customers(inputs)
    stored = {
        row.customer_id: row
        for row in session.scalars(
            select(CustomerSegment).where(CustomerSegment.shop_id == shop.id)
        )
    }
    changes: list[tuple[int, str | None, str | None]] = []
    for rfm_in, score in zip(inputs, scores, strict=True):
        row = stored.pop(score.customer_id, None)
        if row is None:
            row = CustomerSegment(
                shop_id=shop.id,
                customer_id=score.customer_id,
                segment=score.segment,
                entered_at=now,
            )
            session.add(row)
            changes.append((score.customer_id, None, score.segment))
        elif row.segment != score.segment:
            changes.append((score.customer_id, row.segment, score.segment))
            row.segment = score.segment
            row.entered_at = now
        _apply_scores(row, rfm_in, score, now)
    for gone in stored.values():
        # No sale left (e.g. every order returned): out of all segments.
        changes.append((gone.customer_id, gone.segment, None))
        session.delete(gone)
    by_customer = {s.customer_id: s for s in scores}
    for customer_id, before, after in changes:
        _record_change(session, clock, shop.id, customer_id, before, after, by_customer, now)
    session.flush()
    clv: dict[str, Any] = {}
    if with_clv:
        from careloop.segments.clv_service import refresh_clv

        clv = refresh_clv(session=session, shop=shop, as_of=now)
    counts = Counter(s.segment for s in scores)
    return RecomputeResult(
        customers=len(scores),
        changes=len(changes),
        counts={key: counts.get(key, 0) for key in SEGMENTS},
        clv=clv,
    )


def _apply_scores(row: CustomerSegment, rfm_in: RfmInput, score: RfmScore, now: datetime) -> None:
    row.r_score, row.f_score, row.m_score = score.r, score.f, score.m
    row.recency_days = rfm_in.recency_days
    row.frequency = rfm_in.frequency
    row.monetary_minor = rfm_in.monetary_minor
    row.computed_at = now


def _record_change(
    session: Session,
    clock: Clock,
    shop_id: int,
    customer_id: int,
    before: str | None,
    after: str | None,
    scores: dict[int, RfmScore],
    now: datetime,
) -> None:
    score = scores.get(customer_id)
    change = SegmentChange(
        shop_id=shop_id,
        customer_id=customer_id,
        from_segment=before,
        to_segment=after,
        r_score=score.r if score else None,
        f_score=score.f if score else None,
        m_score=score.m if score else None,
        changed_at=now,
    )
    session.add(change)
    session.flush()
    if before is not None:
        record_event(
            session=session,
            clock=clock,
            shop_id=shop_id,
            customer_id=customer_id,
            type=events.SEGMENT_LEFT,
            occurred_at=now,
            payload={"segment": before, "to": after},
            event_key=f"segment-change:{change.id}:left",
            summary=f"Left {SEGMENTS[before].label}" if before in SEGMENTS else "",
        )
    if after is not None:
        record_event(
            session=session,
            clock=clock,
            shop_id=shop_id,
            customer_id=customer_id,
            type=events.SEGMENT_ENTERED,
            occurred_at=now,
            payload={"segment": after, "from": before},
            event_key=f"segment-change:{change.id}:entered",
            summary=f"Entered {SEGMENTS[after].label}",
        )


def segment_history(*, session: Session, shop_id: int, customer_id: int) -> list[SegmentChange]:
    """Every segment change of a customer, oldest first."""
    return list(
        session.scalars(
            select(SegmentChange)
            .where(SegmentChange.shop_id == shop_id, SegmentChange.customer_id == customer_id)
            .order_by(SegmentChange.changed_at, SegmentChange.id)
        )
    )
