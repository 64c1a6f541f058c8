"""A shop's support settings: business calendar, SLA rules, after-resolution care.

Stored under `shop.settings["support"]`; SLA rules in `support_sla_policies` (none: the
seeds' defaults). Unknown or bad values raise ValidationFailed naming the field.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from careloop.core.clock import Clock
from careloop.core.errors import FieldError, ValidationFailed
from careloop.shops.models import Shop
from careloop.support.calendar import BusinessCalendar, OpeningInterval
from careloop.support.models import SlaPolicyRow
from careloop.support.sla import DEFAULT_RULES, Priority, ProblemType, SlaPolicy, SlaRule

# Days after resolution: a customer message within this window reopens the ticket; later, it
# opens a new one.
REOPEN_WINDOW_DAYS: Final = 14
# The seeds' "Follow up: check if solution worked, customer satisfied".
FOLLOW_UP_AFTER_DAYS: Final = 3
MINUTE: Final = timedelta(minutes=1)
_KNOWN: Final = frozenset(
    {
        "calendar",
        "reopen_window_days",
        "follow_up_days",
        "csat_ask",
        "staff_hours",
        "email",
        "days_off",
    }
)
# The shop's own days off as the owner types them: dd/mm/yyyy, separated by commas or lines.
_DAY_MONTH_YEAR: Final = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")


@dataclass(frozen=True)
class SupportSettings:
    calendar: BusinessCalendar
    reopen_window: timedelta
    follow_up_after: timedelta
    csat_ask: bool
    # Per staff email: their own working hours for notifications (else the shop calendar).
    staff_hours: Mapping[str, BusinessCalendar]
    # The shop's support address for inbound email (else support+<slug>@ the mail domain).
    email: str | None


@functools.lru_cache(maxsize=64)  # immutable, and built on every ticket change otherwise
def default_calendar(timezone: str) -> BusinessCalendar:
    """Vietnam's default (with Tết and the other public holidays) for Vietnamese shops, else the
    same Mon-Sat 08:00-17:30 week in the shop's own zone without holidays."""
    if timezone == "Asia/Ho_Chi_Minh":
        return BusinessCalendar.vietnam_default()
    day = (OpeningInterval(8 * 60, 12 * 60), OpeningInterval(13 * 60, 17 * 60 + 30))
    return BusinessCalendar(timezone, (day,) * 6 + ((),))


def support_settings(shop: Shop) -> SupportSettings:
    raw: Mapping[str, Any] = (shop.settings or {}).get("support") or {}
    errors = [FieldError(f"support.{key}", "unknown setting") for key in raw if key not in _KNOWN]
    calendar = default_calendar(shop.timezone)
    if "calendar" in raw:
        try:
            calendar = BusinessCalendar.from_dict(_with_public_holidays(raw["calendar"]))
        except ValidationFailed as exc:
            errors += [FieldError(f"support.calendar.{e.field}", e.reason) for e in exc.errors]
    staff_hours: dict[str, BusinessCalendar] = {}
    for email, spec in (raw.get("staff_hours") or {}).items():
        try:
            staff_hours[str(email).lower()] = BusinessCalendar.from_dict(spec)
        except ValidationFailed as exc:
            errors += [
                FieldError(f"support.staff_hours.{email}.{e.field}", e.reason) for e in exc.errors
            ]
    days_off = _stored_days_off(raw.get("days_off", []), errors)
    calendar = calendar.with_days_off(days_off)
    reopen = _days(raw, "reopen_window_days", REOPEN_WINDOW_DAYS, errors)
    follow_up = _days(raw, "follow_up_days", FOLLOW_UP_AFTER_DAYS, errors)
    if errors:
        raise ValidationFailed(errors)
    return SupportSettings(
        calendar=calendar,
        reopen_window=timedelta(days=reopen),
        follow_up_after=timedelta(days=follow_up),
        csat_ask=bool(raw.get("csat_ask", True)),
        staff_hours=staff_hours,
        email=raw.get("email"),
    )


def _with_public_holidays(spec: Any) -> Any:
    """Calendars saved before public holidays were computed per year held Vietnam's 2025-2030
    days as plain dates and no `public_holidays` key: a Vietnamese shop's follows Vietnam's
    public holidays for every year (a stored null keeps a shop's choice of none)."""
    if (
        isinstance(spec, Mapping)
        and "public_holidays" not in spec
        and spec.get("timezone") == "Asia/Ho_Chi_Minh"
    ):
        return {**spec, "public_holidays": "VN"}
    return spec


def _stored_days_off(raw: object, errors: list[FieldError]) -> frozenset[date]:
    """`support.days_off` is a list of ISO dates (what `parse_days_off` produced)."""
    if not isinstance(raw, list):
        errors.append(FieldError("support.days_off", "must be a list of dates like '2031-01-20'"))
        return frozenset()
    days: set[date] = set()
    for index, text in enumerate(raw):
        try:
            days.add(date.fromisoformat(text))
        except (TypeError, ValueError):
            errors.append(FieldError(f"support.days_off[{index}]", f"{text!r} is not a date"))
    return frozenset(days)


def parse_days_off(text: str) -> tuple[list[date], list[str]]:
    """The shop's own days off typed as `dd/mm/yyyy` (commas, semicolons or new lines between
    them): the dates, sorted and unique, and the pieces that are not real dates."""
    days: set[date] = set()
    bad: list[str] = []
    for piece in re.split(r"[,;\n]+", text):
        piece = piece.strip()
        if not piece:
            continue
        match = _DAY_MONTH_YEAR.match(piece)
        try:
            if match is None:
                raise ValueError(piece)
            days.add(date(int(match[3]), int(match[2]), int(match[1])))
        except ValueError:
            bad.append(piece)
    return sorted(days), bad


