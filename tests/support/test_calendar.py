from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from careloop.core.errors import ValidationFailed
from careloop.support.calendar import (
    BusinessCalendar,
    OpeningInterval,
    add_business_time,
    business_time_between,
    hung_kings_day,
    is_open,
    next_open,
    tet,
    vietnam_public_holidays,
    with_compensatory_days,
)

HCM = ZoneInfo("Asia/Ho_Chi_Minh")
SHANGHAI = ZoneInfo("Asia/Shanghai")
LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")
VN = BusinessCalendar.vietnam_default()


def hours(n: float) -> timedelta:
    return timedelta(hours=n)


def local(
    zone: ZoneInfo, year: int, month: int, day: int, hour: int = 0, minute: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=zone)


def office(timezone: str, spec: str, days: int = 5) -> BusinessCalendar:
    """Open `spec` (e.g. "09:00-12:00,13:00-17:00") on the first `days` weekdays."""
    day = tuple(OpeningInterval.parse(part) for part in spec.split(","))
    return BusinessCalendar(timezone, (day,) * days + ((),) * (7 - days))


LONDON_OFFICE = office("Europe/London", "09:00-17:00")
NEW_YORK_OFFICE = office("America/New_York", "09:00-17:00")
# Edges inside the hours that DST skips or repeats, to exercise the wall-clock rules.
NEW_YORK_NIGHT_SHIFT = BusinessCalendar(
    "America/New_York",
    (
        (OpeningInterval.parse("01:00-02:00"), OpeningInterval.parse("08:00-12:00")),
        *[(OpeningInterval.parse("08:00-12:00"),)] * 5,
        tuple(OpeningInterval.parse(s) for s in ("00:00-01:30", "01:30-02:30", "03:00-24:00")),
    ),
    frozenset({date(2026, 3, 10)}),
)
LONDON_LATE = office("Europe/London", "00:30-01:30,09:00-17:00", days=7)


# --- weekends, lunch, outside hours ----------------------------------------------------------


def test_ticket_created_friday_evening_is_due_monday_morning() -> None:
    due = add_business_time(LONDON_OFFICE, local(LONDON, 2026, 3, 6, 19), hours(2))
    assert due == local(LONDON, 2026, 3, 9, 11)


def test_vietnamese_shop_works_saturday_so_friday_evening_is_due_saturday_morning() -> None:
    due = add_business_time(VN, local(HCM, 2026, 3, 6, 19), hours(2))
    assert due == local(HCM, 2026, 3, 7, 10)


def test_saturday_evening_waits_for_monday_because_sunday_is_closed() -> None:
    due = add_business_time(VN, local(HCM, 2026, 3, 7, 17), hours(1))
    assert due == local(HCM, 2026, 3, 9, 8, 30)


def test_lunch_break_does_not_count() -> None:
    assert add_business_time(VN, local(HCM, 2026, 3, 2, 11), hours(2)) == local(HCM, 2026, 3, 2, 14)


def test_without_a_lunch_break_the_day_runs_straight_through() -> None:
    no_lunch = BusinessCalendar.vietnam_default(lunch_break=False)
    due = add_business_time(no_lunch, local(HCM, 2026, 3, 2, 11), hours(2))
    assert due == local(HCM, 2026, 3, 2, 13)


def test_a_duration_that_fills_the_morning_is_due_at_noon_not_after_lunch() -> None:
    assert add_business_time(VN, local(HCM, 2026, 3, 2, 11), hours(1)) == local(HCM, 2026, 3, 2, 12)


def test_start_before_opening_counts_from_opening() -> None:
    due = add_business_time(LONDON_OFFICE, local(LONDON, 2026, 3, 2, 6), hours(1))
    assert due == local(LONDON, 2026, 3, 2, 10)


def test_start_after_closing_counts_from_next_opening() -> None:
    due = add_business_time(LONDON_OFFICE, local(LONDON, 2026, 3, 2, 20), hours(1))
    assert due == local(LONDON, 2026, 3, 3, 10)


