"""The support desk's service functions, the names other capabilities call
(docs: /work/briefs/contracts.md): create_task, open_ticket, open_ticket_count, plus the
ticket lifecycle, the inbound paths and the staff task list."""

from __future__ import annotations

from careloop.support.inbound import ingest_customer_reply, ingest_email
from careloop.support.models import StaffTask, Ticket, TicketMessage
from careloop.support.tickets import (
    add_customer_message,
    add_note,
    assign,
    check_step,
    close_ticket,
    get_ticket,
    open_ticket,
    open_ticket_count,
    record_compensation,
    record_csat,
    reopen_ticket,
    reply,
    reply_route,
    resolve_ticket,
    set_pending,
    update_ticket,
)
from careloop.support.worklist import assign_task, complete_task, create_task, list_tasks

__all__ = [
    "StaffTask",
    "Ticket",
    "TicketMessage",
    "add_customer_message",
    "add_note",
    "assign",
    "assign_task",
    "check_step",
    "close_ticket",
    "complete_task",
    "create_task",
    "get_ticket",
    "ingest_customer_reply",
    "ingest_email",
    "list_tasks",
    "open_ticket",
    "open_ticket_count",
    "record_compensation",
    "record_csat",
    "reopen_ticket",
    "reply",
    "reply_route",
    "resolve_ticket",
    "set_pending",
    "update_ticket",
]
