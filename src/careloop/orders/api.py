"""REST routes of orders and bulk events."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse

from careloop.customers.ingest import ingest_events
from careloop.db.engine import transaction
from careloop.orders import inbox
from careloop.orders.schemas import EventsAccepted, EventsIn, OrderIn, OrderPublic, StatusChangeIn
from careloop.orders.service import change_status, get_order, order_public
from careloop.shops.models import Shop
from careloop.web.deps import ApiShop, Ctx, DatabaseTurn, SessionDep, api_shop
from careloop.web.prefer import RESPOND_ASYNC, prefers_async

router = APIRouter(tags=["orders"])


def api_shop_briefly(request: Request, ctx: Ctx, _turn: DatabaseTurn) -> Shop:
    """The API key's shop, read in a transaction of its own that ends at once: the order
    route then writes in its own short transactions (on SQLite an open request transaction
    would hold the only write lock)."""
    with transaction(ctx.sessions) as session:
        shop = api_shop(request, session)
        session.expunge(shop)
    return shop


@router.post(
    "/orders",
    response_model=OrderPublic,
    responses={202: {"description": "Accepted into the ingest inbox (Prefer: respond-async)"}},
)
def post_order(
    data: OrderIn,
    request: Request,
    shop: Annotated[Shop, Depends(api_shop_briefly)],
    ctx: Ctx,
) -> OrderPublic | Response:
    """Upsert by `order_id`: the same order sent twice is stored once and answered the same.

    The order is first stored in the ingest inbox (careloop.orders.inbox). With
    `Prefer: respond-async` (RFC 7240 section 4.1) the answer is 202 with the inbox id and the
    worker applies it; otherwise the order is applied now and returned."""
    payload = data.model_dump_json()
    with transaction(ctx.sessions) as session:
        appended = inbox.append(
            session=session,
            clock=ctx.clock,
            shop_id=shop.id,
            source="api",
            topic="order",
            external_id=data.order_id,
            order_key=f"order:{data.order_id}",
            payload=payload,
        )
        if appended.duplicate and appended.state in (inbox.FAILED, inbox.REJECTED):
            inbox.retry(session, appended.id)  # sent again: try again (its cause may be fixed)
    if prefers_async(request.headers.get("prefer")):
        return _accepted(appended.id, data.order_id, applied_preference=True)
    outcome = inbox.apply_own(ctx.sessions, ctx.clock, appended.id)
    if outcome.error is not None:
        raise outcome.error
    if outcome.state != inbox.APPLIED:  # an earlier row of this order is still being retried
        return _accepted(appended.id, data.order_id, applied_preference=False)
    with ctx.sessions() as session:
        return order_public(session, get_order(session, shop, data.order_id))


def _accepted(inbox_id: int, order_id: str, *, applied_preference: bool) -> JSONResponse:
    headers = {"Preference-Applied": RESPOND_ASYNC} if applied_preference else {}
    return JSONResponse(
        {"status": "accepted", "inbox_id": inbox_id, "order_id": order_id},
        status_code=202,
        headers=headers,
    )


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
