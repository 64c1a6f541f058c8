from __future__ import annotations

import pytest
from sqlalchemy import func, select

from careloop.context import AppContext
from careloop.customers import event_feed
from careloop.customers.models import TimelineEvent
from careloop.demo.extensions import DEMO_MODULES
from careloop.demo.service import load_demo
from careloop.loyalty.models import (
    Coupon,
    CouponRedemption,
    LoyaltyMember,
    LoyaltyProgram,
    PointsEntry,
    Referral,
)
from careloop.loyalty.processing import CONSUMER, process_pending


def test_the_demo_shop_has_a_running_program_with_tiers_points_referrals_and_coupons(
    ctx: AppContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert "careloop.loyalty.demo" in DEMO_MODULES
    monkeypatch.setattr("careloop.demo.extensions.DEMO_MODULES", ["careloop.loyalty.demo"])
    summary = load_demo(ctx, customers=200, seed=7)
    assert all(result.ok for result in summary.extensions), summary.extensions
    with ctx.sessions() as s:
        assert s.scalar(select(LoyaltyProgram.enabled)) is True
        tiers = set(s.scalars(select(LoyaltyMember.tier).distinct()))
        assert {"silver", "gold"} <= tiers
        kinds = set(s.scalars(select(PointsEntry.kind).distinct()))
        assert {"earn", "expire", "redeem"} <= kinds
        negative = (
            select(PointsEntry.customer_id)
            .group_by(PointsEntry.customer_id)
            .having(func.sum(PointsEntry.points) < 0)
        )
        assert s.scalars(negative).all() == []
        statuses = {(r.status, tuple(r.hold_reasons)) for r in s.scalars(select(Referral)).all()}
        assert ("converted", ()) in statuses
        assert ("held", ("shared_delivery_address",)) in statuses
        sources = set(s.scalars(select(Coupon.source).distinct()))
        assert {"journey", "staff", "reward", "referral"} <= sources
        shared = s.scalar(select(Coupon).where(Coupon.customer_id.is_(None)))
        assert shared is not None and shared.used_count > 1
        assert s.scalar(select(func.count()).select_from(CouponRedemption)) > shared.used_count
    # The loyalty worker has no history to replay when the demo shop starts.
    with ctx.sessions() as s, s.begin():
        last = s.scalar(select(func.max(TimelineEvent.id)))
        assert last is not None
        while event_feed.position(s, CONSUMER)[0] < last:
            assert process_pending(s, ctx.clock) == 0
