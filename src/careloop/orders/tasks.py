"""The worker's orders task: apply the ingest inbox, one batch per pass (the platforms'
appliers are registered by careloop.connectors.tasks)."""

from __future__ import annotations

from careloop.context import AppContext
from careloop.orders.inbox import apply_pass
from careloop.worker import register_task


@register_task("orders.ingest_inbox")
def ingest_inbox_pass(ctx: AppContext) -> int:
    return apply_pass(ctx.sessions, ctx.clock)
