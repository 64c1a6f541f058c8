"""Read models for the staff pages (settings, members, a customer's ledger) and the
customer's own loyalty summary."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from careloop.core.clock import Clock
from careloop.customers.models import Customer
from careloop.loyalty import tiers
from careloop.loyalty.config import Reward, config_to_json
from careloop.loyalty.coupons import coupons_of
from careloop.loyalty.entitlements import active_entitlements
from careloop.loyalty.membership import current_tier, purchases_of
from careloop.loyalty.models import Coupon, LoyaltyMember, PointsEntry
from careloop.loyalty.points import points_balance
from careloop.loyalty.program import ensure_program, program_config
from careloop.shops.models import Shop


@dataclass(frozen=True)
class MemberRow:
    customer_id: int
    external_id: str
    name: str
    tier: str | None
    tier_since: datetime | None
    points: int


def program_settings(session: Session, clock: Clock, shop: Shop) -> dict[str, object]:
    """The program's state and every effective setting, for the settings page."""
    program = ensure_program(session, clock, shop.id)
    return {
        "enabled": program.enabled,
        "started_at": program.started_at,
        "updated_at": program.updated_at,
        "updated_by": program.updated_by,
        "changed": dict(program.config),
        "settings": config_to_json(program_config(session, shop.id)),
    }


def members(
    session: Session, shop_id: int, *, tier: str | None = None, offset: int = 0, limit: int = 50
) -> list[MemberRow]:
    """Members with their tier and balance, highest balance first."""
    balance = (
        select(PointsEntry.customer_id, func.sum(PointsEntry.points).label("points"))
        .where(PointsEntry.shop_id == shop_id)
        .group_by(PointsEntry.customer_id)
        .subquery()
    )
    stmt = (
        select(
            Customer.id,
            Customer.external_id,
            Customer.name,
            LoyaltyMember.tier,
            LoyaltyMember.tier_since,
            func.coalesce(balance.c.points, 0),
        )
        .join(LoyaltyMember, LoyaltyMember.customer_id == Customer.id)
        .outerjoin(balance, balance.c.customer_id == Customer.id)
        .where(LoyaltyMember.shop_id == shop_id)
        .order_by(func.coalesce(balance.c.points, 0).desc(), Customer.id)
        .offset(offset)
        .limit(limit)
    )
    if tier:
        stmt = stmt.where(LoyaltyMember.tier == tier)
    return [MemberRow(*row) for row in session.execute(stmt)]


def tier_counts(session: Session, shop_id: int) -> dict[str | None, int]:
    rows = session.execute(
        select(LoyaltyMember.tier, func.count())
        .where(LoyaltyMember.shop_id == shop_id)
        .group_by(LoyaltyMember.tier)
    )
    return {tier: count for tier, count in rows}


def ledger_of(session: Session, shop_id: int, customer_id: int) -> list[PointsEntry]:
    """The customer's ledger, newest first; empty expiry closings are left out."""
    return list(
        session.scalars(
            select(PointsEntry)
            .where(
                PointsEntry.shop_id == shop_id,
                PointsEntry.customer_id == customer_id,
                PointsEntry.points != 0,
            )
            .order_by(PointsEntry.id.desc())
        )
    )


@dataclass(frozen=True)
class LoyaltySummary:
    customer: Customer
    points: int
    tier: str | None
    progress: tiers.Progress
    rewards: tuple[Reward, ...]
    entitlements: set[str]
    coupons: list[Coupon]
    referral_code: str


def summary(session: Session, clock: Clock, shop: Shop, customer: Customer) -> LoyaltySummary:
    """What the customer's own loyalty page shows."""
    config = program_config(session, shop.id)
    now = clock.now()
    tier = current_tier(session=session, shop_id=shop.id, customer_id=customer.id)
    balance = points_balance(session=session, shop_id=shop.id, customer_id=customer.id)
    usable = [
        c
        for c in coupons_of(session, shop.id, customer.id)
        if c.revoked_at is None
        and (c.expires_at is None or c.expires_at > now)
        and (c.max_uses is None or c.used_count < c.max_uses)
    ]
    return LoyaltySummary(
        customer=customer,
        points=balance,
        tier=tier,
        progress=tiers.progress(
            purchases_of(session, shop.id, customer.id), tier, now, config, shop.currency
        ),
        rewards=config.rewards,
        entitlements=active_entitlements(
            session=session, shop_id=shop.id, customer_id=customer.id, now=now
        ),
        coupons=usable,
        referral_code=customer.referral_code,
    )
