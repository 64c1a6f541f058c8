from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from careloop.core.errors import ValidationFailed
from careloop.support.calendar import BusinessCalendar
from careloop.support.sla import (
    NEGATIVE_FEEDBACK,
    PRIORITY_SUPPORT,
    STANDARD,
    URGENT,
    VIP,
    WORKING_DAY,
    ClockState,
    CustomerReplied,
    NoSlaRuleMatches,
    Priority,
    ProblemType,
    SlaPolicy,
    SlaRule,
    StaffReplied,
    StatusChanged,
    TicketCreated,
    TicketEvent,
    TicketFacts,
    TicketReopened,
    TicketSla,
    TicketStatus,
    select_policy,
    ticket_sla,
)

HCM = ZoneInfo("Asia/Ho_Chi_Minh")
SHANGHAI = ZoneInfo("Asia/Shanghai")
VN = BusinessCalendar.vietnam_default()
TWO_HOURS = SlaPolicy("two_hours", timedelta(hours=2), timedelta(hours=2), timedelta(hours=8))


def hcm(day: int, hour: int, minute: int = 0, month: int = 3) -> datetime:
    """A moment in March 2026 in Ho Chi Minh City: Monday is the 2nd, 9th, 16th."""
    return datetime(2026, month, day, hour, minute, tzinfo=HCM)


def sla(
    events: Sequence[TicketEvent],
    now: datetime,
    policy: SlaPolicy = TWO_HOURS,
    calendar: BusinessCalendar = VN,
) -> TicketSla:
    return ticket_sla(events, policy=policy, calendar=calendar, now=now)


# --- choosing a policy -----------------------------------------------------------------------


def test_ordinary_ticket_gets_one_working_day_for_a_first_answer() -> None:
    assert select_policy(TicketFacts()) == STANDARD
    assert STANDARD.first_response == WORKING_DAY == timedelta(hours=8, minutes=30)


def test_ticket_from_negative_feedback_must_be_answered_within_two_hours() -> None:
    policy = select_policy(TicketFacts(from_negative_feedback=True))
    assert policy == NEGATIVE_FEEDBACK
    assert policy.first_response == timedelta(hours=2)


def test_angry_customer_is_treated_like_negative_feedback() -> None:
    assert select_policy(TicketFacts(problem_type=ProblemType.ANGRY)) == NEGATIVE_FEEDBACK


def test_priority_support_entitlement_answers_within_four_hours() -> None:
    policy = select_policy(TicketFacts(entitlements=frozenset({"priority_support", "birthday"})))
    assert policy == PRIORITY_SUPPORT
    assert policy.first_response == timedelta(hours=4)


def test_vip_segment_halves_the_standard_targets() -> None:
    assert select_policy(TicketFacts(segment="vip")) == VIP
    assert VIP.first_response == STANDARD.first_response / 2
    assert VIP.resolution == STANDARD.resolution / 2


def test_urgent_priority_gets_the_urgent_policy() -> None:
    assert select_policy(TicketFacts(priority=Priority.URGENT)) == URGENT


def test_customer_who_matches_two_unrelated_rules_gets_the_faster_promise() -> None:
    facts = TicketFacts(segment="vip", from_negative_feedback=True)
    assert select_policy(facts) == NEGATIVE_FEEDBACK


def test_a_narrower_rule_overrides_the_wider_one_even_when_it_is_slower() -> None:
    relaxed = SlaPolicy("wholesale_how_to", 2 * WORKING_DAY, 2 * WORKING_DAY, 5 * WORKING_DAY)
    how_to = SlaPolicy("how_to", WORKING_DAY, WORKING_DAY, 2 * WORKING_DAY)
    rules = [
        SlaRule(STANDARD),
        SlaRule(how_to, problem_types=frozenset({ProblemType.HOW_TO_USE})),
        SlaRule(
            relaxed,
            problem_types=frozenset({ProblemType.HOW_TO_USE}),
            segments=frozenset({"wholesale"}),
        ),
    ]
    wholesale = TicketFacts(problem_type=ProblemType.HOW_TO_USE, segment="wholesale")
    assert select_policy(wholesale, rules) == relaxed
    retail = TicketFacts(problem_type=ProblemType.HOW_TO_USE, segment="retail")
    assert select_policy(retail, rules) == how_to


def test_a_rule_needs_every_entitlement_it_names() -> None:
    rule = SlaRule(VIP, entitlements=frozenset({"priority_support", "gold"}))
    assert not rule.matches(TicketFacts(entitlements=frozenset({"gold"})))
    assert rule.matches(TicketFacts(entitlements=frozenset({"gold", "priority_support"})))


