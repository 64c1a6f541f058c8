from __future__ import annotations

from sqlalchemy import func, select

from careloop.context import AppContext
from careloop.demo.extensions import DEMO_MODULES
from careloop.demo.service import load_demo
from careloop.loyalty.models import LoyaltyMember, LoyaltyProgram, PointsEntry, Referral


def test_the_demo_shop_has_a_running_program_with_tiers_points_and_referrals(
    ctx: AppContext,
) -> None:
    assert "careloop.loyalty.demo" in DEMO_MODULES
    load_demo(ctx, customers=200, seed=7)
    with ctx.sessions() as s:
        assert s.scalar(select(LoyaltyProgram.enabled)) is True
        tiers = set(s.scalars(select(LoyaltyMember.tier).distinct()))
        assert {"silver", "gold"} <= tiers
        assert s.scalar(select(func.count()).select_from(PointsEntry)) > 0
        assert s.scalar(select(func.count()).select_from(Referral)) > 0
        assert (
            s.scalar(select(func.min(PointsEntry.points)).where(PointsEntry.kind == "redeem")) < 0
        )
