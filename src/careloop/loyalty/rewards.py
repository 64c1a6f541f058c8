"""The rewards catalogue: spending points on a privilege (an entitlement) or a coupon."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from careloop.core import events
from careloop.core.clock import Clock
from careloop.core.errors import Conflict, NotFound
from careloop.core.money import exponent
from careloop.customers.models import Customer
from careloop.customers.timeline import record_event
from careloop.loyalty import points
from careloop.loyalty.config import Reward, gives_free_shipping
from careloop.loyalty.coupons import issue_coupon
from careloop.loyalty.economics import reward_terms
from careloop.loyalty.entitlements import grant_entitlement
from careloop.loyalty.membership import current_tier
from careloop.loyalty.program import is_running, program_config
from careloop.loyalty.tiers import below_minimum
from careloop.shops.models import Shop


@dataclass(frozen=True)
class RewardResult:
    reward: Reward
    coupon_code: str | None
    entitlement: str | None


def catalogue(session: Session, shop_id: int) -> tuple[Reward, ...]:
    return program_config(session, shop_id).rewards


def redeem_reward(
    *,
    session: Session,
    clock: Clock,
    shop: Shop,
    customer: Customer,
    reward_key: str,
    idempotency_key: str,
) -> RewardResult:
    """Spend the reward's points and hand over what it buys; a retry with the same key
    neither charges nor grants twice."""
    if not is_running(session, shop.id):
        raise Conflict("the loyalty program is not running")
    config = program_config(session, shop.id)
    reward = config.reward(reward_key)
    if reward is None:
        raise NotFound("reward", reward_key)
    tier = current_tier(session=session, shop_id=shop.id, customer_id=customer.id)
    if below_minimum(tier, reward.min_tier, config):
        raise Conflict(f"reward {reward_key!r} needs tier {reward.min_tier}")
    key = f"reward:{idempotency_key}"
    posted = points.redeem(
        session=session,
        clock=clock,
        shop_id=shop.id,
        customer_id=customer.id,
        points=reward.cost,
        reason=f"reward: {reward.name_en}",
        idempotency_key=key,
    )
    code = entitlement = None
    if reward.kind == "entitlement":
        assert reward.entitlement is not None
        grant_entitlement(
            session=session,
            clock=clock,
            shop_id=shop.id,
            customer_id=customer.id,
            key=reward.entitlement,
            source=f"reward:{reward.key}",
            idempotency_key=key,
            valid_days=reward.valid_days,
        )
        entitlement = reward.entitlement
    else:
        terms = reward_terms(reward, config, shop.currency, shop.business_model)
        coupon = issue_coupon(
            session=session,
            clock=clock,
            shop=shop,
            customer=customer,
            percent_off=reward.percent_off if reward.kind == "percent" else None,
            amount_off_minor=(
                reward.amount_off_major * 10 ** exponent(shop.currency)
                if reward.kind == "fixed" and reward.amount_off_major
                else None
            ),
            free_shipping=gives_free_shipping(reward),
            max_discount_minor=terms.max_discount_minor,
            min_order_minor=terms.min_order_minor,
            valid_days=reward.valid_days,
            reason=f"reward: {reward.name_en}",
            idempotency_key=key,
            source="reward",
        )
        code = coupon.code
    if posted is not None:
        record_event(
            session=session,
            clock=clock,
            shop_id=shop.id,
            customer_id=customer.id,
            type=events.REWARD_REDEEMED,
            event_key=f"{key}:redeemed",
            payload={
                "reward": reward.key,
                "cost": reward.cost,
                "coupon_code": code,
                "entitlement": entitlement,
            },
            summary=reward.name(shop.locale),
        )
    return RewardResult(reward, code, entitlement)
