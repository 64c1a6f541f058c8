"""Timeline lines of messages (a journey's or a campaign's: queued, sent, delivered, opened,
failed, suppressed...) in the reader's language, built at display time from the event payload
(see careloop.core.timeline_text); the stored English summary ("golden_hours.usage_guide via
email: sent") stays for the API and exports. A message is named as the catalogue names its
template ("Usage guide" / "Hướng dẫn sử dụng"); a shop's own template without a name shows its
key."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from careloop.channels.reason_text import reason_text
from careloop.core.catalogue import has_message, t
from careloop.core.timeline_text import Renderer

MESSAGE_STATUSES = (
    "queued",
    "sent",
    "delivered",
    "opened",
    "clicked",
    "failed",
    "suppressed",
    "replied",
    "deferred",
    "maybe_sent",
)


def _word(prefix: str, value: str, locale: str) -> str:
    key = f"{prefix}.{value}"
    return t(key, locale) if has_message(key) else value


def _message_line(status: str) -> Any:
    def line(payload: Mapping[str, Any], summary: str, locale: str) -> str | None:
        channel = str(payload.get("channel") or "")
        text = t(
            "timeline.message.line",
            locale,
            template=_word("template", str(payload["template_key"]), locale),
            channel=_word("channel", channel, locale) if channel else "-",
            status=_word("message.status", status, locale).lower(),
        )
        reason = payload.get("reason")
        return f"{text} ({reason_text(str(reason), locale)})" if reason else text

    return line


# Declared in channels' manifest; bootstrap builds the one table from every capability's.
TIMELINE_TEXTS: dict[str, Renderer] = {
    f"message.{status}": _message_line(status) for status in MESSAGE_STATUSES
}
