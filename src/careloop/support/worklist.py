"""The staff task list: one place for calls, cards, gift boxes, review replies, follow-ups and
notifications, whichever capability scheduled them; and who gets the work."""

from __future__ import annotations

from datetime import datetime
from typing import Final

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from careloop.core.clock import Clock
from careloop.core.errors import Conflict, FieldError, NotFound, ValidationFailed
from careloop.shops.models import Membership, Shop, StaffUser
from careloop.support.calendar import is_open, next_open
from careloop.support.config import support_settings
from careloop.support.models import StaffTask, Ticket

TASK_KINDS: Final = ("call", "handwritten_card", "gift_box", "reply_review", "follow_up", "other")
TASK_STATUSES: Final = ("open", "done", "skipped")
# Who may be handed work: viewers only look.
WORKING_ROLES: Final = ("owner", "agent")


# --- Who does the work ----------------------------------------------------------------------


def staff_of(session: Session, shop_id: int) -> list[tuple[StaffUser, str]]:
    """Members of the shop with their role, oldest first."""
    rows = session.execute(
        select(StaffUser, Membership.role)
        .join(Membership, Membership.user_id == StaffUser.id)
        .where(Membership.shop_id == shop_id)
        .order_by(Membership.id)
    )
    return [(user, role) for user, role in rows]


def owner_of(session: Session, shop_id: int) -> StaffUser | None:
    return next((u for u, role in staff_of(session, shop_id) if role == "owner"), None)


def staff_by_email(session: Session, shop_id: int, email: str) -> StaffUser:
    wanted = email.strip().lower()
    for user, _role in staff_of(session, shop_id):
        if user.email == wanted:
            return user
    raise NotFound("staff member", email)


def workload(session: Session, shop_id: int) -> dict[int, int]:
    """Open tasks plus unresolved tickets per staff id."""
    load: dict[int, int] = {}
    tasks = session.execute(
        select(StaffTask.assignee_id, func.count())
        .where(StaffTask.shop_id == shop_id, StaffTask.status == "open")
        .group_by(StaffTask.assignee_id)
    )
    tickets = session.execute(
        select(Ticket.assignee_id, func.count())
        .where(Ticket.shop_id == shop_id, Ticket.status.in_(("new", "open", "pending_customer")))
        .group_by(Ticket.assignee_id)
    )
    for staff_id, count in [*tasks, *tickets]:
        if staff_id is not None:
            load[staff_id] = load.get(staff_id, 0) + count
    return load


def least_busy(session: Session, shop_id: int, *, exclude: int | None = None) -> StaffUser | None:
    candidates = [
        u for u, role in staff_of(session, shop_id) if role in WORKING_ROLES and u.id != exclude
    ]
    if not candidates:
        return None
    load = workload(session, shop_id)
    return min(candidates, key=lambda u: (load.get(u.id, 0), u.id))


def resolve_assignee(session: Session, shop_id: int, rule: str | None) -> StaffUser | None:
    """None: unassigned; "owner"; "least_busy"; or a staff email (must be a member)."""
    if rule is None:
        return None
    if rule == "owner":
        return owner_of(session, shop_id)
    if rule == "least_busy":
        return least_busy(session, shop_id)
    try:
        return staff_by_email(session, shop_id, rule)
    except NotFound:
        raise ValidationFailed(
            [FieldError("assignee_rule", f"{rule!r} is not owner, least_busy or a staff email")]
        ) from None


def working_moment(shop: Shop, staff: StaffUser | None, at: datetime) -> datetime:
    """`at`, or the next moment the staff member (else the shop) is at work."""
    settings = support_settings(shop)
    calendar = settings.calendar
    if staff is not None:
        calendar = settings.staff_hours.get(staff.email, calendar)
    return at if is_open(calendar, at) else next_open(calendar, at)


# --- Tasks ------------------------------------------------------------------------------------


