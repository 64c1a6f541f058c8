"""A campaign goes through channels' Outreach port and still honours Decree 91/2020/NĐ-CP
on spam, Art. 13 (as channels/policy.py cites it): advertising SMS only between 07:00 and
22:00 in the customer's local time, at most three to one number within 24 hours. When SMS
is the only way, the send waits (rules `ad_sms_hours`, `ad_sms_daily`)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from careloop.channels.policy import RULE_AD_SMS_DAILY, RULE_AD_SMS_HOURS
from careloop.community.campaigns import create_campaign, schedule_campaign
from careloop.community.models import CommunitySend
from careloop.context import AppContext
from careloop.core.clock import VirtualClock
from careloop.shops.models import Shop

from .factories import journey_message, make_customer, messages, run_worker

# 22:30 on 2 Nov 2026 in Ho Chi Minh City (UTC+7), 07:00 the next morning, and 14:00.
HALF_TEN_PM = datetime(2026, 11, 2, 15, 30, tzinfo=UTC)
SEVEN_AM = datetime(2026, 11, 3, 0, 0, tzinfo=UTC)
TWO_PM = datetime(2026, 11, 3, 7, 0, tzinfo=UTC)


def _sms_only_shop(ctx: AppContext, shop: Shop) -> None:
    """No quiet hours and roomy caps: only the decree holds an advertising SMS back."""
    shop.contact_policy = {"quiet_hours": None, "max_per_day": 10, "max_per_window": 100}
    with ctx.sessions() as s, s.begin():
        s.merge(shop)


def _send_campaign(ctx: AppContext, shop: Shop) -> CommunitySend:
    with ctx.sessions() as s, s.begin():
        merged = s.merge(shop)
        campaign = create_campaign(
            session=s,
            clock=ctx.clock,
            shop=merged,
            name="Brewing tips",
            purpose="value",
            audience={"customers": ["X"]},
            subject="Three ways to brew at home",
            body="Our barista's tips for a better cup.",
        )
        schedule_campaign(
            session=s, clock=ctx.clock, shop=merged, campaign_id=campaign.id, send_at=None
        )
    run_worker(ctx)
    with ctx.sessions() as s:
        return s.scalars(select(CommunitySend)).one()


def test_an_advertising_sms_campaign_at_half_past_ten_pm_waits_for_seven_am(
    ctx: AppContext, clock: VirtualClock, shop: Shop
) -> None:
    _sms_only_shop(ctx, shop)
    make_customer(ctx, shop, "X", consents={"email": "denied"})
    clock.set(HALF_TEN_PM)

    row = _send_campaign(ctx, shop)

    assert (row.status, row.rule, row.due_at) == ("deferred", RULE_AD_SMS_HOURS, SEVEN_AM)
    assert [m.status for m in messages(ctx)] == ["deferred"]
    clock.set(SEVEN_AM)
    run_worker(ctx)
    sent = [m for m in messages(ctx) if m.status == "queued"]
    assert [m.channel for m in sent] == ["sms"]


def test_a_fourth_advertising_sms_within_24_hours_waits_until_the_first_is_a_day_old(
    ctx: AppContext, clock: VirtualClock, shop: Shop
) -> None:
    _sms_only_shop(ctx, shop)
    customer = make_customer(ctx, shop, "X", consents={"email": "denied"})
    clock.set(TWO_PM)
    for hours, key in ((20, "enr:1:a"), (10, "enr:2:a"), (2, "enr:3:a")):
        journey_message(ctx, clock, shop, customer, TWO_PM - timedelta(hours=hours), key)

    row = _send_campaign(ctx, shop)

    assert (row.status, row.rule) == ("deferred", RULE_AD_SMS_DAILY)
    assert row.due_at == TWO_PM - timedelta(hours=20) + timedelta(hours=24)
