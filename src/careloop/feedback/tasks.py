"""Feedback's worker task: review asks (per product, and "would you update your review?")."""

from __future__ import annotations

from careloop.context import AppContext
from careloop.db.engine import transaction
from careloop.feedback.review_asks import run_due, scan


def review_asks_pass(ctx: AppContext) -> int:
    with transaction(ctx.sessions) as session:
        seen = scan(session=session, clock=ctx.clock)
    with transaction(ctx.sessions) as session:
        return seen + run_due(session=session, clock=ctx.clock)
