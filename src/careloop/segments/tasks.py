"""Nightly worker task: recompute each shop's segments and CLV once per local day."""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from careloop.context import AppContext
from careloop.db.engine import transaction
from careloop.segments.models import SegmentRun
from careloop.segments.service import recompute_segments
from careloop.shops.models import Shop

log = logging.getLogger("careloop.segments")
# Local hour from which the day's run may start (the first worker pass after it runs it).
NIGHTLY_LOCAL_HOUR = 2


def nightly_segments(ctx: AppContext) -> int:
    """Recompute every shop whose local day has passed NIGHTLY_LOCAL_HOUR and has no run yet.

    The run row is the claim: inserted in the same transaction as the recompute, so two
    workers never run the same shop on the same day, and a failed run leaves no claim."""
    now = ctx.clock.now()
    with ctx.sessions() as session:
        shops = list(session.scalars(select(Shop).order_by(Shop.id)))
        recent = select(SegmentRun.shop_id, SegmentRun.run_date).where(
            SegmentRun.run_date >= (now - timedelta(days=2)).date()
        )
        done_today = {(int(shop_id), day) for shop_id, day in session.execute(recent)}
    ran = 0
    for shop in shops:
        local = now.astimezone(ZoneInfo(shop.timezone))
        if local.hour < NIGHTLY_LOCAL_HOUR or (shop.id, local.date()) in done_today:
            continue
        with transaction(ctx.sessions) as session:
            if not _claim(session, shop.id, local.date(), now):
                continue
            result = recompute_segments(session=session, clock=ctx.clock, shop=session.merge(shop))
            session.execute(
                update(SegmentRun)
                .where(SegmentRun.shop_id == shop.id, SegmentRun.run_date == local.date())
                .values(customers=result.customers, changes=result.changes, clv=result.clv)
            )
        log.info("segments of %s recomputed: %d changes", shop.slug, result.changes)
        ran += 1
    return ran


def _claim(session: Session, shop_id: int, day: date, now: datetime) -> bool:
    """Insert the (shop, day) run row; False if another worker already has it."""
    dialect: Any = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    stmt = (
        dialect.insert(SegmentRun)
        .values(shop_id=shop_id, run_date=day, started_at=now, customers=0, changes=0, clv={})
        .on_conflict_do_nothing(index_elements=["shop_id", "run_date"])
        .returning(SegmentRun.id)
    )
    return session.execute(stmt).scalar() is not None
