"""SLA policies, how a ticket picks one, and its three clocks, pure: the clocks are a function of
the ticket's events and `now`, so replaying the same history to any moment gives the same answer.

Clocks: first response (created -> first staff reply), next response (each customer reply that
waits for staff -> the next staff reply) and resolution (created -> resolved or closed, resumed
on reopen). Every clock counts only while the ticket is open: "pending customer" pauses it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from itertools import pairwise
from typing import Final, TypeAlias

from careloop.core.errors import CareloopError, FieldError, ValidationFailed
from careloop.support.calendar import (
    BusinessCalendar,
    add_business_time,
    business_time_between,
)

_ZERO: Final = timedelta(0)


class Priority(StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"


class ProblemType(StrEnum):
    NOT_ARRIVED = "not_arrived"
    LATE_DELIVERY = "late_delivery"
    DAMAGED_DEFECTIVE = "damaged_defective"
    WRONG_ITEM = "wrong_item"
    MISSING_PART = "missing_part"
    POOR_QUALITY = "poor_quality"
    HOW_TO_USE = "how_to_use"
    NOT_SATISFIED = "not_satisfied"
    RUDE_STAFF = "rude_staff"
    ANGRY = "angry"
    OTHER = "other"


class TicketStatus(StrEnum):
    NEW = "new"  # nobody on staff has answered yet; the clocks run as for OPEN
    OPEN = "open"
    PENDING_CUSTOMER = "pending_customer"
    RESOLVED = "resolved"
    CLOSED = "closed"


# Statuses in which the clocks run; PENDING_CUSTOMER pauses them, RESOLVED/CLOSED stop them.
RUNNING_STATUSES: Final = frozenset({TicketStatus.NEW, TicketStatus.OPEN})


class ClockName(StrEnum):
    FIRST_RESPONSE = "first_response"
    NEXT_RESPONSE = "next_response"
    RESOLUTION = "resolution"


class ClockState(StrEnum):
    NOT_STARTED = "not_started"
    RUNNING = "running"
    WARNING = "warning"
    PAUSED = "paused"
    MET = "met"
    BREACHED = "breached"


# --- Policies and how a ticket picks one ---------------------------------------------------------


@dataclass(frozen=True)
class SlaPolicy:
    """Targets for the three clocks; in business time of the shop calendar when
    `business_hours`, else wall-clock. `warn_before`: a fraction of the target or a duration."""

    name: str
    first_response: timedelta
    next_response: timedelta
    resolution: timedelta
    business_hours: bool = True
    warn_before: float | timedelta = 0.25

    def __post_init__(self) -> None:
        errors = [
            FieldError(name, "must be longer than zero")
            for name in ("first_response", "next_response", "resolution")
            if getattr(self, name) <= _ZERO
        ]
        if isinstance(self.warn_before, timedelta):
            if self.warn_before < _ZERO:
                errors.append(FieldError("warn_before", "must not be negative"))
        elif not 0 <= self.warn_before < 1:
            errors.append(FieldError("warn_before", "a fraction must be in [0, 1)"))
        if errors:
            raise ValidationFailed(errors)

    def warn_threshold(self, target: timedelta) -> timedelta:
        """How much time left turns a running clock into a warning."""
        if isinstance(self.warn_before, timedelta):
            return self.warn_before
        return target * self.warn_before

    def scaled(self, factor: float, name: str) -> SlaPolicy:
        """The same policy with every target multiplied by `factor` (0.5 halves them)."""
        return SlaPolicy(
            name,
            self.first_response * factor,
            self.next_response * factor,
            self.resolution * factor,
            self.business_hours,
            self.warn_before,
        )


@dataclass(frozen=True)
class TicketFacts:
    """What the policy choice looks at."""

    priority: Priority = Priority.NORMAL
    problem_type: ProblemType = ProblemType.OTHER
    segment: str | None = None
    entitlements: frozenset[str] = frozenset()
    from_negative_feedback: bool = False


@dataclass(frozen=True)
class SlaRule:
    """Applies `policy` to tickets matching every condition given; an empty set or None means
    any. `entitlements` must all be held; the other sets match any one member."""

    policy: SlaPolicy
    priorities: frozenset[Priority] = frozenset()
    problem_types: frozenset[ProblemType] = frozenset()
    segments: frozenset[str] = frozenset()
    entitlements: frozenset[str] = frozenset()
    from_negative_feedback: bool | None = None

    def matches(self, facts: TicketFacts) -> bool:
        return (
            _any_of(self.priorities, facts.priority)
            and _any_of(self.problem_types, facts.problem_type)
            and _any_of(self.segments, facts.segment)
            and self.entitlements <= facts.entitlements
            and self.from_negative_feedback in (None, facts.from_negative_feedback)
        )

    def narrows(self, other: SlaRule) -> bool:
        """Whether every ticket this rule matches is also matched by `other`."""
        return (
            _subset_of_any(self.priorities, other.priorities)
            and _subset_of_any(self.problem_types, other.problem_types)
            and _subset_of_any(self.segments, other.segments)
            and self.entitlements >= other.entitlements
            and other.from_negative_feedback in (None, self.from_negative_feedback)
        )


def _any_of(allowed: frozenset[str], value: str | None) -> bool:
    return not allowed or value in allowed


def _subset_of_any(narrow: frozenset[str], wide: frozenset[str]) -> bool:
    return not wide or (bool(narrow) and narrow <= wide)


class NoSlaRuleMatches(CareloopError):
    """No rule applies to the ticket; a rule list should end with a catch-all."""


def select_policy(facts: TicketFacts, rules: Iterable[SlaRule] | None = None) -> SlaPolicy:
    """The most specific matching rule's policy; among rules that do not refine one another
    the strictest (shortest first response, then next response, then resolution) wins."""
    matching = [rule for rule in (DEFAULT_RULES if rules is None else rules) if rule.matches(facts)]
    if not matching:
        raise NoSlaRuleMatches(f"no SLA rule matches {facts}")
    # A shop writes a narrower rule to override a wider one, so a refined rule drops out; two
    # unrelated rules (VIP and negative feedback) both stand and the customer gets the faster.
    specific = [
        rule
        for rule in matching
        if not any(other.narrows(rule) and not rule.narrows(other) for other in matching)
    ]
    return min(
        (rule.policy for rule in specific),
        key=lambda p: (p.first_response, p.next_response, p.resolution),
    )


# Defaults from the seeds, in business hours so nights, Sundays and Tết do not breach them.
# "Within 24 hours" is how a customer says "by this time on the next working day", which is one
# working day of the default calendar (vietnam_default: 8.5 h). "Within 2 hours" for negative
# feedback and angry customers; priority support answers within 4 h; VIPs get halved targets.
WORKING_DAY: Final = timedelta(hours=8, minutes=30)
STANDARD: Final = SlaPolicy("standard", WORKING_DAY, WORKING_DAY, 3 * WORKING_DAY)
NEGATIVE_FEEDBACK: Final = SlaPolicy(
    "negative_feedback", timedelta(hours=2), timedelta(hours=4), 2 * WORKING_DAY
)
PRIORITY_SUPPORT: Final = SlaPolicy(
    "priority_support", timedelta(hours=4), timedelta(hours=4), 2 * WORKING_DAY
)
VIP: Final = STANDARD.scaled(0.5, "vip")
HIGH: Final = SlaPolicy("high", timedelta(hours=4), timedelta(hours=4), 2 * WORKING_DAY)
URGENT: Final = SlaPolicy("urgent", timedelta(hours=1), timedelta(hours=2), WORKING_DAY)
DEFAULT_RULES: Final = (
    SlaRule(STANDARD),
    SlaRule(NEGATIVE_FEEDBACK, from_negative_feedback=True),
    SlaRule(NEGATIVE_FEEDBACK, problem_types=frozenset({ProblemType.ANGRY})),
    SlaRule(PRIORITY_SUPPORT, entitlements=frozenset({"priority_support"})),
    SlaRule(VIP, segments=frozenset({"vip", "champions"})),
    SlaRule(HIGH, priorities=frozenset({Priority.HIGH})),
    SlaRule(URGENT, priorities=frozenset({Priority.URGENT})),
)


# --- Ticket events ------------------------------------------------------------------------------


@dataclass(frozen=True)
class TicketCreated:
    at: datetime


@dataclass(frozen=True)
class StaffReplied:
    at: datetime


@dataclass(frozen=True)
class CustomerReplied:
    at: datetime


@dataclass(frozen=True)
class StatusChanged:
    at: datetime
    status: TicketStatus


@dataclass(frozen=True)
class TicketReopened:
    at: datetime


TicketEvent: TypeAlias = (
    TicketCreated | StaffReplied | CustomerReplied | StatusChanged | TicketReopened
)


# --- Clock reports ------------------------------------------------------------------------------


@dataclass(frozen=True)
class SlaClock:
    """One clock at `now`. `remaining` is business time left (negative or zero once late);
    `due_at` is None while paused or not started; `breached_at` is this cycle's breach."""

    name: ClockName
    state: ClockState
    target: timedelta
    due_at: datetime | None = None
    remaining: timedelta | None = None
    breached_at: datetime | None = None
    stopped_at: datetime | None = None
    # Breaches over every cycle: the next-response clock runs once per customer reply.
    breaches: int = 0


