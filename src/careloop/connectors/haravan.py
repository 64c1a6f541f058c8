"""Haravan order webhooks: Shopify's REST shapes, with the delivery state on each fulfillment.

Haravan copies Shopify's Order resource, but what the carrier says about a parcel is in each
fulfillment's `carrier_status_code` (docs.haravan.com, Omni APIs > Fulfillment: properties
`carrier_status_code`, `carrier_status_name`, and the dates `delivering_date`,
`delivered_date`, `return_date`...). The order's own `fulfillment_status` only says it was
handed over, so without reading the fulfillments "delivered" would never be seen."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final

from careloop.connectors import shopify
from careloop.connectors.mapped import Mapped
from careloop.connectors.payload import Reader

# carrier_status_code -> (Careloop state it means, the fulfillment field with its time).
# Codes as Haravan's fulfillment resource lists them; "readytopick"/"pending" (label made,
# parcel not collected) and "cancel" (the shipment, not the order, was cancelled) move nothing.
CARRIER_STATES: Final[dict[str, tuple[str, str]]] = {
    "picking": ("shipped", "picking_date"),
    "delivering": ("shipped", "delivering_date"),
    "notmeetcustomer": ("shipped", "not_meet_customer_date"),
    "waitingforreturn": ("shipped", "waiting_for_return_date"),
    "delivered": ("delivered", "delivered_date"),
    "return": ("returned", "return_date"),
    "returned": ("returned", "return_date"),
}
NO_MOVE: Final = frozenset({"readytopick", "pending", "cancel", "cancelled", ""})
RANK: Final = {"shipped": 1, "delivered": 2, "returned": 3}


def map_payload(topic: str, data: Any) -> Mapped:
    mapped = shopify.map_payload(topic, data)
    if not mapped.orders or not isinstance(data, dict):
        return mapped
    times = carrier_times(data)
    order = mapped.orders[0]
    if times:
        update = {
            name: max(at, order.placed_at)
            for name, at in times.items()
            if getattr(order, name) is None or name != "shipped_at"
        }
        mapped.orders[0] = order.model_copy(update=update)
    elif carrier_codes(data):
        # Every shipment is still waiting for the carrier (readytopick) or was cancelled:
        # a fulfillment exists, but nothing has left the shop yet.
        mapped.orders[0] = order.model_copy(update={"shipped_at": None})
    return mapped


def carrier_codes(data: dict[str, Any]) -> list[str]:
    fulfillments = data.get("fulfillments")
    if not isinstance(fulfillments, list):
        return []
    return [
        str(f.get("carrier_status_code")).strip().lower()
        for f in fulfillments
        if isinstance(f, dict) and f.get("carrier_status_code")
    ]


def carrier_times(data: dict[str, Any]) -> dict[str, datetime]:
    """`shipped_at`/`delivered_at`/`returned_at` from the fulfillments' carrier states."""
    fulfillments = data.get("fulfillments")
    if not isinstance(fulfillments, list):
        return {}
    fallback = Reader(data).time("updated_at") or Reader(data).time("created_at")
    found: dict[str, datetime] = {}
    for item in fulfillments:
        if not isinstance(item, dict):
            continue
        code = str(item.get("carrier_status_code") or "").strip().lower()
        if code in NO_MOVE or code not in CARRIER_STATES:
            continue
        state, field = CARRIER_STATES[code]
        reader = Reader(item)
        at = reader.time(field) or reader.time("updated_at") or fallback
        if at is None or reader.errors:
            continue
        found.setdefault("shipped_at", reader.time("created_at") or at)
        if state != "shipped":
            found[f"{state}_at"] = max(at, found.get(f"{state}_at", at))
    return found
