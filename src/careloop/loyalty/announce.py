"""Loyalty news for the customer, as timeline events the `loyalty_messages` playbook sends.

Loyalty never sends a message itself: it records one `loyalty.*` event per thing worth
telling (points earned on an order, a tier change, a referral reward, a next-order discount),
carrying the facts the message needs, already written the customer's way (tier name in their
language, the discount as "15%" or "50.000 ₫", dates as dd/mm/yyyy in their time zone). The
journeys engine turns the event into a message, so consent, caps, quiet hours and channel
fallback apply exactly as for every other message. Each event has an event key, so a
repeated webhook or a retried worker tells the customer once.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.orm import Session

from careloop.core import events
from careloop.core.catalogue import catalogue_texts
from careloop.core.clock import Clock, ensure_aware
from careloop.core.money import format_money
from careloop.customers.models import Customer
from careloop.customers.timeline import record_event
from careloop.loyalty.models import Coupon
from careloop.loyalty.program import program_config
from careloop.loyalty.tier_names import tier_label
from careloop.shops.models import Shop

TIER_NAMES: Final[dict[str, dict[str, str]]] = catalogue_texts("loyalty.announce.tier_names")
ADVOCATE: Final = "advocate"
FRIEND: Final = "friend"


def customer_language(customer: Customer | None, shop: Shop) -> str:
    """vi or en: the customer's own language, else the shop's (Vietnamese first)."""
    wanted = (customer.locale if customer else None) or shop.locale or "vi"
    return "en" if wanted.lower().startswith("en") else "vi"


def local_date(moment: datetime | None, customer: Customer | None, shop: Shop) -> str:
    """dd/mm/yyyy in the customer's time zone (the shop's when theirs is unknown)."""
    if moment is None:
        return ""
    name = (customer.timezone if customer else None) or shop.timezone or "Asia/Ho_Chi_Minh"
    try:
        zone = ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("Asia/Ho_Chi_Minh")
    return ensure_aware(moment).astimezone(zone).strftime("%d/%m/%Y")


def tier_name(tier: str | None, language: str) -> str:
    """The catalogue's name of a shipped tier (a shop's own names: tier_names.tier_label)."""
    return TIER_NAMES[language].get(tier or "", tier or "")


def coupon_facts(coupon: Coupon, customer: Customer | None, shop: Shop) -> dict[str, Any]:
    """What a message says about a coupon: its code, what it takes off, until when."""
    language = customer_language(customer, shop)
    if coupon.kind == "percent":
        discount = f"{coupon.percent_off}%"
    elif coupon.kind == "fixed":
        discount = format_money(coupon.amount_off_minor or 0, coupon.currency, language)
    else:
        discount = "miễn phí giao hàng" if language == "vi" else "free shipping"
    return {
        "code": coupon.code,
        "discount": discount,
        "expires_on": local_date(coupon.expires_at, customer, shop),
    }


def _record(
    session: Session,
    clock: Clock,
    shop: Shop,
    customer_id: int,
    type: str,
    key: str,
    payload: dict[str, Any],
    summary: str,
) -> bool:
    return record_event(
        session=session,
        clock=clock,
        shop_id=shop.id,
        customer_id=customer_id,
        type=type,
        event_key=f"{type}:{key}",
        payload=payload,
        summary=summary,
    )


def points_earned(
    *,
    session: Session,
    clock: Clock,
    shop: Shop,
    customer_id: int,
    order_ref: str,
    points: int,
    balance: int,
) -> bool:
    """One per order: the order carries the event's `order_id`, so the journey enrols once."""
    return _record(
        session,
        clock,
        shop,
        customer_id,
        events.LOYALTY_POINTS_EARNED,
        f"order:{order_ref}",
        {"points": points, "balance": balance, "order_id": order_ref},
        f"+{points} · #{order_ref}",
    )


def tier_changed(
    *,
    session: Session,
    clock: Clock,
    shop: Shop,
    customer_id: int,
    before: str | None,
    after: str | None,
    direction: str,
) -> bool:
    """A move between tiers; a first purchase entering the base tier is not news (the
    points-earned message already welcomes it)."""
    if before is None:
        return False
    customer = session.get(Customer, customer_id)
    language = customer_language(customer, shop)
    return _record(
        session,
        clock,
        shop,
        customer_id,
        events.LOYALTY_TIER_CHANGED,
        f"{customer_id}:{clock.now().isoformat()}:{after}",
        {
            "tier": after or "",
            "tier_name": tier_label(program_config(session, shop.id), after, language),
            "previous_tier": before or "",
            "direction": direction,
        },
        f"{before or '-'} → {after or '-'}",
    )


def referral_rewarded(
    *,
    session: Session,
    clock: Clock,
    shop: Shop,
    referral_id: int,
    customer: Customer,
    side: str,
    other: Customer | None,
    coupon: Coupon | None,
    points: int = 0,
) -> bool:
    """The advocate (their friend bought) or the friend (welcome): what each one got."""
    if coupon is None and points <= 0:
        return False
    language = customer_language(customer, shop)
    other_name = (other.name or "").split() if other else []
    friend_name = (other_name[-1] if language == "vi" else other_name[0]) if other_name else ""
    payload: dict[str, Any] = {
        "side": side,
        "friend_name": friend_name,
        "points": points,
        **(coupon_facts(coupon, customer, shop) if coupon else {}),
    }
    return _record(
        session,
        clock,
        shop,
        customer.id,
        events.LOYALTY_REFERRAL_REWARDED,
        f"{referral_id}:{side}",
        payload,
        f"{side} · {payload.get('code') or f'+{points}'}",
    )


def repeat_discount(
    *, session: Session, clock: Clock, shop: Shop, customer: Customer, coupon: Coupon
) -> bool:
    facts = coupon_facts(coupon, customer, shop)
    return _record(
        session,
        clock,
        shop,
        customer.id,
        events.LOYALTY_REPEAT_DISCOUNT,
        coupon.code,
        facts,
        f"{facts['code']} · {facts['discount']}",
    )


def reward_code(
    *,
    session: Session,
    clock: Clock,
    shop: Shop,
    customer: Customer,
    reward_name: str,
    cost: int,
    coupon: Coupon,
) -> bool:
    """The customer redeemed points for a code on their page: the code is sent to them too."""
    facts = coupon_facts(coupon, customer, shop)
    return _record(
        session,
        clock,
        shop,
        customer.id,
        events.LOYALTY_REWARD_CODE,
        coupon.code,
        {**facts, "reward_name": reward_name, "cost": cost},
        f"{facts['code']} · -{cost}",
    )