def create_task(
    *,
    session: Session,
    clock: Clock,
    shop: Shop,
    customer_id: int | None,
    kind: str,
    title: str,
    body: str = "",
    due_at: datetime,
    assignee_rule: str | None = None,
    source: str,
    idempotency_key: str,
    ticket_id: int | None = None,
) -> StaffTask:
    """Schedule work for a person; the same `idempotency_key` returns the task already made.
    The assignee hears of it in their working hours (`notify_at`)."""
    errors: list[FieldError] = []
    if kind not in TASK_KINDS:
        errors.append(FieldError("kind", f"one of {', '.join(TASK_KINDS)}"))
    if not title.strip():
        errors.append(FieldError("title", "must not be empty"))
    if due_at.tzinfo is None:
        errors.append(FieldError("due_at", "must be timezone-aware"))
    if not idempotency_key:
        errors.append(FieldError("idempotency_key", "must not be empty"))
    if errors:
        raise ValidationFailed(errors)
    existing = _task_by_key(session, shop.id, idempotency_key)
    if existing is not None:
        return existing
    assignee = resolve_assignee(session, shop.id, assignee_rule)
    now = clock.now()
    task = StaffTask(
        shop_id=shop.id,
        customer_id=customer_id,
        ticket_id=ticket_id,
        kind=kind,
        title=title.strip()[:300],
        body=body,
        due_at=due_at,
        notify_at=working_moment(shop, assignee, now),
        assignee_id=assignee.id if assignee else None,
        status="open",
        source=source,
        idempotency_key=idempotency_key,
        note="",
        created_at=now,
    )
    try:
        with session.begin_nested():
            session.add(task)
    except IntegrityError:  # a concurrent writer made it first
        found = _task_by_key(session, shop.id, idempotency_key)
        assert found is not None
        return found
    return task


def _task_by_key(session: Session, shop_id: int, key: str) -> StaffTask | None:
    return session.scalar(
        select(StaffTask).where(StaffTask.shop_id == shop_id, StaffTask.idempotency_key == key)
    )


def get_task(session: Session, shop_id: int, task_id: int) -> StaffTask:
    task = session.scalar(
        select(StaffTask).where(StaffTask.shop_id == shop_id, StaffTask.id == task_id)
    )
    if task is None:
        raise NotFound("task", task_id)
    return task


def complete_task(
    *,
    session: Session,
    clock: Clock,
    shop: Shop,
    task_id: int,
    outcome: str = "done",
    note: str = "",
    staff_id: int | None = None,
) -> StaffTask:
    """Mark done or skipped with a note; doing it again with the same outcome is harmless."""
    if outcome not in ("done", "skipped"):
        raise ValidationFailed([FieldError("outcome", "done or skipped")])
    if outcome == "skipped" and not note.strip():
        raise ValidationFailed([FieldError("note", "say why the task is skipped")])
    task = get_task(session, shop.id, task_id)
    if task.status == outcome:
        return task
    if task.status != "open":
        raise Conflict(f"task {task_id} is already {task.status}")
    task.status, task.note = outcome, note.strip()
    task.completed_at, task.completed_by = clock.now(), staff_id
    session.flush()
    return task


def assign_task(
    *, session: Session, shop: Shop, task_id: int, assignee_rule: str | None
) -> StaffTask:
    task = get_task(session, shop.id, task_id)
    assignee = resolve_assignee(session, shop.id, assignee_rule)
    task.assignee_id = assignee.id if assignee else None
    session.flush()
    return task


def list_tasks(
    *,
    session: Session,
    shop_id: int,
    status: str | None = "open",
    assignee_id: int | None = None,
    due_before: datetime | None = None,
    visible_at: datetime | None = None,
    limit: int = 200,
) -> list[StaffTask]:
    """Soonest due first; with `visible_at`, only tasks already notified by then (a task made
    at night shows up when the assignee's working hours start)."""
    stmt = select(StaffTask).where(StaffTask.shop_id == shop_id)
    if status is not None:
        stmt = stmt.where(StaffTask.status == status)
    if assignee_id is not None:
        stmt = stmt.where(StaffTask.assignee_id == assignee_id)
    if due_before is not None:
        stmt = stmt.where(StaffTask.due_at < due_before)
    if visible_at is not None:
        stmt = stmt.where(StaffTask.notify_at <= visible_at)
    return list(session.scalars(stmt.order_by(StaffTask.due_at, StaffTask.id).limit(limit)))
