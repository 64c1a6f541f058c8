"""Pure rules about a product's care data: what a variant inherits from its parent, which
guide a customer reads, and the dates care reminders fall on. No I/O."""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Final

# Care fields a variant takes from its parent product when it does not set them itself.
INHERITED: Final = (
    "category",
    "usage_days",
    "warranty_months",
    "warranty_days",
    "maintenance_interval_days",
    "care_guide_vi",
    "care_guide_en",
    "care_guide_url_vi",
    "care_guide_url_en",
    "related_skus",
)


@dataclass(frozen=True)
class Care:
    """One product's care data as the journeys read it (None: the shop did not say)."""

    sku: str
    name: str
    category: str | None = None
    usage_days: int | None = None
    warranty_months: int | None = None
    warranty_days: int | None = None
    maintenance_interval_days: int | None = None
    care_guide_vi: str | None = None
    care_guide_en: str | None = None
    care_guide_url_vi: str | None = None
    care_guide_url_en: str | None = None
    related_skus: tuple[str, ...] = field(default_factory=tuple)

    def inherit(self, parent: Care | None) -> Care:
        """This variant with every care field it leaves empty taken from `parent`."""
        if parent is None:
            return self
        taken = {
            name: getattr(parent, name)
            for name in INHERITED
            if getattr(self, name) in (None, ()) and getattr(parent, name) not in (None, ())
        }
        return replace(self, **taken)

    def guide(self, locale: str) -> str:
        """The care guide in the customer's language; "" when the shop wrote none in it (a
        guide in another language is not sent: the template's general text is better)."""
        text = self.care_guide_en if locale == "en" else self.care_guide_vi
        return (text or "").strip()

    def guide_url(self, locale: str) -> str:
        url = self.care_guide_url_en if locale == "en" else self.care_guide_url_vi
        return (url or self.care_guide_url_vi or self.care_guide_url_en or "").strip()


def add_months(start: date, months: int) -> date:
    """`start` plus whole calendar months; the 31st becomes the month's last day."""
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def warranty_end(start: date, *, months: int | None, days: int | None) -> date | None:
    """When the warranty of something received on `start` ends (months win over days)."""
    if months:
        return add_months(start, months)
    if days:
        return start + timedelta(days=days)
    return None


def runout_date(start: date, *, usage_days: int, quantity: int) -> date:
    """When `quantity` units used up at the product's usage period run out."""
    return start + timedelta(days=usage_days * max(quantity, 1))