@dataclass(frozen=True)
class TicketSla:
    policy: str
    status: TicketStatus
    first_response: SlaClock
    next_response: SlaClock
    resolution: SlaClock

    @property
    def clocks(self) -> tuple[SlaClock, SlaClock, SlaClock]:
        return (self.first_response, self.next_response, self.resolution)

    @property
    def breached(self) -> bool:
        return any(clock.breaches for clock in self.clocks)


def ticket_sla(
    events: Sequence[TicketEvent],
    *,
    policy: SlaPolicy,
    calendar: BusinessCalendar,
    now: datetime,
) -> TicketSla:
    """Replay `events` (in time order, starting with TicketCreated) up to `now`. The shop's
    calendar governs, whatever the customer's time zone; events after `now` are ignored."""
    if not policy.business_hours:
        calendar = BusinessCalendar.always_open(calendar.timezone)
    desk = _Desk(policy, calendar)
    for event in _events_until(events, now):
        desk.apply(event)
    return desk.report(now)


def _events_until(events: Sequence[TicketEvent], now: datetime) -> list[TicketEvent]:
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    if not events or not isinstance(events[0], TicketCreated):
        raise ValueError("a ticket's events must start with TicketCreated")
    for index, event in enumerate(events):
        if event.at.tzinfo is None:
            raise ValueError(f"events[{index}].at must be timezone-aware")
    for index, (before, after) in enumerate(pairwise(events), start=1):
        if after.at < before.at:
            raise ValueError(f"events[{index}] at {after.at.isoformat()} is out of time order")
        if isinstance(after, TicketCreated):
            raise ValueError(f"events[{index}]: a ticket is created only once")
    if events[0].at > now:
        raise ValueError(f"the ticket is created at {events[0].at.isoformat()}, after now")
    return [event for event in events if event.at <= now]


