"""The worker's orders tasks: apply the ingest inbox, one batch per pass (the platforms'
appliers are registered by careloop.connectors.tasks), and delete applied rows once they are
older than the setting `inbox_keep_days` (at most once an hour of the clock)."""

from __future__ import annotations

import weakref
from datetime import datetime, timedelta

from sqlalchemy import Engine

from careloop.context import AppContext
from careloop.db.engine import transaction
from careloop.orders.inbox import apply_pass, purge_applied

PURGE_EVERY = timedelta(hours=1)
# Per engine: when this process last purged its database (a pass in between costs nothing).
_last_purge: weakref.WeakKeyDictionary[Engine, datetime] = weakref.WeakKeyDictionary()


def ingest_inbox_pass(ctx: AppContext) -> int:
    return apply_pass(ctx.sessions, ctx.clock)


def inbox_retention_pass(ctx: AppContext) -> int:
    now = ctx.clock.now()
    key = ctx.engine
    last = _last_purge.get(key)
    if last is not None and last <= now < last + PURGE_EVERY:
        return 0
    with transaction(ctx.sessions) as session:
        deleted = purge_applied(session, ctx.clock, keep_days=ctx.settings.inbox_keep_days)
    _last_purge[key] = now
    return deleted
