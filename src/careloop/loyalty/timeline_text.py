"""Timeline lines of loyalty that loyalty/reasons.py does not draw (points about to expire,
a tier change) in the reader's language, built at display time from the event payload (see
careloop.core.timeline_text); the stored English summary stays for the API and exports."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from careloop.core import events
from careloop.core.catalogue import has_message, t
from careloop.core.timeline_text import Renderer
from careloop.loyalty.reasons import REASON_TEXTS
from careloop.web.ui.format import format_number


def tier_label(tier: str | None, locale: str) -> str:
    """A tier's name in `locale` for the shipped tiers; a shop's own tier as it is named."""
    if not tier:
        return "-"
    key = f"tier.{tier}"
    return t(key, locale) if has_message(key) else tier


def _points_expiring(payload: Mapping[str, Any], summary: str, locale: str) -> str | None:
    day = datetime.fromisoformat(str(payload["expires_at"])).date()
    shown = day.strftime("%d/%m/%Y") if locale == "vi" else day.isoformat()
    return t(
        "timeline.loyalty.points_expiring",
        locale,
        points=format_number(int(payload["points"]), locale),
        day=shown,
    )


def _tier_changed(payload: Mapping[str, Any], summary: str, locale: str) -> str | None:
    before = tier_label(payload["from"], locale)
    after = tier_label(payload["to"], locale)
    return t("timeline.loyalty.tier_changed", locale, before=before, after=after)


# Declared in loyalty's manifest; bootstrap builds the one table from every capability's.
TIMELINE_TEXTS: dict[str, Renderer] = {
    **REASON_TEXTS,
    events.POINTS_EXPIRING: _points_expiring,
    events.TIER_CHANGED: _tier_changed,
}
