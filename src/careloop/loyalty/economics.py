"""Safe economics of rewards (pure): how far a percent code may go and what order it needs.

Why: the default reward turned 100 points (100.000 ₫ spent) into an uncapped 10% code, so a
20.000.000 ₫ order took 2.000.000 ₫ off. A point is worth at most the top of the shop's
after-sales budget band (seeds/000: retail 2-5% of revenue) times the spend that earned it,
so a reward's default cap is its cost in points at that value; redeeming every point at the
cap costs the programme no more than the band's top share of the revenue that earned them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from careloop.core.money import exponent
from careloop.loyalty.config import ProgramConfig, Reward
from careloop.metrics.definitions import SPEND_BANDS

# Percent codes issued outside the rewards catalogue (birthday, anniversary, referral,
# repeat-purchase, journeys): cap and minimum order when the shop set none, in major units.
# A VND shop's typical small order is a few hundred thousand đồng (seeds' examples).
DEFAULT_COUPON_CAP_MAJOR: Final = {"VND": 100_000}
DEFAULT_COUPON_MIN_ORDER_MAJOR: Final = {"VND": 200_000}
OTHER_COUPON_CAP_MAJOR: Final = 20
OTHER_COUPON_MIN_ORDER_MAJOR: Final = 40


@dataclass(frozen=True)
class Terms:
    """What a percent code may take off and the order it needs, in minor units."""

    max_discount_minor: int | None
    min_order_minor: int


def budget_band(business_model: str) -> tuple[float, float]:
    """The seeds' after-sales budget band (share of revenue) for the shop's business model."""
    return SPEND_BANDS.get(business_model, SPEND_BANDS["retail"])


def point_value_minor(config: ProgramConfig, currency: str, business_model: str) -> float:
    """The most one point may be worth: the spend that earns it times the band's top."""
    per_point = config.earn_unit_minor(currency) / max(config.points_per_unit, 1)
    return per_point * budget_band(business_model)[1]


def _major(amount: int, currency: str) -> int:
    return int(amount * 10 ** exponent(currency))


def coupon_terms(config: ProgramConfig, currency: str) -> Terms:
    """Cap and minimum order for percent codes outside the catalogue (settings or defaults)."""
    code = currency.upper()
    cap = config.coupon_max_discount_major
    if cap is None:
        cap = DEFAULT_COUPON_CAP_MAJOR.get(code, OTHER_COUPON_CAP_MAJOR)
    floor = config.coupon_min_order_major
    if floor is None:
        floor = DEFAULT_COUPON_MIN_ORDER_MAJOR.get(code, OTHER_COUPON_MIN_ORDER_MAJOR)
    return Terms(_major(cap, currency) or None, _major(floor, currency))


def reward_terms(
    reward: Reward, config: ProgramConfig, currency: str, business_model: str
) -> Terms:
    """A percent reward's cap (set, else its cost at the top point value, rounded down to a
    round amount) and minimum order (set, else the order at which the percent reaches the
    cap). Other kinds: no cap, their minimum order if set."""
    floor = _major(reward.min_order_major or 0, currency)
    if reward.kind != "percent" or not reward.percent_off:
        return Terms(None, floor)
    if reward.max_discount_major is not None:
        cap = _major(reward.max_discount_major, currency)
    else:
        raw = reward.cost * point_value_minor(config, currency, business_model)
        step = 1000 if currency.upper() == "VND" else 10 ** exponent(currency)
        cap = max(int(raw // step) * step, step)
    if reward.min_order_major is None:
        floor = -(-cap * 100 // reward.percent_off)
    return Terms(cap, floor)
