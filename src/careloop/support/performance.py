"""Staff performance: tasks on time, FRT and TTR (median and p90, wall-clock and business
hours), first-contact resolution and CSAT, per agent and for the whole desk (DESIGN.md's
metric definitions: FRT = created -> first staff reply, TTR = created -> resolved)."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from careloop.shops.models import Shop, StaffUser
from careloop.support.calendar import BusinessCalendar, business_time_between
from careloop.support.config import support_settings
from careloop.support.models import StaffTask, Ticket

HOUR = timedelta(hours=1)


def quantile(values: Sequence[float], q: float) -> float | None:
    """Linear interpolation between closest ranks (numpy's default); None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * q
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


@dataclass(frozen=True)
class Durations:
    """Hours: median and p90, wall-clock and in business hours."""

    count: int
    median_hours: float | None
    p90_hours: float | None
    median_business_hours: float | None
    p90_business_hours: float | None

    @classmethod
    def of(
        cls, spans: Iterable[tuple[datetime, datetime]], calendar: BusinessCalendar
    ) -> Durations:
        pairs = list(spans)
        wall = [(end - start) / HOUR for start, end in pairs]
        business = [business_time_between(calendar, start, end) / HOUR for start, end in pairs]
        return cls(
            len(pairs),
            quantile(wall, 0.5),
            quantile(wall, 0.9),
            quantile(business, 0.5),
            quantile(business, 0.9),
        )


@dataclass(frozen=True)
class AgentStats:
    staff_id: int | None  # None: the whole desk
    email: str | None
    tickets: int
    frt: Durations
    ttr: Durations
    fcr_rate: float | None
    csat: float | None  # share of 1-5 ratings that are 4 or 5
    csat_responses: int
    tasks_done: int
    tasks_on_time: int
    tasks_overdue_open: int

    @property
    def tasks_on_time_rate(self) -> float | None:
        return self.tasks_on_time / self.tasks_done if self.tasks_done else None


def staff_performance(
    *, session: Session, shop: Shop, start: datetime, end: datetime, now: datetime
) -> list[AgentStats]:
    """One row per agent with tickets or tasks created in [start, end), then the desk total."""
    calendar = support_settings(shop).calendar
    tickets = session.scalars(
        select(Ticket).where(
            Ticket.shop_id == shop.id, Ticket.created_at >= start, Ticket.created_at < end
        )
    ).all()
    tasks = session.scalars(
        select(StaffTask).where(
            StaffTask.shop_id == shop.id, StaffTask.due_at >= start, StaffTask.due_at < end
        )
    ).all()
    agents = sorted(
        {t.assignee_id for t in tickets} | {t.assignee_id for t in tasks},
        key=lambda a: (a is None, a or 0),
    )
    rows = [
        _stats(
            session,
            agent,
            [t for t in tickets if t.assignee_id == agent],
            [t for t in tasks if t.assignee_id == agent],
            calendar,
            now,
        )
        for agent in agents
        if agent is not None
    ]
    rows.append(_stats(session, None, list(tickets), list(tasks), calendar, now))
    return rows


def _stats(
    session: Session,
    staff_id: int | None,
    tickets: list[Ticket],
    tasks: list[StaffTask],
    calendar: BusinessCalendar,
    now: datetime,
) -> AgentStats:
    staff = session.get(StaffUser, staff_id) if staff_id is not None else None
    resolved = [t for t in tickets if t.resolved_at is not None]
    fcr = [t.first_contact_resolution for t in resolved if t.first_contact_resolution is not None]
    scores = [t.csat_score for t in tickets if t.csat_score is not None]
    done = [t for t in tasks if t.status == "done" and t.completed_at is not None]
    return AgentStats(
        staff_id=staff_id,
        email=staff.email if staff else None,
        tickets=len(tickets),
        frt=Durations.of(
            ((t.created_at, t.first_responded_at) for t in tickets if t.first_responded_at),
            calendar,
        ),
        ttr=Durations.of(
            ((t.created_at, t.resolved_at) for t in resolved if t.resolved_at), calendar
        ),
        fcr_rate=sum(fcr) / len(fcr) if fcr else None,
        csat=sum(1 for s in scores if s >= 4) / len(scores) if scores else None,
        csat_responses=len(scores),
        tasks_done=len(done),
        tasks_on_time=sum(1 for t in done if t.completed_at and t.completed_at <= t.due_at),
        tasks_overdue_open=sum(1 for t in tasks if t.status == "open" and t.due_at < now),
    )
