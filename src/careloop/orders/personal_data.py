"""What orders hold about a person: where they live (the delivery address). The orders,
their totals and lines stay, anonymous, so revenue and repeat rate remain true."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from careloop.core.personal_data import Person, PersonalData, customer_link
from careloop.orders.models import IngestInboxRow, Order, OrderLine


def export_orders(session: Session, person: Person) -> list[dict[str, Any]]:
    from careloop.orders.service import order_public

    orders = session.scalars(
        select(Order)
        .where(Order.shop_id == person.shop_id, Order.customer_id.in_(person.customer_ids))
        .order_by(Order.placed_at, Order.id)
    )
    return [order_public(session, o).model_dump(mode="json") for o in orders]


ORDERS = PersonalData(
    name="orders",
    table=Order.__table__,  # type: ignore[arg-type]
    label={"en": "Orders", "vi": "Đơn hàng"},
    rows=customer_link(Order.customer_id),
    blank={"shipping_address": None, "shipping_address_key": None},
    kept={
        "external_id": "the shop's order number: a redelivered webhook must stay one order",
        "number": "the order's number as the shop shows it",
        "status": "an order state word",
        "currency": "a currency code",
        "discount_codes": "the shop's coupon codes, which name no one",
        "source": "where the order came from (api, csv, webhook)",
    },
    export=export_orders,
)

ORDER_LINES = PersonalData(
    name="order_lines",
    table=OrderLine.__table__,  # type: ignore[arg-type]
    label={"en": "Order lines", "vi": "Dòng đơn hàng"},
    rows=lambda person: OrderLine.order_id.in_(
        select(Order.id).where(Order.customer_id.in_(person.customer_ids))
    ),
    kept={"sku": "the shop's catalogue", "product_name": "the shop's catalogue"},
    exported=False,  # inside each order of the orders section
)

# Accepted orders and webhooks waiting to be applied, or kept after (careloop.orders.inbox):
# their payloads name the person. Erased, a row keeps its keys (a redelivery stays a
# duplicate) and is never applied: its payload is gone.
INGEST_INBOX = PersonalData(
    name="ingest_inbox",
    table=IngestInboxRow.__table__,  # type: ignore[arg-type]
    label={"en": "Received orders and webhooks", "vi": "Đơn hàng và webhook đã nhận"},
    search=("payload", "error"),
    blank={"payload": "", "error": "erased", "state": "erased"},
    kept={
        "source": "api or a platform name",
        "topic": "an event name (orders/create)",
        "external_id": "the shop's order id or the platform's delivery id (de-duplication)",
        "order_key": "the same order id, which keeps one order's events in order",
        "payload_sha256": "a hash of the payload, for de-duplication",
    },
)

DECLARATIONS = (ORDERS, ORDER_LINES, INGEST_INBOX)
