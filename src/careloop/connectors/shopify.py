"""Shopify's order and customer JSON (and its Vietnamese cousins Haravan and Sapo, which
copied its REST shapes) mapped onto Careloop orders and customers.

Reference: Shopify Admin REST API, Order and Customer resources, and the webhook topics
orders/create, orders/paid, orders/fulfilled, orders/cancelled, refunds/create,
customers/create, customers/update (shopify.dev/docs/api/admin-rest, webhooks)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import ValidationError

from careloop.connectors.mapped import Mapped, StatusChange
from careloop.connectors.payload import Reader, email_or_none, phone_or_none
from careloop.core.errors import FieldError, ValidationFailed
from careloop.customers.schemas import CustomerIn
from careloop.orders.address import address_line
from careloop.orders.schemas import OrderIn, OrderLineIn
from careloop.products.platform import products_from_payload

CONSENT_STATES = {"subscribed", "unsubscribed", "not_subscribed", "redacted"}
PAID_STATES = {"paid", "partially_refunded", "refunded"}
ORDER_TOPICS = {
    "orders/create",
    "orders/updated",
    "orders/paid",
    "orders/fulfilled",
    "orders/partially_fulfilled",
    "orders/cancelled",
    "orders/delivered",
}
CUSTOMER_TOPICS = {"customers/create", "customers/update"}
# Product webhooks carry the Product resource: tags, product_type, variants with their skus.
PRODUCT_TOPICS = {"products/create", "products/update"}


def map_payload(topic: str, data: Any, *, time_suffix: str = "_at") -> Mapped:
    """`time_suffix` is "_on" for Sapo, whose resources say created_on, cancelled_on..."""
    if topic in ORDER_TOPICS:
        return map_order(data, time_suffix=time_suffix)
    if topic in CUSTOMER_TOPICS:
        reader = Reader(data)
        customer = _customer(reader, "")
        _raise(reader)
        return Mapped(customers=[customer] if customer else [])
    if topic in PRODUCT_TOPICS:
        products, _problems = products_from_payload(data)
        return Mapped(products=products) if products else Mapped(ignored="a product without skus")
    if topic == "refunds/create":
        reader = Reader(data)
        order_id = reader.text("order_id", required=True)
        at = reader.time(f"created{time_suffix}")
        _raise(reader)
        assert order_id is not None
        return Mapped(status_changes=[StatusChange(order_id, "returned", at)])
    return Mapped(ignored=f"topic {topic!r}")


def map_order(data: Any, *, time_suffix: str = "_at") -> Mapped:
    reader = Reader(data)
    order_id = reader.text("id", required=True)
    placed = reader.time(f"created{time_suffix}", required=True)
    total = reader.amount("total_price", required=True)
    customer = _customer(reader, "customer.") or guest_customer(reader)
    if customer is None:
        # A POS sale with no customer: kept for staff (parked), never refused.
        reader.errors.append(
            FieldError("customer", "no customer, email or phone on the order (a POS sale?)")
        )
    lines = [_line(reader, i) for i in range(len(reader.items("line_items")))]
    codes = [str(d["code"])[:64] for d in reader.items("discount_codes") if d.get("code")]
    reader.items("fulfillments")
    reader.items("refunds")
    _raise(reader)
    assert order_id and placed and total is not None and customer
    times = _status_times(reader, placed, time_suffix)
    _raise(reader)
    try:
        order = OrderIn(
            order_id=order_id,
            customer_id=customer.customer_id,
            placed_at=placed,
            total=total,
            currency=reader.text("currency"),
            lines=lines,
            discount_codes=codes,
            customer_name=customer.name,
            email=customer.email,
            phone=customer.phone,
            shipping_address=address_line(reader.get("shipping_address")),
            **times,
        )
    except ValidationError as exc:
        raise _as_failure(exc) from None
    return Mapped(customers=[customer], orders=[order])


def guest_customer(reader: Reader) -> CustomerIn | None:
    """A guest checkout: the buyer is known by email, else by phone (common in Vietnam)."""
    email = email_or_none(reader.get("email") or reader.get("contact_email"))
    if email is not None:
        return CustomerIn(customer_id=f"email:{email}", email=email)
    phone = phone_or_none(
        reader.get("phone")
        or reader.get("shipping_address.phone")
        or reader.get("billing_address.phone")
    )
    if phone is not None:
        return CustomerIn(customer_id=f"phone:{phone}", phone=phone)
    return None


def _customer(reader: Reader, prefix: str) -> CustomerIn | None:
    external = reader.text(f"{prefix}id")
    if external is None:
        return None
    name = " ".join(
        part
        for part in (reader.text(f"{prefix}first_name"), reader.text(f"{prefix}last_name"))
        if part
    )
    # Shopify keeps consent per channel; the legacy flag covers every channel.
    consents = {
        channel: "granted" if state == "subscribed" else "denied"
        for channel, state in (
            ("email", reader.text(f"{prefix}email_marketing_consent.state")),
            ("sms", reader.text(f"{prefix}sms_marketing_consent.state")),
        )
        if state in CONSENT_STATES
    }
    accepts = reader.get(f"{prefix}accepts_marketing")
    return CustomerIn(
        customer_id=external,
        name=name or None,
        email=email_or_none(reader.get(f"{prefix}email") or reader.get("email")),
        phone=phone_or_none(
            reader.get(f"{prefix}phone")
            or reader.get("phone")
            or reader.get("shipping_address.phone")
            or reader.get("billing_address.phone")
        ),
        accepts_marketing=accepts if isinstance(accepts, bool) and not consents else None,
        consents=consents or None,  # type: ignore[arg-type]
    )


def _line(reader: Reader, index: int) -> OrderLineIn:
    path = f"line_items.{index}"
    item = reader.get(path, {})
    try:
        return OrderLineIn(
            sku=str(item.get("sku") or "")[:64] or None,
            product_name=str(item.get("title") or item.get("name") or "")[:300],
            quantity=reader.quantity(f"{path}.quantity"),
            unit_price=reader.amount(f"{path}.price") or 0,
        )
    except ValidationError as exc:
        for err in exc.errors():
            reader.errors.append(FieldError(f"{path}.{err['loc'][0]}", err["msg"]))
        return OrderLineIn(product_name="", quantity=1, unit_price=0)


def _status_times(reader: Reader, placed: datetime, suffix: str) -> dict[str, datetime | None]:
    """Shopify keeps states, not a history: derive each status time from what the order says."""
    updated = reader.time(f"updated{suffix}") or reader.time(f"modified{suffix}") or placed
    times: dict[str, datetime | None] = {}
    if reader.text("financial_status") in PAID_STATES:
        times["paid_at"] = reader.time(f"processed{suffix}") or updated
    # A fulfillment whose status is failure/error/cancelled shipped nothing (Fulfillment
    # resource, `status`: pending, open, success, cancelled, error, failure).
    fulfillments = [
        f
        for f in reader.items("fulfillments")
        if str(f.get("status") or "") not in {"failure", "error", "cancelled"}
    ]
    if reader.text("fulfillment_status") in {"fulfilled", "partial"} or fulfillments:
        first = fulfillments[0] if fulfillments else {}
        times["shipped_at"] = _iso(first.get(f"created{suffix}")) or updated
    delivered = [
        f
        for f in fulfillments
        if f.get("shipment_status") == "delivered" or f.get("status") == "delivered"
    ]
    if delivered:
        times["delivered_at"] = (
            _iso(delivered[-1].get(f"updated{suffix}")) if delivered else None
        ) or updated
    if cancelled := reader.time(f"cancelled{suffix}"):
        times["cancelled_at"] = cancelled
    if reader.text("financial_status") == "refunded":
        refunds = reader.items("refunds")
        times["returned_at"] = (
            _iso(refunds[-1].get(f"created{suffix}")) if refunds else None
        ) or updated
    return {name: max(at, placed) for name, at in times.items() if at is not None}


def _iso(raw: object) -> datetime | None:
    if not raw:
        return None
    reader = Reader({"t": raw})
    return reader.time("t")


def _raise(reader: Reader) -> None:
    if reader.errors:
        raise ValidationFailed(reader.errors)


def _as_failure(exc: ValidationError) -> ValidationFailed:
    return ValidationFailed(
        [
            FieldError(".".join(str(p) for p in err["loc"]) or "body", err["msg"])
            for err in exc.errors()
        ]
    )
