from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from careloop.context import AppContext
from careloop.core.clock import VirtualClock
from careloop.customers.models import TimelineEvent
from careloop.segments.service import (
    current_segment,
    recompute_segments,
    segment_counts,
    segment_history,
)
from careloop.shops.models import Shop
from tests.segments.factories import add_buyer, add_customer, add_order


def _twelve_customers(session: Session, shop: Shop, clock: VirtualClock) -> dict[str, int]:
    now = clock.now()
    ids = {}
    for i in range(10):
        c = add_buyer(session, shop, f"C{i}", [(now - timedelta(days=20 + 15 * i), 100_000)])
        ids[c.external_id] = c.id
    vip = add_buyer(
        session,
        shop,
        "VIP",
        [(now - timedelta(days=d), 900_000) for d in (2, 30, 60, 90, 120)],
    )
    gone = add_buyer(
        session, shop, "GONE", [(now - timedelta(days=d), 500_000) for d in (300, 330, 360, 390)]
    )
    ids["VIP"], ids["GONE"] = vip.id, gone.id
    return ids


def test_recompute_puts_every_buyer_in_a_segment_and_reports_counts(
    ctx: AppContext, shop: Shop, clock: VirtualClock
) -> None:
    with ctx.sessions() as s, s.begin():
        ids = _twelve_customers(s, shop, clock)
        result = recompute_segments(session=s, clock=clock, shop=s.merge(shop), with_clv=False)
    assert result.customers == 12
    assert sum(result.counts.values()) == 12
    with ctx.sessions() as s:
        assert current_segment(session=s, shop_id=shop.id, customer_id=ids["VIP"]) == "champions"
        assert current_segment(session=s, shop_id=shop.id, customer_id=ids["GONE"]) == "cant_lose"
        assert segment_counts(session=s, shop_id=shop.id) == result.counts


def test_a_customer_without_orders_has_no_segment(
    ctx: AppContext, shop: Shop, clock: VirtualClock
) -> None:
    with ctx.sessions() as s, s.begin():
        c = add_customer(s, shop, "NOBODY", created_at=clock.now())
        recompute_segments(session=s, clock=clock, shop=s.merge(shop), with_clv=False)
    with ctx.sessions() as s:
        assert current_segment(session=s, shop_id=shop.id, customer_id=c.id) is None


def test_entering_and_leaving_a_segment_is_on_the_timeline_and_in_the_history(
    ctx: AppContext, shop: Shop, clock: VirtualClock
) -> None:
    with ctx.sessions() as s, s.begin():
        ids = _twelve_customers(s, shop, clock)
        recompute_segments(session=s, clock=clock, shop=s.merge(shop), with_clv=False)
    clock.advance(timedelta(days=400))
    with ctx.sessions() as s, s.begin():
        # Scores are relative to the shop: new regulars push the old VIP down.
        for i in range(10):
            add_buyer(
                s, shop, f"N{i}", [(clock.now() - timedelta(days=d + i), 10) for d in range(6)]
            )
        recompute_segments(session=s, clock=clock, shop=s.merge(shop), with_clv=False)
    with ctx.sessions() as s:
        vip = ids["VIP"]
        history = segment_history(session=s, shop_id=shop.id, customer_id=vip)
        assert next((h.from_segment, h.to_segment) for h in history) == (None, "champions")
        assert history[-1].from_segment == "champions"
        events = s.scalars(
            select(TimelineEvent)
            .where(TimelineEvent.customer_id == vip, TimelineEvent.type.like("segment.%"))
            .order_by(TimelineEvent.id)
        ).all()
        assert [(e.type, e.payload["segment"]) for e in events][:2] == [
            ("segment.entered", "champions"),
            ("segment.left", "champions"),
        ]
        assert not any(e.history for e in events)  # news: journeys react to it


def test_recomputing_without_new_orders_changes_nothing(
    ctx: AppContext, shop: Shop, clock: VirtualClock
) -> None:
    with ctx.sessions() as s, s.begin():
        _twelve_customers(s, shop, clock)
        recompute_segments(session=s, clock=clock, shop=s.merge(shop), with_clv=False)
    with ctx.sessions() as s, s.begin():
        again = recompute_segments(session=s, clock=clock, shop=s.merge(shop), with_clv=False)
    assert again.changes == 0


def test_returned_orders_do_not_count_and_a_fully_returned_buyer_leaves_all_segments(
    ctx: AppContext, shop: Shop, clock: VirtualClock
) -> None:
    with ctx.sessions() as s, s.begin():
        _twelve_customers(s, shop, clock)
        c = add_customer(s, shop, "RET", created_at=clock.now())
        order = add_order(s, shop, c, clock.now() - timedelta(days=3), 100_000)
        recompute_segments(session=s, clock=clock, shop=s.merge(shop), with_clv=False)
        assert current_segment(session=s, shop_id=shop.id, customer_id=c.id) is not None
        order.status = "returned"
        s.flush()
        recompute_segments(session=s, clock=clock, shop=s.merge(shop), with_clv=False)
        assert current_segment(session=s, shop_id=shop.id, customer_id=c.id) is None


def test_segments_of_one_shop_ignore_another_shops_orders(
    ctx: AppContext, shop: Shop, make_shop: object, clock: VirtualClock
) -> None:
    other = make_shop("other")  # type: ignore[operator]
    with ctx.sessions() as s, s.begin():
        _twelve_customers(s, shop, clock)
        add_buyer(s, other, "X", [(clock.now(), 5)])
        result = recompute_segments(session=s, clock=clock, shop=s.merge(shop), with_clv=False)
        theirs = recompute_segments(session=s, clock=clock, shop=s.merge(other), with_clv=False)
    assert result.customers == 12
    assert theirs.customers == 1
