"""Journeys in the staff's language: a trigger described in words ("sinh nhật, trước 3
ngày"), and the name of a shipped journey the shop has not renamed in the page's language."""

from __future__ import annotations

from careloop.journeys.schema import JourneyDef
from careloop.journeys.shipped import catalogue
from careloop.web.i18n import event_label, t


def trigger_text(jdef: JourneyDef, locale: str) -> str:
    """What enrolls a customer, e.g. "Đã giao hàng (lần mua đầu)" or "sinh nhật, trước 3 ngày"."""
    trigger = jdef.trigger
    if trigger.event is not None:
        text = " | ".join(event_label(e, locale) for e in trigger.event_types())
        if trigger.where is not None:
            text += " " + t("journeys.trigger.filtered", locale)
        if jdef.enrol_on != "every_order":
            text += " " + t(f"journeys.trigger.enrol_on.{jdef.enrol_on}", locale)
        return text
    if trigger.date is not None:
        text = t(f"journeys.trigger.date.{trigger.date}", locale)
        if trigger.days_before:
            text += ", " + t("journeys.trigger.days_before", locale, n=trigger.days_before)
        return text
    return t("journeys.trigger.inactive", locale, n=trigger.inactivity_days)


def journey_title(key: str, name: str, locale: str) -> str:
    """A shipped journey keeps its translated title until the shop renames it."""
    for shipped in catalogue():
        if shipped.key == key and shipped.name == name:
            return shipped.title(locale)
    return name
