"""Support pages: the ticket inbox with SLA countdowns, the ticket page (conversation, reply,
note, assign, status, playbook, compensation, customer 360 side by side) and the task list."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from careloop.context import AppContext
from careloop.core.catalogue import catalogue_texts, t
from careloop.core.errors import CareloopError, NotFound, ValidationFailed
from careloop.core.ports import Rewards, port
from careloop.customers.models import Customer
from careloop.customers.service import get_customer
from careloop.support import service
from careloop.support.customer360 import customer_360
from careloop.support.playbook_text import compensation_label, playbook_text
from careloop.support.playbooks import COMPENSATIONS
from careloop.support.task_text import task_kind_label, task_text
from careloop.support.views import inbox, next_deadline, task_public, ticket_public
from careloop.support.worklist import get_task, staff_of
from careloop.web.deps import Ctx, SessionDep
from careloop.web.ui.deps import AgentStaff, CurrentStaff, StaffContext
from careloop.web.ui.templating import render

router = APIRouter()

INBOX_FILTERS = ("active", "new", "open", "pending_customer", "resolved", "closed", "all")

TEXTS = catalogue_texts("support.ui.texts")


def _texts(locale: str) -> dict[str, str]:
    return TEXTS["vi" if locale == "vi" else "en"]


def countdown(due_at: datetime | None, now: datetime, locale: str = "en") -> tuple[str, int] | None:
    """(`2h 15m`, or `2 giờ 15 phút` in Vietnamese; minutes left, negative when overdue) for
    an SLA deadline."""
    if due_at is None:
        return None
    minutes = int((due_at - now).total_seconds() // 60)
    left = abs(minutes)
    days, rest = divmod(left, 1440)
    hours, mins = divmod(rest, 60)
    if days:
        text = t("support.countdown.days", locale, days=days, hours=hours)
    elif hours:
        text = t("support.countdown.hours", locale, hours=hours, mins=f"{mins:02d}")
    else:
        text = t("support.countdown.minutes", locale, mins=mins)
    return text, minutes


# The channels a customer can reach the shop on that staff write a ticket down for: a Zalo
# chat or email answered elsewhere, or "staff" (a call, a visit to the shop).
NEW_TICKET_CHANNELS = ("zalo", "email", "sms", "staff")


@router.get("/tickets")
def tickets_page(
    request: Request,
    staff: CurrentStaff,
    session: SessionDep,
    ctx: Ctx,
    status: str = "active",
    mine: bool = False,
    customer: str = "",
) -> Response:
    return _inbox_page(request, staff, session, ctx, status, mine, {"customer": customer})


def _inbox_page(
    request: Request,
    staff: StaffContext,
    session: Session,
    ctx: AppContext,
    status: str = "active",
    mine: bool = False,
    new: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
) -> Response:
    now = ctx.clock.now()
    chosen = status if status in INBOX_FILTERS else "active"
    views = inbox(
        session=session,
        shop=staff.shop,
        now=now,
        status=chosen,
        assignee_id=staff.user.id if mine else None,
        limit=200,
    )
    rows = []
    for view in views:
        clock = next_deadline(view)
        rows.append(
            {
                "t": view,
                "clock": clock,
                "countdown": countdown(clock.due_at, now, staff.locale) if clock else None,
            }
        )
    return render(
        request,
        "support/inbox.html",
        {
            "t": _texts(staff.locale),
            "rows": rows,
            "status": chosen,
            "filters": INBOX_FILTERS,
            "mine": mine,
            "new": new or {},
            "new_errors": errors or {},
            "new_channels": NEW_TICKET_CHANNELS,
        },
        staff=staff,
        status_code=422 if errors else 200,
    )


@router.post("/tickets/new")
def open_ticket_by_staff(
    request: Request,
    staff: AgentStaff,
    session: SessionDep,
    ctx: Ctx,
    customer: Annotated[str, Form()] = "",
    subject: Annotated[str, Form()] = "",
    body: Annotated[str, Form()] = "",
    channel: Annotated[str, Form()] = "staff",
) -> Response:
    """A ticket staff write down for a customer who called, came by or wrote elsewhere; the
    same SLA clocks and playbook as a ticket that came in by itself."""
    form = {"customer": customer, "subject": subject, "body": body, "channel": channel}
    texts = _texts(staff.locale)
    found = identity_of(session, staff, customer.strip()) if customer.strip() else None
    errors: dict[str, str] = {}
    if found is None:
        errors["customer"] = texts["new_no_customer"].format(code=customer.strip())
    if not subject.strip():
        errors["subject"] = texts["new_no_subject"]
    if channel not in NEW_TICKET_CHANNELS:
        channel = "staff"
    if errors or found is None:
        return _inbox_page(request, staff, session, ctx, new=form, errors=errors)
    ticket = service.open_ticket(
        session=session,
        clock=ctx.clock,
        shop=staff.shop,
        customer_id=found.id,
        subject=subject.strip(),
        body=body.strip(),
        channel=channel,
        source="staff",
        staff_id=staff.user.id,
        guess_order=True,
    )
    return _back(ticket.id)


def identity_of(session: Session, staff: StaffContext, code: str) -> Customer | None:
    """The shop's customer by their code (or any id linked to them), else None."""
    try:
        return get_customer(session, staff.shop, code)
    except NotFound:
        return None


