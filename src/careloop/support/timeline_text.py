"""The timeline lines of a ticket's life (opened, answered, resolved, reopened, missed its SLA)
in the reader's language, built at display time from the event payload (see
careloop.core.timeline_text); the stored English summary stays for the API and exports."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from careloop.core import events
from careloop.core.catalogue import has_message, t
from careloop.core.timeline_text import Renderer


def _ticket_line(key: str) -> Any:
    def line(payload: Mapping[str, Any], summary: str, locale: str) -> str | None:
        return t(key, locale, id=int(payload["ticket_id"]), subject=payload.get("subject", ""))

    return line


def _sla_breached(payload: Mapping[str, Any], summary: str, locale: str) -> str | None:
    clock_key = f"sla.clock.{payload['clock']}"
    if not has_message(clock_key):
        return None
    target = t(clock_key, locale).lower()
    return t("timeline.ticket.sla_breached", locale, id=int(payload["ticket_id"]), target=target)


# Declared in support's manifest; bootstrap builds the one table from every capability's.
TIMELINE_TEXTS: dict[str, Renderer] = {
    events.TICKET_OPENED: _ticket_line("timeline.ticket.opened"),
    events.TICKET_ANSWERED: _ticket_line("timeline.ticket.answered"),
    events.TICKET_RESOLVED: _ticket_line("timeline.ticket.resolved"),
    events.TICKET_REOPENED: _ticket_line("timeline.ticket.reopened"),
    events.TICKET_SLA_BREACHED: _sla_breached,
}
