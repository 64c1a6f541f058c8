"""Counts that would go negative are never sent (issue 17: a birthday catch-up said
"Còn -2 ngày nữa là sinh nhật bạn"): the send step skips a passed occasion and the count
is taken again on the day the message goes."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from careloop.channels.models import Message
from careloop.journeys.occasions import RULE_OCCASION_PASSED, days_left, occasion_passed
from tests.journeys.conftest import World

LATE_BIRTHDAY = """
key: late_birthday
name: Birthday wish held five days
trigger: {date: birthday, days_before: 3}
steps:
  - id: hold
    wait: {duration: 5d}
  - id: wish
    send: {channels: [email], template: birthday.wish, kind: marketing}
"""


def test_days_left_is_counted_again_from_the_occasion_day() -> None:
    context = {"birthday": "2026-11-05", "days_left": 3}
    assert days_left(context, date(2026, 11, 2)) == 3
    assert days_left(context, date(2026, 11, 4)) == 1
    assert days_left(context, date(2026, 11, 5)) == 0
    assert occasion_passed(context, date(2026, 11, 7))
    assert not occasion_passed({"days_left": 0}, date(2030, 1, 1))
    assert not occasion_passed({}, date(2030, 1, 1))


def test_a_birthday_wish_due_after_the_birthday_is_skipped_with_its_rule(world: World) -> None:
    world.install(text=LATE_BIRTHDAY)
    soon = world.clock.now().date() + timedelta(days=3)
    mai = world.customer(birthday=date(1990, soon.month, soon.day))
    world.work()
    world.days_later(6)
    with world.session() as s:
        rows = list(s.scalars(select(Message).where(Message.customer_id == mai.id)))
    assert [(m.template_key, m.status, m.reason) for m in rows] == [
        ("birthday.wish", "suppressed", RULE_OCCASION_PASSED)
    ]
