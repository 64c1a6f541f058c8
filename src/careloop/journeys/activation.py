"""What turning a journey on will do, said before it is done: how many customers it would
message over the next days and when the first messages go, for the catch-up window the
owner picks (none by default), and which channels must be set up first.

Writes nothing; the counts follow the same rules the engine applies (enrol_from, the
inactivity bounds), so the page never promises less than what is sent."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from careloop.channels.policy import zone
from careloop.core.clock import Clock, ensure_aware
from careloop.customers.models import TimelineEvent
from careloop.journeys.scan import due_for
from careloop.journeys.schema import JourneyDef, parse_duration
from careloop.journeys.service import MAX_CATCH_UP_DAYS
from careloop.shops.models import Shop

CATCH_UP_CHOICES = (0, 1, 3, MAX_CATCH_UP_DAYS)
HORIZON_DAYS = 3


@dataclass(frozen=True)
class ActivationPreview:
    catch_up_days: int
    horizon_days: int
    customers: int
    first_send_from: datetime | None
    first_send_to: datetime | None
    # Channels to set up before any message can go (empty: ready).
    missing_channels: list[str] = field(default_factory=list)


def delay_to_first_send(jdef: JourneyDef) -> timedelta | None:
    """Time from enrolment to the first send step (fixed waits only); None: never sends."""
    delay = timedelta(0)
    for step in jdef.steps:
        if step.send is not None:
            return delay
        if step.wait is not None:
            if step.wait.duration is not None:
                delay += parse_duration(step.wait.duration)
            elif step.wait.until_day is not None:
                delay = max(delay, timedelta(days=step.wait.until_day))
    return None


def send_chains(jdef: JourneyDef) -> list[str | list[str]]:
    return [step.send.channels for step in jdef.steps if step.send is not None and not step.off]


def preview_activation(
    *,
    session: Session,
    clock: Clock,
    shop: Shop,
    jdef: JourneyDef,
    catch_up_days: int = 0,
    horizon_days: int = HORIZON_DAYS,
) -> ActivationPreview:
    from careloop.channels.readiness import configured_channels, unusable

    now = clock.now()
    since = now - timedelta(days=catch_up_days)
    missing = unusable(send_chains(jdef), configured_channels(session, shop.id))
    delay = delay_to_first_send(jdef)
    trigger = jdef.trigger
    customers = 0
    first: datetime | None = None
    last: datetime | None = None
    if delay is not None and trigger.event is not None:
        # Catch-up events enrol now; their first sends run from their own moment.
        row = session.execute(
            select(
                func.count(func.distinct(TimelineEvent.customer_id)),
                func.min(TimelineEvent.occurred_at),
                func.max(TimelineEvent.occurred_at),
            ).where(
                TimelineEvent.shop_id == shop.id,
                TimelineEvent.type.in_(trigger.event_types()),
                TimelineEvent.occurred_at >= since,
                TimelineEvent.occurred_at <= now,
                TimelineEvent.customer_id.is_not(None),
            )
        ).one()
        customers = int(row[0] or 0)
        if customers:
            first = max(ensure_aware(row[1]) + delay, now)
            last = max(ensure_aware(row[2]) + delay, now)
    elif delay is not None:
        seen: set[int] = set()
        tz = zone(shop.timezone)
        for day in range(horizon_days):
            moment = now + timedelta(days=day)
            today = moment.astimezone(tz).date()
            for due in due_for(session, shop, jdef, today, moment, since=since):
                if due.customer_id in seen:
                    continue
                seen.add(due.customer_id)
                send_at = moment + delay
                first = send_at if first is None else min(first, send_at)
                last = send_at if last is None else max(last, send_at)
        customers = len(seen)
    return ActivationPreview(catch_up_days, horizon_days, customers, first, last, missing)