def _days(raw: Mapping[str, Any], key: str, default: int, errors: list[FieldError]) -> int:
    value = raw.get(key, default)
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 365:
        errors.append(FieldError(f"support.{key}", "a whole number of days, 0-365"))
        return default
    return value


# --- SLA rules ---------------------------------------------------------------------------------


def sla_rules(session: Session, shop_id: int) -> tuple[SlaRule, ...]:
    """The shop's own rules, or the seeds' defaults when it has none."""
    rows = session.scalars(
        select(SlaPolicyRow).where(SlaPolicyRow.shop_id == shop_id).order_by(SlaPolicyRow.id)
    ).all()
    if not rows:
        return DEFAULT_RULES
    return tuple(rule_from_row(row) for row in rows)


def policy_named(session: Session, shop_id: int, name: str) -> SlaPolicy:
    """The policy a ticket was given (by name); falls back to the standard default."""
    for rule in sla_rules(session, shop_id):
        if rule.policy.name == name:
            return rule.policy
    for rule in DEFAULT_RULES:
        if rule.policy.name == name:
            return rule.policy
    return DEFAULT_RULES[0].policy


def rule_from_row(row: SlaPolicyRow) -> SlaRule:
    warn: float | timedelta = 0.25
    if row.warn_before_minutes is not None:
        warn = timedelta(minutes=row.warn_before_minutes)
    policy = SlaPolicy(
        row.name,
        timedelta(minutes=row.first_response_minutes),
        timedelta(minutes=row.next_response_minutes),
        timedelta(minutes=row.resolution_minutes),
        row.business_hours,
        warn,
    )
    return SlaRule(
        policy,
        priorities=frozenset(Priority(p) for p in row.priorities),
        problem_types=frozenset(ProblemType(p) for p in row.problem_types),
        segments=frozenset(row.segments),
        entitlements=frozenset(row.entitlements),
        from_negative_feedback=row.from_negative_feedback,
    )


def validate_rule_fields(
    *, priorities: list[str], problem_types: list[str], minutes: Mapping[str, int]
) -> None:
    errors = [
        FieldError("priorities", f"unknown priority {p!r}")
        for p in priorities
        if p not in Priority.__members__.values()
    ]
    errors += [
        FieldError("problem_types", f"unknown problem type {p!r}")
        for p in problem_types
        if p not in ProblemType.__members__.values()
    ]
    errors += [
        FieldError(name, "must be a positive number of minutes")
        for name, value in minutes.items()
        if value <= 0
    ]
    if errors:
        raise ValidationFailed(errors)


def set_sla_policy(
    *,
    session: Session,
    clock: Clock,
    shop: Shop,
    name: str,
    first_response_minutes: int,
    next_response_minutes: int,
    resolution_minutes: int,
    priorities: Sequence[str] = (),
    problem_types: Sequence[str] = (),
    segments: Sequence[str] = (),
    entitlements: Sequence[str] = (),
    from_negative_feedback: bool | None = None,
    business_hours: bool = True,
    warn_before_minutes: int | None = None,
) -> SlaPolicyRow:
    """Create or replace the shop's rule `name`. Once a shop has any rule, its rules replace
    the defaults entirely: start from `install_default_policies` to keep a catch-all."""
    if not name.strip():
        raise ValidationFailed([FieldError("name", "must not be empty")])
    validate_rule_fields(
        priorities=list(priorities),
        problem_types=list(problem_types),
        minutes={
            "first_response_minutes": first_response_minutes,
            "next_response_minutes": next_response_minutes,
            "resolution_minutes": resolution_minutes,
        },
    )
    if warn_before_minutes is not None and warn_before_minutes < 0:
        raise ValidationFailed([FieldError("warn_before_minutes", "must not be negative")])
    row = session.scalar(
        select(SlaPolicyRow).where(SlaPolicyRow.shop_id == shop.id, SlaPolicyRow.name == name)
    )
    if row is None:
        row = SlaPolicyRow(shop_id=shop.id, name=name, created_at=clock.now())
        session.add(row)
    row.priorities, row.problem_types = list(priorities), list(problem_types)
    row.segments, row.entitlements = list(segments), list(entitlements)
    row.from_negative_feedback = from_negative_feedback
    row.first_response_minutes = first_response_minutes
    row.next_response_minutes = next_response_minutes
    row.resolution_minutes = resolution_minutes
    row.business_hours, row.warn_before_minutes = business_hours, warn_before_minutes
    session.flush()
    return row


def install_default_policies(*, session: Session, clock: Clock, shop: Shop) -> int:
    """Copy the seeds' default rules into the shop's own table, to edit from there."""
    installed = 0
    for rule in DEFAULT_RULES:
        policy = rule.policy
        set_sla_policy(
            session=session,
            clock=clock,
            shop=shop,
            name=_rule_name(rule),
            first_response_minutes=int(policy.first_response / MINUTE),
            next_response_minutes=int(policy.next_response / MINUTE),
            resolution_minutes=int(policy.resolution / MINUTE),
            priorities=sorted(rule.priorities),
            problem_types=sorted(rule.problem_types),
            segments=sorted(rule.segments),
            entitlements=sorted(rule.entitlements),
            from_negative_feedback=rule.from_negative_feedback,
            business_hours=policy.business_hours,
        )
        installed += 1
    return installed


def _rule_name(rule: SlaRule) -> str:
    # Two default rules share the negative-feedback policy; the angry one gets its own name.
    if rule.problem_types == frozenset({ProblemType.ANGRY}):
        return "angry"
    return rule.policy.name
