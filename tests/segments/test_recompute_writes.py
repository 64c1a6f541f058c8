"""A recompute writes only what changed: history and timeline events for the customers who
moved, nothing again on a re-run, and stored figures equal to a from-scratch computation."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from careloop.context import AppContext
from careloop.core.clock import VirtualClock
from careloop.customers.models import TimelineEvent
from careloop.segments.clv_service import period_of
from careloop.segments.models import CustomerSegment, SegmentChange
from careloop.segments.rfm import score_customers
from careloop.segments.sales import local_periods
from careloop.segments.service import recompute_segments, rfm_inputs
from careloop.shops.models import Shop
from tests.segments.factories import add_buyer, add_order, simulate_shop


def _segments(s: Session, shop: Shop) -> dict[int, str]:
    rows = s.execute(
        select(CustomerSegment.customer_id, CustomerSegment.segment).where(
            CustomerSegment.shop_id == shop.id
        )
    )
    return {int(c): str(seg) for c, seg in rows}


def _segment_events(s: Session, shop: Shop) -> list[TimelineEvent]:
    return list(
        s.scalars(
            select(TimelineEvent)
            .where(TimelineEvent.shop_id == shop.id, TimelineEvent.type.like("segment.%"))
            .order_by(TimelineEvent.id)
        )
    )


def _history_count(s: Session, shop: Shop) -> int:
    return (
        s.scalar(
            select(func.count()).select_from(SegmentChange).where(SegmentChange.shop_id == shop.id)
        )
        or 0
    )


def test_a_rerun_writes_no_second_history_row_or_event(
    ctx: AppContext, shop: Shop, clock: VirtualClock
) -> None:
    with ctx.sessions() as s, s.begin():
        simulate_shop(s, shop, clock.now(), customers=60, seed=3)
        first = recompute_segments(session=s, clock=clock, shop=s.merge(shop))
    with ctx.sessions() as s:
        events_before = len(_segment_events(s, shop))
        history_before = _history_count(s, shop)
    assert first.changes == first.customers == history_before == events_before == 60
    clock.advance(timedelta(minutes=5))
    with ctx.sessions() as s, s.begin():
        again = recompute_segments(session=s, clock=clock, shop=s.merge(shop))
    assert again.changes == 0
    assert again.counts == first.counts
    with ctx.sessions() as s:
        assert len(_segment_events(s, shop)) == events_before
        assert _history_count(s, shop) == history_before


def test_only_customers_whose_segment_changed_get_history_and_events(
    ctx: AppContext, shop: Shop, clock: VirtualClock
) -> None:
    now = clock.now()
    with ctx.sessions() as s, s.begin():
        buyers = [
            add_buyer(s, shop, f"C{i}", [(now - timedelta(days=20 + 15 * i), 100_000)])
            for i in range(12)
        ]
        recompute_segments(session=s, clock=clock, shop=s.merge(shop), with_clv=False)
        before = _segments(s, shop)
        first_events = len(_segment_events(s, shop))
    clock.advance(timedelta(hours=1))
    with ctx.sessions() as s, s.begin():
        # The longest-gone buyer comes back with three orders: they move, and others shift.
        for d in (1, 2, 3):
            add_order(s, shop, buyers[-1], clock.now() - timedelta(hours=d), 300_000)
        s.flush()
        result = recompute_segments(session=s, clock=clock, shop=s.merge(shop), with_clv=False)
        after = _segments(s, shop)
    moved = {c for c in after if after[c] != before[c]}
    assert buyers[-1].id in moved
    assert result.changes == len(moved)
    with ctx.sessions() as s:
        new_events = _segment_events(s, shop)[first_events:]
        assert {e.customer_id for e in new_events} == moved
        assert sorted((e.customer_id, e.type) for e in new_events) == sorted(
            [(c, "segment.left") for c in moved] + [(c, "segment.entered") for c in moved]
        )
        returned = [e for e in new_events if e.customer_id == buyers[-1].id]
        assert [e.payload["segment"] for e in returned] == [
            before[buyers[-1].id],
            after[buyers[-1].id],
        ]
        assert returned[1].summary.startswith("Entered ")
        history = s.scalars(
            select(SegmentChange).where(SegmentChange.changed_at == clock.now())
        ).all()
        assert {(h.customer_id, h.from_segment, h.to_segment) for h in history} == {
            (c, before[c], after[c]) for c in moved
        }


def test_stored_scores_match_the_pure_scoring_of_the_same_orders(
    ctx: AppContext, shop: Shop, clock: VirtualClock
) -> None:
    with ctx.sessions() as s, s.begin():
        simulate_shop(s, shop, clock.now(), customers=80, seed=7)
        recompute_segments(session=s, clock=clock, shop=s.merge(shop))
        expected = score_customers(rfm_inputs(session=s, shop_id=shop.id, as_of=clock.now()))
        stored = {
            row.customer_id: row
            for row in s.scalars(select(CustomerSegment).where(CustomerSegment.shop_id == shop.id))
        }
    assert len(stored) == len(expected) == 80
    for score in expected:
        row = stored[score.customer_id]
        assert (row.segment, row.r_score, row.f_score, row.m_score) == (
            score.segment,
            score.r,
            score.f,
            score.m,
        )
    assert all(row.p_alive is not None and 0 <= row.p_alive <= 1 for row in stored.values())


def test_local_days_in_bulk_agree_with_one_moment_at_a_time_across_daylight_saving() -> None:
    tz = ZoneInfo("Europe/Berlin")
    start = datetime.fromisoformat("2026-03-28T00:00:00+00:00")
    moments = [start + timedelta(minutes=37 * i) for i in range(400)]  # over the March change
    epoch = np.array([int(m.timestamp()) for m in moments], dtype=np.int64)
    for unit in ("day", "week"):
        assert local_periods(epoch, tz, unit).tolist() == [period_of(m, tz, unit) for m in moments]
