"""What orders erase of a customer: the delivery address (raw and normalised). The orders
themselves, their totals and lines stay, so revenue and repeat rate remain true."""

from __future__ import annotations

from typing import Any

from sqlalchemy import CursorResult, or_, update
from sqlalchemy.orm import Session

from careloop.customers.erasure import register_eraser
from careloop.orders.models import Order


def erase_delivery_addresses(session: Session, shop_id: int, customer_id: int) -> int:
    result: CursorResult[Any] = session.execute(  # type: ignore[assignment]
        update(Order)
        .where(
            Order.shop_id == shop_id,
            Order.customer_id == customer_id,
            or_(Order.shipping_address.is_not(None), Order.shipping_address_key.is_not(None)),
        )
        .values(shipping_address=None, shipping_address_key=None)
    )
    return int(result.rowcount or 0)


register_eraser("orders", erase_delivery_addresses)
