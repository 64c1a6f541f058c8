"""What needs a person: a small registry of "needs attention" providers.

Each capability declares (in its manifest's `attention`) a function that looks at its own
tables and returns a few `AttentionItem`s (failed sends grouped by cause, messages that may
have been sent, tickets about to breach their SLA, negative reviews near their reply
deadline, ...). The dashboard lists them, one line per cause with a count and a link that
fixes it; the staff alerts and the daily digest (careloop.alerts) read the same list.
Providers are pure reads; careloop.bootstrap builds the list from the manifests and hands
it to `use_attention`."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

URGENT = "urgent"
WARNING = "warning"


@dataclass(frozen=True)
class AttentionItem:
    # Stable id of the cause (e.g. "channels.failed:email:not_configured"); alerts use it to
    # tell a new problem from one already announced.
    key: str
    count: int
    # {"en": ..., "vi": ...}; may contain "{n}" for the count.
    text: dict[str, str]
    fix_url: str
    fix_text: dict[str, str]
    severity: str = WARNING
    # The staff member responsible (ticket assignee...), when there is one.
    user_id: int | None = None

    def say(self, locale: str) -> str:
        words = self.text.get(locale[:2]) or self.text.get("en") or self.key
        return words.format(n=self.count)

    def fix(self, locale: str) -> str:
        return self.fix_text.get(locale[:2]) or self.fix_text.get("en") or ""


# (session, shop, now) -> items; `shop` is the shops.models.Shop row.
AttentionSource = Callable[[Session, Any, datetime], list[AttentionItem]]
# Set by careloop.bootstrap from the manifests (on first use: `careloop.attention.load_all`).
_SOURCES: Mapping[str, AttentionSource] = {}


def use_attention(sources: Mapping[str, AttentionSource]) -> None:
    """The providers from now on, by name (bootstrap calls this)."""
    global _SOURCES
    _SOURCES = dict(sources)


def needs_attention(session: Session, shop: Any, now: datetime) -> list[AttentionItem]:
    """Every provider's items for the shop, urgent first, then the largest counts."""
    from careloop.attention import load_all

    load_all()
    items = [item for source in list(_SOURCES.values()) for item in source(session, shop, now)]
    return sorted(items, key=lambda i: (i.severity != URGENT, -i.count, i.key))
