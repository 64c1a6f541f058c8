"""Sapo webhooks: Sapo Web (Shopify's shapes with `*_on` times) and Sapo GO (the omnichannel
POS: `customer_data` with `phone_number`, `order_line_items`, topic `orders/update`).

Sapo GO deliveries carry `X-Sapo-Topic: orders/update`, `X-Sapo-Hmac-Sha256`,
`X-Sapo-Tenant-Domain: <shop>.mysapogo.com` and an order with `code`, `created_on`,
`modified_on`, `customer_id` and `customer_data{id, name, email, phone_number}` (a captured
delivery is kept in tests/fixtures/sapo/, see its SOURCE.md). An `orders/update` for an
order Careloop has not seen yet creates it: Sapo GO sends no separate create for POS sales."""

from __future__ import annotations

from typing import Any, Final

from pydantic import ValidationError

from careloop.connectors import shopify
from careloop.connectors.mapped import Mapped
from careloop.connectors.payload import Reader, email_or_none, phone_or_none
from careloop.core.errors import FieldError, ValidationFailed
from careloop.customers.schemas import CustomerIn
from careloop.orders.schemas import OrderIn, OrderLineIn

GO_ORDER_TOPICS: Final = frozenset({"orders/create", "orders/update", "orders/updated"})
# Sapo GO order `status`: draft, finalized, completed, cancelled.
GO_STATUS: Final[dict[str, str]] = {
    "draft": "placed",
    "finalized": "placed",
    "completed": "delivered",
    "cancelled": "cancelled",
}


def is_sapo_go(data: Any) -> bool:
    return isinstance(data, dict) and ("customer_data" in data or "order_line_items" in data)


def map_payload(topic: str, data: Any) -> Mapped:
    if topic in GO_ORDER_TOPICS and is_sapo_go(data):
        return map_go_order(data)
    if topic == "orders/update":  # Sapo's spelling of Shopify's orders/updated
        topic = "orders/updated"
    return shopify.map_payload(topic, data, time_suffix="_on")


def map_go_order(data: Any) -> Mapped:
    reader = Reader(data)
    order_id = reader.text("id", required=True)
    placed = reader.time("created_on", required=True)
    updated = reader.time("modified_on")
    total = reader.amount("total", required=True)
    status_text = (reader.text("status") or "finalized").lower()
    if status_text not in GO_STATUS:
        reader.errors.append(
            FieldError(
                "status", f"unknown Sapo GO status {status_text!r}; known: " + ", ".join(GO_STATUS)
            )
        )
    customer = _go_customer(reader)
    items = reader.items("order_line_items")
    lines = []
    for index, item in enumerate(items):
        path = f"order_line_items.{index}"
        lines.append(
            OrderLineIn(
                sku=str(item.get("sku") or "")[:64] or None,
                product_name=str(item.get("product_name") or item.get("variant_name") or "")[:300],
                quantity=reader.quantity(f"{path}.quantity"),
                unit_price=reader.amount(f"{path}.price") or 0,
            )
        )
    if customer is None:
        reader.errors.append(
            FieldError("customer_data", "no customer id, email or phone_number (a POS sale?)")
        )
    if reader.errors:
        raise ValidationFailed(reader.errors)
    assert order_id and placed and total is not None and customer
    status = GO_STATUS[status_text]
    at = max(updated or placed, placed)
    times = {f"{status}_at": at} if status != "placed" else {}
    try:
        order = OrderIn(
            order_id=order_id,
            # The order's code as Sapo GO shows it ("SON687457"); `id` is internal.
            number=(reader.text("code") or "")[:64] or None,
            customer_id=customer.customer_id,
            placed_at=placed,
            total=total,
            lines=lines,
            customer_name=customer.name,
            email=customer.email,
            phone=customer.phone,
            **times,
        )
    except ValidationError as exc:
        raise shopify._as_failure(exc) from None
    return Mapped(customers=[customer], orders=[order])


def _go_customer(reader: Reader) -> CustomerIn | None:
    external = reader.text("customer_data.id") or reader.text("customer_id")
    email = email_or_none(reader.get("customer_data.email") or reader.get("email"))
    phone = phone_or_none(reader.get("customer_data.phone_number") or reader.get("phone_number"))
    name = reader.text("customer_data.name")
    if external:
        customer_id = external
    elif email:
        customer_id = f"email:{email}"
    elif phone:
        customer_id = f"phone:{phone}"
    else:
        return None
    try:
        return CustomerIn(customer_id=customer_id, name=name, email=email, phone=phone)
    except ValidationError as exc:
        reader.errors.extend(shopify._as_failure(exc).errors)
        return None
