"""Timeline lines of the customer record itself (consent changes) in the reader's language,
built at display time from the payload (see careloop.core.timeline_text)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from careloop.core import events
from careloop.core.catalogue import has_message, t
from careloop.core.timeline_text import Renderer


def consent_state_label(state: str, locale: str) -> str:
    key = f"consent.{state}"
    return t(key, locale) if has_message(key) else state


def _consent_changed(payload: Mapping[str, Any], summary: str, locale: str) -> str | None:
    before = consent_state_label(str(payload["from"]), locale)
    after = consent_state_label(str(payload["to"]), locale)
    channel = str(payload["channel"])
    key = f"channel.{channel}"
    named = t(key, locale) if has_message(key) else channel
    return f"{named}: {before.lower()} → {after.lower()}"


# Declared in customers's manifest; bootstrap builds the one table from every capability's.
TIMELINE_TEXTS: dict[str, Renderer] = {
    events.CONSENT_CHANGED: _consent_changed,
}
