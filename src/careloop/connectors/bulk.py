"""Platform order deliveries in the inbox's bulk write (orders.inbox_bulk, decision 0029).

A delivery that carries one order and nothing that needs judgement (no customer details
beyond name, email, phone and marketing consent, no products, no separate status change,
not a compliance topic, a connector that is switched on, a delivery id the delivery log has
not seen) is read and mapped here exactly as `service._process` reads and maps it, handed
to the bulk writer as an `OrderIn`, and, once written, logged as `service._apply` logs it:
one `webhook_deliveries` row, processed, with the mapping's description. Every other
delivery, and any the bulk writer leaves, goes through `service.apply_delivery` one at a
time (delivery log, parking and retries unchanged). Signatures were checked when the
delivery was accepted (service.verify_delivery); nothing here reads them."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Table, insert, select
from sqlalchemy.orm import Session

from careloop.connectors import compliance
from careloop.connectors.mapped import Mapped
from careloop.connectors.models import Connector, WebhookDelivery
from careloop.connectors.platforms import PLATFORMS, Platform
from careloop.connectors.service import _map, find_connector, parse_body
from careloop.core.clock import Clock
from careloop.core.errors import CareloopError
from careloop.customers.schemas import CustomerIn
from careloop.orders.inbox_bulk import BulkSource, Handed
from careloop.orders.models import IngestInboxRow
from careloop.orders.schemas import OrderIn
from careloop.shops.models import Shop

DELIVERIES: Table = WebhookDelivery.__table__  # type: ignore[assignment]
# What an order says about its customer, and the marketing consent it may carry; anything
# else (tags, birthday...) goes one at a time.
ORDER_CUSTOMER_FIELDS = {"customer_id", "name", "email", "phone", "accepts_marketing", "consents"}
RESULT_LENGTH = 2000


def read_rows(session: Session, shop: Shop, rows: Sequence[IngestInboxRow]) -> dict[int, Handed]:
    """The rows (all of one platform) the bulk writer may take: row id -> the order, its
    customer's marketing consent and the description the delivery log will keep."""
    if not rows:
        return {}
    spec = PLATFORMS[rows[0].source]
    connector = find_connector(session, shop.id, spec.name)
    if connector is None or connector.disabled_at is not None:
        return {}
    logged = set(
        session.scalars(
            select(DELIVERIES.c.delivery_id).where(
                DELIVERIES.c.shop_id == shop.id,
                DELIVERIES.c.platform == spec.name,
                DELIVERIES.c.delivery_id.in_([r.external_id for r in rows]),
            )
        )
    )
    handed: dict[int, Handed] = {}
    for row in rows:
        mapped = None if row.external_id in logged else _mapped(spec, connector, row)
        if mapped is not None:
            customer = mapped.customers[0] if mapped.customers else None
            handed[row.id] = Handed(
                mapped.orders[0],
                mapped.describe(),
                customer.accepts_marketing if customer else None,
                {str(k): str(v) for k, v in customer.consents.items()}
                if customer and customer.consents
                else None,
            )
    return handed


def _mapped(spec: Platform, connector: Connector, row: IngestInboxRow) -> Mapped | None:
    """`service._process`'s reading and mapping, for a delivery that maps to one order."""
    data, problem = parse_body(row.payload.encode("utf-8", errors="replace"))
    topic = row.topic
    if problem is not None or data is None or (spec.topic_header and not topic):
        return None
    if compliance.handles(spec.name, topic):
        return None
    try:
        mapped = _map(spec, connector, topic, data)
    except CareloopError:
        return None
    if mapped.ignored or mapped.products or mapped.status_changes or len(mapped.orders) != 1:
        return None
    order = mapped.orders[0]
    if not all(_said_by_order(customer, order) for customer in mapped.customers):
        return None
    return mapped


def _said_by_order(customer: CustomerIn, order: OrderIn) -> bool:
    """Whether upserting `customer` changes nothing the order's own customer upsert and its
    consent would not: the same id, and no detail besides the name, email and phone the
    order carries and the marketing consent (bulk_identity settles it only if unchanged)."""
    extra = {
        field: value
        for field, value in customer.model_dump().items()
        if field not in ORDER_CUSTOMER_FIELDS and value is not None
    }
    return (
        not extra
        and customer.customer_id == order.customer_id
        and (customer.name or None) == (order.customer_name or None)
        and (customer.email or None) == (order.email or None)
        and (customer.phone or None) == (order.phone or None)
    )


def record_rows(
    session: Session, clock: Clock, shop: Shop, written: Sequence[tuple[IngestInboxRow, str]]
) -> dict[int, str]:
    """Log the written deliveries as `service._apply` logs a processed one."""
    now = clock.now()
    session.execute(
        insert(DELIVERIES),
        [
            {
                "shop_id": shop.id,
                "platform": row.source,
                "delivery_id": row.external_id,
                "topic": row.topic[:64],
                "status": "processed",
                "result": said,
                "body": row.payload,
                "received_at": now,
                "processed_at": now,
                "attempts": 1,
            }
            for row, said in written
        ],
    )
    return {row.id: f"processed: {said}"[:RESULT_LENGTH] for row, said in written}


BULK_SOURCE = BulkSource(read=read_rows, record=record_rows)
