from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from careloop.context import AppContext
from careloop.core.clock import VirtualClock
from careloop.customers.models import Customer, TimelineEvent
from careloop.customers.timeline import record_event
from careloop.loyalty.models import Coupon, Referral
from careloop.loyalty.referrals import approve_referral, referral_stats
from careloop.loyalty.service import (
    current_tier,
    enable_program,
    issue_coupon,
    points_balance,
    update_settings,
)
from careloop.loyalty.tasks import daily_sweep, process_events
from careloop.shops.models import Shop
from tests.loyalty.factories import make_customer, place_order, set_status


def _enable(ctx: AppContext, shop: Shop, **settings: object) -> None:
    with ctx.sessions() as s, s.begin():
        if settings:
            update_settings(
                session=s, clock=ctx.clock, shop=s.merge(shop), changes=settings, actor="t"
            )
        enable_program(session=s, clock=ctx.clock, shop=s.merge(shop))


def _balance(ctx: AppContext, shop: Shop, external_id: str = "C-1") -> int:
    with ctx.sessions() as s:
        cid = s.scalar(select(Customer.id).where(Customer.external_id == external_id))
        assert cid is not None
        return points_balance(session=s, shop_id=shop.id, customer_id=cid)


def _events(ctx: AppContext, type: str) -> list[TimelineEvent]:
    with ctx.sessions() as s:
        return list(s.scalars(select(TimelineEvent).where(TimelineEvent.type == type)))


def test_a_delivered_order_earns_one_point_per_thousand_dong_once(
    ctx: AppContext, shop: Shop
) -> None:
    _enable(ctx, shop)
    place_order(ctx, shop, "O-1", total="1250000")
    set_status(ctx, shop, "O-1", "delivered")
    process_events(ctx)
    process_events(ctx)
    assert _balance(ctx, shop) == 1250
    assert len(_events(ctx, "points.earned")) == 1


def test_loyalty_and_journeys_each_read_every_order_event_on_their_own_cursor(
    ctx: AppContext, shop: Shop
) -> None:
    """One event feed, one cursor per consumer (decision 0028): loyalty handling an event
    leaves it for journeys."""
    from careloop.customers import event_feed
    from careloop.journeys.dispatch import CONSUMER

    _enable(ctx, shop)
    place_order(ctx, shop, "O-1", status="delivered")
    process_events(ctx)
    delivered = {e.id for e in _events(ctx, "order.delivered")}
    with ctx.sessions() as s, s.begin():
        offered = event_feed.read(
            session=s, clock=ctx.clock, consumer=CONSUMER, types=None, history=False
        )
    assert delivered and delivered <= {e.id for e in offered}


def test_points_are_granted_on_payment_when_the_shop_says_so(ctx: AppContext, shop: Shop) -> None:
    _enable(ctx, shop, grant_on="paid")
    place_order(ctx, shop, "O-1", total="300000")
    set_status(ctx, shop, "O-1", "paid")
    process_events(ctx)
    assert _balance(ctx, shop) == 300


def test_orders_before_the_program_started_earn_nothing(
    ctx: AppContext, shop: Shop, clock: VirtualClock
) -> None:
    place_order(ctx, shop, "O-old", status="delivered")
    clock.advance(timedelta(hours=1))
    _enable(ctx, shop)
    process_events(ctx)
    assert _balance(ctx, shop) == 0


def test_a_return_reverses_the_points_of_that_order(ctx: AppContext, shop: Shop) -> None:
    _enable(ctx, shop)
    place_order(ctx, shop, "O-1", total="1000000", status="delivered")
    place_order(ctx, shop, "O-2", total="500000", status="delivered")
    process_events(ctx)
    set_status(ctx, shop, "O-1", "returned")
    process_events(ctx)
    assert _balance(ctx, shop) == 500
    assert len(_events(ctx, "points.reversed")) == 1


