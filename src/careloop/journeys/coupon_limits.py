"""A journey coupon step's options resolved for the customer: `limit_to` turns into the
skus or categories of what the enrollment's order (or run-out product) held, so a
replenishment code works on the product they buy again and a cross-sell code on its kind."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from careloop.core.errors import Conflict
from careloop.orders.models import Order, OrderLine, Product


def purchased(session: Session, shop_id: int, context: Mapping[str, Any]) -> list[Product]:
    """The products the enrollment is about: the run-out/warranty sku, else its order's."""
    sku = context.get("sku")
    if isinstance(sku, str) and sku:
        stmt = select(Product).where(Product.shop_id == shop_id, Product.sku == sku)
    else:
        order_ref = context.get("order_id")
        if not order_ref:
            return []
        stmt = (
            select(Product)
            .join(OrderLine, OrderLine.product_id == Product.id)
            .join(Order, Order.id == OrderLine.order_id)
            .where(Order.shop_id == shop_id, Order.external_id == str(order_ref))
            .distinct()
        )
    return list(session.scalars(stmt.order_by(Product.sku)))


def coupon_params(
    session: Session, shop_id: int, params: Mapping[str, Any], context: Mapping[str, Any]
) -> dict[str, Any]:
    """issue_coupon keywords from the step's options (unset options left out)."""
    out = {k: v for k, v in params.items() if v is not None and k != "limit_to"}
    if not out.get("free_shipping"):
        out.pop("free_shipping", None)
    limit = params.get("limit_to")
    if limit is None:
        return out
    products = purchased(session, shop_id, context)
    if limit == "purchased_product":
        values = [p.sku for p in products]
        key = "product_skus"
    else:
        values = sorted({p.category for p in products if p.category})
        key = "categories"
    if not values:
        raise Conflict(f"no {key.replace('_', ' ')} known for what the customer bought ({limit})")
    out[key] = values
    return out