def test_zero_duration_is_due_at_once_even_outside_hours() -> None:
    sunday = local(HCM, 2026, 3, 8, 3)
    assert add_business_time(VN, sunday, timedelta(0)) == sunday


def test_results_are_in_utc() -> None:
    due = add_business_time(VN, local(HCM, 2026, 3, 2, 9), hours(1))
    assert due.tzinfo is UTC
    assert next_open(VN, local(HCM, 2026, 3, 8, 9)).tzinfo is UTC


# --- many days -------------------------------------------------------------------------------


def test_six_working_days_from_monday_morning_end_saturday_at_closing() -> None:
    monday = local(HCM, 2026, 3, 2, 8)
    assert add_business_time(VN, monday, 6 * hours(8.5)) == local(HCM, 2026, 3, 7, 17, 30)
    after = add_business_time(VN, monday, 6 * hours(8.5) + timedelta(minutes=1))
    assert after == local(HCM, 2026, 3, 9, 8, 1)


def test_a_thousand_business_hours_is_twenty_weeks_of_a_51_hour_week() -> None:
    no_holidays = BusinessCalendar("Asia/Ho_Chi_Minh", VN.weekly_hours)
    monday = local(HCM, 2025, 6, 2, 8)
    due = add_business_time(no_holidays, monday, hours(1020))
    assert due == local(HCM, 2025, 10, 18, 17, 30)  # Saturday of the 20th week
    assert business_time_between(no_holidays, monday, due) == hours(1020)


def test_a_thousand_business_hours_takes_well_under_a_millisecond() -> None:
    # CPU time of this thread, not wall time: other processes on a busy machine take the
    # wall clock, not this thread's cycles, so the bound holds however loaded CI is.
    start = local(HCM, 2026, 1, 5, 9)
    best = float("inf")
    for _ in range(5):
        began = time.thread_time()
        for _ in range(20):
            add_business_time(VN, start, hours(1000))
        best = min(best, (time.thread_time() - began) / 20)
    assert best < 0.002  # measured about 0.3 ms


def test_business_time_between_is_negative_when_end_precedes_start() -> None:
    start, end = local(HCM, 2026, 3, 2, 9), local(HCM, 2026, 3, 2, 11)
    assert business_time_between(VN, end, start) == -hours(2)


# --- Tết and public holidays -----------------------------------------------------------------


def test_tet_closes_the_shop_from_the_eve_through_the_fourth_day() -> None:
    # Tết 2026 is Tuesday 17 Feb: closed Mon 16 to Fri 20, open again Saturday 21.
    due = add_business_time(VN, local(HCM, 2026, 2, 14, 17), hours(1))
    assert due == local(HCM, 2026, 2, 21, 8, 30)


@pytest.mark.parametrize(
    ("year", "new_year"),
    [
        (2025, date(2025, 1, 29)),
        (2026, date(2026, 2, 17)),
        (2027, date(2027, 2, 6)),
        (2028, date(2028, 1, 26)),
        (2029, date(2029, 2, 13)),
        # Not China's 3 Feb: the new moon is 23:07 in Hanoi, past midnight in Beijing.
        (2030, date(2030, 2, 2)),
        # Past the old hand table: Tết Tân Hợi 2031 and Tết Ất Sửu 2045, as the `holidays`
        # package (python-holidays 0.109, countries/vietnam.py) publishes them.
        (2031, date(2031, 1, 23)),
        (2045, date(2045, 2, 17)),
    ],
)
def test_tet_follows_the_vietnamese_lunar_calendar(year: int, new_year: date) -> None:
    assert tet(year) == new_year
    holidays = vietnam_public_holidays([year])
    assert {new_year + timedelta(days=n) for n in range(-1, 4)} <= holidays
    assert new_year - timedelta(days=2) not in holidays
    assert new_year + timedelta(days=4) not in holidays


