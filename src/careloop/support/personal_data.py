"""What the support desk holds about a person: their tickets (subjects, the conversation
and notes, playbook and compensation notes) and the staff tasks about them. SLA figures
(times, counts, CSAT scores) stay, anonymous."""

from __future__ import annotations

from typing import Any

from sqlalchemy import or_, select

from careloop.core.personal_data import (
    ERASED,
    Person,
    PersonalData,
    customer_link,
    stop_pending,
)
from careloop.support.models import StaffTask, Ticket, TicketEventRow, TicketMessage


def _tickets_of(person: Person) -> Any:
    return select(Ticket.id).where(Ticket.customer_id.in_(person.customer_ids))


TICKETS = PersonalData(
    name="tickets",
    table=Ticket.__table__,  # type: ignore[arg-type]
    label={"en": "Support tickets", "vi": "Phiếu hỗ trợ"},
    rows=customer_link(Ticket.customer_id),
    blank={"subject": ERASED},
    scrub=("playbook", "compensations"),
    rekey=("source_event_key",),
    kept={
        "status": "a ticket state word",
        "priority": "a priority word",
        "problem_type": "a problem category word",
        "channel": "a channel word",
        "source": "where the ticket came from",
        "sla_policy": "the shop's SLA rule name",
    },
)

TICKET_MESSAGES = PersonalData(
    name="ticket_messages",
    table=TicketMessage.__table__,  # type: ignore[arg-type]
    label={"en": "Ticket conversation", "vi": "Trao đổi trong phiếu"},
    rows=lambda person: TicketMessage.ticket_id.in_(_tickets_of(person)),
    blank={"body": "", "external_ref": None},
    kept={
        "kind": "message or note",
        "author": "customer, staff or system",
        "channel": "a channel word",
        "delivery": "a delivery state word",
    },
)

TICKET_EVENTS = PersonalData(
    name="ticket_events",
    table=TicketEventRow.__table__,  # type: ignore[arg-type]
    label={"en": "Ticket history", "vi": "Lịch sử phiếu"},
    rows=lambda person: TicketEventRow.ticket_id.in_(_tickets_of(person)),
    scrub=("data",),
    rekey=("event_key",),
    kept={"type": "a ticket event word"},
    exported=False,  # the SLA clock's bookkeeping; the conversation is exported
)

STAFF_TASKS = PersonalData(
    name="staff_tasks",
    table=StaffTask.__table__,  # type: ignore[arg-type]
    label={"en": "Staff tasks", "vi": "Việc của nhân viên"},
    rows=lambda person: or_(
        StaffTask.customer_id.in_(person.customer_ids),
        StaffTask.ticket_id.in_(_tickets_of(person)),
    ),
    blank={
        "title": ERASED,
        "body": "",
        "note": lambda row, _now: "customer erased" if row["status"] == "open" else "",
        "status": stop_pending(("open",), "skipped"),
    },
    rekey=("idempotency_key",),
    kept={
        "kind": "a task kind word",
        "source": "what created the task",
    },
)

DECLARATIONS = (TICKETS, TICKET_MESSAGES, TICKET_EVENTS, STAFF_TASKS)
