"""The metrics worker task: keep the figure snapshots that staff look at fresh."""

from __future__ import annotations

import logging
from datetime import timedelta

from careloop.context import AppContext
from careloop.metrics.snapshots import due_for_refresh, refresh

log = logging.getLogger("careloop.metrics")

# Figures nobody has looked at for this long are left alone until someone does again.
ACTIVE_FOR = timedelta(days=1)
MAX_PER_PASS = 5  # other tasks get their turn between refreshes


def refresh_snapshots(ctx: AppContext) -> int:
    """Refresh the snapshots asked for (a stale page view, "refresh now") and those in use
    that are older than their freshness window; each claims its row, so two workers never
    compute the same figures."""
    with ctx.sessions() as session:
        due = due_for_refresh(session, ctx.clock.now(), active_for=ACTIVE_FOR)
    done = 0
    for shop_id, key in due[:MAX_PER_PASS]:
        try:
            done += refresh(sessions=ctx.sessions, clock=ctx.clock, shop_id=shop_id, key=key)
        except Exception:
            log.exception("refreshing figures %s of shop %d failed", key, shop_id)
    return done
