"""The support desk's worker tasks: SLA warnings/breaches, and tickets from unhappy feedback."""

from __future__ import annotations

from careloop.context import AppContext
from careloop.db.engine import transaction
from careloop.support.escalation import check_due_tickets
from careloop.support.feedback_watch import scan_feedback


def sla_pass(ctx: AppContext) -> int:
    with transaction(ctx.sessions) as session:
        return check_due_tickets(session=session, clock=ctx.clock)


def feedback_pass(ctx: AppContext) -> int:
    with transaction(ctx.sessions) as session:
        return scan_feedback(session=session, clock=ctx.clock)
