"""Tier rules, pure: which tier an order history earns, downgrade grace, progress.

Silver: any purchase. Gold: `gold_orders`+ orders or the gold spend within the rolling
window. Platinum likewise with higher bars. A customer who qualifies for less keeps their
tier through the grace period, so one quiet month is not a demotion.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from careloop.loyalty.config import TIERS, ProgramConfig


@dataclass(frozen=True)
class Purchase:
    placed_at: datetime
    total_minor: int


def rank(tier: str | None) -> int:
    return TIERS.index(tier) + 1 if tier in TIERS else 0


def window_start(now: datetime, config: ProgramConfig) -> datetime | None:
    if not config.tier_window_months:
        return None
    from careloop.loyalty.points import add_months

    return add_months(now, -config.tier_window_months)


def window_totals(
    purchases: Sequence[Purchase], now: datetime, config: ProgramConfig
) -> tuple[int, int]:
    """(orders, spend in minor units) inside the rolling window ending now."""
    start = window_start(now, config)
    inside = [p for p in purchases if (start is None or p.placed_at > start) and p.placed_at <= now]
    return len(inside), sum(p.total_minor for p in inside)


def qualifying_tier(
    purchases: Sequence[Purchase], now: datetime, config: ProgramConfig, currency: str
) -> str | None:
    """The tier this (non-cancelled, non-returned) purchase history earns today."""
    if not any(p.placed_at <= now for p in purchases):
        return None
    orders, spend = window_totals(purchases, now, config)
    if orders >= config.platinum_orders or spend >= config.spend_threshold("platinum", currency):
        return "platinum"
    if orders >= config.gold_orders or spend >= config.spend_threshold("gold", currency):
        return "gold"
    return "silver"


@dataclass(frozen=True)
class Standing:
    tier: str | None
    below_since: datetime | None


def next_standing(
    current: Standing, qualifies_for: str | None, now: datetime, config: ProgramConfig
) -> Standing:
    """Upgrades apply at once; a downgrade waits `tier_grace_days` of continuously
    qualifying for less."""
    if rank(qualifies_for) >= rank(current.tier):
        return Standing(qualifies_for, None)
    since = current.below_since or now
    if now - since >= timedelta(days=config.tier_grace_days):
        return Standing(qualifies_for, None)
    return Standing(current.tier, since)


@dataclass(frozen=True)
class Progress:
    next_tier: str | None
    orders_needed: int
    spend_needed_minor: int
    # 0-100, the further of the two routes.
    percent: int


def progress(
    purchases: Sequence[Purchase],
    tier: str | None,
    now: datetime,
    config: ProgramConfig,
    currency: str,
) -> Progress:
    """How far the customer is from the next tier, by orders or by spend (whichever is nearer)."""
    if rank(tier) >= len(TIERS):
        return Progress(None, 0, 0, 100)
    target = TIERS[rank(tier)] if tier else "silver"
    if target == "silver":
        return Progress("silver", 1, 0, 0)
    orders, spend = window_totals(purchases, now, config)
    need_orders = config.gold_orders if target == "gold" else config.platinum_orders
    need_spend = config.spend_threshold(target, currency)
    pct = max(orders * 100 // need_orders, spend * 100 // max(need_spend, 1))
    return Progress(target, max(need_orders - orders, 0), max(need_spend - spend, 0), min(pct, 100))