def test_a_partial_refund_reverses_points_proportionally(ctx: AppContext, shop: Shop) -> None:
    _enable(ctx, shop)
    order = place_order(ctx, shop, "O-1", total="1000000", status="delivered")
    process_events(ctx)
    with ctx.sessions() as s, s.begin():
        record_event(
            session=s,
            clock=ctx.clock,
            shop_id=shop.id,
            customer_id=order.customer_id,
            order_id=order.id,
            type="order.returned",
            payload={"order_id": "O-1", "refund": "250000"},
            event_key="partial-return",
        )
    process_events(ctx)
    assert _balance(ctx, shop) == 750


def test_survey_and_review_bonuses_are_credited(ctx: AppContext, shop: Shop) -> None:
    _enable(ctx, shop)
    customer = make_customer(ctx, shop)
    with ctx.sessions() as s, s.begin():
        for type, payload in [
            ("survey.answered", {"kind": "nps", "score": 10}),
            ("review.posted", {"rating": 5, "platform": "google"}),
        ]:
            record_event(
                session=s,
                clock=ctx.clock,
                shop_id=shop.id,
                customer_id=customer.id,
                type=type,
                payload=payload,
            )
    process_events(ctx)
    assert _balance(ctx, shop) == 20 + 50


def test_a_coupon_code_on_an_order_is_redeemed_and_cannot_be_used_again(
    ctx: AppContext, shop: Shop
) -> None:
    customer = make_customer(ctx, shop)
    with ctx.sessions() as s, s.begin():
        code = issue_coupon(
            session=s,
            clock=ctx.clock,
            shop=s.merge(shop),
            customer=customer,
            percent_off=10,
            reason="thanks",
            idempotency_key="k1",
        ).code
    place_order(ctx, shop, "O-1", discount_codes=[code.lower()])
    place_order(ctx, shop, "O-2", discount_codes=[code])
    process_events(ctx)
    with ctx.sessions() as s:
        coupon = s.scalar(select(Coupon).where(Coupon.code == code))
        assert coupon is not None and coupon.used_count == 1
    redeemed = _events(ctx, "coupon.redeemed")
    assert [e.payload["order_id"] for e in redeemed] == ["O-1"]


def test_third_order_upgrades_to_gold_with_a_tier_changed_event(
    ctx: AppContext, shop: Shop
) -> None:
    _enable(ctx, shop)
    for i in range(3):
        place_order(ctx, shop, f"O-{i}", total="100000", status="delivered")
        process_events(ctx)
    changes = [(e.payload["from"], e.payload["to"]) for e in _events(ctx, "tier.changed")]
    assert changes == [(None, "silver"), ("silver", "gold")]


def test_gold_is_kept_through_the_grace_period_after_the_window_passes(
    ctx: AppContext, shop: Shop, clock: VirtualClock
) -> None:
    _enable(ctx, shop)
    for i in range(3):
        place_order(ctx, shop, f"O-{i}", total="100000", status="delivered")
    process_events(ctx)
    clock.advance(timedelta(days=370))
    daily_sweep(ctx)
    with ctx.sessions() as s:
        cid = s.scalar(select(Customer.id))
        assert cid is not None
        assert current_tier(session=s, shop_id=shop.id, customer_id=cid) == "gold"
    clock.advance(timedelta(days=31))
    daily_sweep(ctx)
    with ctx.sessions() as s:
        assert current_tier(session=s, shop_id=shop.id, customer_id=cid) == "silver"
    assert _events(ctx, "tier.changed")[-1].payload == {
        "from": "gold",
        "to": "silver",
        "direction": "down",
    }


def test_points_expiring_soon_raise_one_warning_event(
    ctx: AppContext, shop: Shop, clock: VirtualClock
) -> None:
    _enable(ctx, shop)
    place_order(ctx, shop, "O-1", total="1000000", status="delivered")
    process_events(ctx)
    clock.advance(timedelta(days=340))
    daily_sweep(ctx)
    daily_sweep(ctx)
    clock.advance(timedelta(days=1))
    daily_sweep(ctx)
    warnings = _events(ctx, "points.expiring")
    assert len(warnings) == 1 and warnings[0].payload["points"] == 1000
    clock.advance(timedelta(days=30))
    daily_sweep(ctx)
    assert _balance(ctx, shop) == 0


