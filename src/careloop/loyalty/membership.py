"""Tier evaluation against the order history, backfill, and tier.changed events."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from careloop.core import events
from careloop.core.clock import Clock
from careloop.customers.timeline import record_event
from careloop.loyalty import tiers
from careloop.loyalty.config import ProgramConfig
from careloop.loyalty.models import LoyaltyMember
from careloop.loyalty.program import find_member, lock_member, program_config
from careloop.orders.models import Order
from careloop.shops.models import Shop


def current_tier(*, session: Session, shop_id: int, customer_id: int) -> str | None:
    """silver, gold, platinum, or None for a customer who has not bought yet."""
    return session.scalar(
        select(LoyaltyMember.tier).where(
            LoyaltyMember.shop_id == shop_id, LoyaltyMember.customer_id == customer_id
        )
    )


def purchases_of(session: Session, shop_id: int, customer_id: int) -> list[tiers.Purchase]:
    """Orders that count: not cancelled, not returned."""
    rows = session.execute(
        select(Order.placed_at, Order.total_minor).where(
            Order.shop_id == shop_id,
            Order.customer_id == customer_id,
            Order.cancelled_at.is_(None),
            Order.returned_at.is_(None),
        )
    )
    return [tiers.Purchase(at, total) for at, total in rows]


def evaluate_tier(
    *,
    session: Session,
    clock: Clock,
    shop: Shop,
    customer_id: int,
    config: ProgramConfig | None = None,
    announce: bool = True,
) -> str | None:
    """Re-evaluate one customer's tier; a change is a tier.changed event (unless backfilling)."""
    config = config or program_config(session, shop.id)
    now = clock.now()
    purchases = purchases_of(session, shop.id, customer_id)
    qualifies = tiers.qualifying_tier(purchases, now, config, shop.currency)
    existing = find_member(session, shop.id, customer_id)
    if existing is None and qualifies is None:
        return None
    member = lock_member(session, clock, shop.id, customer_id)
    before = tiers.Standing(member.tier, member.below_tier_since)
    after = (
        tiers.next_standing(before, qualifies, now, config)
        if announce
        else tiers.Standing(qualifies, None)
    )
    if after == before:
        return member.tier
    member.below_tier_since = after.below_since
    member.updated_at = now
    if after.tier != before.tier:
        member.tier = after.tier
        member.tier_since = now
        if announce:
            direction = "up" if tiers.rank(after.tier) > tiers.rank(before.tier) else "down"
            record_event(
                session=session,
                clock=clock,
                shop_id=shop.id,
                customer_id=customer_id,
                type=events.TIER_CHANGED,
                event_key=f"tier:{customer_id}:{now.isoformat()}:{after.tier}",
                payload={"from": before.tier, "to": after.tier, "direction": direction},
                summary=f"{before.tier or '-'} → {after.tier or '-'}",
            )
    session.flush()
    return member.tier


def backfill_tiers(*, session: Session, clock: Clock, shop: Shop) -> int:
    """Give every customer with orders the tier their history earns, silently (no events:
    a program start is not 500 "welcome to Gold" messages). Returns how many got a tier."""
    config = program_config(session, shop.id)
    customer_ids = session.scalars(
        select(Order.customer_id).where(Order.shop_id == shop.id).distinct()
    ).all()
    count = 0
    for customer_id in customer_ids:
        if evaluate_tier(
            session=session,
            clock=clock,
            shop=shop,
            customer_id=customer_id,
            config=config,
            announce=False,
        ):
            count += 1
    return count
