"""Tết in any year and the shop's own days off stop the SLA business-hours clock.

Public holidays come from the `holidays` package (python-holidays 0.109, Vietnam): Tết 2031 is
Thursday 23 Jan (eve Wed 22 Jan through the 4th day Sun 26 Jan), and the Sunday inside it gives
Monday 27 Jan off (Labor Code 2019, Art. 111(3)).
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from careloop.core.errors import ValidationFailed
from careloop.shops.models import Shop
from careloop.support.calendar import BusinessCalendar
from careloop.support.config import parse_days_off, support_settings
from careloop.support.sla import NEGATIVE_FEEDBACK, TicketCreated, ticket_sla

HCM = ZoneInfo("Asia/Ho_Chi_Minh")
VN = BusinessCalendar.vietnam_default()


def _first_response_due(calendar: BusinessCalendar, created: datetime) -> datetime:
    state = ticket_sla(
        [TicketCreated(created)], policy=NEGATIVE_FEEDBACK, calendar=calendar, now=created
    )
    due = state.first_response.due_at
    assert due is not None
    return due.astimezone(HCM)


def test_an_sla_deadline_across_tet_2031_waits_until_the_shop_reopens() -> None:
    # Tuesday 21 Jan 2031 16:00: one business hour before Tết closes the shop for a week.
    created = datetime(2031, 1, 21, 16, tzinfo=HCM)
    assert _first_response_due(VN, created) == datetime(2031, 1, 28, 8, 30, tzinfo=HCM)


def test_an_sla_deadline_across_a_shops_own_day_off_skips_it() -> None:
    shop = Shop(timezone="Asia/Ho_Chi_Minh", settings={"support": {"days_off": ["2031-01-28"]}})
    calendar = support_settings(shop).calendar
    assert calendar.is_holiday(date(2031, 1, 28)) and calendar.is_holiday(date(2031, 1, 23))
    created = datetime(2031, 1, 21, 16, tzinfo=HCM)
    assert _first_response_due(calendar, created) == datetime(2031, 1, 29, 8, 30, tzinfo=HCM)


def test_days_off_are_typed_day_first_and_bad_ones_are_named() -> None:
    days, bad = parse_days_off("28/01/2031\n 3/2/2031 ; 28/01/2031, 31/02/2031, 2031-02-05")
    assert days == [date(2031, 1, 28), date(2031, 2, 3)]
    assert bad == ["31/02/2031", "2031-02-05"]


def test_a_stored_day_off_that_is_not_a_date_is_refused_by_field() -> None:
    shop = Shop(timezone="Asia/Ho_Chi_Minh", settings={"support": {"days_off": ["28/01/2031"]}})
    with pytest.raises(ValidationFailed) as caught:
        support_settings(shop)
    assert caught.value.errors[0].field == "support.days_off[0]"


def test_a_calendar_saved_before_public_holidays_were_computed_still_closes_on_tet_2031() -> None:
    # The hours form used to store the 2025-2030 table as plain dates and no public_holidays.
    old = {"timezone": "Asia/Ho_Chi_Minh", "weekly_hours": {"mon": ["08:00-17:00"]}}
    old["holidays"] = ["2030-02-02"]
    shop = Shop(timezone="Asia/Ho_Chi_Minh", settings={"support": {"calendar": old}})
    assert support_settings(shop).calendar.is_holiday(date(2031, 1, 23))
    chosen = {**old, "public_holidays": None}
    shop = Shop(timezone="Asia/Ho_Chi_Minh", settings={"support": {"calendar": chosen}})
    assert not support_settings(shop).calendar.is_holiday(date(2031, 1, 23))
