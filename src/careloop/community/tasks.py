"""Community's worker tasks: start due campaigns, work the outbox in batches, the
clock-driven event and launch steps (invitations, reminders the day before, thank-yous),
and the nightly ambassador rule."""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from careloop.channels.policy import zone
from careloop.community import ambassadors, campaigns, launches, outbox, workshops
from careloop.community.links import LinkMaker
from careloop.community.models import RuleRun
from careloop.context import AppContext
from careloop.db.engine import transaction
from careloop.shops.models import Shop

log = logging.getLogger("careloop.community")

# Batches per worker pass: each is its own transaction, so a crash loses at most one batch
# (which the next pass redoes; idempotency keys keep the messages single).
BATCHES_PER_PASS = 10


def start_campaigns(ctx: AppContext) -> int:
    with transaction(ctx.sessions) as session:
        started = campaigns.start_due_campaigns(session=session, clock=ctx.clock)
    with transaction(ctx.sessions) as session:
        return started + campaigns.finish_campaigns(session=session, clock=ctx.clock)


def send_due(ctx: AppContext) -> int:
    done = 0
    for _ in range(BATCHES_PER_PASS):
        with transaction(ctx.sessions) as session:
            handled = outbox.process_due(session=session, clock=ctx.clock)
        done += handled
        if handled < outbox.BATCH_SIZE:
            break
    return done


def link_maker(ctx: AppContext) -> LinkMaker:
    return LinkMaker(ctx.settings.base_url, ctx.secret_key)


def launch_steps(ctx: AppContext) -> int:
    """Invite a launch's segments when its early window opens; track who bought."""
    done = 0
    with transaction(ctx.sessions) as session:
        now = ctx.clock.now()
        for launch in launches.due_launches(session, now):
            shop = session.get(Shop, launch.shop_id)
            assert shop is not None
            launches.queue_invites(
                session=session, clock=ctx.clock, shop=shop, launch=launch, links=link_maker(ctx)
            )
            done += 1
        for launch in launches.active_launches(session, now):
            shop = session.get(Shop, launch.shop_id)
            assert shop is not None
            done += launches.track_purchases(
                session=session, clock=ctx.clock, shop=shop, launch=launch
            )
    return done


def event_steps(ctx: AppContext) -> int:
    """Reminders the day before and thank-yous after, each once per event."""
    with transaction(ctx.sessions) as session:
        return workshops.run_due_steps(session=session, clock=ctx.clock, links=link_maker(ctx))


# Local hour from which the day's ambassador rule may run (after the segments at 02:00).
AMBASSADOR_LOCAL_HOUR = 3
AMBASSADOR_RULE = "ambassadors"


def nightly_ambassadors(ctx: AppContext) -> int:
    """Re-evaluate each shop's Diamond Members once per local day: the (shop, rule, day) run
    row is the claim, written in the same transaction as the changes."""
    now = ctx.clock.now()
    with ctx.sessions() as session:
        shops = list(session.scalars(select(Shop).order_by(Shop.id)))
        done = {
            (int(shop_id), day)
            for shop_id, day in session.execute(
                select(RuleRun.shop_id, RuleRun.run_date).where(
                    RuleRun.rule == AMBASSADOR_RULE,
                    RuleRun.run_date >= (now - timedelta(days=2)).date(),
                )
            )
        }
    ran = 0
    for shop in shops:
        local = now.astimezone(zone(shop.timezone))
        if local.hour < AMBASSADOR_LOCAL_HOUR or (shop.id, local.date()) in done:
            continue
        with transaction(ctx.sessions) as session:
            run_id = _claim(session, shop.id, local.date(), now)
            if run_id is None:
                continue
            result = ambassadors.refresh_ambassadors(
                session=session, clock=ctx.clock, shop=session.merge(shop)
            )
            session.execute(
                update(RuleRun)
                .where(RuleRun.id == run_id)
                .values(named=len(result.named), removed=len(result.removed))
            )
        log.info(
            "ambassadors of %s: %d named, %d removed",
            shop.slug,
            len(result.named),
            len(result.removed),
        )
        ran += 1
    return ran


def _claim(session: Session, shop_id: int, day: date, now: datetime) -> int | None:
    """Insert the (shop, rule, day) run row; None if another worker already has it."""
    dialect: Any = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    stmt = (
        dialect.insert(RuleRun)
        .values(
            shop_id=shop_id,
            rule=AMBASSADOR_RULE,
            run_date=day,
            started_at=now,
            named=0,
            removed=0,
        )
        .on_conflict_do_nothing(index_elements=["shop_id", "rule", "run_date"])
        .returning(RuleRun.id)
    )
    found = session.execute(stmt).scalar()
    return None if found is None else int(found)
