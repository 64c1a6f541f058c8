"""REST routes of the support desk: tickets (open, read, reply, note, resolve) and tasks."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query
from sqlalchemy import select

from careloop.core.errors import FieldError, ValidationFailed
from careloop.customers.service import get_customer
from careloop.orders.models import Order
from careloop.shops.models import Shop
from careloop.support import tickets as desk
from careloop.support.models import Ticket
from careloop.support.schemas import NoteIn, ReplyIn, TaskPublic, TicketCreate, TicketPublic
from careloop.support.views import task_public, ticket_public
from careloop.support.worklist import complete_task, list_tasks
from careloop.web.deps import ApiShop, Ctx, SessionDep

# Ids are 64-bit in the database: a larger one is a 422, never an overflow (500).
RowId = Annotated[int, Path(ge=1, le=2**63 - 1)]
router = APIRouter(tags=["support"])


def _order_id(session: SessionDep, shop: Shop, external_id: str | None) -> int | None:
    if external_id is None:
        return None
    order_id = session.scalar(
        select(Order.id).where(Order.shop_id == shop.id, Order.external_id == external_id)
    )
    if order_id is None:
        raise ValidationFailed([FieldError("order_id", f"unknown order {external_id!r}")])
    return order_id


@router.post("/tickets", response_model=TicketPublic, status_code=201)
def post_ticket(data: TicketCreate, shop: ApiShop, session: SessionDep, ctx: Ctx) -> TicketPublic:
    """Open a ticket for a customer; the same `ticket_key` returns the ticket already opened."""
    customer = get_customer(session, shop, data.customer_id)
    ticket = desk.open_ticket(
        session=session,
        clock=ctx.clock,
        shop=shop,
        customer_id=customer.id,
        subject=data.subject,
        body=data.body,
        channel=data.channel,
        priority=data.priority,
        problem_type=data.problem_type,
        order_id=_order_id(session, shop, data.order_id),
        source="api",
        source_event_key=f"api:{data.ticket_key}" if data.ticket_key else None,
    )
    return ticket_public(session, shop, ticket, ctx.clock.now(), with_messages=True)


@router.get("/tickets", response_model=list[TicketPublic])
def read_tickets(
    shop: ApiShop,
    session: SessionDep,
    ctx: Ctx,
    status: Annotated[
        Literal["new", "open", "pending_customer", "resolved", "closed"] | None, Query()
    ] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[TicketPublic]:
    stmt = select(Ticket).where(Ticket.shop_id == shop.id)
    if status is not None:
        stmt = stmt.where(Ticket.status == status)
    rows = session.scalars(stmt.order_by(Ticket.id.desc()).limit(limit))
    return [ticket_public(session, shop, t, ctx.clock.now()) for t in rows]


@router.get("/tickets/{ticket_id}", response_model=TicketPublic)
def read_ticket(ticket_id: RowId, shop: ApiShop, session: SessionDep, ctx: Ctx) -> TicketPublic:
    ticket = desk.get_ticket(session, shop.id, ticket_id)
    return ticket_public(session, shop, ticket, ctx.clock.now(), with_messages=True)


@router.post("/tickets/{ticket_id}/replies", response_model=TicketPublic)
def post_reply(
    ticket_id: RowId, data: ReplyIn, shop: ApiShop, session: SessionDep, ctx: Ctx
) -> TicketPublic:
    """A staff answer, sent to the customer on the ticket's channel."""
    desk.reply(
        session=session,
        clock=ctx.clock,
        shop=shop,
        ticket_id=ticket_id,
        body=data.body,
        pending=data.pending,
    )
    ticket = desk.get_ticket(session, shop.id, ticket_id)
    return ticket_public(session, shop, ticket, ctx.clock.now(), with_messages=True)


@router.post("/tickets/{ticket_id}/notes", response_model=TicketPublic)
def post_note(
    ticket_id: RowId, data: NoteIn, shop: ApiShop, session: SessionDep, ctx: Ctx
) -> TicketPublic:
    desk.add_note(
        session=session,
        clock=ctx.clock,
        shop=shop,
        ticket_id=ticket_id,
        body=data.body,
        staff_id=None,
    )
    ticket = desk.get_ticket(session, shop.id, ticket_id)
    return ticket_public(session, shop, ticket, ctx.clock.now(), with_messages=True)


@router.post("/tickets/{ticket_id}/resolve", response_model=TicketPublic)
def post_resolve(ticket_id: RowId, shop: ApiShop, session: SessionDep, ctx: Ctx) -> TicketPublic:
    ticket = desk.resolve_ticket(session=session, clock=ctx.clock, shop=shop, ticket_id=ticket_id)
    return ticket_public(session, shop, ticket, ctx.clock.now())


@router.get("/tasks", response_model=list[TaskPublic])
def read_tasks(
    shop: ApiShop,
    session: SessionDep,
    status: Annotated[Literal["open", "done", "skipped"], Query()] = "open",
) -> list[TaskPublic]:
    return [
        task_public(session, t) for t in list_tasks(session=session, shop_id=shop.id, status=status)
    ]


@router.post("/tasks/{task_id}/done", response_model=TaskPublic)
def post_task_done(
    task_id: RowId, shop: ApiShop, session: SessionDep, ctx: Ctx, note: str = ""
) -> TaskPublic:
    task = complete_task(session=session, clock=ctx.clock, shop=shop, task_id=task_id, note=note)
    return task_public(session, task)