def _tier_names(session: Session, staff: StaffContext) -> dict[str, str]:
    """The shop's tier names in the staff's language, from the loyalty programme."""
    return port(Rewards).tier_names(session, shop_id=staff.shop.id, locale=staff.locale)


def _ticket_page(
    request: Request,
    staff: StaffContext,
    session: SessionDep,
    ctx: Ctx,
    ticket_id: int,
    errors: dict[str, str] | None = None,
    draft: str = "",
    confirm_unready: bool = False,
) -> Response:
    now = ctx.clock.now()
    ticket = service.get_ticket(session, staff.shop.id, ticket_id)
    route = _reply_route(session, ctx, staff, ticket)
    view = ticket_public(session, staff.shop, ticket, now, with_messages=True, locale=staff.locale)
    c360 = customer_360(session=session, shop=staff.shop, customer_id=ticket.customer_id, now=now)
    clocks = [
        {"c": c, "countdown": countdown(c.due_at, now, staff.locale) if c.state != "met" else None}
        for c in view.sla
    ]
    return render(
        request,
        "support/ticket.html",
        {
            "t": _texts(staff.locale),
            "ticket": view,
            "playbook": playbook_text(ticket.problem_type, staff.locale),
            "compensation_names": {
                kind: compensation_label(kind, staff.locale) for kind in COMPENSATIONS
            },
            "customer_pk": ticket.customer_id,
            "tier_names": _tier_names(session, staff),
            "clocks": clocks,
            "c360": c360,
            "staff_list": staff_of(session, staff.shop.id),
            "assignee_id": ticket.assignee_id,
            "compensation_kinds": COMPENSATIONS,
            "errors": errors or {},
            "draft": draft,
            "reply_via": route.channel,
            "channel_not_ready": not route.ready,
            "confirm_unready": confirm_unready,
        },
        staff=staff,
        status_code=422 if errors else (409 if confirm_unready else 200),
    )


@dataclass(frozen=True)
class ReplyRoute:
    """The channel a reply will actually go out on (None: no channel reaches the customer),
    and whether it can: the warning names this channel, not the one the ticket came in on."""

    channel: str | None
    ready: bool


def _reply_route(
    session: Session, ctx: AppContext, staff: StaffContext, ticket: service.Ticket
) -> ReplyRoute:
    from careloop.channels.readiness import NEEDS_SETTINGS, configured_channels

    route = service.reply_route(session=session, clock=ctx.clock, shop=staff.shop, ticket=ticket)
    if not route:
        return ReplyRoute(None, False)
    first = route[0]
    configured = configured_channels(session, staff.shop.id)
    return ReplyRoute(first, first not in NEEDS_SETTINGS or first in configured)


