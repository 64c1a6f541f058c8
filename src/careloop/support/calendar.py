"""Business calendars and business-time arithmetic, pure (no I/O, no clock).

A calendar is a shop's weekly opening hours in its own IANA time zone plus its holidays (local
dates). Business time is real elapsed time while the shop is open, so an interval that spans a
DST change counts the hours that actually passed. Functions take aware datetimes and return UTC.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from typing import Any, Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from careloop.core.errors import FieldError, ValidationFailed

WEEKDAYS: Final = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MINUTES_PER_DAY: Final = 24 * 60
_DAY: Final = timedelta(days=1)
_ZERO: Final = timedelta(0)
_TICK: Final = timedelta(microseconds=1)
_HHMM: Final = re.compile(r"^(\d{1,2}):(\d{2})$")
_CALENDAR_FIELDS: Final = frozenset({"timezone", "weekly_hours", "holidays", "public_holidays"})
# Countries whose public holidays a calendar can follow (ISO 3166-1 alpha-2, as `holidays` names
# them); computed per year from the package, so no year is out of range.
PUBLIC_HOLIDAY_COUNTRIES: Final = frozenset({"VN"})

# A stretch of open time as naive UTC datetimes (start, end); internal arithmetic stays naive so
# comparisons never consult a tzinfo.
_Span = tuple[datetime, datetime]


@dataclass(frozen=True, slots=True, order=True)
class OpeningInterval:
    """Open from `start_minute` to `end_minute` after local midnight; 1440 (24:00) ends a day."""

    start_minute: int
    end_minute: int

    def __post_init__(self) -> None:
        if (
            not 0 <= self.start_minute < MINUTES_PER_DAY
            or not 0 < self.end_minute <= MINUTES_PER_DAY
        ):
            raise ValueError(f"{self} is outside 00:00-24:00")
        if self.end_minute < self.start_minute:
            raise ValueError(
                f"overnight interval {self} is not supported: split it at midnight into "
                f"{_hhmm(self.start_minute)}-24:00 and 00:00-{_hhmm(self.end_minute)} next day"
            )
        if self.end_minute == self.start_minute:
            raise ValueError(f"interval {self} is empty")

    @classmethod
    def parse(cls, text: str) -> OpeningInterval:
        """Read `"08:00-12:00"`; raises ValueError saying what is wrong."""
        if not isinstance(text, str) or text.count("-") != 1:
            raise ValueError(f"{text!r} is not an interval like '08:00-12:00'")
        start, end = (part.strip() for part in text.split("-"))
        return cls(_parse_minute(start), _parse_minute(end))

    def __str__(self) -> str:
        return f"{_hhmm(self.start_minute)}-{_hhmm(self.end_minute)}"


def _parse_minute(text: str) -> int:
    match = _HHMM.match(text)
    if match is None:
        raise ValueError(f"{text!r} is not a time like '08:30'")
    hours, minutes = int(match[1]), int(match[2])
    if minutes > 59 or hours > 24 or (hours == 24 and minutes):
        raise ValueError(f"{text!r} is not a time between 00:00 and 24:00")
    return hours * 60 + minutes


def _hhmm(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


@dataclass(frozen=True, slots=True)
class _WeekPlan:
    """What the arithmetic needs, derived once per calendar."""

    zone: ZoneInfo
    # Per weekday, Monday first: the opening intervals as offsets from local midnight.
    offsets: tuple[tuple[tuple[timedelta, timedelta], ...], ...]
    totals: tuple[timedelta, ...]
    # 24x7 with no holidays: business time is plain elapsed time, no walking needed.
    always_open: bool


@dataclass(frozen=True)
class BusinessCalendar:
    """A shop's opening hours (Monday first, local wall-clock), its own days off (local dates)
    and, optionally, a country whose public holidays (with compensatory days for the shop's
    week) are closed too, computed for whatever year is asked."""

    timezone: str
    weekly_hours: tuple[tuple[OpeningInterval, ...], ...]
    holidays: frozenset[date] = frozenset()
    public_holidays: str | None = None
    _plan: _WeekPlan = field(init=False, repr=False, compare=False)
    # Per year, the public days off (computed on first use; the arithmetic asks once per day).
    _public_by_year: dict[int, frozenset[date]] = field(
        init=False, repr=False, compare=False, default_factory=dict
    )

    def __post_init__(self) -> None:
        errors: list[FieldError] = []
        zone = _zone_or_error(self.timezone, errors)
        hours = _normalised_week(self.weekly_hours, errors)
        holidays = frozenset(self.holidays)
        if any(not isinstance(d, date) or isinstance(d, datetime) for d in holidays):
            errors.append(FieldError("holidays", "must hold dates (no times)"))
        if (
            self.public_holidays is not None
            and self.public_holidays not in PUBLIC_HOLIDAY_COUNTRIES
        ):
            errors.append(
                FieldError("public_holidays", f"unknown country {self.public_holidays!r}; use VN")
            )
        if errors or zone is None:
            raise ValidationFailed(errors)
        object.__setattr__(self, "weekly_hours", hours)
        object.__setattr__(self, "holidays", holidays)
        closes = bool(holidays) or self.public_holidays is not None
        object.__setattr__(self, "_plan", _week_plan(zone, hours, closes))

    def is_holiday(self, day: date) -> bool:
        """Closed all day: one of the shop's own days off or a public holiday (any year)."""
        if day in self.holidays:
            return True
        if self.public_holidays is None:
            return False
        year_days = self._public_by_year.get(day.year)
        if year_days is None:
            year_days = _public_days_off(self.public_holidays, day.year, self.weekly_hours)
            self._public_by_year[day.year] = year_days
        return day in year_days

    def with_days_off(self, days: Iterable[date]) -> BusinessCalendar:
        """The same calendar with the shop's own extra days off added."""
        return BusinessCalendar(
            self.timezone, self.weekly_hours, self.holidays | frozenset(days), self.public_holidays
        )

    @property
    def zone(self) -> ZoneInfo:
        return self._plan.zone

    @classmethod
    def always_open(cls, timezone: str = "UTC") -> BusinessCalendar:
        """Open 24 hours, 7 days, no holidays: business time equals wall-clock time."""
        full_day = (OpeningInterval(0, MINUTES_PER_DAY),)
        return cls(timezone, (full_day,) * 7)

    @classmethod
    def vietnam_default(cls, *, lunch_break: bool = True) -> BusinessCalendar:
        """Mon-Sat 08:00-17:30 in Asia/Ho_Chi_Minh, closed 12:00-13:00 for lunch unless
        `lunch_break=False`, with Vietnamese public holidays of any year (from the `holidays`
        package) and their compensatory days."""
        day: tuple[OpeningInterval, ...]
        if lunch_break:
            day = (OpeningInterval(8 * 60, 12 * 60), OpeningInterval(13 * 60, 17 * 60 + 30))
        else:
            day = (OpeningInterval(8 * 60, 17 * 60 + 30),)
        week = (day,) * 6 + ((),)
        return cls("Asia/Ho_Chi_Minh", week, public_holidays="VN")

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> BusinessCalendar:
        """Build from the JSON shape `to_dict` writes; ValidationFailed names each bad field."""
        errors = [FieldError(key, "unknown field") for key in data if key not in _CALENDAR_FIELDS]
        timezone = data.get("timezone")
        if not isinstance(timezone, str):
            errors.append(FieldError("timezone", "required: an IANA name like 'Asia/Ho_Chi_Minh'"))
        week = _week_from_json(data.get("weekly_hours"), errors)
        holidays = _holidays_from_json(data.get("holidays", []), errors)
        country = data.get("public_holidays")
        if country is not None and country not in PUBLIC_HOLIDAY_COUNTRIES:
            errors.append(FieldError("public_holidays", f"unknown country {country!r}; use VN"))
        if errors or not isinstance(timezone, str):
            raise ValidationFailed(errors)
        return cls(timezone, week, holidays, country)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: `{"timezone", "weekly_hours": {"mon": ["08:00-12:00"]}, "holidays"}`."""
        return {
            "timezone": self.timezone,
            "weekly_hours": {
                name: [str(interval) for interval in day]
                for name, day in zip(WEEKDAYS, self.weekly_hours, strict=True)
            },
            "holidays": [d.isoformat() for d in sorted(self.holidays)],
            # Written even when None: a stored calendar without the key predates it (see
            # support.config), while null is a shop's choice not to follow any country's.
            "public_holidays": self.public_holidays,
        }


def _zone_or_error(name: object, errors: list[FieldError]) -> ZoneInfo | None:
    if not isinstance(name, str) or not name:
        errors.append(FieldError("timezone", "required: an IANA name like 'Asia/Ho_Chi_Minh'"))
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        errors.append(FieldError("timezone", f"unknown IANA time zone {name!r}"))
        return None


def _normalised_week(
    week: Sequence[Sequence[OpeningInterval]], errors: list[FieldError]
) -> tuple[tuple[OpeningInterval, ...], ...]:
    """Each day's intervals sorted; overlaps, a wrong day count and a never-open week are errors."""
    if len(week) != 7:
        errors.append(FieldError("weekly_hours", f"needs 7 days, Monday first; got {len(week)}"))
        return ()
    days = tuple(tuple(sorted(day)) for day in week)
    for name, day in zip(WEEKDAYS, days, strict=True):
        for before, after in pairwise(day):
            if after.start_minute < before.end_minute:
                errors.append(
                    FieldError(f"weekly_hours.{name}", f"intervals {before} and {after} overlap")
                )
    if not any(days):
        errors.append(FieldError("weekly_hours", "the shop is never open: give at least one"))
    return days


