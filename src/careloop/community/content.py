"""The seeds' content rule: about 80% of what a shop sends should give value (tips, guides,
thanks, invitations), at most 20% should promote. Pure: classify and measure.

A message is classified by its template: the shop's promotional campaigns, launch offers,
cross-sell and win-back offers are promotion; everything else that is not transactional is
value. Transactional messages (order confirmations, ticket replies) are not content at all.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

Category = Literal["value", "promotion"]
MAX_PROMOTION_SHARE = 0.20
WINDOW_DAYS = 30
PROMOTION_TEMPLATES = frozenset(
    {
        "community.campaign_promo",
        "community.launch_invite",
        "cross_sell.suggestion",
        "re_engagement.last_chance",
        "replenishment.reminder",
    }
)
PROMOTION_PREFIXES = ("promo.", "offer.", "sale.")


def category(template_key: str, kind: str) -> Category | None:
    """value, promotion, or None for transactional messages (not counted)."""
    if kind == "transactional":
        return None
    if template_key in PROMOTION_TEMPLATES or template_key.startswith(PROMOTION_PREFIXES):
        return "promotion"
    return "value"


def campaign_template(purpose: str) -> str:
    return "community.campaign_promo" if purpose == "promotion" else "community.campaign_value"


@dataclass(frozen=True)
class ContentMix:
    value: int
    promotion: int
    max_share: float = MAX_PROMOTION_SHARE

    @property
    def total(self) -> int:
        return self.value + self.promotion

    @property
    def promotion_share(self) -> float:
        return self.promotion / self.total if self.total else 0.0

    @property
    def too_promotional(self) -> bool:
        return self.promotion_share > self.max_share

    def warning(self) -> str | None:
        if not self.too_promotional:
            return None
        return (
            f"{self.promotion_share:.0%} of the last {WINDOW_DAYS} days' messages are "
            f"promotional (aim for at most {self.max_share:.0%}: 80% value, 20% promotion). "
            "Send a tip, a guide or an invitation before the next offer."
        )

    def plus(self, purpose: str, count: int) -> ContentMix:
        """The mix once `count` more messages of `purpose` have gone."""
        if purpose == "promotion":
            return ContentMix(self.value, self.promotion + count, self.max_share)
        return ContentMix(self.value + count, self.promotion, self.max_share)


def measure(
    counts: Iterable[tuple[str, str, int]], max_share: float = MAX_PROMOTION_SHARE
) -> ContentMix:
    """The mix of (template_key, kind, number sent) rows."""
    value = promotion = 0
    for template_key, kind, n in counts:
        cat = category(template_key, kind)
        if cat == "promotion":
            promotion += n
        elif cat == "value":
            value += n
    return ContentMix(value, promotion, max_share)
