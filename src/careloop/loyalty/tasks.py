"""Loyalty's worker tasks: react to timeline events, and the daily per-shop sweep."""

from __future__ import annotations

from careloop.context import AppContext
from careloop.db.engine import transaction
from careloop.loyalty.models import LoyaltyProgram
from careloop.loyalty.processing import process_pending
from careloop.loyalty.sweep import claim_daily, due_programs, local_today, sweep_shop
from careloop.shops.models import Shop


def process_events(ctx: AppContext) -> int:
    """One batch of order/survey/review events: points, coupons, referrals, tiers."""
    with transaction(ctx.sessions) as session:
        return process_pending(session, ctx.clock)


def daily_sweep(ctx: AppContext) -> int:
    """Once per shop per local day: expiry, warnings, tier reviews, birthdays, anniversaries."""
    with ctx.sessions() as session:
        due = [(p.id, s.id) for p, s in due_programs(session, ctx.clock)]
    done = 0
    for program_id, shop_id in due:
        with transaction(ctx.sessions) as session:
            program = session.get(LoyaltyProgram, program_id)
            shop = session.get(Shop, shop_id)
            assert program is not None and shop is not None
            if not claim_daily(session, ctx.clock, program, local_today(shop, ctx.clock)):
                continue
            sweep_shop(session, ctx.clock, shop)
            done += 1
    return done


def sync_store_codes(ctx: AppContext) -> int:
    """Create issued codes in the shop's store, and use up there the ones used up here."""
    from careloop.loyalty.store_codes import sync_due

    return sync_due(ctx.sessions, ctx.clock)


def sync_store_actions(ctx: AppContext) -> int:
    """Tag (or untag) customers in the shop's store for the privileges they gained or lost."""
    from careloop.loyalty.store_action_sync import sync_due

    return sync_due(ctx.sessions, ctx.clock)
