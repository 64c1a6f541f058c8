"""Bulk ingestion of timeline events sent by a shop (POST /events)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from careloop.core.clock import Clock
from careloop.core.errors import FieldError, ValidationFailed
from careloop.customers.identity import linked_ids
from careloop.customers.models import Customer
from careloop.customers.timeline import record_event
from careloop.orders.models import Order
from careloop.orders.schemas import EventIn
from careloop.shops.models import Shop


def ingest_events(
    *, session: Session, clock: Clock, shop: Shop, batch: list[EventIn], source: str = "api"
) -> int:
    """Store each event once per `event_id`. Unknown customers or orders reject the whole
    batch, naming each offending item, and nothing is stored."""
    wanted = {e.customer_id for e in batch}
    customer_ids = _ids_by_external(session, Customer, shop, wanted)
    # Any id linked to a customer names them too (customers/identity.py).
    customer_ids |= {
        external: internal
        for external, internal in linked_ids(session, shop.id, wanted - set(customer_ids)).items()
    }
    order_ids = _ids_by_external(session, Order, shop, {e.order_id for e in batch if e.order_id})
    errors = [
        FieldError(f"events[{i}].customer_id", f"unknown customer {e.customer_id!r}")
        for i, e in enumerate(batch)
        if e.customer_id not in customer_ids
    ] + [
        FieldError(f"events[{i}].order_id", f"unknown order {e.order_id!r}")
        for i, e in enumerate(batch)
        if e.order_id and e.order_id not in order_ids
    ]
    if errors:
        raise ValidationFailed(errors)
    for event in batch:
        record_event(
            session=session,
            clock=clock,
            shop_id=shop.id,
            customer_id=customer_ids[event.customer_id],
            order_id=order_ids.get(event.order_id) if event.order_id else None,
            type=event.type,
            occurred_at=event.occurred_at,
            payload=event.payload,
            source=source,
            event_key=f"event:{event.event_id}",
        )
    return len(batch)


def _ids_by_external(
    session: Session, model: type[Customer] | type[Order], shop: Shop, keys: set[str]
) -> dict[str, int]:
    if not keys:
        return {}
    rows = session.execute(
        select(model.external_id, model.id).where(
            model.shop_id == shop.id, model.external_id.in_(keys)
        )
    )
    return {external: internal for external, internal in rows}
