"""A journey step as a person names it ("Ngày 3 — Hướng dẫn sử dụng", "Day 3 — Usage guide")
rather than by its id (`usage_guide`), for reports such as the monthly review's funnel.

The day is the `until_day` of the last wait before the step in the journey definition (day 0
before the first such wait); the name is the catalogue's for the steps Careloop ships, and
the id with spaces for a shop's own steps."""

from __future__ import annotations

from functools import cache
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from careloop.core.catalogue import event_label, has_message, t
from careloop.journeys.loader import parse
from careloop.journeys.models import Journey
from careloop.journeys.schema import JourneyDef, SendSpec, Step, WaitSpec, parse_duration
from careloop.journeys.service import definition_of
from careloop.journeys.shipped import catalogue
from careloop.support.task_text import task_text


def step_days(definition: JourneyDef) -> dict[str, int]:
    """Each step's day after the trigger, for journeys that count days (`until_day` waits)."""
    if not any(s.wait is not None and s.wait.until_day is not None for s in definition.steps):
        return {}
    day, found = 0, {}
    for step in definition.steps:
        if step.wait is not None and step.wait.until_day is not None:
            day = step.wait.until_day
        found[step.id] = day
    return found


@cache
def _shipped_days() -> dict[str, dict[str, int]]:
    days = {}
    for journey in catalogue():
        days[journey.key] = step_days(parse(journey.text, source=journey.file_name))
    return days


def _duration_words(text: str, locale: str) -> str:
    """'24h' as "24 giờ" / "24 hours", '3d' as "3 ngày" (weeks and minutes kept as such)."""
    unit = text.strip().lstrip("0123456789").strip()
    unit = {"min": "m"}.get(unit, unit)
    seconds = int(parse_duration(text).total_seconds())
    size = {"m": 60, "h": 3600, "d": 86400, "w": 604800}[unit]
    return t(f"journeys.describe.duration.{unit}", locale, n=seconds // size)


def _wait_words(wait: WaitSpec, locale: str) -> str:
    if wait.until_day is not None:
        text = t("journeys.describe.wait_until_day", locale, day=wait.until_day)
        if wait.at is not None:
            text += " " + t("journeys.describe.at", locale, at=wait.at)
        if wait.counted_from == "delivery":
            text += " " + t("journeys.describe.after_delivery", locale)
        return text
    if wait.window is not None:
        return t(
            "journeys.describe.wait_window", locale, start=wait.window.start, end=wait.window.end
        )
    return t(
        "journeys.describe.wait_for", locale, duration=_duration_words(wait.duration or "", locale)
    )


def _template_words(template: str, locale: str) -> str:
    """The message's name: the catalogue's for a shipped template's last part ("cảm ơn"),
    else the template key's last part with spaces."""
    last = template.rsplit(".", 1)[-1]
    return shipped_step_name(last, locale) or last.replace("_", " ")


def _send_words(send: SendSpec, locale: str) -> str:
    channels = ", ".join(
        t("journeys.timing.channel.preferred", locale)
        if c == "preferred"
        else t(f"channel.{c}", locale)
        for c in send.channel_list()
    )
    return t(
        "journeys.describe.send",
        locale,
        channels=channels,
        name=_template_words(send.template, locale),
    )


def describe_step(step: Step, locale: str) -> str:
    """Any step as a sentence from its own definition, for steps the catalogue does not name:
    "Chờ đến ngày 3 lúc 09:00" / "Wait until day 3 at 09:00", "Gửi Zalo: cảm ơn"."""
    if step.send is not None:
        return _send_words(step.send, locale)
    if step.wait is not None:
        return _wait_words(step.wait, locale)
    if step.wait_for is not None:
        return t(
            "journeys.describe.wait_for_event",
            locale,
            event=event_label(step.wait_for.event, locale),
            duration=_duration_words(step.wait_for.within, locale),
        )
    if step.issue_coupon is not None:
        coupon = step.issue_coupon
        if coupon.percent_off is not None:
            return t("journeys.describe.coupon_percent", locale, percent=coupon.percent_off)
        return t("journeys.describe.coupon_amount", locale)
    if step.add_points is not None:
        return t("journeys.describe.points", locale, n=step.add_points.points)
    if step.add_tag is not None:
        return t("journeys.describe.tag", locale, tag=step.add_tag.tag)
    if step.create_task is not None:
        return t("journeys.describe.task", locale, title=task_text(step.create_task.title, locale))
    if step.open_ticket is not None:
        return t("journeys.describe.ticket", locale, subject=step.open_ticket.subject)
    kind = "branch" if step.branch is not None else "exit"
    return t(f"journeys.step_kind.{kind}", locale).capitalize()


def step_title(step: Step, locale: str) -> str:
    """A step as a person reads it: the catalogue's name of a shipped step, else its description."""
    return shipped_step_name(step.id, locale) or describe_step(step, locale)


def step_name(step_id: str, locale: str) -> str:
    key = f"journeys.step.{step_id}"
    return t(key, locale) if has_message(key) else step_id.replace("_", " ")


def shipped_step_name(step_id: str, locale: str) -> str:
    """The catalogue's name of a step Careloop ships, or "" for any other step."""
    key = f"journeys.step.{step_id}"
    return t(key, locale) if has_message(key) else ""


def shop_journeys(session: Session, shop_id: int) -> dict[str, JourneyDef]:
    """{journey key: definition} of the shop's own newest version of each journey."""
    newest: dict[str, Journey] = {}
    for journey in session.scalars(
        select(Journey).where(Journey.shop_id == shop_id).order_by(Journey.version)
    ):
        newest[journey.key] = journey
    return {key: definition_of(journey) for key, journey in newest.items()}


def step_label(
    journey_key: str,
    step_id: str,
    locale: str,
    day: int | Literal["shipped"] | None = "shipped",
    name: str | None = None,
) -> str:
    """`step_id` of `journey_key` as a person reads it, with its day when the journey counts
    days: `day` as the shop's journey has it (step_days of shop_journeys; a shop that
    moved the usage guide from Day 3 to Day 4 reads "Day 4"), or the shipped definition's.
    `name`: the step's title from the shop's own definition (step_title), when known."""
    name = name or step_name(step_id, locale)
    if day == "shipped":
        day = _shipped_days().get(journey_key, {}).get(step_id)
    return name if day is None else t("journeys.step.with_day", locale, day=day, name=name)
