"""Privileges that only the store can apply (free or express shipping, early access) become
store actions: a customer tag where the platform has customer tags, a store-side shipping
rule where it has not. Loyalty records the intent here as a pending row, inside the business
transaction; the `loyalty.store_actions` worker task (loyalty/store_action_sync.py) carries it
out in the store afterwards (pending -> done | refused, retried with back-off) and staff see
the outcome on the member page and under Needs attention.

Platforms (the contract each pending row is written for):
- Shopify: the Customer resource's comma-separated `tags` (Admin REST 2024-01 "Customer");
  the shop's shipping or discount rules key on the tag. Carried out.
- Haravan and Sapo: Shopify-shaped Customer resources, so the same tag is asked for; neither
  publishes a customer-tags update body, so the sync refuses them as "not supported".
- WooCommerce: customers have no tags; free shipping is the customer's own coupon with
  `free_shipping: true` limited by `email_restrictions` (WooCommerce REST API v3, Coupon
  properties), recorded as a `shipping_rule` whose value is that coupon's code. A coupon can
  only turn on the store's Free shipping method, so free *express* shipping is refused by
  the sync as not supported; early access has no WooCommerce equivalent and is not asked.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from careloop.core.clock import Clock
from careloop.customers.models import Customer
from careloop.loyalty.config import EARLY_ACCESS, FREE_EXPRESS_SHIPPING, FREE_SHIPPING
from careloop.loyalty.models import StoreAction

# The tag (or rule name) each store-side privilege is known by in the store.
STORE_TAGS: Final = {
    FREE_SHIPPING: "careloop-free-shipping",
    FREE_EXPRESS_SHIPPING: "careloop-free-express-shipping",
    EARLY_ACCESS: "careloop-early-access",
}
TAG_PLATFORMS: Final = ("shopify", "haravan", "sapo")
# Early access has no store-side rule on WooCommerce: Careloop's own early-access pages apply it.
RULE_PRIVILEGES: Final = (FREE_SHIPPING, FREE_EXPRESS_SHIPPING)
PENDING: Final = "pending"
# Not yet carried out in the store: waiting, or refused and to be tried again.
DUE: Final = (PENDING, "refused")
SHIPPING_DONE: Final = ("shipping_rule", "done")


@dataclass(frozen=True)
class PlannedAction:
    platform: str
    action: str
    entitlement: str
    value: str


def plan_store_actions(
    *, gained: Iterable[str], lost: Iterable[str], platforms: Collection[str]
) -> list[PlannedAction]:
    """Pure: what the shop's stores must do for privileges a customer gained or lost."""
    plan: list[PlannedAction] = []
    for platform in sorted(platforms):
        for verb, keys in (("", gained), ("remove_", lost)):
            for key in sorted(set(keys)):
                tag = STORE_TAGS.get(key)
                if tag is None:
                    continue
                if platform in TAG_PLATFORMS:
                    plan.append(PlannedAction(platform, f"{verb}tag_customer", key, tag))
                elif platform == "woocommerce" and key in RULE_PRIVILEGES:
                    plan.append(PlannedAction(platform, f"{verb}shipping_rule", key, tag))
    return plan


def coupon_code(rule: str, customer_code: str) -> str:
    """Pure: the customer's own free-shipping coupon code in WooCommerce: the rule's name and
    the customer's random referral code, lower case as WooCommerce keeps coupon codes. The
    same customer always gets the same code, so a retry or a re-grant never makes a second."""
    return f"{rule}-{customer_code}".lower()


def _referral_code(session: Session, customer_id: int) -> str:
    code = session.scalar(select(Customer.referral_code).where(Customer.id == customer_id))
    return code or str(customer_id)


def store_platforms(session: Session, shop_id: int) -> list[str]:
    """The shop's connected store platforms (none without the connectors capability)."""
    try:
        from careloop.connectors.models import Connector
    except ImportError:
        return []
    return list(
        session.scalars(
            select(Connector.platform).where(
                Connector.shop_id == shop_id,
                Connector.platform.in_((*TAG_PLATFORMS, "woocommerce")),
            )
        )
    )


def record_store_actions(
    *,
    session: Session,
    clock: Clock,
    shop_id: int,
    customer_id: int,
    gained: Iterable[str] = (),
    lost: Iterable[str] = (),
    cause: str,
) -> list[StoreAction]:
    """Record the pending store actions for a change of privileges; `cause` (the reward
    redemption, the tier change) keys them, so a retry records nothing twice."""
    plan = plan_store_actions(gained=gained, lost=lost, platforms=store_platforms(session, shop_id))
    rows: list[StoreAction] = []
    for item in plan:
        key = f"{cause}:{item.platform}:{item.action}:{item.entitlement}"[:200]
        existing = session.scalar(
            select(StoreAction).where(
                StoreAction.shop_id == shop_id, StoreAction.idempotency_key == key
            )
        )
        if existing is not None:
            rows.append(existing)
            continue
        value = item.value
        if item.platform == "woocommerce" and item.entitlement == FREE_SHIPPING:
            value = coupon_code(item.value, _referral_code(session, customer_id))
        row = StoreAction(
            shop_id=shop_id,
            customer_id=customer_id,
            action=item.action,
            entitlement=item.entitlement,
            value=value,
            status=PENDING,
            idempotency_key=key,
            created_at=clock.now(),
            # The store platform the connector should act on.
            note=item.platform,
        )
        session.add(row)
        rows.append(row)
    if rows:
        session.flush()
    return rows


def store_actions_of(
    session: Session, shop_id: int, customer_id: int | None = None, status: str | None = None
) -> list[StoreAction]:
    stmt = select(StoreAction).where(StoreAction.shop_id == shop_id)
    if customer_id is not None:
        stmt = stmt.where(StoreAction.customer_id == customer_id)
    if status is not None:
        stmt = stmt.where(StoreAction.status == status)
    return list(session.scalars(stmt.order_by(StoreAction.id.desc()).limit(500)))


def shipping_codes_of(session: Session, shop_id: int, customer_id: int) -> list[str]:
    """The member's own free-shipping coupon codes live in their WooCommerce store: created
    there, and not ended by a later loss (what the customer's loyalty page tells them)."""
    rows = session.execute(
        select(StoreAction.value, StoreAction.action, StoreAction.status)
        .where(
            StoreAction.shop_id == shop_id,
            StoreAction.customer_id == customer_id,
            StoreAction.note == "woocommerce",
            StoreAction.entitlement == FREE_SHIPPING,
        )
        .order_by(StoreAction.id)
    ).all()
    latest = {value: (action, status) for value, action, status in rows}
    return sorted(v for v, (action, status) in latest.items() if (action, status) == SHIPPING_DONE)
