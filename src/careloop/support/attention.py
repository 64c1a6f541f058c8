"""Support's "needs attention" items: tickets whose SLA is about to breach, per assignee."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from careloop.core.attention import URGENT, AttentionItem
from careloop.support.clocks import sla_state
from careloop.support.models import Ticket
from careloop.support.sla import RUNNING_STATUSES, ClockState

# Reading every open ticket's clocks is work; the ones checked soonest come first.
LIMIT = 500


def sla_items(session: Session, shop: Any, now: datetime) -> list[AttentionItem]:
    tickets = session.scalars(
        select(Ticket)
        .where(
            Ticket.shop_id == shop.id,
            Ticket.status.in_([s.value for s in RUNNING_STATUSES]),
            Ticket.breached_at.is_(None),
        )
        .order_by(Ticket.sla_check_at)
        .limit(LIMIT)
    ).all()
    per_assignee: dict[int | None, int] = {}
    for ticket in tickets:
        state = sla_state(session, shop, ticket, now)
        if any(c.state is ClockState.WARNING for c in state.clocks):
            per_assignee[ticket.assignee_id] = per_assignee.get(ticket.assignee_id, 0) + 1
    return [
        AttentionItem(
            key=f"support.sla_warning:{assignee or 0}",
            count=n,
            text={
                "en": "{n} tickets are about to breach their SLA",
                "vi": "{n} phiếu hỗ trợ sắp quá hạn SLA",
            },
            fix_url="/tickets",
            fix_text={"en": "Answer them now", "vi": "Trả lời ngay"},
            severity=URGENT,
            user_id=assignee,
        )
        for assignee, n in per_assignee.items()
    ]