def test_hung_kings_day_is_the_tenth_of_the_third_lunar_month() -> None:
    expected = {
        2025: date(2025, 4, 7),
        2026: date(2026, 4, 26),
        2027: date(2027, 4, 16),
        2028: date(2028, 4, 4),
        2029: date(2029, 4, 23),
        2030: date(2030, 4, 12),
        2031: date(2031, 4, 1),
        2045: date(2045, 4, 26),
    }
    assert {year: hung_kings_day(year) for year in expected} == expected


def test_public_holidays_include_the_fixed_days() -> None:
    holidays = vietnam_public_holidays([2026])
    fixed = {(1, 1), (4, 26), (4, 30), (5, 1), (9, 1), (9, 2), (11, 24)}
    assert {date(2026, m, d) for m, d in fixed} <= holidays
    # Plus the Government's 2026 swap: Monday 31 Aug off, worked on Saturday 22 Aug.
    assert holidays - {date(2026, m, d) for m, d in fixed} == {
        *(date(2026, 2, 17) + timedelta(days=n) for n in range(-1, 4)),
        date(2026, 8, 31),
    }


def test_any_year_has_public_holidays_no_table_runs_out() -> None:
    for year in (2031, 2045, 2100):
        assert date(year, 4, 30) in vietnam_public_holidays([year])
        assert VN.is_holiday(tet(year))


def test_holiday_on_a_closed_sunday_gives_the_next_working_day_off() -> None:
    # Hùng Kings 2026 falls on Sunday 26 April.
    assert VN.is_holiday(date(2026, 4, 27))
    seven_days = (*VN.weekly_hours[:6], VN.weekly_hours[0])
    public = vietnam_public_holidays([2026])
    assert date(2026, 4, 27) not in with_compensatory_days(public, seven_days)


def test_a_sunday_inside_tet_is_made_up_after_the_last_day() -> None:
    # Tết 2027: Fri 5 Feb to Tue 9 Feb with Sunday 7 Feb inside it.
    assert VN.is_holiday(date(2027, 2, 10))
    assert not VN.is_holiday(date(2027, 2, 11))


# --- DST and time zones ----------------------------------------------------------------------


def test_london_opening_hours_keep_their_wall_clock_across_spring_forward() -> None:
    # Clocks go forward on Sunday 29 March 2026: 09:00 is 09:00 GMT on Friday, 08:00 UTC Monday.
    due = add_business_time(LONDON_OFFICE, local(LONDON, 2026, 3, 27, 16), hours(2))
    assert due == local(LONDON, 2026, 3, 30, 10)
    assert due == datetime(2026, 3, 30, 9, tzinfo=UTC)


def test_new_york_opening_hours_keep_their_wall_clock_across_fall_back() -> None:
    due = add_business_time(NEW_YORK_OFFICE, local(NEW_YORK, 2026, 10, 30, 16), hours(2))
    assert due == datetime(2026, 11, 2, 15, tzinfo=UTC)  # 10:00 EST


def test_a_full_day_open_on_spring_forward_sunday_lasts_23_hours() -> None:
    sundays = BusinessCalendar("America/New_York", ((),) * 6 + ((OpeningInterval(0, 1440),),))
    start, end = local(NEW_YORK, 2026, 3, 7), local(NEW_YORK, 2026, 3, 9)
    assert business_time_between(sundays, start, end) == hours(23)
    start, end = local(NEW_YORK, 2026, 10, 31), local(NEW_YORK, 2026, 11, 2)
    assert business_time_between(sundays, start, end) == hours(25)


def test_an_hour_the_clock_repeats_is_open_twice_and_one_it_skips_not_at_all() -> None:
    one_to_two = office("America/New_York", "01:00-02:00", days=7)
    two_to_three = office("America/New_York", "02:00-03:00", days=7)
    fall_back = (local(NEW_YORK, 2026, 11, 1), local(NEW_YORK, 2026, 11, 2))
    spring_forward = (local(NEW_YORK, 2026, 3, 8), local(NEW_YORK, 2026, 3, 9))
    assert business_time_between(one_to_two, *fall_back) == hours(2)
    assert business_time_between(one_to_two, *spring_forward) == hours(1)
    assert business_time_between(two_to_three, *spring_forward) == timedelta(0)


