"""The generic connector: a per-shop field mapping turns any platform's order webhook into a
Careloop order. Each mapping value is a dotted path into the payload ("data.buyer.id").

    {"order_id": "id", "customer_id": "buyer.id", "placed_at": "created",
     "total": "amount", "currency": "currency", "status": "state",
     "status_map": {"new": "placed", "done": "delivered"}, "status_at": "updated",
     "customer_name": "buyer.name", "email": "buyer.email", "phone": "buyer.phone",
     "lines": "items", "line": {"sku": "code", "product_name": "title",
                                "quantity": "qty", "unit_price": "price"},
     "discount_codes": "coupons", "delivery_id": "event_id",
     "shipping_address": "shipping"}   (a string, or an object: address1, ward, city...)
"""

from __future__ import annotations

from typing import Any

from careloop.connectors.mapped import Mapped
from careloop.connectors.payload import MISSING, Reader, dig, email_or_none, phone_or_none
from careloop.core.errors import FieldError, ValidationFailed
from careloop.orders.address import address_line
from careloop.orders.schemas import OrderIn, OrderLineIn

REQUIRED = ("order_id", "customer_id", "placed_at", "total")
STATUSES = ("placed", "paid", "shipped", "delivered", "returned", "cancelled")


def check_mapping(mapping: dict[str, Any]) -> list[FieldError]:
    """Problems with a mapping itself, reported when the connector is set up."""
    errors = [
        FieldError(f"mapping.{key}", "required: the path of this field in the payload")
        for key in REQUIRED
        if not isinstance(mapping.get(key), str) or not mapping[key]
    ]
    for theirs, ours in (mapping.get("status_map") or {}).items():
        if ours not in STATUSES:
            errors.append(
                FieldError(
                    f"mapping.status_map.{theirs}", f"{ours!r} is not one of {', '.join(STATUSES)}"
                )
            )
    return errors


def map_payload(mapping: dict[str, Any], data: Any) -> Mapped:
    reader = Reader(data)
    order_id = reader.text(mapping["order_id"], required=True)
    customer_id = reader.text(mapping["customer_id"], required=True)
    placed = reader.time(mapping["placed_at"], required=True)
    total = reader.amount(mapping["total"], required=True)
    status = "placed"
    if path := mapping.get("status"):
        theirs = reader.text(path)
        status_map: dict[str, str] = mapping.get("status_map") or {}
        if theirs is not None:
            if theirs in status_map:
                status = status_map[theirs]
            elif theirs in STATUSES:
                status = theirs
            else:
                reader.errors.append(
                    FieldError(path, f"status {theirs!r} is not in the mapping's status_map")
                )
    if reader.errors:
        raise ValidationFailed(reader.errors)
    assert order_id and customer_id and placed and total is not None
    times = {}
    if status != "placed":
        at = reader.time(mapping["status_at"]) if mapping.get("status_at") else None
        if at is not None:
            times[f"{status}_at"] = max(at, placed)
    order = OrderIn(
        order_id=order_id,
        customer_id=customer_id,
        placed_at=placed,
        total=total,
        status=status,  # type: ignore[arg-type]
        currency=_opt(reader, mapping, "currency"),
        lines=_lines(data, mapping),
        discount_codes=_codes(data, mapping),
        customer_name=_opt(reader, mapping, "customer_name"),
        email=email_or_none(_opt(reader, mapping, "email")),
        phone=phone_or_none(_opt(reader, mapping, "phone")),
        shipping_address=address_line(
            reader.get(mapping["shipping_address"]) if mapping.get("shipping_address") else None
        ),
        **times,
    )
    return Mapped(orders=[order])


def delivery_id(mapping: dict[str, Any], data: Any) -> str | None:
    path = mapping.get("delivery_id")
    value = dig(data, path) if path else MISSING
    return None if value is MISSING or value in (None, "") else str(value)


def _opt(reader: Reader, mapping: dict[str, Any], key: str) -> str | None:
    path = mapping.get(key)
    return reader.text(path) if path else None


def _lines(data: Any, mapping: dict[str, Any]) -> list[OrderLineIn]:
    items = dig(data, mapping["lines"]) if mapping.get("lines") else MISSING
    if not isinstance(items, list):
        return []
    fields: dict[str, str] = mapping.get("line") or {}
    lines = []
    for item in items:
        values = {ours: dig(item, theirs) for ours, theirs in fields.items()}
        lines.append(
            OrderLineIn(**{k: v for k, v in values.items() if v is not MISSING and v is not None})
        )
    return lines


def _codes(data: Any, mapping: dict[str, Any]) -> list[str]:
    codes = dig(data, mapping["discount_codes"]) if mapping.get("discount_codes") else MISSING
    if isinstance(codes, str):
        return [codes] if codes else []
    if isinstance(codes, list):
        return [str(c.get("code") if isinstance(c, dict) else c) for c in codes if c]
    return []