def test_birthday_month_brings_points_and_a_coupon_once_a_year(ctx: AppContext, shop: Shop) -> None:
    _enable(ctx, shop)
    make_customer(ctx, shop, birthday="1990-11-20")
    place_order(ctx, shop, "O-1", total="10000", status="delivered")
    process_events(ctx)
    daily_sweep(ctx)
    with ctx.sessions() as s:
        coupons = list(s.scalars(select(Coupon).where(Coupon.source == "birthday")))
    assert [c.percent_off for c in coupons] == [20]
    assert _balance(ctx, shop) == 10 + 100


def test_referral_rewards_the_friend_then_the_advocate_on_conversion(
    ctx: AppContext, shop: Shop
) -> None:
    _enable(ctx, shop)
    advocate = make_customer(ctx, shop, "A-1", phone="0901234567")
    make_customer(ctx, shop, "F-1", phone="0907654321")
    place_order(ctx, shop, "O-1", "F-1", discount_codes=[advocate.referral_code])
    process_events(ctx)
    with ctx.sessions() as s:
        referral = s.scalar(select(Referral))
        assert referral is not None and referral.status == "pending"
        sources = [
            c.customer_id for c in s.scalars(select(Coupon).where(Coupon.source == "referral"))
        ]
    assert len(sources) == 1  # the friend's welcome coupon
    set_status(ctx, shop, "O-1", "delivered")
    process_events(ctx)
    with ctx.sessions() as s:
        referral = s.scalar(select(Referral))
        assert referral is not None and referral.status == "converted"
        assert referral_stats(s, shop.id).referral_rate == 1 / 2
    assert _balance(ctx, shop, "A-1") == 200
    assert len(_events(ctx, "referral.converted")) == 1


def test_referral_between_customers_sharing_a_phone_is_held_until_staff_approve(
    ctx: AppContext, shop: Shop
) -> None:
    _enable(ctx, shop)
    # Two people of one family sharing a phone (different names: not linked as one).
    advocate = make_customer(ctx, shop, "A-1", name="Nguyễn Văn An", phone="0901234567")
    make_customer(ctx, shop, "F-1", name="Nguyễn Thị Lan", phone="0901234567")
    place_order(
        ctx, shop, "O-1", "F-1", discount_codes=[advocate.referral_code], status="delivered"
    )
    process_events(ctx)
    with ctx.sessions() as s:
        referral = s.scalar(select(Referral))
        assert referral is not None
        assert (referral.status, referral.hold_reasons) == ("held", ["shared_phone"])
    assert _balance(ctx, shop, "A-1") == 0
    with ctx.sessions() as s, s.begin():
        approve_referral(
            session=s, clock=ctx.clock, shop=s.merge(shop), referral_id=referral.id, actor="o@x"
        )
    with ctx.sessions() as s:
        assert s.scalar(select(Referral.status)) == "converted"
    assert _balance(ctx, shop, "A-1") == 200


def test_a_program_started_on_a_past_date_handles_what_the_feed_passed_once(
    ctx: AppContext, shop: Shop, clock: VirtualClock
) -> None:
    """The feed hands loyalty each event once (decision 0028); events it passed before the
    shop had a program that occurred after the program's start are handled by the one-off
    pass when the program starts, and never again by the feed."""
    from careloop.loyalty.processing import backfill_started
    from careloop.loyalty.program import ensure_program

    began = clock.now()
    place_order(ctx, shop, "O-1", total="1250000", status="delivered")
    process_events(ctx)  # no program yet: the feed passes the order's events
    clock.advance(timedelta(hours=1))
    with ctx.sessions() as s, s.begin():
        program = ensure_program(s, ctx.clock, shop.id)
        program.enabled, program.started_at = True, began - timedelta(minutes=1)
        s.flush()
        assert backfill_started(s, ctx.clock, program) >= 1
    process_events(ctx)
    assert _balance(ctx, shop) == 1250
    assert len(_events(ctx, "points.earned")) == 1
