"""REST routes of orders and bulk events."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request, Response, status
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from careloop.context import AppContext
from careloop.core.ids import sha256_hex
from careloop.customers.ingest import ingest_events
from careloop.db.engine import transaction
from careloop.orders import inbox
from careloop.orders.schemas import EventsAccepted, EventsIn, OrderIn, OrderPublic, StatusChangeIn
from careloop.orders.service import get_order, order_public
from careloop.shops import api_key_memory
from careloop.shops.models import Shop
from careloop.shops.service import shop_id_for_key_hash
from careloop.web.deps import ApiShop, Ctx, DatabaseTurn, SessionDep
from careloop.web.prefer import RESPOND_ASYNC, prefers_async

router = APIRouter(tags=["orders"])


async def api_shop_id(request: Request, _turn: DatabaseTurn, ctx: Ctx) -> int:
    """The shop of the request's API key; 401 when the key is missing, unknown or revoked.
    A dependency, so that a request without a valid key is refused before its body is looked
    at (tests/hardening/test_tenant_isolation.py).

    A key used a moment ago is recalled from the process's memory without leaving the event
    loop; otherwise it is read by one indexed lookup with no ORM object, in a worker thread
    (careloop.shops.api_key_memory says how revocation still wins)."""
    scheme, _, key = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not key.strip():
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "missing header 'Authorization: Bearer <api key>'",
            headers={"WWW-Authenticate": "Bearer"},
        )
    key_hash = sha256_hex(key.strip())
    shop_id = api_key_memory.recall(ctx.engine, ctx.clock, key_hash)
    if shop_id is None:
        shop_id = await run_in_threadpool(_read_key, ctx, key_hash)
    if shop_id is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "invalid or revoked API key",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return shop_id


ApiShopId = Annotated[int, Depends(api_shop_id)]


def _read_key(ctx: AppContext, key_hash: str) -> int | None:
    read_at = api_key_memory.generation()
    with ctx.sessions() as session:
        shop_id = shop_id_for_key_hash(session, key_hash)
    if shop_id is not None:
        api_key_memory.remember(ctx.engine, ctx.clock, key_hash, shop_id, read_at)
    return shop_id


def _accept(
    ctx: AppContext, shop_id: int, *, topic: str, external_id: str, order_id: str, payload: str
) -> inbox.Appended:
    """The appended inbox row, in one transaction on a plain connection (no ORM session):
    the acknowledgement of an API delivery is this one commit
    (docs/decisions/0027-fast-accept-path.md, 0032-accept-path-profile.md)."""
    with ctx.engine.begin() as connection:
        appended = inbox.append(
            session=connection,
            clock=ctx.clock,
            shop_id=shop_id,
            source="api",
            topic=topic,
            external_id=external_id,
            order_key=f"order:{order_id}",
            payload=payload,
            check_backlog=False,
        )
    if appended.duplicate and appended.state in (inbox.FAILED, inbox.REJECTED):
        with transaction(ctx.sessions) as session:
            inbox.retry(session, appended.id)  # sent again: try again (its cause may be fixed)
    return appended


def _order_answer(ctx: AppContext, shop_id: int, order_id: str) -> OrderPublic:
    with ctx.sessions() as session:
        shop = session.get_one(Shop, shop_id)
        return order_public(session, get_order(session, shop, order_id))


def _applied_order(ctx: AppContext, inbox_id: int, order_id: str) -> Response | None:
    """Apply the caller's own row now (with any earlier rows of its order); None when it was
    applied, a 202 when an earlier row of the order is still being retried. A refusal is
    raised as the error the synchronous route raised (404, 409, 422)."""
    outcome = inbox.apply_own(ctx.sessions, ctx.clock, inbox_id)
    if outcome.error is not None:
        raise outcome.error
    if outcome.state != inbox.APPLIED:
        return _accepted(inbox_id, order_id, applied_preference=False)
    return None


@router.post(
    "/orders",
    response_model=OrderPublic,
    responses={202: {"description": "Accepted into the ingest inbox (Prefer: respond-async)"}},
)
def post_order(
    data: OrderIn, request: Request, shop_id: ApiShopId, ctx: Ctx
) -> OrderPublic | Response:
    """Upsert by `order_id`: the same order sent twice is stored once and answered the same.

    The order is first stored in the ingest inbox (careloop.orders.inbox). With
    `Prefer: respond-async` (RFC 7240 section 4.1) the answer is 202 with the inbox id and the
    worker applies it; otherwise (or with `Prefer: wait`) the order is applied now and
    returned."""
    appended = _accept(
        ctx,
        shop_id,
        topic=inbox.ORDER_TOPIC,
        external_id=data.order_id,
        order_id=data.order_id,
        payload=data.model_dump_json(),
    )
    if prefers_async(request.headers.get("prefer")):
        return _accepted(appended.id, data.order_id, applied_preference=True)
    waiting = _applied_order(ctx, appended.id, data.order_id)
    return waiting or _order_answer(ctx, shop_id, data.order_id)


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


@router.post(
    "/orders/{order_id}/status",
    response_model=OrderPublic,
    responses={202: {"description": "Accepted into the ingest inbox (Prefer: respond-async)"}},
)
def post_status(
    order_id: str, data: StatusChangeIn, request: Request, shop_id: ApiShopId, ctx: Ctx
) -> OrderPublic | Response:
    """Record a status change; out-of-order and repeated changes end in the right state.

    Stored in the ingest inbox behind the order's earlier rows (so it may follow an order
    accepted with `Prefer: respond-async` that is not applied yet). With
    `Prefer: respond-async` the answer is 202; otherwise it is applied now and the order
    returned. A change without `at` happened when it was received."""
    change = inbox.StatusRowIn(
        order_id=order_id, status=data.status, at=data.at or ctx.clock.now(), event_id=data.event_id
    )
    identity = data.event_id or f"{data.status}@{(data.at.isoformat() if data.at else '')}"
    appended = _accept(
        ctx,
        shop_id,
        topic=inbox.STATUS_TOPIC,
        external_id=f"status:{order_id}:{identity}",
        order_id=order_id,
        payload=change.model_dump_json(),
    )
    if prefers_async(request.headers.get("prefer")):
        return _accepted(appended.id, order_id, applied_preference=True)
    waiting = _applied_order(ctx, appended.id, order_id)
    return waiting or _order_answer(ctx, shop_id, order_id)


@router.post("/events", response_model=EventsAccepted)
def post_events(data: EventsIn, shop: ApiShop, session: SessionDep, ctx: Ctx) -> EventsAccepted:
    """Append events to customers' timelines; each `event_id` is stored once."""
    ingest_events(session=session, clock=ctx.clock, shop=shop, batch=data.events)
    return EventsAccepted(accepted=len(data.events), event_ids=[e.event_id for e in data.events])
