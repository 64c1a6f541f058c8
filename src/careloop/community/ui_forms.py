"""What the community pages share: reading form fields (lists, datetime-local in the shop's
time zone, whole numbers) and turning service errors into notes next to each field."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Annotated

from fastapi import Form

from careloop.channels.policy import zone
from careloop.community.reasons import PREFIX, CodedFieldError, Refused, invalid
from careloop.core.error_text import error_text
from careloop.core.errors import CareloopError, FieldError, ValidationFailed
from careloop.web.i18n import has_message, t

Text = Annotated[str, Form()]
# A field posted once per ticked box (and maybe once more with typed, comma-separated values).
Picks = Annotated[list[str] | None, Form()]
# The note shown at the top of a form when an error is not about one field.
FORM = "form"


def field_errors(exc: CareloopError, locale: str) -> dict[str, str]:
    """{field: reason in `locale`} for the template (`audience.segments` is shown at
    `segments`)."""
    if isinstance(exc, ValidationFailed) and exc.errors:
        errors: dict[str, str] = {}
        for error in exc.errors:
            errors.setdefault(error.field.split(".")[-1], explain(error, locale))
        return errors
    return {FORM: explain(exc, locale)}


def explain(error: FieldError | CareloopError, locale: str) -> str:
    """A service's reason in `locale`; one without a code keeps its English text."""
    if isinstance(error, CodedFieldError) and error.code:
        return _reason(error.code, locale, dict(error.params))
    if isinstance(error, Refused):
        return _reason(error.code, locale, error.params)
    if isinstance(error, FieldError):
        return error.reason
    return error_text(error, locale)


def _reason(code: str, locale: str, params: dict[str, str]) -> str:
    shown = dict(params)
    status = shown.get("status")
    # A status is a word of the page's language too (community.status_sent, ...).
    if status is not None and has_message(f"community.status_{status}") and locale != "en":
        shown["status"] = t(f"community.status_{status}", locale)
    return t(PREFIX + code, locale, **shown)


def split_list(raw: str) -> list[str]:
    return [p.strip() for p in raw.replace("\n", ",").split(",") if p.strip()]


def joined(values: Sequence[str] | None) -> str:
    """Ticked and typed values as one comma-separated text, each once, in order."""
    return ", ".join(dict.fromkeys(v for raw in values or () for v in split_list(raw)))


def parse_local(raw: str, field: str, tz: str, *, required: bool = True) -> datetime | None:
    """A datetime-local field, read in the shop's time zone."""
    if not raw.strip():
        if required:
            raise ValidationFailed([invalid(field, "required")])
        return None
    try:
        local = datetime.fromisoformat(raw.strip())
    except ValueError:
        raise ValidationFailed([invalid(field, "not_datetime")]) from None
    if local.tzinfo is None:
        local = local.replace(tzinfo=zone(tz))
    if not 2000 <= local.year <= 2100:
        raise ValidationFailed([invalid(field, "year_range")])
    return local


def local_input(moment: datetime | None, tz: str) -> str:
    """The value of a datetime-local input showing `moment` in the shop's time zone."""
    if moment is None:
        return ""
    return moment.astimezone(zone(tz)).strftime("%Y-%m-%dT%H:%M")


def parse_int(raw: str, field: str, *, low: int, high: int) -> int:
    try:
        value = int(raw.strip())
    except ValueError:
        raise ValidationFailed([invalid(field, "whole_number")]) from None
    if not low <= value <= high:
        raise ValidationFailed([invalid(field, "range", low=low, high=high)])
    return value