def test_no_matching_rule_is_an_error() -> None:
    only_urgent = [SlaRule(URGENT, priorities=frozenset({Priority.URGENT}))]
    with pytest.raises(NoSlaRuleMatches):
        select_policy(TicketFacts(priority=Priority.LOW), only_urgent)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"first_response": timedelta(0)}, "first_response"),
        ({"resolution": -timedelta(hours=1)}, "resolution"),
        ({"warn_before": 1.5}, "warn_before"),
        ({"warn_before": -timedelta(minutes=5)}, "warn_before"),
    ],
)
def test_bad_policy_names_the_field(change: dict[str, object], field: str) -> None:
    values: dict[str, object] = {
        "name": "x",
        "first_response": timedelta(hours=1),
        "next_response": timedelta(hours=1),
        "resolution": timedelta(hours=1),
    }
    with pytest.raises(ValidationFailed) as caught:
        SlaPolicy(**(values | change))  # type: ignore[arg-type]
    assert [e.field for e in caught.value.errors] == [field]


# --- first response: weekends, holidays, time zones -------------------------------------------


def test_ticket_created_friday_evening_is_due_saturday_morning_in_vietnam() -> None:
    state = sla([TicketCreated(hcm(6, 19))], now=hcm(6, 23))
    clock = state.first_response
    assert clock.state is ClockState.RUNNING
    assert clock.due_at == hcm(7, 10)
    assert clock.remaining == timedelta(hours=2)


def test_ticket_created_saturday_evening_is_due_monday_morning() -> None:
    state = sla([TicketCreated(hcm(7, 19))], now=hcm(8, 12))
    assert state.first_response.due_at == hcm(9, 10)


def test_ticket_created_on_the_eve_of_tet_waits_until_the_shop_reopens() -> None:
    created = datetime(2026, 2, 15, 20, tzinfo=HCM)
    state = sla([TicketCreated(created)], now=created)
    assert state.first_response.due_at == datetime(2026, 2, 21, 10, tzinfo=HCM)


def test_lunch_break_stretches_the_deadline() -> None:
    state = sla([TicketCreated(hcm(2, 11))], now=hcm(2, 11))
    assert state.first_response.due_at == hcm(2, 14)


def test_customer_writing_from_shanghai_is_held_to_the_shop_calendar() -> None:
    written = datetime(2026, 3, 2, 8, 30, tzinfo=SHANGHAI)  # 07:30 in Ho Chi Minh City
    state = sla([TicketCreated(written)], now=written)
    assert state.first_response.due_at == hcm(2, 10)


def test_first_staff_reply_meets_the_first_response_clock() -> None:
    events = [TicketCreated(hcm(2, 9)), StaffReplied(hcm(2, 9, 30))]
    clock = sla(events, now=hcm(2, 15)).first_response
    assert clock.state is ClockState.MET
    assert clock.stopped_at == hcm(2, 9, 30)
    assert clock.remaining == timedelta(hours=1, minutes=30)
    assert clock.breached_at is None


# --- warning and breach --------------------------------------------------------------------


def test_clock_warns_in_the_last_quarter_of_its_target() -> None:
    created = TicketCreated(hcm(2, 8))
    assert sla([created], now=hcm(2, 9, 29)).first_response.state is ClockState.RUNNING
    warned = sla([created], now=hcm(2, 9, 31)).first_response
    assert warned.state is ClockState.WARNING
    assert warned.remaining == timedelta(minutes=29)


def test_warning_threshold_can_be_a_fixed_duration() -> None:
    policy = SlaPolicy(
        "fixed", timedelta(hours=2), timedelta(hours=2), timedelta(hours=8), True, timedelta(0)
    )
    created = TicketCreated(hcm(2, 8))
    assert sla([created], hcm(2, 9, 59), policy).first_response.state is ClockState.RUNNING
    assert sla([created], hcm(2, 10, 0), policy).first_response.state is ClockState.WARNING


def test_unanswered_ticket_past_its_due_moment_is_breached() -> None:
    clock = sla([TicketCreated(hcm(2, 8))], now=hcm(2, 10, 1)).first_response
    assert clock.state is ClockState.BREACHED
    assert clock.breached_at == hcm(2, 10)
    assert clock.remaining == -timedelta(minutes=1)
    assert clock.breaches == 1


def test_late_reply_stays_a_breach_at_the_due_moment() -> None:
    events = [TicketCreated(hcm(2, 8)), StaffReplied(hcm(2, 11))]
    state = sla(events, now=hcm(3, 9))
    assert state.first_response.state is ClockState.BREACHED
    assert state.first_response.breached_at == hcm(2, 10)
    assert state.breached


