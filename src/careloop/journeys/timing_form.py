"""The timing-and-channels form of a journey page: what the form shows for each message step,
what the owner typed (kept on an error), and errors worded in the staff's language naming the
step and the field."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from careloop.core.errors import FieldError
from careloop.journeys.timing import Change, MessageStep, TimingErrors
from careloop.web.i18n import t

FIELDS = ("delay", "unit", "primary", "fallback", "wait", "on")
_STEP_INDEX = re.compile(r"^steps\[(\d+)\]\.?(.*)$")


def shown_values(rows: Sequence[MessageStep]) -> dict[str, dict[str, str]]:
    """The form's values for the journey as it is stored."""
    values = {}
    for row in rows:
        values[row.id] = {
            "delay": str(row.delay.value) if row.delay else "",
            "unit": row.delay.unit if row.delay else "d",
            "primary": row.primary,
            "fallback": row.fallback,
            "wait": str(row.follow_up.within_hours) if row.follow_up else "",
            "on": "" if row.off else "1",
        }
    return values


# The messaging channels that stand in for each other when a shop has not set one up (the
# contact policy builds the chain from the set-up ones, channels/policy.py).
MESSAGING = ("zalo", "sms", "email")


def setup_hint(configured: set[str], rows: Sequence[MessageStep]) -> dict[str, list[str]]:
    """The messaging channels the journey's switched-on steps ask for by name that the shop
    has not set up, and the set-up messaging channels their messages go on instead (empty
    when none is: they wait for the owner). A webhook is not stood in for: the activation
    check warns of it. Both empty when every asked-for channel is set up."""
    asked = [
        c
        for row in rows
        if not row.off
        for c in (*row.channels, *(() if row.reminder_off else row.reminder_channels))
    ]
    missing = list(dict.fromkeys(c for c in asked if c in MESSAGING and c not in configured))
    instead = [c for c in MESSAGING if c in configured] if missing else []
    return {"missing": missing, "instead": instead}


def submitted_values(
    rows: Sequence[MessageStep], form: Mapping[str, Any]
) -> dict[str, dict[str, str]]:
    """What the owner typed, per step (kept to show again on an error)."""
    return {
        row.id: {name: str(form.get(f"{row.id}.{name}", "")).strip() for name in FIELDS}
        for row in rows
    }


def _whole(text: str) -> int | None:
    cleaned = text.replace(".", "").replace(",", "").replace(" ", "")
    return int(cleaned) if cleaned.isdigit() else None


def changes_of(values: Mapping[str, Mapping[str, str]]) -> dict[str, Change]:
    return {
        step: Change(
            delay=_whole(v["delay"]),
            unit=v["unit"] if v["unit"] in ("d", "h") else "d",
            primary=v["primary"],
            fallback=v["fallback"],
            wait_hours=_whole(v["wait"]),
            on=v["on"] == "1",
        )
        for step, v in values.items()
    }


def worded(
    errors: TimingErrors, locale: str, titles: Mapping[str, str] | None = None
) -> dict[str, dict[str, str]]:
    """{step: {field: "<step> · <field>: <reason>"}} in the staff's language, the step named
    by its title ("Bước Hướng dẫn sử dụng") when `titles` has one, else by its id."""
    out: dict[str, dict[str, str]] = {}
    for step, name, reason, params in errors.items:
        text = t(f"journeys.timing.error.{reason}", locale, **params)
        label = t(f"journeys.timing.field.{name}", locale)
        step_label = t("journeys.timing.step", locale, step=(titles or {}).get(step, step))
        out.setdefault(step, {})[name] = f"{step_label} · {label}: {text}"
    return out


def loader_errors(
    errors: Sequence[FieldError],
    steps: Sequence[str],
    locale: str,
    titles: Mapping[str, str] | None = None,
) -> list[str]:
    """The loader's errors after a form save, naming the step (not a YAML line)."""
    lines = []
    for error in errors:
        match = _STEP_INDEX.match(error.field)
        if match and int(match.group(1)) < len(steps):
            step = steps[int(match.group(1))]
            where = t("journeys.timing.step", locale, step=(titles or {}).get(step, step))
            lines.append(f"{where} · {match.group(2) or 'id'}: {error.reason}")
        else:
            lines.append(f"{error.field}: {error.reason}")
    return lines
