"""Community's worker tasks: start due campaigns, work the outbox in batches, and the
clock-driven event and launch steps (invitations, reminders the day before, thank-yous)."""

from __future__ import annotations

from careloop.community import campaigns, launches, outbox, workshops
from careloop.community.links import LinkMaker
from careloop.context import AppContext
from careloop.db.engine import transaction
from careloop.shops.models import Shop
from careloop.worker import register_task

# Batches per worker pass: each is its own transaction, so a crash loses at most one batch
# (which the next pass redoes; idempotency keys keep the messages single).
BATCHES_PER_PASS = 10


@register_task("community.campaigns")
def start_campaigns(ctx: AppContext) -> int:
    with transaction(ctx.sessions) as session:
        started = campaigns.start_due_campaigns(session=session, clock=ctx.clock)
    with transaction(ctx.sessions) as session:
        return started + campaigns.finish_campaigns(session=session, clock=ctx.clock)


@register_task("community.outbox")
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


@register_task("community.launches")
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


@register_task("community.events")
def event_steps(ctx: AppContext) -> int:
    """Reminders the day before and thank-yous after, each once per event."""
    with transaction(ctx.sessions) as session:
        return workshops.run_due_steps(session=session, clock=ctx.clock, links=link_maker(ctx))
