"""Which purchases a journey enrolls (`enrol_on`): every order, the first purchase only, or
also a purchase of a product category the customer never bought.

Why: the Golden Hours (thanks, usage guide, survey, coupon) welcome a new buyer; restarting
them on every repeat order resends the same guide, reminder, survey and coupon. "First" is
judged against the customer's other sales (not cancelled, not returned) placed before this
order, so the answer does not depend on the order events' arrival order.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from careloop.orders.models import Order, OrderLine, Product

NOT_SALES = ("cancelled", "returned")


@dataclass(frozen=True)
class PurchaseHistory:
    """What a customer bought before the order in question."""

    earlier_orders: int
    earlier_categories: frozenset[str]
    categories: frozenset[str]  # this order's


def qualifies(enrol_on: str, history: PurchaseHistory) -> bool:
    """Whether the order enrolls under `enrol_on` (pure)."""
    if enrol_on == "every_order" or history.earlier_orders == 0:
        return True
    if enrol_on == "new_category":
        return bool(history.categories - history.earlier_categories)
    return False


def purchase_history(
    session: Session, *, shop_id: int, customer_id: int, order_ref: str
) -> PurchaseHistory | None:
    """The customer's purchases before order `order_ref`; None if there is no such order."""
    order = session.scalar(
        select(Order).where(Order.shop_id == shop_id, Order.external_id == order_ref)
    )
    if order is None or order.customer_id != customer_id:
        return None
    earlier = list(
        session.scalars(
            select(Order.id).where(
                Order.shop_id == shop_id,
                Order.customer_id == customer_id,
                Order.id != order.id,
                Order.status.not_in(NOT_SALES),
                # Same moment: the order stored first counts as earlier.
                (Order.placed_at < order.placed_at)
                | ((Order.placed_at == order.placed_at) & (Order.id < order.id)),
            )
        )
    )
    return PurchaseHistory(
        earlier_orders=len(earlier),
        earlier_categories=_categories(session, earlier),
        categories=_categories(session, [order.id]),
    )


def _categories(session: Session, order_ids: Collection[int]) -> frozenset[str]:
    if not order_ids:
        return frozenset()
    rows = session.scalars(
        select(Product.category)
        .join(OrderLine, OrderLine.product_id == Product.id)
        .where(OrderLine.order_id.in_(list(order_ids)), Product.category.is_not(None))
        .distinct()
    )
    return frozenset(c.strip().casefold() for c in rows if c and c.strip())


def order_enrolls(
    session: Session, *, enrol_on: str, shop_id: int, customer_id: int, order_ref: str | None
) -> bool:
    """Whether an order-event trigger for `order_ref` may enroll under `enrol_on`. An event
    with no order (or an order not stored) is not a purchase: only `every_order` lets it in."""
    if enrol_on == "every_order":
        return True
    if order_ref is None:
        return False
    history = purchase_history(
        session, shop_id=shop_id, customer_id=customer_id, order_ref=order_ref
    )
    return history is not None and qualifies(enrol_on, history)
