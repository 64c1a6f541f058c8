"""Worker task: send due messages."""

from __future__ import annotations

from careloop.channels.dispatch import dispatch_due
from careloop.context import AppContext
from careloop.worker import register_task


@register_task("channels.dispatch")
def dispatch(ctx: AppContext) -> int:
    return dispatch_due(ctx)
