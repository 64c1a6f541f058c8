"""Worker tasks of journeys: dispatch events, scan date triggers, run due steps."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from careloop.context import AppContext
from careloop.core.clock import Clock
from careloop.db.upsert import insert_ignoring_duplicates
from careloop.journeys.dispatch import dispatch_pending
from careloop.journeys.effects import LiveEffects
from careloop.journeys.models import Journey, JourneyScan
from careloop.journeys.runner import run_due
from careloop.journeys.scan import scan_shop
from careloop.journeys.service import triggering_journeys
from careloop.shops.models import Shop

# Date triggers look at whole days; scanning hourly catches a new day soon enough.
SCAN_INTERVAL = timedelta(hours=1)
EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


def dispatch_events(ctx: AppContext) -> int:
    with ctx.sessions() as session, session.begin():
        return dispatch_pending(session=session, clock=ctx.clock)


def run_steps(ctx: AppContext) -> int:
    return run_due(sessions=ctx.sessions, clock=ctx.clock, effects=LiveEffects())


def scan_dates(ctx: AppContext) -> int:
    with ctx.sessions() as session:
        shop_ids = list(
            session.scalars(select(Journey.shop_id).where(Journey.status == "active").distinct())
        )
    enrolled = 0
    for shop_id in shop_ids:
        with ctx.sessions() as session, session.begin():
            if _claim_scan(session, ctx.clock, shop_id):
                shop = session.get(Shop, shop_id)
                if shop is not None:
                    journeys = triggering_journeys(session, shop_id)
                    enrolled += scan_shop(
                        session=session, clock=ctx.clock, shop=shop, journeys=journeys
                    )
    return enrolled


def _claim_scan(session: Session, clock: Clock, shop_id: int) -> bool:
    """Take this shop's scan if it is due; exactly one worker wins the UPDATE."""
    table: Any = JourneyScan.__table__
    row = {"shop_id": shop_id, "scanned_at": EPOCH}
    insert_ignoring_duplicates(session, table, [row], ["shop_id"])
    now = clock.now()
    result = session.execute(
        update(JourneyScan)
        .where(JourneyScan.shop_id == shop_id, JourneyScan.scanned_at <= now - SCAN_INTERVAL)
        .values(scanned_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]