@router.get("/tickets/{ticket_id}")
def ticket_page(
    ticket_id: int, request: Request, staff: CurrentStaff, session: SessionDep, ctx: Ctx
) -> Response:
    return _ticket_page(request, staff, session, ctx, ticket_id)


def _back(ticket_id: int) -> RedirectResponse:
    return RedirectResponse(f"/tickets/{ticket_id}", status_code=303)


def _field_errors(exc: ValidationFailed) -> dict[str, str]:
    return {e.field: e.reason for e in exc.errors}


@router.post("/tickets/{ticket_id}/reply")
def reply_to_ticket(
    ticket_id: int,
    request: Request,
    staff: AgentStaff,
    session: SessionDep,
    ctx: Ctx,
    body: Annotated[str, Form()] = "",
    pending: Annotated[bool, Form()] = False,
    anyway: Annotated[str, Form()] = "",
) -> Response:
    ticket = service.get_ticket(session, staff.shop.id, ticket_id)
    if not anyway and body.strip() and not _reply_route(session, ctx, staff, ticket).ready:
        # Warn first: the customer would never get this reply.
        return _ticket_page(
            request, staff, session, ctx, ticket_id, draft=body, confirm_unready=True
        )
    try:
        service.reply(
            session=session,
            clock=ctx.clock,
            shop=staff.shop,
            ticket_id=ticket_id,
            body=body,
            staff_id=staff.user.id,
            pending=pending,
        )
    except ValidationFailed as exc:
        return _ticket_page(
            request, staff, session, ctx, ticket_id, {"reply": _reason(exc)}, draft=body
        )
    return _back(ticket_id)


def _reason(exc: ValidationFailed) -> str:
    return "; ".join(f"{e.field}: {e.reason}" for e in exc.errors)


@router.post("/tickets/{ticket_id}/note")
def note_on_ticket(
    ticket_id: int,
    request: Request,
    staff: AgentStaff,
    session: SessionDep,
    ctx: Ctx,
    body: Annotated[str, Form()] = "",
) -> Response:
    try:
        service.add_note(
            session=session,
            clock=ctx.clock,
            shop=staff.shop,
            ticket_id=ticket_id,
            body=body,
            staff_id=staff.user.id,
        )
    except ValidationFailed as exc:
        return _ticket_page(request, staff, session, ctx, ticket_id, {"note": _reason(exc)})
    return _back(ticket_id)


@router.post("/tickets/{ticket_id}/assign")
def assign_ticket(
    ticket_id: int,
    staff: AgentStaff,
    session: SessionDep,
    ctx: Ctx,
    assignee: Annotated[str, Form()] = "",
) -> Response:
    service.assign(
        session=session,
        clock=ctx.clock,
        shop=staff.shop,
        ticket_id=ticket_id,
        assignee_rule=assignee.strip() or None,
        staff_id=staff.user.id,
    )
    return _back(ticket_id)


_STATUS_ACTIONS = {
    "pending": service.set_pending,
    "resolve": service.resolve_ticket,
    "close": service.close_ticket,
    "reopen": service.reopen_ticket,
}


@router.post("/tickets/{ticket_id}/status")
def change_status(
    ticket_id: int,
    request: Request,
    staff: AgentStaff,
    session: SessionDep,
    ctx: Ctx,
    action: Annotated[str, Form()],
) -> Response:
    change: Any = _STATUS_ACTIONS.get(action)
    if change is None:
        return _ticket_page(
            request,
            staff,
            session,
            ctx,
            ticket_id,
            {"status": f"action: one of {', '.join(_STATUS_ACTIONS)}"},
        )
    change(
        session=session,
        clock=ctx.clock,
        shop=staff.shop,
        ticket_id=ticket_id,
        staff_id=staff.user.id,
    )
    return _back(ticket_id)


