"""The once-a-day pass per shop: expire points, warn before expiry, review tiers (rolling
window and grace), birthday-month and anniversary rewards."""

from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from careloop.core import events
from careloop.core.clock import Clock
from careloop.customers.timeline import record_event
from careloop.loyalty import ledger, points
from careloop.loyalty.membership import evaluate_tier
from careloop.loyalty.models import LoyaltyMember, LoyaltyProgram, PointsEntry
from careloop.loyalty.occasions import reward_anniversaries, reward_birthdays
from careloop.loyalty.program import lock_member, program_config
from careloop.shops.models import Shop


def local_today(shop: Shop, clock: Clock) -> date:
    return clock.now().astimezone(ZoneInfo(shop.timezone or "UTC")).date()


def claim_daily(session: Session, clock: Clock, program: LoyaltyProgram, today: date) -> bool:
    """Mark today's sweep as taken; only one worker wins (conditional UPDATE)."""
    result = session.execute(
        update(LoyaltyProgram)
        .where(
            LoyaltyProgram.id == program.id,
            or_(LoyaltyProgram.swept_on.is_(None), LoyaltyProgram.swept_on != today),
        )
        .values(swept_on=today)
        .execution_options(synchronize_session=False)
    )
    return getattr(result, "rowcount", 0) == 1


def due_programs(session: Session, clock: Clock) -> list[tuple[LoyaltyProgram, Shop]]:
    rows = session.execute(
        select(LoyaltyProgram, Shop)
        .join(Shop, Shop.id == LoyaltyProgram.shop_id)
        .where(LoyaltyProgram.enabled.is_(True))
    ).all()
    return [(p, s) for p, s in rows if p.swept_on != local_today(s, clock)]


def sweep_shop(session: Session, clock: Clock, shop: Shop) -> dict[str, int]:
    """Everything the day brings for one shop; idempotent (every posting is keyed)."""
    config = program_config(session, shop.id)
    today = local_today(shop, clock)
    return {
        "expired": expire_due(session, clock, shop),
        "warned": warn_expiring(session, clock, shop, config.expiry_warning_days),
        "tier_changes": review_tiers(session, clock, shop),
        "birthdays": reward_birthdays(
            session=session, clock=clock, shop=shop, today=today, config=config
        ),
        "anniversaries": reward_anniversaries(
            session=session, clock=clock, shop=shop, today=today, config=config
        ),
    }


def _customers_with_lots_before(session: Session, shop_id: int, moment: object) -> list[int]:
    return list(
        session.scalars(
            select(PointsEntry.customer_id)
            .where(
                PointsEntry.shop_id == shop_id,
                PointsEntry.points > 0,
                PointsEntry.expires_at.is_not(None),
                PointsEntry.expires_at <= moment,
            )
            .distinct()
        )
    )


def expire_due(session: Session, clock: Clock, shop: Shop) -> int:
    total = 0
    for customer_id in _customers_with_lots_before(session, shop.id, clock.now()):
        lock_member(session, clock, shop.id, customer_id)
        total += points.settle_expiries(session, clock, shop.id, customer_id)
    return total


def warn_expiring(session: Session, clock: Clock, shop: Shop, days: int) -> int:
    """A points.expiring event per lot about to expire with points left (journeys send the
    warning); keyed by lot, so it is sent once."""
    if days <= 0:
        return 0
    now = clock.now()
    horizon = now + timedelta(days=days)
    warned = 0
    for customer_id in _customers_with_lots_before(session, shop.id, horizon):
        entries = points.entries_of(session, shop.id, customer_id)
        for lot in ledger.expiring_between(entries, now, horizon):
            assert lot.expires_at is not None
            warned += record_event(
                session=session,
                clock=clock,
                shop_id=shop.id,
                customer_id=customer_id,
                type=events.POINTS_EXPIRING,
                event_key=f"points-expiring:{lot.id}",
                payload={
                    "points": lot.remaining,
                    "expires_at": lot.expires_at.isoformat(),
                    "balance": ledger.balance(entries),
                },
                summary=f"{lot.remaining} points expire on {lot.expires_at:%Y-%m-%d}",
            )
    return warned


def review_tiers(session: Session, clock: Clock, shop: Shop) -> int:
    config = program_config(session, shop.id)
    changed = 0
    members = session.execute(
        select(LoyaltyMember.customer_id, LoyaltyMember.tier).where(
            LoyaltyMember.shop_id == shop.id
        )
    ).all()
    for customer_id, before in members:
        after = evaluate_tier(
            session=session, clock=clock, shop=shop, customer_id=customer_id, config=config
        )
        changed += after != before
    return changed