# --- The clocks ---------------------------------------------------------------------------------


class _Stopwatch:
    """One SLA clock: cycles of running/paused segments measured in business time."""

    def __init__(self, name: ClockName, target: timedelta, calendar: BusinessCalendar) -> None:
        self.name, self.target, self.calendar = name, target, calendar
        self.started = False
        self.stopped_at: datetime | None = None
        self.used = _ZERO  # business time counted in this cycle's finished segments
        self.running_since: datetime | None = None
        self.due_at: datetime | None = None
        self.breached_at: datetime | None = None
        self.breaches = 0

    @property
    def active(self) -> bool:
        return self.started and self.stopped_at is None

    @property
    def stopped(self) -> bool:
        return self.started and self.stopped_at is not None

    def start(self, at: datetime) -> None:
        """Begin a new cycle, running."""
        self.started, self.stopped_at, self.used = True, None, _ZERO
        self.running_since = self.due_at = self.breached_at = None
        self.resume(at)

    def resume(self, at: datetime) -> None:
        if not self.active or self.running_since is not None:
            return
        self.running_since = at
        if self.breached_at is None:  # once late, the due moment stays the one that was missed
            self.due_at = add_business_time(self.calendar, at, max(self.target - self.used, _ZERO))

    def pause(self, at: datetime) -> None:
        if self.running_since is None:
            return
        self.used += business_time_between(self.calendar, self.running_since, at)
        self._note_breach(at)
        self.running_since = None

    def stop(self, at: datetime) -> None:
        if self.active:
            self.pause(at)
            self.stopped_at = at

    def reopen(self) -> None:
        """Continue a stopped cycle (a reopened ticket keeps the resolution time it used)."""
        if self.stopped:
            self.stopped_at = None

    def _note_breach(self, until: datetime) -> None:
        if self._newly_late(until):
            self.breached_at = self.due_at
            self.breaches += 1

    def _newly_late(self, until: datetime) -> bool:
        # Late means still running after the due moment, not "used > target": business time
        # stands still after hours, yet a reply the next morning missed a 17:30 deadline.
        return self.breached_at is None and self.due_at is not None and until > self.due_at

    def report(self, now: datetime, warn_before: timedelta) -> SlaClock:
        if not self.started:
            return SlaClock(self.name, ClockState.NOT_STARTED, self.target)
        used, breached_at, breaches = self.used, self.breached_at, self.breaches
        running = self.running_since is not None
        if self.running_since is not None:
            used += business_time_between(self.calendar, self.running_since, now)
            if self._newly_late(now):
                breached_at, breaches = self.due_at, breaches + 1
        remaining = self.target - used
        if breached_at is not None:
            state = ClockState.BREACHED
        elif self.stopped:
            state = ClockState.MET
        elif not running:
            state = ClockState.PAUSED
        else:
            state = ClockState.WARNING if remaining <= warn_before else ClockState.RUNNING
        shown_due = self.due_at if running or self.stopped or breached_at else None
        return SlaClock(
            self.name,
            state,
            self.target,
            shown_due,
            remaining,
            breached_at,
            self.stopped_at,
            breaches,
        )


