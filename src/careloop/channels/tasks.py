"""Worker task: send due messages."""

from __future__ import annotations

import threading
import weakref

from careloop.channels.dispatch import ProviderPool, dispatch_due
from careloop.context import AppContext

# The worker's providers outlive a pass, so its SMTP and HTTP connections stay open: one
# pool per thread (connections are not shared) for its current context (a new context,
# in tests, gets a new pool).
_local = threading.local()


def worker_pool(ctx: AppContext) -> ProviderPool:
    held: tuple[weakref.ref[AppContext], ProviderPool] | None = getattr(_local, "pool", None)
    if held is not None and held[0]() is ctx:
        return held[1]
    if held is not None:
        held[1].close()
    pool = ProviderPool(ctx)
    _local.pool = (weakref.ref(ctx), pool)
    return pool


def dispatch(ctx: AppContext) -> int:
    return dispatch_due(ctx, pool=worker_pool(ctx))
