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

from careloop.core.catalogue import has_message, t
from careloop.journeys.loader import parse
from careloop.journeys.models import Journey
from careloop.journeys.schema import JourneyDef
from careloop.journeys.service import definition_of
from careloop.journeys.shipped import catalogue


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


def step_name(step_id: str, locale: str) -> str:
    key = f"journeys.step.{step_id}"
    return t(key, locale) if has_message(key) else step_id.replace("_", " ")


def shipped_step_name(step_id: str, locale: str) -> str:
    """The catalogue's name of a step Careloop ships, or "" for any other step."""
    key = f"journeys.step.{step_id}"
    return t(key, locale) if has_message(key) else ""


def shop_step_days(session: Session, shop_id: int) -> dict[str, dict[str, int]]:
    """{journey key: {step id: day}} from the shop's own newest version of each journey (a
    shop that moved the usage guide from Day 3 to Day 4 reads "Day 4")."""
    newest: dict[str, Journey] = {}
    for journey in session.scalars(
        select(Journey).where(Journey.shop_id == shop_id).order_by(Journey.version)
    ):
        newest[journey.key] = journey
    return {key: step_days(definition_of(journey)) for key, journey in newest.items()}


def step_label(
    journey_key: str, step_id: str, locale: str, day: int | Literal["shipped"] | None = "shipped"
) -> str:
    """`step_id` of `journey_key` as a person reads it, with its day when the journey counts
    days: `day` as the shop's journey has it (shop_step_days), or the shipped definition's."""
    name = step_name(step_id, locale)
    if day == "shipped":
        day = _shipped_days().get(journey_key, {}).get(step_id)
    return name if day is None else t("journeys.step.with_day", locale, day=day, name=name)