def test_reply_after_closing_time_misses_a_deadline_set_at_closing_time() -> None:
    # Due 17:30; no business time passes in the evening, yet 20:00 is still late.
    events = [TicketCreated(hcm(2, 16)), StaffReplied(hcm(2, 20))]
    clock = sla(events, now=hcm(2, 21), policy=SlaPolicy("1.5h", *[timedelta(hours=1.5)] * 3))
    assert clock.first_response.due_at == hcm(2, 17, 30)
    assert clock.first_response.state is ClockState.BREACHED
    assert clock.first_response.remaining == timedelta(0)


# --- pending customer pauses -----------------------------------------------------------------


def test_pending_customer_pauses_the_clock() -> None:
    events = [
        TicketCreated(hcm(2, 8)),
        StaffReplied(hcm(2, 9)),
        StatusChanged(hcm(2, 9), TicketStatus.PENDING_CUSTOMER),
    ]
    state = sla(events, now=hcm(5, 9))
    assert state.status is TicketStatus.PENDING_CUSTOMER
    assert state.resolution.state is ClockState.PAUSED
    assert state.resolution.remaining == timedelta(hours=7)
    assert state.resolution.due_at is None


def test_clock_resumes_where_it_stopped_when_the_customer_answers() -> None:
    events = [
        TicketCreated(hcm(2, 8)),
        StaffReplied(hcm(2, 9)),
        StatusChanged(hcm(2, 9), TicketStatus.PENDING_CUSTOMER),
        CustomerReplied(hcm(5, 8)),
    ]
    state = sla(events, now=hcm(5, 8))
    assert state.status is TicketStatus.OPEN
    assert state.resolution.state is ClockState.RUNNING
    # 1 h used on Monday, 7 h left from Thursday 08:00 (lunch excluded).
    assert state.resolution.due_at == hcm(5, 16)


def test_status_back_to_open_resumes_the_clock() -> None:
    events = [
        TicketCreated(hcm(2, 8)),
        StatusChanged(hcm(2, 9), TicketStatus.PENDING_CUSTOMER),
        StatusChanged(hcm(3, 8), TicketStatus.OPEN),
    ]
    assert sla(events, now=hcm(3, 8)).first_response.due_at == hcm(3, 9)


def test_a_clock_breached_before_the_pause_stays_breached() -> None:
    events = [
        TicketCreated(hcm(2, 8)),
        StatusChanged(hcm(2, 11), TicketStatus.PENDING_CUSTOMER),
    ]
    clock = sla(events, now=hcm(4, 8)).first_response
    assert clock.state is ClockState.BREACHED
    assert clock.due_at == clock.breached_at == hcm(2, 10)


# --- next response ---------------------------------------------------------------------------


def test_next_response_clock_waits_for_a_customer_reply() -> None:
    events = [TicketCreated(hcm(2, 8)), StaffReplied(hcm(2, 9))]
    assert sla(events, now=hcm(2, 15)).next_response.state is ClockState.NOT_STARTED


def test_customer_reply_before_the_first_answer_leaves_it_to_the_first_response_clock() -> None:
    events = [TicketCreated(hcm(2, 8)), CustomerReplied(hcm(2, 8, 30))]
    state = sla(events, now=hcm(2, 9))
    assert state.next_response.state is ClockState.NOT_STARTED
    assert state.first_response.due_at == hcm(2, 10)


def test_customer_reply_starts_the_next_response_clock() -> None:
    events = [TicketCreated(hcm(2, 8)), StaffReplied(hcm(2, 9)), CustomerReplied(hcm(2, 15))]
    clock = sla(events, now=hcm(2, 15)).next_response
    assert clock.state is ClockState.RUNNING
    assert clock.due_at == hcm(2, 17)


def test_next_response_clock_restarts_after_each_customer_reply() -> None:
    events = [
        TicketCreated(hcm(2, 8)),
        StaffReplied(hcm(2, 9)),
        CustomerReplied(hcm(2, 10)),
        StaffReplied(hcm(2, 11)),
        CustomerReplied(hcm(3, 14)),
    ]
    clock = sla(events, now=hcm(3, 14)).next_response
    assert clock.state is ClockState.RUNNING
    assert clock.due_at == hcm(3, 16)


def test_a_burst_of_customer_messages_does_not_push_the_deadline_out() -> None:
    events = [
        TicketCreated(hcm(2, 8)),
        StaffReplied(hcm(2, 9)),
        CustomerReplied(hcm(2, 13)),
        CustomerReplied(hcm(2, 14)),
        CustomerReplied(hcm(2, 14, 30)),
    ]
    assert sla(events, now=hcm(2, 14, 30)).next_response.due_at == hcm(2, 15)


