"""The plausible range of a moment the product accepts from outside (API bodies, webhooks,
events, imports): 1970-01-01 to 2100-12-31 UTC. A year-9999 timestamp is never a real order,
and stored it broke every page that adds a day to it or converts it to a time zone.
Birthdays may be older (from 1900)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from careloop.core.clock import ensure_aware

EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(2100, 12, 31, 23, 59, 59, tzinfo=UTC)
EARLIEST_BIRTHDAY = date(1900, 1, 1)


def plausible_moment(moment: datetime) -> datetime:
    """`moment` in UTC, or ValueError naming the range (pydantic turns it into a 422 with
    the field's name)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    if not EARLIEST <= moment <= LATEST:
        raise ValueError("must be between 1970-01-01 and 2100-12-31")
    return ensure_aware(moment)


def plausible_optional(moment: datetime | None) -> datetime | None:
    return None if moment is None else plausible_moment(moment)


def plausible_birthday(day: date | None) -> date | None:
    if day is not None and not EARLIEST_BIRTHDAY <= day <= LATEST.date():
        raise ValueError("must be between 1900-01-01 and 2100-12-31")
    return day
