"""Tier rules, pure: which tier an order history earns, downgrade grace, progress.

The shop's tiers are an ordered list (ProgramConfig.tiers). The first is earned by any
purchase; each next one by its number of orders or its spend within the rolling window,
whichever comes first; the highest tier earned wins. A customer who qualifies for less
keeps their tier through the grace period, so one quiet month is not a demotion. A tier
the shop removed has no rank: its members move to what their history earns at the next
sweep, without waiting for the grace period.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from careloop.loyalty.config import ProgramConfig


@dataclass(frozen=True)
class Purchase:
    placed_at: datetime
    total_minor: int


def rank(tier: str | None, config: ProgramConfig) -> int:
    """1 for the first tier, 2 for the next…; 0 for no tier or one the shop removed."""
    keys = config.tier_keys
    return keys.index(tier) + 1 if tier in keys else 0


def below_minimum(tier: str | None, min_tier: str | None, config: ProgramConfig) -> bool:
    """Whether a member of `tier` is kept from a reward needing `min_tier`. A minimum the
    shop's tiers no longer have keeps everyone out (closed, not open to all) until the
    owner picks a tier that exists."""
    if not min_tier:
        return False
    return not exists(min_tier, config) or rank(tier, config) < rank(min_tier, config)


def exists(tier: str | None, config: ProgramConfig) -> bool:
    return tier is not None and tier in config.tier_keys


def _earns(index: int, orders: int, spend: int, config: ProgramConfig, currency: str) -> bool:
    if index == 0:
        return True
    tier = config.tiers[index]
    bar = config.spend_threshold(tier.key, currency)
    return (tier.orders is not None and orders >= tier.orders) or (bar is not None and spend >= bar)


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
    for index in range(len(config.tiers) - 1, -1, -1):
        if _earns(index, orders, spend, config, currency):
            return config.tiers[index].key
    return None  # pragma: no cover - the first tier is always earned


@dataclass(frozen=True)
class Standing:
    tier: str | None
    below_since: datetime | None


def next_standing(
    current: Standing, qualifies_for: str | None, now: datetime, config: ProgramConfig
) -> Standing:
    """Upgrades apply at once; a downgrade waits `tier_grace_days` of continuously
    qualifying for less; a member of a removed tier moves at once."""
    if current.tier is not None and not exists(current.tier, config):
        return Standing(qualifies_for, None)
    if rank(qualifies_for, config) >= rank(current.tier, config):
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
    """How far the customer is from the next tier, by orders or by spend (whichever is nearer).

    The next tier is the one above the customer's (the first one when they have none yet);
    a route the next tier does not offer (no orders bar, no spend bar) needs 0 and counts 0%."""
    if tier is not None and not exists(tier, config):  # removed: what the history earns
        tier = qualifying_tier(purchases, now, config, currency)
    position = rank(tier, config)
    if position >= len(config.tiers):
        return Progress(None, 0, 0, 100)
    target = config.tiers[position]
    if position == 0:
        return Progress(target.key, 1, 0, 0)
    orders, spend = window_totals(purchases, now, config)
    need_spend = config.spend_threshold(target.key, currency)
    pct = 0
    if target.orders:
        pct = max(pct, orders * 100 // target.orders)
    if need_spend:
        pct = max(pct, spend * 100 // need_spend)
    return Progress(
        target.key,
        max((target.orders or 0) - orders, 0),
        max((need_spend or 0) - spend, 0),
        min(pct, 100),
    )