def test_always_open_counts_plain_elapsed_time_across_dst() -> None:
    calendar = BusinessCalendar.always_open("Europe/London")
    start, end = local(LONDON, 2026, 3, 28), local(LONDON, 2026, 3, 30)
    assert business_time_between(calendar, start, end) == hours(47)
    assert add_business_time(calendar, start, hours(47)) == end


def test_shop_calendar_governs_not_the_customer_time_zone() -> None:
    # 08:30 in Shanghai is 07:30 in Ho Chi Minh City: the shop is not open yet.
    written = local(SHANGHAI, 2026, 3, 2, 8, 30)
    due = add_business_time(VN, written, hours(1))
    assert due == local(HCM, 2026, 3, 2, 9)
    assert due == local(SHANGHAI, 2026, 3, 2, 10)


# --- is_open / next_open ---------------------------------------------------------------------


def test_is_open_inside_hours_and_closed_at_lunch() -> None:
    assert is_open(VN, local(HCM, 2026, 3, 2, 10))
    assert not is_open(VN, local(HCM, 2026, 3, 2, 12, 30))
    assert next_open(VN, local(HCM, 2026, 3, 2, 12, 30)) == local(HCM, 2026, 3, 2, 13)


def test_closing_time_itself_is_closed() -> None:
    closing = local(HCM, 2026, 3, 2, 17, 30)
    assert not is_open(VN, closing)
    assert next_open(VN, closing) == local(HCM, 2026, 3, 3, 8)


def test_next_open_during_tet_is_the_first_working_day_after_it() -> None:
    assert next_open(VN, local(HCM, 2026, 2, 17, 10)) == local(HCM, 2026, 2, 21, 8)


def test_next_open_while_open_is_the_moment_itself() -> None:
    moment = local(HCM, 2026, 3, 2, 9, 15)
    assert next_open(VN, moment) == moment


# --- bad input -------------------------------------------------------------------------------


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        add_business_time(VN, datetime(2026, 3, 2, 9), hours(1))
    with pytest.raises(ValueError, match="end must be timezone-aware"):
        business_time_between(VN, local(HCM, 2026, 3, 2, 9), datetime(2026, 3, 2, 9))


def test_negative_durations_are_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        add_business_time(VN, local(HCM, 2026, 3, 2, 9), -hours(1))


def test_overnight_intervals_are_refused_with_a_way_out() -> None:
    with pytest.raises(ValueError, match=r"overnight .*22:00-24:00 and 00:00-02:00"):
        OpeningInterval.parse("22:00-02:00")


@pytest.mark.parametrize("text", ["8-12", "08:00", "08:60-09:00", "24:30-25:00", "09:00-09:00"])
def test_malformed_intervals_are_refused(text: str) -> None:
    with pytest.raises(ValueError):
        OpeningInterval.parse(text)


# --- JSON ------------------------------------------------------------------------------------


def test_calendar_survives_a_json_round_trip() -> None:
    stored = VN.to_dict()
    assert stored["weekly_hours"]["mon"] == ["08:00-12:00", "13:00-17:30"]
    assert stored["weekly_hours"]["sun"] == []
    assert stored["public_holidays"] == "VN"  # computed per year, not frozen into the JSON
    assert BusinessCalendar.from_dict(stored) == VN


def test_missing_weekdays_are_closed() -> None:
    calendar = BusinessCalendar.from_dict(
        {"timezone": "Asia/Shanghai", "weekly_hours": {"mon": ["09:00-18:00"]}}
    )
    assert calendar.weekly_hours[1:] == ((),) * 6
    assert calendar.holidays == frozenset()