def test_breached_next_response_is_still_counted_after_a_later_one_is_met() -> None:
    events = [
        TicketCreated(hcm(2, 8)),
        StaffReplied(hcm(2, 9)),
        CustomerReplied(hcm(2, 9, 30)),
        StaffReplied(hcm(2, 14)),  # due 11:30
        CustomerReplied(hcm(2, 15)),
        StaffReplied(hcm(2, 15, 10)),
    ]
    state = sla(events, now=hcm(2, 16))
    assert state.next_response.state is ClockState.MET
    assert state.next_response.breaches == 1
    assert state.breached


# --- resolution, reopening -------------------------------------------------------------------


def test_resolving_the_ticket_meets_the_resolution_clock() -> None:
    events = [
        TicketCreated(hcm(2, 8)),
        StaffReplied(hcm(2, 9)),
        StatusChanged(hcm(2, 10), TicketStatus.RESOLVED),
    ]
    clock = sla(events, now=hcm(9, 8)).resolution
    assert clock.state is ClockState.MET
    assert clock.remaining == timedelta(hours=6)


def test_reopened_ticket_keeps_the_resolution_time_already_used() -> None:
    events = [
        TicketCreated(hcm(2, 8)),
        StatusChanged(hcm(2, 10), TicketStatus.RESOLVED),
        TicketReopened(hcm(4, 8)),
    ]
    clock = sla(events, now=hcm(4, 8)).resolution
    assert clock.state is ClockState.RUNNING
    assert clock.due_at == hcm(4, 15)  # 6 h left from Wednesday 08:00, lunch excluded


def test_customer_reply_reopens_a_resolved_ticket_and_asks_for_an_answer() -> None:
    events = [
        TicketCreated(hcm(2, 8)),
        StaffReplied(hcm(2, 9)),
        StatusChanged(hcm(2, 9), TicketStatus.RESOLVED),
        CustomerReplied(hcm(3, 8)),
    ]
    state = sla(events, now=hcm(3, 8))
    assert state.status is TicketStatus.OPEN
    assert state.resolution.state is ClockState.RUNNING
    assert state.next_response.due_at == hcm(3, 10)


def test_closed_ticket_ignores_customer_replies() -> None:
    events = [
        TicketCreated(hcm(2, 8)),
        StaffReplied(hcm(2, 9)),
        StatusChanged(hcm(2, 9), TicketStatus.CLOSED),
        CustomerReplied(hcm(3, 8)),
    ]
    state = sla(events, now=hcm(6, 8))
    assert state.status is TicketStatus.CLOSED
    assert [c.state for c in state.clocks] == [
        ClockState.MET,
        ClockState.NOT_STARTED,
        ClockState.MET,
    ]


# --- replay, clock kinds, bad input ----------------------------------------------------------


def test_events_after_now_are_ignored() -> None:
    events = [TicketCreated(hcm(2, 8)), StaffReplied(hcm(2, 9))]
    assert sla(events, now=hcm(2, 8, 30)).first_response.state is ClockState.RUNNING


def test_the_same_history_gives_the_same_answer() -> None:
    events = [TicketCreated(hcm(2, 8)), CustomerReplied(hcm(2, 9))]
    assert sla(events, now=hcm(2, 12)) == sla(list(events), now=hcm(2, 12))


def test_wall_clock_policy_counts_nights_and_sundays() -> None:
    policy = SlaPolicy("24h", *[timedelta(hours=24)] * 3, business_hours=False)
    state = sla([TicketCreated(hcm(7, 19))], now=hcm(7, 19), policy=policy)
    assert state.first_response.due_at == hcm(8, 19)


def test_sla_follows_the_shop_calendar_across_dst() -> None:
    london = BusinessCalendar.from_dict(
        {
            "timezone": "Europe/London",
            "weekly_hours": {"mon": ["09:00-17:00"], "fri": ["09:00-17:00"]},
        }
    )
    created = datetime(2026, 3, 27, 16, tzinfo=ZoneInfo("Europe/London"))
    state = sla([TicketCreated(created)], now=created, calendar=london)
    assert state.first_response.due_at == datetime(
        2026, 3, 30, 10, tzinfo=ZoneInfo("Europe/London")
    )


def test_events_must_start_with_the_ticket_being_created() -> None:
    with pytest.raises(ValueError, match="start with TicketCreated"):
        sla([StaffReplied(hcm(2, 9))], now=hcm(2, 10))


def test_events_must_be_in_time_order() -> None:
    events = [TicketCreated(hcm(2, 9)), StaffReplied(hcm(2, 10)), CustomerReplied(hcm(2, 9, 30))]
    with pytest.raises(ValueError, match=r"events\[2\].*out of time order"):
        sla(events, now=hcm(2, 11))


def test_now_before_the_ticket_exists_is_an_error() -> None:
    with pytest.raises(ValueError, match="after now"):
        sla([TicketCreated(hcm(2, 9))], now=hcm(2, 8))
