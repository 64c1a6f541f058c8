"""Tier evaluation against the order history, backfill, and tier.changed events."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from careloop.core import events
from careloop.core.clock import Clock
from careloop.customers.timeline import record_event
from careloop.db.upsert import insert_ignoring_duplicates
from careloop.loyalty import ledger, tiers
from careloop.loyalty.announce import tier_changed as tell_tier_changed
from careloop.loyalty.config import ProgramConfig
from careloop.loyalty.models import LoyaltyMember, PointsEntry
from careloop.loyalty.program import find_member, is_running, lock_member, program_config
from careloop.loyalty.store_actions import record_store_actions
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
    previous: ProgramConfig | None = None,
) -> str | None:
    """Re-evaluate one customer's tier; a change is a tier.changed event (unless backfilling).
    `previous`: the settings the customer's tier was held under, when the owner just changed
    them (a removed tier's store privileges are known only there, and are revoked)."""
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
        old = set((previous or config).tier_benefits.get(before.tier or "", ()))
        new = set(config.tier_benefits.get(after.tier or "", ()))
        record_store_actions(
            session=session,
            clock=clock,
            shop_id=shop.id,
            customer_id=customer_id,
            gained=new - old,
            lost=old - new,
            cause=f"tier:{customer_id}:{now.isoformat()}:{after.tier}",
        )
        # A member of a tier the shop removed is moved, not promoted or demoted: the move
        # is on the timeline, and neither the up nor the down message would be true.
        removed = before.tier is not None and not tiers.exists(before.tier, config)
        if announce:
            direction = (
                "moved"
                if removed
                else "up"
                if tiers.rank(after.tier, config) > tiers.rank(before.tier, config)
                else "down"
            )
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
            if not removed:
                tell_tier_changed(
                    session=session,
                    clock=clock,
                    shop=shop,
                    customer_id=customer_id,
                    before=before.tier,
                    after=after.tier,
                    direction=direction,
                )
    session.flush()
    return member.tier


def apply_tier_edit(
    *, session: Session, clock: Clock, shop: Shop, previous: ProgramConfig, config: ProgramConfig
) -> int:
    """After the owner edits the tiers: a member of a removed tier moves now to the tier their
    history earns (a tier.changed "moved" event, no up/down message) and loses in the store
    the privileges the removed tier gave; a member of a kept tier whose privileges changed
    gains or loses them in the store. Returns how many members were moved."""
    removed = set(previous.tier_keys) - set(config.tier_keys)
    changed = {
        key
        for key in set(previous.tier_keys) & set(config.tier_keys)
        if set(previous.tier_benefits[key]) != set(config.tier_benefits[key])
    }
    if not removed and not changed:
        return 0
    now, moved = clock.now(), 0
    members = session.execute(
        select(LoyaltyMember.customer_id, LoyaltyMember.tier)
        .where(LoyaltyMember.shop_id == shop.id, LoyaltyMember.tier.in_(removed | changed))
        .order_by(LoyaltyMember.customer_id)
    ).all()
    for customer_id, tier in members:
        if tier is None:
            continue
        if tier in removed:
            evaluate_tier(
                session=session,
                clock=clock,
                shop=shop,
                customer_id=customer_id,
                config=config,
                previous=previous,
            )
            moved += 1
            continue
        old, new = set(previous.tier_benefits[tier]), set(config.tier_benefits[tier])
        record_store_actions(
            session=session,
            clock=clock,
            shop_id=shop.id,
            customer_id=customer_id,
            gained=new - old,
            lost=old - new,
            cause=f"tier-edit:{customer_id}:{now.isoformat()}:{tier}",
        )
    session.flush()
    return moved


def backfill_tiers(*, session: Session, clock: Clock, shop: Shop) -> int:
    """Give every customer with orders the tier their history earns, silently (no events:
    a program start is not 500 "welcome to Gold" messages). Returns how many have a tier.

    In a few statements for the whole shop (one per customer took 10 s at 2,000 customers)."""
    config = program_config(session, shop.id)
    now = clock.now()
    history: dict[int, list[tiers.Purchase]] = {}
    rows = session.execute(
        select(
            Order.customer_id,
            Order.placed_at,
            Order.total_minor,
            Order.cancelled_at,
            Order.returned_at,
        ).where(Order.shop_id == shop.id)
    )
    for customer_id, placed_at, total, cancelled, returned in rows:
        purchases = history.setdefault(customer_id, [])
        if cancelled is None and returned is None:
            purchases.append(tiers.Purchase(placed_at, total))
    members = {
        m.customer_id: m
        for m in session.scalars(select(LoyaltyMember).where(LoyaltyMember.shop_id == shop.id))
    }
    new_rows = []
    for customer_id, purchases in history.items():
        tier = tiers.qualifying_tier(purchases, now, config, shop.currency)
        member = members.get(customer_id)
        if member is None:
            if tier is not None:
                new_rows.append(
                    {
                        "shop_id": shop.id,
                        "customer_id": customer_id,
                        "tier": tier,
                        "tier_since": now,
                        "joined_at": now,
                        "updated_at": now,
                    }
                )
            continue
        if (member.tier, member.below_tier_since) != (tier, None):
            if member.tier != tier:
                member.tier, member.tier_since = tier, now
            member.below_tier_since, member.updated_at = None, now
    if new_rows:
        insert_ignoring_duplicates(
            session,
            LoyaltyMember.__table__,  # type: ignore[arg-type]
            new_rows,
            ["shop_id", "customer_id"],
        )
    session.flush()
    return int(
        session.scalar(
            select(func.count(LoyaltyMember.id)).where(
                LoyaltyMember.shop_id == shop.id, LoyaltyMember.tier.is_not(None)
            )
        )
        or 0
    )


def is_active_member(*, session: Session, shop_id: int, customer_id: int) -> bool:
    """Whether the customer takes part in the programme: they redeemed points or climbed above
    the entry tier. Every buyer gets a member row and the entry tier automatically (points
    on every order), so a tier alone does not mean they know the programme exists."""
    tier = current_tier(session=session, shop_id=shop_id, customer_id=customer_id)
    if tier is not None and tiers.rank(tier, program_config(session, shop_id)) > 1:
        return True
    redeemed = session.scalar(
        select(PointsEntry.id)
        .where(
            PointsEntry.shop_id == shop_id,
            PointsEntry.customer_id == customer_id,
            PointsEntry.kind == ledger.REDEEM,
        )
        .limit(1)
    )
    return redeemed is not None


def program_on(*, session: Session, shop_id: int, customer_id: int) -> bool:
    """Whether the shop's programme is running (the customer is not looked at: this has the
    signature of the other per-customer look-ups journeys call)."""
    del customer_id
    return is_running(session, shop_id)
