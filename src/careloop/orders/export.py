"""All order lines as CSV, in the format `careloop import orders` reads."""

from __future__ import annotations

from typing import TextIO

from sqlalchemy import select
from sqlalchemy.orm import Session

from careloop.core.csv_safe import safe_writer
from careloop.core.money import to_major
from careloop.customers.models import Customer
from careloop.orders.models import Order, OrderLine
from careloop.shops.models import Shop

ORDER_COLUMNS = (
    "order_id",
    "customer_id",
    "placed_at",
    "total",
    "status",
    "currency",
    "sku",
    "product_name",
    "quantity",
    "unit_price",
    "delivered_at",
    "discount_code",
    "shipping_address",
)


def write_orders_csv(session: Session, shop: Shop, out: TextIO) -> int:
    writer = safe_writer(out)  # formula cells neutralised (core/csv_safe.py)
    writer.writerow(ORDER_COLUMNS)
    stmt = (
        select(Order, Customer.external_id, OrderLine)
        .join(Customer, Customer.id == Order.customer_id)
        .outerjoin(OrderLine, OrderLine.order_id == Order.id)
        .where(Order.shop_id == shop.id)
        .order_by(Order.id, OrderLine.id)
        .execution_options(yield_per=5000)
    )
    count = 0
    for order, customer_external, line in session.execute(stmt):
        writer.writerow(
            (
                order.external_id,
                customer_external,
                order.placed_at.isoformat(),
                to_major(order.total_minor, order.currency),
                order.status,
                order.currency,
                line.sku if line else "",
                line.product_name if line else "",
                line.quantity if line else "",
                to_major(line.unit_price_minor, order.currency) if line else "",
                order.delivered_at.isoformat() if order.delivered_at else "",
                ";".join(order.discount_codes or []),
                order.shipping_address or "",
            )
        )
        count += 1
    return count