def _week_plan(
    zone: ZoneInfo, week: tuple[tuple[OpeningInterval, ...], ...], has_holidays: bool
) -> _WeekPlan:
    offsets = tuple(
        tuple((timedelta(minutes=iv.start_minute), timedelta(minutes=iv.end_minute)) for iv in day)
        for day in week
    )
    totals = tuple(sum((end - start for start, end in day), _ZERO) for day in offsets)
    always_open = not has_holidays and all(total == _DAY for total in totals)
    return _WeekPlan(zone, offsets, totals, always_open)


def _week_from_json(
    raw: object, errors: list[FieldError]
) -> tuple[tuple[OpeningInterval, ...], ...]:
    """`{"mon": ["08:00-12:00", ...], ...}`; a missing weekday is a closed day."""
    if not isinstance(raw, Mapping):
        errors.append(
            FieldError("weekly_hours", "required: an object like {'mon': ['08:00-17:00']}")
        )
        return ((),) * 7
    for key in raw:
        if key not in WEEKDAYS:
            errors.append(FieldError(f"weekly_hours.{key}", "unknown weekday; use mon..sun"))
    return tuple(_day_from_json(name, raw.get(name, []), errors) for name in WEEKDAYS)


def _day_from_json(name: str, raw: object, errors: list[FieldError]) -> tuple[OpeningInterval, ...]:
    if not isinstance(raw, list):
        errors.append(FieldError(f"weekly_hours.{name}", "must be a list like ['08:00-12:00']"))
        return ()
    day: list[OpeningInterval] = []
    for index, text in enumerate(raw):
        try:
            day.append(OpeningInterval.parse(text))
        except ValueError as exc:
            errors.append(FieldError(f"weekly_hours.{name}[{index}]", str(exc)))
    return tuple(day)