@router.post("/tickets/{ticket_id}/steps/{step}")
def tick_step(
    ticket_id: int,
    step: str,
    request: Request,
    staff: AgentStaff,
    session: SessionDep,
    ctx: Ctx,
    done: Annotated[bool, Form()] = False,
) -> Response:
    try:
        service.check_step(
            session=session,
            clock=ctx.clock,
            shop=staff.shop,
            ticket_id=ticket_id,
            step=step,
            done=done,
            staff_id=staff.user.id,
        )
    except ValidationFailed as exc:
        return _ticket_page(request, staff, session, ctx, ticket_id, {"playbook": _reason(exc)})
    return _back(ticket_id)


@router.post("/tickets/{ticket_id}/compensation")
def compensate(
    ticket_id: int,
    request: Request,
    staff: AgentStaff,
    session: SessionDep,
    ctx: Ctx,
    kind: Annotated[str, Form()],
    percent_off: Annotated[str, Form()] = "",
    amount_off: Annotated[str, Form()] = "",
    note: Annotated[str, Form()] = "",
) -> Response:
    try:
        percent = int(percent_off) if percent_off.strip() else None
        amount = int(amount_off) if amount_off.strip() else None
    except ValueError:
        return _ticket_page(
            request, staff, session, ctx, ticket_id, {"compensation": "must be a whole number"}
        )
    try:
        service.record_compensation(
            session=session,
            clock=ctx.clock,
            shop=staff.shop,
            ticket_id=ticket_id,
            kind=kind,
            percent_off=percent,
            amount_off_minor=amount,
            note=note,
            staff_id=staff.user.id,
        )
    except ValidationFailed as exc:
        return _ticket_page(request, staff, session, ctx, ticket_id, {"compensation": _reason(exc)})
    return _back(ticket_id)


# --- Tasks ------------------------------------------------------------------------------------

TASK_FILTERS = ("open", "done", "skipped")


def _tasks_page(
    request: Request,
    staff: StaffContext,
    session: SessionDep,
    status: str,
    errors: dict[int, str] | None = None,
) -> Response:
    chosen = status if status in TASK_FILTERS else "open"
    tasks = service.list_tasks(session=session, shop_id=staff.shop.id, status=chosen)
    return render(
        request,
        "support/tasks.html",
        {
            "t": _texts(staff.locale),
            "tasks": [(task, task_public(session, task)) for task in tasks],
            "task_lines": {
                task.id: (
                    task_text(task.title, staff.locale),
                    task_text(task.body, staff.locale),
                    task_kind_label(task.kind, staff.locale),
                )
                for task in tasks
            },
            "status": chosen,
            "filters": TASK_FILTERS,
            "errors": errors or {},
        },
        staff=staff,
        status_code=422 if errors else 200,
    )


@router.get("/tasks")
def tasks_page(
    request: Request, staff: CurrentStaff, session: SessionDep, status: str = "open"
) -> Response:
    return _tasks_page(request, staff, session, status)


@router.post("/tasks/{task_id}")
def finish_task(
    task_id: int,
    request: Request,
    staff: AgentStaff,
    session: SessionDep,
    ctx: Ctx,
    outcome: Annotated[str, Form()],
    note: Annotated[str, Form()] = "",
) -> Response:
    get_task(session, staff.shop.id, task_id)  # another shop's task: 404 before anything
    try:
        service.complete_task(
            session=session,
            clock=ctx.clock,
            shop=staff.shop,
            task_id=task_id,
            outcome=outcome,
            note=note,
            staff_id=staff.user.id,
        )
    except (ValidationFailed, CareloopError) as exc:
        reason = _reason(exc) if isinstance(exc, ValidationFailed) else str(exc)
        return _tasks_page(request, staff, session, "open", {task_id: reason})
    return RedirectResponse("/tasks", status_code=303)