GOOD: dict[str, Any] = {"timezone": "Asia/Ho_Chi_Minh", "weekly_hours": {"mon": ["08:00-17:00"]}}


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"timezone": "Asia/Hanoi_City"}, "timezone", "unknown IANA time zone"),
        ({"timezone": None}, "timezone", "required"),
        ({"weekly_hours": {"fri": ["22:00-02:00"]}}, "weekly_hours.fri[0]", "overnight"),
        ({"weekly_hours": {"mon": ["8h-12h"]}}, "weekly_hours.mon[0]", "not a time"),
        ({"weekly_hours": {"funday": []}}, "weekly_hours.funday", "unknown weekday"),
        ({"weekly_hours": {"mon": "08:00-12:00"}}, "weekly_hours.mon", "list"),
        ({"weekly_hours": {"tue": ["08:00-12:00", "11:00-13:00"]}}, "weekly_hours.tue", "overlap"),
        ({"weekly_hours": {}}, "weekly_hours", "never open"),
        ({"holidays": ["2026-02-17", "17/02/2026"]}, "holidays[1]", "YYYY-MM-DD"),
        ({"opening": {}}, "opening", "unknown field"),
    ],
)
def test_bad_calendar_json_names_the_field(change: dict[str, Any], field: str, words: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        BusinessCalendar.from_dict(GOOD | change)
    assert any(e.field == field and words in e.reason for e in caught.value.errors), caught.value


# --- properties ------------------------------------------------------------------------------

CALENDARS = [
    VN,
    BusinessCalendar.vietnam_default(lunch_break=False),
    LONDON_OFFICE,
    LONDON_LATE,
    NEW_YORK_NIGHT_SHIFT,
    BusinessCalendar.always_open("America/New_York"),
]
moments = st.datetimes(
    min_value=datetime(2025, 1, 1), max_value=datetime(2030, 6, 30), timezones=st.just(UTC)
)
durations = st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=20))


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(CALENDARS), moments, durations, durations)
def test_adding_in_two_steps_equals_adding_the_sum(
    calendar: BusinessCalendar, start: datetime, first: timedelta, second: timedelta
) -> None:
    in_two_steps = add_business_time(calendar, add_business_time(calendar, start, first), second)
    assert in_two_steps == add_business_time(calendar, start, first + second)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(CALENDARS), moments, durations)
def test_business_time_until_the_due_moment_is_the_duration(
    calendar: BusinessCalendar, start: datetime, duration: timedelta
) -> None:
    due = add_business_time(calendar, start, duration)
    assert business_time_between(calendar, start, due) == duration
    if duration:  # and it is the earliest such moment
        assert business_time_between(calendar, start, due - timedelta(microseconds=1)) < duration


def _open_by_wall_clock(calendar: BusinessCalendar, at: datetime) -> bool:
    wall = at.astimezone(calendar.zone)
    minute = wall.hour * 60 + wall.minute
    return not calendar.is_holiday(wall.date()) and any(
        iv.start_minute <= minute < iv.end_minute for iv in calendar.weekly_hours[wall.weekday()]
    )


DST_DAYS = [
    datetime(2026, 3, 8, tzinfo=UTC),
    datetime(2026, 11, 1, tzinfo=UTC),
    datetime(2026, 3, 29, tzinfo=UTC),
    datetime(2026, 10, 25, tzinfo=UTC),
    datetime(2026, 2, 16, tzinfo=UTC),
]


@settings(max_examples=60, deadline=None)
@given(
    st.sampled_from(CALENDARS),
    st.sampled_from(DST_DAYS),
    st.integers(min_value=-36 * 60, max_value=36 * 60),
    st.integers(min_value=0, max_value=48 * 60),
)
def test_business_time_agrees_with_counting_minutes_on_the_wall_clock(
    calendar: BusinessCalendar, day: datetime, offset: int, length: int
) -> None:
    start = day + timedelta(minutes=offset)
    steps = [start + timedelta(minutes=m) for m in range(length)]
    counted = sum(_open_by_wall_clock(calendar, at) for at in steps)
    end = start + timedelta(minutes=length)
    assert business_time_between(calendar, start, end) == timedelta(minutes=counted)
    assert is_open(calendar, start) == _open_by_wall_clock(calendar, start)
