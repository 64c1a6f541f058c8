"""The programme's expected monthly cost, from the shop's own last 90 days of orders.

Pure `simulate_monthly_cost` turns order totals into points earned (the programme's earn
rule), their liability (what they are worth at the catalogue's best value per point), the
rewards likely redeemed (the shop's observed redemption rate, else an assumption said
aloud) and the discount given, as a share of revenue against the seeds' budget band.
`cost_inputs` reads what it needs from the database.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from careloop.core.money import exponent
from careloop.loyalty import ledger
from careloop.loyalty.config import ProgramConfig, Reward
from careloop.loyalty.economics import budget_band, point_value_minor, reward_terms
from careloop.loyalty.models import PointsEntry
from careloop.orders.models import Order

WINDOW_DAYS: Final = 90
DAYS_PER_MONTH: Final = 30.0
# Without history: half of the points earned are spent on rewards (loyalty programmes
# typically see 30-60% redeemed; the page says this is an assumption).
ASSUMED_REDEMPTION_RATE: Final = 0.5


@dataclass(frozen=True)
class CostEstimate:
    """Monthly figures (minor units of the shop's currency)."""

    orders_per_month: float
    revenue_minor: int
    points_earned: int
    points_liability_minor: int
    points_redeemed: int
    rewards_redeemed: float
    discount_minor: int
    share: float | None
    band: tuple[float, float]
    # below, within or above the band; None without revenue.
    status: str | None
    redemption_rate: float
    rate_assumed: bool
    value_per_point_minor: float
    reward_key: str | None


def best_value_per_point(
    config: ProgramConfig, currency: str, business_model: str
) -> tuple[float, Reward | None]:
    """The most a point buys in the catalogue (a percent reward at its cap, a fixed amount);
    the band's point value when the catalogue has no money rewards."""
    best: tuple[float, Reward | None] = (0.0, None)
    for reward in config.rewards:
        if reward.kind == "percent":
            cap = reward_terms(reward, config, currency, business_model).max_discount_minor or 0
            value = cap / reward.cost
        elif reward.kind == "fixed" and reward.amount_off_major:
            value = reward.amount_off_major * 10 ** exponent(currency) / reward.cost
        else:
            continue
        if value > best[0]:
            best = (value, reward)
    if best[1] is None:
        return point_value_minor(config, currency, business_model), None
    return best


def simulate_monthly_cost(
    *,
    order_totals: Sequence[int],
    days: int,
    config: ProgramConfig,
    currency: str,
    business_model: str,
    observed_rate: float | None = None,
) -> CostEstimate:
    """Pure: the programme's expected cost per month from `days` days of order totals."""
    months = max(days, 1) / DAYS_PER_MONTH
    unit = config.earn_unit_minor(currency)
    earned = sum(total // unit * config.points_per_unit for total in order_totals)
    revenue = sum(order_totals)
    rate = ASSUMED_REDEMPTION_RATE if observed_rate is None else max(0.0, min(observed_rate, 1.0))
    value, reward = best_value_per_point(config, currency, business_model)
    redeemed = earned * rate
    discount = redeemed * value
    band = budget_band(business_model)
    share = (discount / revenue) if revenue > 0 else None
    status = None
    if share is not None:
        status = "below" if share < band[0] else "above" if share > band[1] else "within"
    return CostEstimate(
        orders_per_month=round(len(order_totals) / months, 1),
        revenue_minor=round(revenue / months),
        points_earned=round(earned / months),
        points_liability_minor=round(earned * value / months),
        points_redeemed=round(redeemed / months),
        rewards_redeemed=round(redeemed / reward.cost / months, 1) if reward else 0.0,
        discount_minor=round(discount / months),
        share=share,
        band=band,
        status=status,
        redemption_rate=rate,
        rate_assumed=observed_rate is None,
        value_per_point_minor=value,
        reward_key=reward.key if reward else None,
    )


@dataclass(frozen=True)
class CostInputs:
    order_totals: list[int]
    observed_rate: float | None


def cost_inputs(session: Session, shop_id: int, now: datetime) -> CostInputs:
    """The last WINDOW_DAYS of the shop's sales, and its points redeemed / earned over the
    same window (None when nothing was earned: the rate is then assumed)."""
    since = now - timedelta(days=WINDOW_DAYS)
    totals = list(
        session.scalars(
            select(Order.total_minor).where(
                Order.shop_id == shop_id,
                Order.placed_at >= since,
                Order.placed_at <= now,
                Order.status.not_in(("cancelled", "returned")),
            )
        )
    )
    sums = dict(
        session.execute(
            select(PointsEntry.kind, func.sum(PointsEntry.points))
            .where(
                PointsEntry.shop_id == shop_id,
                PointsEntry.occurred_at >= since,
                PointsEntry.kind.in_((ledger.EARN, ledger.REDEEM)),
            )
            .group_by(PointsEntry.kind)
        ).all()
    )
    earned = int(sums.get(ledger.EARN) or 0)
    redeemed = -int(sums.get(ledger.REDEEM) or 0)
    rate = redeemed / earned if earned > 0 else None
    return CostInputs([int(t) for t in totals], rate)
