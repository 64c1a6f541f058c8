"""Use cases of segments: recompute a shop's RFM segments, read a customer's segment."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from careloop.core.clock import Clock
from careloop.orders.models import Order
from careloop.segments.models import CustomerSegment, SegmentChange
from careloop.segments.rfm import SEGMENTS, RfmInput, rfm_scores_arrays, segments_for_arrays
from careloop.segments.sales import NOT_SALES, SECONDS_PER_DAY, Ints
from careloop.segments.store import (
    CLV_COLUMNS,
    NO_FIGURES,
    Change,
    ClvFigures,
    delete_rows,
    insert_rows,
    record_changes,
    update_rows,
)
from careloop.shops.models import Shop


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


@dataclass(frozen=True)
class RfmColumns:
    """Per customer with a sale, in customer id order: R, F and M inputs as arrays."""

    customer: Ints
    recency_days: Ints
    frequency: Ints
    monetary_minor: Ints


def rfm_columns(*, session: Session, shop_id: int, as_of: datetime) -> RfmColumns:
    """Per customer with a sale up to `as_of`: days since the last one, count and spend,
    aggregated by the database (an index-only scan of ix_orders_shop_customer_sale)."""
    rows = (
        session.connection()
        .execute(
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
        )
        .all()
    )
    n = len(rows)
    days = np.fromiter(
        (
            max(int((as_of - _aware(last)).total_seconds() // SECONDS_PER_DAY), 0)
            for _, last, _, _ in rows
        ),
        dtype=np.int64,
        count=n,
    )
    return RfmColumns(
        np.fromiter((r[0] for r in rows), dtype=np.int64, count=n),
        days,
        np.fromiter((r[2] for r in rows), dtype=np.int64, count=n),
        np.fromiter((r[3] for r in rows), dtype=np.int64, count=n),
    )


def rfm_inputs(*, session: Session, shop_id: int, as_of: datetime) -> list[RfmInput]:
    """`rfm_columns` as one RfmInput per customer."""
    cols = rfm_columns(session=session, shop_id=shop_id, as_of=as_of)
    return [
        RfmInput(c, d, f, m)
        for c, d, f, m in zip(
            cols.customer.tolist(),
            cols.recency_days.tolist(),
            cols.frequency.tolist(),
            cols.monetary_minor.tolist(),
            strict=True,
        )
    ]


def _aware(value: Any) -> datetime:
    # func.max() bypasses the column type on SQLite and may hand back a naive datetime or text.
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    assert isinstance(value, datetime)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


# Stored columns compared with the freshly computed ones, in this order.
_SCORE_COLUMNS = (
    "segment",
    "r_score",
    "f_score",
    "m_score",
    "recency_days",
    "frequency",
    "monetary_minor",
)


def recompute_segments(
    *, session: Session, clock: Clock, shop: Shop, with_clv: bool = True
) -> RecomputeResult:
    """Score every customer, store changed segments with their history, and write
    segment.left / segment.entered timeline events (journeys trigger on them).

    Only rows whose figures changed are written, in bulk; a re-run at the same moment
    writes nothing but the computed_at stamp, and no history or events."""
    now = clock.now()
    cols = rfm_columns(session=session, shop_id=shop.id, as_of=now)
    r, f, m = rfm_scores_arrays(cols.recency_days, cols.frequency, cols.monetary_minor)
    segments = segments_for_arrays(r, f, m).tolist()
    clv: dict[str, Any] = {}
    figures: dict[int, ClvFigures] = {}
    if with_clv:
        # Imported here: the model code pulls in scipy, which most users of this module skip.
        from careloop.segments.clv_service import clv_figures

        clv, figures = clv_figures(session=session, shop=shop, as_of=now)
    t = CustomerSegment.__table__.c
    stored = {
        int(row[1]): row
        for row in session.execute(
            select(
                t.id,
                t.customer_id,
                *(t[name] for name in _SCORE_COLUMNS),
                *(t[name] for name in CLV_COLUMNS),
            ).where(t.shop_id == shop.id)
        )
    }
    width = len(_SCORE_COLUMNS)
    inserts: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    changes: list[Change] = []
    for i, customer_id in enumerate(cols.customer.tolist()):
        scores = (int(r[i]), int(f[i]), int(m[i]))
        fresh = (
            segments[i],
            *scores,
            int(cols.recency_days[i]),
            int(cols.frequency[i]),
            int(cols.monetary_minor[i]),
        )
        row = stored.pop(customer_id, None)
        if row is None:
            new = dict(zip(_SCORE_COLUMNS, fresh, strict=True))
            new.update(zip(CLV_COLUMNS, figures.get(customer_id, NO_FIGURES), strict=True))
            new.update(shop_id=shop.id, customer_id=customer_id, entered_at=now, computed_at=now)
            inserts.append(new)
            changes.append(Change(customer_id, None, segments[i], scores))
            continue
        before = tuple(row[2 : 2 + width])
        changed: dict[str, Any] = {}
        if before != fresh:
            changed.update(zip(_SCORE_COLUMNS, fresh, strict=True))
        if with_clv:
            after_clv = figures.get(customer_id, NO_FIGURES)
            if tuple(row[2 + width :]) != after_clv:
                changed.update(zip(CLV_COLUMNS, after_clv, strict=True))
        if before[0] != segments[i]:
            changed["entered_at"] = now
            changes.append(Change(customer_id, str(before[0]), segments[i], scores))
        if changed:
            updates.append({"row_id": row[0], **changed})
    # No sale left (e.g. every order returned): out of all segments.
    gone = sorted(stored.values(), key=lambda row: int(row[1]))
    changes.extend(Change(int(row[1]), str(row[2]), None, None) for row in gone)
    delete_rows(session, shop.id, [int(row[0]) for row in gone])
    update_rows(session, updates)
    insert_rows(session, inserts)
    session.connection().execute(
        update(CustomerSegment).where(CustomerSegment.shop_id == shop.id).values(computed_at=now)
    )
    record_changes(session, shop_id=shop.id, now=now, changes=changes)
    counts = Counter(segments)
    return RecomputeResult(
        customers=len(segments),
        changes=len(changes),
        counts={key: counts.get(key, 0) for key in SEGMENTS},
        clv=clv,
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