def _holidays_from_json(raw: object, errors: list[FieldError]) -> frozenset[date]:
    if not isinstance(raw, list):
        errors.append(FieldError("holidays", "must be a list of dates like '2026-02-17'"))
        return frozenset()
    days: set[date] = set()
    for index, text in enumerate(raw):
        try:
            days.add(date.fromisoformat(text))
        except (TypeError, ValueError):
            errors.append(FieldError(f"holidays[{index}]", f"{text!r} is not a date (YYYY-MM-DD)"))
    return frozenset(days)


# --- Vietnamese public holidays (Labor Code 2019, Art. 112) -------------------------------------

# The statutory days off come from the `holidays` package (python-holidays, Vietnam: Labor Code
# 2019 Art. 112 and the Government's yearly notices), which computes Tết and Giỗ Tổ Hùng Vương
# from the Vietnamese lunisolar calendar (new moons reckoned at UTC+7, so Tết 2030 is 2 Feb, not
# China's 3 Feb) for any year. Compensatory days are ours: they depend on the shop's week.
_TET_NAME: Final = "Tết Nguyên Đán"
_HUNG_KINGS_NAME: Final = "Ngày Giỗ Tổ Hùng Vương"


@functools.lru_cache(maxsize=256)
def _country_holidays(country: str, year: int) -> tuple[tuple[date, str], ...]:
    # Imported on first use: the package takes ~0.3 s to import, which every CLI call and
    # worker start would pay otherwise.
    import holidays as holiday_tables

    table = holiday_tables.country_holidays(country, years=year, observed=False, language="vi")
    return tuple(sorted(table.items()))


