"""WooCommerce order webhooks (order.created, order.updated, order.deleted) and the REST
API's order list, mapped onto Careloop orders.

Reference: WooCommerce REST API v3, Orders resource
(woocommerce.github.io/woocommerce-rest-api-docs);
times in the `*_gmt` fields are UTC without an offset."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from careloop.connectors.mapped import Mapped, StatusChange
from careloop.connectors.payload import Reader, email_or_none, phone_or_none
from careloop.core.errors import FieldError, ValidationFailed
from careloop.orders.address import address_line
from careloop.orders.schemas import OrderIn, OrderLineIn

# WooCommerce status -> (Careloop status it implies, the field holding its time).
STATUS_MAP: dict[str, tuple[str, str]] = {
    "pending": ("placed", "date_created_gmt"),
    "on-hold": ("placed", "date_created_gmt"),
    "processing": ("paid", "date_paid_gmt"),
    "completed": ("delivered", "date_completed_gmt"),
    "cancelled": ("cancelled", "date_modified_gmt"),
    "refunded": ("returned", "date_modified_gmt"),
    "failed": ("cancelled", "date_modified_gmt"),
}


def map_payload(topic: str, data: Any) -> Mapped:
    if topic == "order.deleted":
        reader = Reader(data)
        order_id = reader.text("id", required=True)
        if reader.errors:
            raise ValidationFailed(reader.errors)
        assert order_id is not None
        return Mapped(status_changes=[StatusChange(order_id, "cancelled", None)])
    if topic in {"order.created", "order.updated", "order.restored"}:
        return map_order(data)
    return Mapped(ignored=f"topic {topic!r}")


def map_order(data: Any) -> Mapped:
    reader = Reader(data)
    order_id = reader.text("id", required=True)
    placed = reader.time("date_created_gmt", required=True)
    total = reader.amount("total", required=True)
    status = reader.text("status", required=True)
    if status is not None and status not in STATUS_MAP:
        reader.errors.append(
            FieldError(
                "status", f"unknown WooCommerce status {status!r}; known: {', '.join(STATUS_MAP)}"
            )
        )
    email = email_or_none(reader.get("billing.email"))
    phone = phone_or_none(reader.get("billing.phone") or reader.get("shipping.phone"))
    woo_customer = reader.get("customer_id")
    if woo_customer and str(woo_customer) != "0":
        customer_id = f"wc:{woo_customer}"
    elif email:
        customer_id = f"email:{email}"
    elif phone:
        customer_id = f"phone:{phone}"  # a phone-only guest: reachable by SMS and Zalo
    else:
        customer_id = ""
        reader.errors.append(
            FieldError("billing", "a guest order (customer_id 0) with no email and no phone")
        )
    line_items = reader.items("line_items")
    lines = [_line(reader, i) for i in range(len(line_items))]
    coupons = reader.items("coupon_lines")
    if reader.errors:
        raise ValidationFailed(reader.errors)
    assert order_id and placed and total is not None and status
    times = _times(reader, placed, status)
    if reader.errors:
        raise ValidationFailed(reader.errors)
    name = " ".join(
        p for p in (reader.text("billing.first_name"), reader.text("billing.last_name")) if p
    )
    number = reader.text("number")  # "Order number" (REST API v3), shown as "#727"
    order = OrderIn(
        order_id=order_id,
        number=f"#{number.lstrip('#')}"[:64] if number else None,
        customer_id=customer_id,
        placed_at=placed,
        total=total,
        currency=reader.text("currency"),
        lines=lines,
        discount_codes=[str(c["code"])[:64] for c in coupons if c.get("code")],
        customer_name=name or None,
        email=email,
        phone=phone,
        # Orders that need no shipping carry only the billing address: it is where they go.
        shipping_address=address_line(
            reader.get("shipping") if reader.get("shipping.address_1") else reader.get("billing")
        ),
        **times,
    )
    return Mapped(orders=[order])


def _times(reader: Reader, placed: datetime, status: str) -> dict[str, datetime | None]:
    times: dict[str, datetime | None] = {}
    if paid := reader.time("date_paid_gmt"):
        times["paid_at"] = paid
    if done := reader.time("date_completed_gmt"):
        times["delivered_at"] = done
    implied, field = STATUS_MAP[status]
    if implied != "placed":
        at = reader.time(field) or reader.time("date_modified_gmt") or placed
        times[f"{implied}_at"] = at
    return {name: max(at, placed) for name, at in times.items() if at is not None}


def _line(reader: Reader, index: int) -> OrderLineIn:
    path = f"line_items.{index}"
    item = reader.get(path, {})
    return OrderLineIn(
        sku=str(item.get("sku") or "")[:64] or None,
        product_name=str(item.get("name") or "")[:300],
        quantity=reader.quantity(f"{path}.quantity"),
        unit_price=reader.amount(f"{path}.price") or 0,
    )
