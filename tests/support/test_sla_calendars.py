"""More SLA arithmetic: pauses over weekends and Tết, shops in other zones, properties."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from careloop.support.calendar import BusinessCalendar, business_time_between
from careloop.support.config import default_calendar
from careloop.support.sla import (
    NEGATIVE_FEEDBACK,
    STANDARD,
    ClockState,
    CustomerReplied,
    StaffReplied,
    StatusChanged,
    TicketCreated,
    TicketStatus,
    ticket_sla,
)

HCM = ZoneInfo("Asia/Ho_Chi_Minh")
VN = BusinessCalendar.vietnam_default()


def test_the_new_status_runs_the_clocks_until_staff_answer() -> None:
    created = datetime(2026, 3, 2, 8, tzinfo=HCM)
    state = ticket_sla([TicketCreated(created)], policy=STANDARD, calendar=VN, now=created)
    assert state.status is TicketStatus.NEW
    assert state.first_response.state is ClockState.RUNNING


def test_a_pause_over_tet_uses_no_business_time() -> None:
    # Answered and pending on Friday 13 Feb 2026; the customer writes back after Tết.
    events = [
        TicketCreated(datetime(2026, 2, 13, 9, tzinfo=HCM)),
        StaffReplied(datetime(2026, 2, 13, 10, tzinfo=HCM)),
        StatusChanged(datetime(2026, 2, 13, 10, tzinfo=HCM), TicketStatus.PENDING_CUSTOMER),
        CustomerReplied(datetime(2026, 2, 23, 8, tzinfo=HCM)),
    ]
    state = ticket_sla(
        events, policy=STANDARD, calendar=VN, now=datetime(2026, 2, 23, 8, tzinfo=HCM)
    )
    assert state.resolution.remaining == STANDARD.resolution - timedelta(hours=1)
    # Next response: one working day (8.5 h) from Monday 08:00 is Monday's close.
    assert state.next_response.due_at == datetime(2026, 2, 23, 17, 30, tzinfo=HCM)


def test_a_customer_answer_on_sunday_is_due_monday() -> None:
    events = [
        TicketCreated(datetime(2026, 3, 6, 9, tzinfo=HCM)),
        StaffReplied(datetime(2026, 3, 6, 9, 30, tzinfo=HCM)),
        CustomerReplied(datetime(2026, 3, 8, 21, tzinfo=HCM)),
    ]
    now = datetime(2026, 3, 8, 21, tzinfo=HCM)
    state = ticket_sla(events, policy=NEGATIVE_FEEDBACK, calendar=VN, now=now)
    assert state.next_response.due_at == datetime(2026, 3, 9, 12, tzinfo=HCM)


def test_a_shop_outside_vietnam_gets_the_same_week_in_its_own_zone_without_tet() -> None:
    berlin = default_calendar("Europe/Berlin")
    assert berlin.holidays == frozenset()
    created = datetime(2026, 2, 17, 9, tzinfo=ZoneInfo("Europe/Berlin"))  # Tết in Vietnam
    state = ticket_sla(
        [TicketCreated(created)], policy=NEGATIVE_FEEDBACK, calendar=berlin, now=created
    )
    assert state.first_response.due_at == datetime(
        2026, 2, 17, 11, tzinfo=ZoneInfo("Europe/Berlin")
    )
    assert default_calendar("Asia/Ho_Chi_Minh") == VN


moments = st.datetimes(
    min_value=datetime(2025, 1, 1), max_value=datetime(2030, 12, 1), timezones=st.just(UTC)
)


@settings(max_examples=60, deadline=None)
@given(created=moments, pause_hours=st.integers(min_value=0, max_value=400))
def test_business_deadlines_never_come_sooner_than_wall_clock_ones(
    created: datetime, pause_hours: int
) -> None:
    events = [
        TicketCreated(created),
        StatusChanged(created + timedelta(minutes=30), TicketStatus.PENDING_CUSTOMER),
        CustomerReplied(created + timedelta(minutes=30, hours=pause_hours)),
    ]
    now = events[-1].at
    state = ticket_sla(events, policy=STANDARD, calendar=VN, now=now)
    clock = state.resolution
    if clock.state is ClockState.RUNNING or clock.state is ClockState.WARNING:
        assert clock.due_at is not None
        used = STANDARD.resolution - (clock.remaining or timedelta(0))
        # The time still owed is exactly the open time between now and the deadline.
        assert business_time_between(VN, now, clock.due_at) == STANDARD.resolution - used
        assert clock.due_at - now >= STANDARD.resolution - used