def vietnam_public_holidays(years: Iterable[int]) -> frozenset[date]:
    """The statutory days off in `years`: 1/1, Tết (the eve through the 4th day), Hùng Kings,
    30/4, 1/5, 2/9 plus its adjacent day, 24/11 from 2026, and the Government's announced swaps."""
    return frozenset(day for year in years for day, _ in _country_holidays("VN", year))


def tet(year: int) -> date:
    """Mùng 1 Tết (the lunar new year's day) in Vietnam."""
    return _named_day("VN", year, _TET_NAME)


def hung_kings_day(year: int) -> date:
    """Giỗ Tổ Hùng Vương, the 10th day of the 3rd lunar month."""
    return _named_day("VN", year, _HUNG_KINGS_NAME)


def _named_day(country: str, year: int, name: str) -> date:
    return next(day for day, label in _country_holidays(country, year) if label == name)


@functools.lru_cache(maxsize=512)
def _public_days_off(
    country: str, year: int, week: tuple[tuple[OpeningInterval, ...], ...]
) -> frozenset[date]:
    """A year's public holidays plus the compensatory days the shop's week gives them (the
    previous year's too, as a holiday on 31 Dec can push a day off into January)."""
    days = {day for y in (year - 1, year) for day, _ in _country_holidays(country, y)}
    return frozenset(d for d in with_compensatory_days(days, week) if d.year == year)


def with_compensatory_days(
    holidays: Iterable[date], weekly_hours: Sequence[Sequence[OpeningInterval]]
) -> frozenset[date]:
    """Add a day off on the next working day for each holiday that falls on a closed weekday
    (Labor Code 2019, Art. 111(3)); which days that hits depends on the shop's week."""
    days = set(holidays)
    for holiday in sorted(days):
        if weekly_hours[holiday.weekday()]:
            continue
        substitute = holiday + _DAY
        while substitute in days or not weekly_hours[substitute.weekday()]:
            substitute += _DAY
        days.add(substitute)
    return frozenset(days)


# --- Business-time arithmetic ---------------------------------------------------------------


def add_business_time(calendar: BusinessCalendar, start: datetime, duration: timedelta) -> datetime:
    """The earliest moment by which `duration` of open time has passed since `start` (UTC)."""
    if duration < _ZERO:
        raise ValueError(f"duration must not be negative, got {duration}")
    begin = _naive_utc(start, "start")
    if duration == _ZERO or calendar._plan.always_open:
        return _aware(begin + duration)
    remaining = duration
    for day, day_start, day_end in _days(calendar, begin):
        if day_start >= begin:
            total = _day_total(calendar, day, day_start, day_end)
            if remaining > total:
                remaining -= total
                continue
        for open_at, close_at in _day_spans(calendar, day, day_start, day_end):
            open_at = max(open_at, begin)
            if close_at <= open_at:
                continue
            if remaining <= close_at - open_at:
                return _aware(open_at + remaining)
            remaining -= close_at - open_at
    raise AssertionError("unreachable: _days never ends")


def business_time_between(calendar: BusinessCalendar, start: datetime, end: datetime) -> timedelta:
    """Open time from `start` to `end`; negative when `end` is before `start`."""
    begin, finish = _naive_utc(start, "start"), _naive_utc(end, "end")
    if finish < begin:
        return -business_time_between(calendar, end, start)
    if calendar._plan.always_open:
        return finish - begin
    total = _ZERO
    for day, day_start, day_end in _days(calendar, begin):
        if day_start >= finish:
            break
        if day_start >= begin and day_end <= finish:
            total += _day_total(calendar, day, day_start, day_end)
            continue
        for open_at, close_at in _day_spans(calendar, day, day_start, day_end):
            overlap = min(close_at, finish) - max(open_at, begin)
            if overlap > _ZERO:
                total += overlap
    return total


def is_open(calendar: BusinessCalendar, at: datetime) -> bool:
    """Whether the shop is open at this moment."""
    return next_open(calendar, at) == _aware(_naive_utc(at, "at"))


