"""What an SMS costs the shop: the price of one part (the SMS channel form's
`cost_per_part`, VND) times the parts a text needs, written as staff read money (Babel).

One place for the template editor, the campaign editor and the campaign's per-customer
preview, so the three never disagree."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy.orm import Session

from careloop.channels.local_format import local_money
from careloop.channels.settings import get_channel_settings
from careloop.channels.sms_text import SmsLength
from careloop.shops.models import Shop

CURRENCY = "VND"
# The campaign editor counts in the browser: it gets the cost of 1..MAX_PARTS parts.
MAX_PARTS = 40


def cost_per_part(session: Session, shop: Shop) -> int:
    """VND per SMS part: the SMS channel form's `cost_per_part`, else the shop's older
    `sms_cost_per_part` setting, else 0 (no cost shown)."""
    row = get_channel_settings(session, shop.id, "sms")
    settings = shop.settings if isinstance(shop.settings, Mapping) else {}
    for value in (
        (row.config if row else {}).get("cost_per_part"),
        settings.get("sms_cost_per_part"),
    ):
        try:
            if value is not None and int(float(value)) > 0:
                return int(float(value))
        except (TypeError, ValueError):
            continue
    return 0


def cost_text(length: SmsLength | None, locale: str) -> str:
    """The cost as staff read money: "1.500 ₫" (vi), "₫1,500" (en); empty when unknown."""
    if length is None or not length.cost:
        return ""
    return local_money(int(length.cost), CURRENCY, locale)


def part_costs(per_part: int, locale: str) -> list[str]:
    """The money text of 1, 2, … MAX_PARTS parts, for a counter that runs in the browser;
    empty when the price is not set."""
    if per_part <= 0:
        return []
    return [local_money(per_part * n, CURRENCY, locale) for n in range(1, MAX_PARTS + 1)]
