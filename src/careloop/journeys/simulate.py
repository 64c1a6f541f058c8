"""`careloop simulate`: what would the shop's journeys have done over the last N days?

A dry run on the real database, copy-free: everything happens inside one transaction that
is rolled back at the end. The journeys are copied into that transaction as active
versions (so drafts can be previewed, and real enrollments do not get in the way), the
shop's timeline events of the period are replayed in order on a virtual clock, the date
scan runs once a simulated day, and every step runs with `DryRunEffects`: nothing is sent,
no coupon, task or ticket is created; each outcome is counted. A wait for an open or a
click decides with the shop's measured rates (engagement.py), which the report prints.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from careloop.core.clock import VirtualClock
from careloop.core.errors import NotFound
from careloop.customers.models import TimelineEvent
from careloop.journeys.dispatch import handle_event
from careloop.journeys.effects import DryRunEffects
from careloop.journeys.engagement import ChannelRates, measure
from careloop.journeys.models import Journey, JourneyEnrollment
from careloop.journeys.runner import (
    LostLease,
    claim_due,
    next_due_at,
    record_failure,
    run_claimed,
)
from careloop.journeys.scan import scan_shop
from careloop.journeys.schema import JourneyDef
from careloop.journeys.service import definition_of
from careloop.shops.models import Shop

SCAN_EVERY = timedelta(days=1)
RATED_CHANNELS = ("email", "sms", "zalo")


@dataclass
class JourneyPreview:
    key: str
    name: str
    version: int
    status: str
    steps: list[str]
    enrollments: Counter[str] = field(default_factory=Counter)


@dataclass
class SimulationReport:
    start: datetime
    end: datetime
    journeys: list[JourneyPreview]
    # (journey key, step id, outcome, detail) -> count; see Effects.note.
    outcomes: Counter[tuple[str, str, str, str]]
    events_replayed: int = 0
    steps_run: int = 0
    # The open/click rates the dry run assumed for its messages, per channel.
    rates: dict[str, ChannelRates] = field(default_factory=dict)


def simulate(
    *,
    sessions: sessionmaker[Session],
    shop: Shop,
    now: datetime,
    days: int,
    journey_key: str | None = None,
    progress: Callable[[float], None] | None = None,
) -> SimulationReport:
    """Replay the last `days` days through the shop's journeys; changes nothing."""
    start = now - timedelta(days=days)
    clock = VirtualClock(start)
    effects = DryRunEffects(real_history=True)
    with sessions() as session:
        session.begin()
        try:
            effects.rates = measure(session, shop_id=shop.id, until=now, channels=RATED_CHANNELS)
            statuses = _statuses(session, shop, journey_key)
            copies = _copy_journeys(session, shop, journey_key, start)
            ids = [c.id for c, _ in copies]
            report = SimulationReport(
                start=start,
                end=now,
                journeys=[
                    JourneyPreview(j.key, j.name, -j.version, status, [s.id for s in jdef.steps])
                    for (j, jdef), status in zip(copies, statuses, strict=True)
                ],
                outcomes=effects.outcomes,
                rates=effects.rates,
            )
            _replay(session, clock, shop, copies, ids, now, effects, report, progress)
            for preview, (copy, _) in zip(report.journeys, copies, strict=True):
                preview.enrollments.update(
                    dict(
                        session.execute(
                            select(JourneyEnrollment.status, func.count())
                            .where(JourneyEnrollment.journey_id == copy.id)
                            .group_by(JourneyEnrollment.status)
                        ).all()
                    )
                )
        finally:
            session.rollback()
    return report


def _copy_journeys(
    session: Session, shop: Shop, journey_key: str | None, start: datetime
) -> list[tuple[Journey, JourneyDef]]:
    newest: dict[str, Journey] = {}
    stmt = select(Journey).where(Journey.shop_id == shop.id).order_by(Journey.version.desc())
    if journey_key is not None:
        stmt = stmt.where(Journey.key == journey_key)
    for journey in session.scalars(stmt):
        newest.setdefault(journey.key, journey)
    if journey_key is not None and not newest:
        raise NotFound("journey", journey_key)
    copies = []
    for journey in sorted(newest.values(), key=lambda j: j.key):
        copy = Journey(
            shop_id=shop.id,
            key=journey.key,
            version=-journey.version,  # never a real version number; rolled back anyway
            status="active",
            name=journey.name,
            definition=journey.definition,
            source_text=journey.source_text,
            source_name=journey.source_name,
            created_at=start,
            updated_at=start,
        )
        session.add(copy)
        session.flush()
        copies.append((copy, definition_of(journey)))
    return copies


def _statuses(session: Session, shop: Shop, journey_key: str | None) -> list[str]:
    """The status of each journey key (sorted), as the owner sees it before the dry run."""
    from careloop.journeys.service import list_journeys

    return [
        j.status
        for j in sorted(list_journeys(session, shop), key=lambda j: j.key)
        if journey_key is None or j.key == journey_key
    ]


def _replay(
    session: Session,
    clock: VirtualClock,
    shop: Shop,
    copies: list[tuple[Journey, JourneyDef]],
    ids: list[int],
    end: datetime,
    effects: DryRunEffects,
    report: SimulationReport,
    progress: Callable[[float], None] | None,
) -> None:
    types = set()
    for _, jdef in copies:
        types.update(jdef.trigger.event_types())
        types.update(rule.event for rule in jdef.exit_on)
        types.update(s.wait_for.event for s in jdef.steps if s.wait_for is not None)
    events = list(
        session.scalars(
            select(TimelineEvent)
            .where(
                TimelineEvent.shop_id == shop.id,
                TimelineEvent.type.in_(sorted(types)),
                TimelineEvent.occurred_at >= clock.now(),
                TimelineEvent.occurred_at <= end,
            )
            .order_by(TimelineEvent.occurred_at, TimelineEvent.id)
        )
    )
    start = clock.now()
    next_scan = start
    index = 0
    while True:
        moment = min(
            t
            for t in (
                events[index].occurred_at if index < len(events) else None,
                next_due_at(session, ids),
                next_scan,
                end,
            )
            if t is not None
        )
        clock.set(max(moment, clock.now()))
        while index < len(events) and events[index].occurred_at <= clock.now():
            handle_event(
                session=session,
                clock=clock,
                event=events[index],
                journeys=copies,
                only_journey_ids=ids,
            )
            index += 1
            report.events_replayed += 1
        if clock.now() >= next_scan:
            scan_shop(session=session, clock=clock, shop=shop, journeys=copies)
            next_scan = clock.now() + SCAN_EVERY
        report.steps_run += _run_due(session, clock, ids, effects)
        if progress is not None:
            progress((clock.now() - start) / (end - start) if end > start else 1.0)
        if clock.now() >= end and index >= len(events):
            return


def _run_due(session: Session, clock: VirtualClock, ids: list[int], effects: DryRunEffects) -> int:
    done = 0
    while True:
        claims = claim_due(session=session, clock=clock, owner="simulate", journey_ids=ids)
        if not claims:
            return done
        for claim in claims:
            try:
                with session.begin_nested():
                    done += run_claimed(session=session, clock=clock, claim=claim, effects=effects)
            except LostLease:
                continue
            except Exception as exc:
                effects.note("?", "?", "error", type(exc).__name__)
                with session.begin_nested():
                    record_failure(session=session, clock=clock, claim=claim, error=exc)
