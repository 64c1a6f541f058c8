"""Occasions a message counts down to (a birthday, a run-out date): how many days are left
on the customer's calendar, and whether the occasion has already passed. Pure.

A birthday journey enrolled late (a catch-up scan, a deferred send) must never say
"Còn -2 ngày nữa là sinh nhật bạn": the send step skips a passed occasion (rule
`occasion_passed`), and the count is taken again on the day the message goes.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

RULE_OCCASION_PASSED = "occasion_passed"
# Context fields holding the ISO day of the occasion that `days_left` counts down to.
OCCASION_FIELDS = ("birthday", "runout_date")


def occasion_day(context: Mapping[str, Any]) -> date | None:
    """The ISO day of the occasion in a journey's context, or None when there is none."""
    for name in OCCASION_FIELDS:
        value = context.get(name)
        if isinstance(value, str) and len(value) >= 10:
            try:
                return date.fromisoformat(value[:10])
            except ValueError:
                continue
    return None


def days_left(context: Mapping[str, Any], today: date) -> int | None:
    """Days from the customer's `today` to the occasion (0 on the day), counted again now;
    the enrolment's own `days_left` when the context has no occasion day."""
    day = occasion_day(context)
    if day is not None:
        return (day - today).days
    value = context.get("days_left")
    return value if isinstance(value, int) else None


def occasion_passed(context: Mapping[str, Any], today: date) -> bool:
    left = days_left(context, today)
    return left is not None and left < 0
