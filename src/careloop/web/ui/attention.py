"""The dashboard's "needs attention" card: every provider's items (careloop.core.attention)
in the viewer's language, one line per cause with a count and the link that fixes it; and
the words for honest message states that every counter uses."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from careloop.core.attention import needs_attention
from careloop.shops.models import Shop


@dataclass(frozen=True)
class AttentionLine:
    key: str
    count: int
    text: str
    fix_url: str
    fix_text: str
    severity: str


def attention_lines(
    session: Session, shop: Shop, now: datetime, locale: str
) -> list[AttentionLine]:
    """What needs the shop's staff now, in `locale`."""
    return [
        AttentionLine(i.key, i.count, i.say(locale), i.fix_url, i.fix(locale), i.severity)
        for i in needs_attention(session, shop, now)
    ]