class _Desk:
    """Folds ticket events into the ticket status and its three clocks."""

    def __init__(self, policy: SlaPolicy, calendar: BusinessCalendar) -> None:
        self.policy = policy
        self.status = TicketStatus.NEW
        self.first = _Stopwatch(ClockName.FIRST_RESPONSE, policy.first_response, calendar)
        self.next = _Stopwatch(ClockName.NEXT_RESPONSE, policy.next_response, calendar)
        self.resolution = _Stopwatch(ClockName.RESOLUTION, policy.resolution, calendar)

    @property
    def watches(self) -> tuple[_Stopwatch, _Stopwatch, _Stopwatch]:
        return (self.first, self.next, self.resolution)

    def apply(self, event: TicketEvent) -> None:
        match event:
            case TicketCreated(at):
                self.first.start(at)
                self.resolution.start(at)
            case StaffReplied(at):
                self.first.stop(at)
                self.next.stop(at)
            case CustomerReplied(at):
                self._customer_replied(at)
            case StatusChanged(at, status):
                self._set_status(at, status)
            case TicketReopened(at):
                self._set_status(at, TicketStatus.OPEN)

    def _customer_replied(self, at: datetime) -> None:
        if self.status == TicketStatus.CLOSED:
            return  # a closed ticket stays closed; a new message makes a new ticket
        # The customer answered what we waited for, or came back to a resolved ticket.
        self._set_status(at, TicketStatus.OPEN)
        # Only the first unanswered reply starts the clock, so a burst of messages does not
        # keep pushing the deadline out.
        if self.first.stopped and not self.next.active:
            self.next.start(at)

    def _set_status(self, at: datetime, status: TicketStatus) -> None:
        old, self.status = self.status, status
        if status == old:
            return
        if status in (TicketStatus.RESOLVED, TicketStatus.CLOSED):
            for watch in self.watches:  # nothing is owed on a resolved ticket
                watch.stop(at)
            return
        if old in (TicketStatus.RESOLVED, TicketStatus.CLOSED):
            self.resolution.reopen()
        for watch in self.watches:
            if status in RUNNING_STATUSES:
                watch.resume(at)
            else:
                watch.pause(at)

    def report(self, now: datetime) -> TicketSla:
        first, nxt, resolution = (
            watch.report(now, self.policy.warn_threshold(watch.target)) for watch in self.watches
        )
        return TicketSla(self.policy.name, self.status, first, nxt, resolution)