def next_open(calendar: BusinessCalendar, at: datetime) -> datetime:
    """`at` itself when the shop is open then, else the moment it next opens (UTC)."""
    moment = _naive_utc(at, "at")
    if calendar._plan.always_open:
        return _aware(moment)
    for day, day_start, day_end in _days(calendar, moment):
        for open_at, close_at in _day_spans(calendar, day, day_start, day_end):
            if close_at > moment:
                return _aware(max(open_at, moment))
    raise AssertionError("unreachable: _days never ends")


def _naive_utc(moment: datetime, name: str) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got naive {moment.isoformat()}")
    return moment.astimezone(UTC).replace(tzinfo=None)


def _aware(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC)


def _midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day)


def _wall(zone: ZoneInfo, utc: datetime) -> datetime:
    """What the shop's wall clock shows at a naive-UTC instant."""
    return utc.replace(tzinfo=UTC).astimezone(zone).replace(tzinfo=None)


def _offset_at(zone: ZoneInfo, utc: datetime) -> timedelta:
    return _wall(zone, utc) - utc


def _local_to_utc(zone: ZoneInfo, local: datetime) -> datetime:
    """The first instant the wall clock shows `local` or later: a repeated time means its
    first occurrence, a time skipped by a spring-forward jump means the jump itself."""
    utc = local - _fold0_offset(zone, local)
    if _wall(zone, utc) == local:
        return utc
    return _jump_instant(zone, local - _fold0_offset(zone, local.replace(fold=1)), utc)


def _fold0_offset(zone: ZoneInfo, local: datetime) -> timedelta:
    offset = zone.utcoffset(local)
    assert offset is not None  # a ZoneInfo always knows its offset
    return offset


def _jump_instant(zone: ZoneInfo, before: datetime, after: datetime) -> datetime:
    """The first instant in (before, after] with the offset `after` has; zoneinfo does not
    expose its transitions, so bisect (about 40 steps, only on a DST day)."""
    target = _offset_at(zone, after)
    while after - before > _TICK:
        middle = before + (after - before) // 2
        if _offset_at(zone, middle) == target:
            after = middle
        else:
            before = middle
    return after


def _days(
    calendar: BusinessCalendar, moment: datetime
) -> Iterator[tuple[date, datetime, datetime]]:
    """Local dates from the one holding `moment`, each with its start and end in naive UTC."""
    zone = calendar._plan.zone
    day = _wall(zone, moment).date()
    start = _local_to_utc(zone, _midnight(day))
    while True:
        following = day + _DAY
        local = _midnight(following)
        end = local - _fold0_offset(zone, local)
        if end - start != _DAY:  # a DST change: midnight itself may have been skipped
            end = _local_to_utc(zone, local)
        yield day, start, end
        day, start = following, end


def _day_total(calendar: BusinessCalendar, day: date, start: datetime, end: datetime) -> timedelta:
    if calendar.is_holiday(day):
        return _ZERO
    if end - start == _DAY:  # no DST change that day: the weekly total holds
        return calendar._plan.totals[day.weekday()]
    return sum((close - open_ for open_, close in _day_spans(calendar, day, start, end)), _ZERO)


def _day_spans(
    calendar: BusinessCalendar, day: date, start: datetime, end: datetime
) -> list[_Span]:
    """The open spans of one local date in naive UTC, ordered and disjoint."""
    if calendar.is_holiday(day):
        return []
    offsets = calendar._plan.offsets[day.weekday()]
    if end - start == _DAY:
        return [(start + open_, start + close) for open_, close in offsets]
    return _spans_across_dst(calendar._plan.zone, day, start, end, offsets)


def _spans_across_dst(
    zone: ZoneInfo,
    day: date,
    start: datetime,
    end: datetime,
    offsets: tuple[tuple[timedelta, timedelta], ...],
) -> list[_Span]:
    """Open while the wall clock shows a time inside an interval: before the jump the wall
    clock runs at the old offset, after it at the new one, so each interval maps to at most
    two pieces (two when a fall-back repeats part of it, none when a spring-forward skips it)."""
    before, after = _offset_at(zone, start), _offset_at(zone, end)
    jump = _jump_instant(zone, start, end) if before != after else end
    midnight = _midnight(day)
    pieces: list[_Span] = []
    for open_, close in offsets:
        local_open, local_close = midnight + open_, midnight + close
        pieces.append((max(local_open - before, start), min(local_close - before, jump)))
        pieces.append((max(local_open - after, jump), min(local_close - after, end)))
    return sorted(piece for piece in pieces if piece[1] > piece[0])
