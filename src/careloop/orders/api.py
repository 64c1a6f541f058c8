"""REST routes of orders and bulk events."""

from __future__ import annotations

from fastapi import APIRouter

from careloop.customers.ingest import ingest_events
from careloop.orders.schemas import EventsAccepted, EventsIn, OrderIn, OrderPublic, StatusChangeIn
from careloop.orders.service import change_status, get_order, order_public, upsert_order
from careloop.web.deps import ApiShop, Ctx, SessionDep

router = APIRouter(tags=["orders"])


@router.post("/orders", response_model=OrderPublic)
def post_order(data: OrderIn, shop: ApiShop, session: SessionDep, ctx: Ctx) -> OrderPublic:
    """Upsert by `order_id`: the same order sent twice is stored once and answered the same."""
    result = upsert_order(session=session, clock=ctx.clock, shop=shop, data=data, source="api")
    return order_public(session, result.order)


@router.get("/orders/{order_id}", response_model=OrderPublic)
def read_order(order_id: str, shop: ApiShop, session: SessionDep) -> OrderPublic:
    return order_public(session, get_order(session, shop, order_id))


@router.post("/orders/{order_id}/status", response_model=OrderPublic)
def post_status(
    order_id: str, data: StatusChangeIn, shop: ApiShop, session: SessionDep, ctx: Ctx
) -> OrderPublic:
    """Record a status change; out-of-order and repeated changes end in the right state."""
    order = change_status(
        session=session,
        clock=ctx.clock,
        shop=shop,
        order_external_id=order_id,
        status=data.status,
        at=data.at,
        event_id=data.event_id,
    )
    return order_public(session, order)


@router.post("/events", response_model=EventsAccepted)
def post_events(data: EventsIn, shop: ApiShop, session: SessionDep, ctx: Ctx) -> EventsAccepted:
    """Append events to customers' timelines; each `event_id` is stored once."""
    ingest_events(session=session, clock=ctx.clock, shop=shop, batch=data.events)
    return EventsAccepted(accepted=len(data.events), event_ids=[e.event_id for e in data.events])
