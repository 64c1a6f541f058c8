"""The segment map: each RFM segment with what it means and how to care for it.

Every care strategy quotes or closely paraphrases the seed articles (shared/seeds/), and
`source` names the seed and section. The seeds' RFM table (seeds/000, section 3) covers only
Champions, Loyal Customers and At Risk; for the other eight segments the seeds are silent,
so `source` says so and names the nearest seed guidance the strategy is derived from (the
Golden Hours, the touchpoint timeline, re-engagement after 60+ days, the "1-2 messages a
month" rule). `journeys` are the shipped playbooks (careloop/playbooks/journeys/) that carry the
strategy out; `actions` are the human touches and other capabilities it calls for.

Any journey can also start on entering or leaving a segment: trigger on the timeline event
`segment.entered` (or `segment.left`) with `where: {fact: event.segment, eq: <key>}`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final


@dataclass(frozen=True)
class Segment:
    key: str
    label: str
    description: str
    care_strategy: str
    source: str = ""
    journeys: tuple[str, ...] = field(default_factory=tuple)
    actions: tuple[str, ...] = field(default_factory=tuple)

    @property
    def from_seed_table(self) -> bool:
        """True when the seeds' RFM table names this segment (the strategy is quoted)."""
        return self.source.startswith("Quoted")


_RFM_TABLE = "seeds/000 section 3, RFM segmentation table"
_SILENT = "Seeds silent on this segment; derived from "

SEGMENTS: Final[dict[str, Segment]] = {
    s.key: s
    for s in (
        Segment(
            "champions",
            "Champions",
            "Bought recently, buy very often and spend the most.",
            "Provide ultimate VIP privileges: 1-on-1 service experience, joining exclusive "
            "clubs to test new products before launch, and receiving hand-crafted gifts "
            "personalized to their unique interests.",
            source=f"Quoted from {_RFM_TABLE} (Champions, VIP)",
            journeys=("birthday",),
            actions=(
                "Early access: private invitation to try each new product first "
                "(seeds/000 section 3)",
                "Birthday gift box 3 days before the birthday, handwritten note from the "
                "founder (seeds/000 section 3)",
                "Zalo group as the super-fast VIP care channel (seeds/000 section 4)",
                "Non-monetary privileges: free express shipping, double warranty, "
                "workshops (seeds/000 section 3)",
            ),
        ),
        Segment(
            "loyal",
            "Loyal Customers",
            "Regular customers, spending consistently with slightly longer gaps between orders.",
            "Send surprise appreciation gifts for no specific occasion (Surprise & Delight). "
            "Send handwritten thank-you cards for their companionship along with surveys to "
            "gather feedback on new products.",
            source=f"Quoted from {_RFM_TABLE} (Loyal Customers)",
            journeys=("birthday", "purchase_anniversary"),
            actions=(
                "Surprise gift for no occasion (staff task) (seeds/000 section 3)",
                "Handwritten thank-you card with a new-product survey (seeds/000 section 3)",
                "Loyalty tier benefits: early access, priority support (seeds/003 step 6)",
            ),
        ),
        Segment(
            "potential_loyalist",
            "Potential Loyalists",
            "Recent customers with a few orders: one good experience from becoming loyal.",
            "Lock in long-term retention: invite them to the loyalty program (Day 60-90) and, "
            "where it fits, an upsell or cross-sell to increase purchase frequency (Day 30-60); "
            'reward the next purchases (2nd 10% off, 3rd 15%, 4th 20% "locks in loyalty").',
            source=_SILENT + "seeds/003 touchpoint timeline (Day 30-60, Day 60-90) and "
            "step 6 tiered discounts",
            journeys=("loyalty_invitation", "cross_sell"),
            actions=("Month 2-3 exclusive offer: early access to a new product (seeds/003)",),
        ),
        Segment(
            "new",
            "New Customers",
            "Bought for the first time very recently.",
            "Golden Hours 0-3-7: thank you and confirmation within 5 minutes (Milestone 0); "
            "usage instructions and maintenance tips on day 3; on day 7 ask for feedback with a "
            "brief survey and a 10% code for the next purchase. Ask for a review at Day 14-30, "
            "and ask which channel they prefer from the first order.",
            source="seeds/000 section 2 (Golden Hours 0-3-7) and FAQ (right channel); "
            "seeds/003 (review request Day 14-30). The RFM table has no New row: "
            "this is the seeds' first-purchase guidance",
            journeys=("golden_hours",),
            actions=("Ask the preferred channel at the first order (seeds/000 FAQ)",),
        ),
        Segment(
            "promising",
            "Promising",
            "Recent first-time buyers who have not come back yet.",
            "Give value between asks: tips to get more value from what they bought and success "
            "stories (Week 2-4), a check-in offering help, then an appreciation code tailored to "
            "the product they bought along with useful usage tips; no generic blasts.",
            source=_SILENT + 'seeds/003 (value reinforcement, Week 2-4; "only contacting '
            'when selling" mistake) and seeds/000 FAQ (right value)',
            journeys=("golden_hours", "cross_sell"),
            actions=("Review request at Day 14-30 if they are happy (seeds/003 step 5)",),
        ),
        Segment(
            "need_attention",
            "Need Attention",
            "Average recency and frequency: drifting, not yet lost.",
            "Contextual trigger: contact them only with a reason truly relevant to their "
            "benefit, such as a routine maintenance reminder or an upgrade for the product they "
            "use, with an appreciation code tailored to what they bought before.",
            source=_SILENT + "seeds/000 FAQ (how to care without being annoying: right "
            "time, right channel, right value)",
            journeys=("maintenance_reminder", "replenishment", "cross_sell"),
            actions=("Ask how the product is working; open a ticket if it is not (seeds/001)",),
        ),
        Segment(
            "about_to_sleep",
            "About to Sleep",
            "Below-average recency and few orders: about to lapse.",
            'Proactive replenishment reminder ("your product will run out in 2 weeks", '
            "easy reorder link) and useful content about what they own; at 60+ days "
            "inactive: \"Haven't seen you, here's 10% to come back\". At most 1-2 messages "
            "a month.",
            source=_SILENT + "seeds/003 (proactive replenishment reminders; re-engagement "
            "after 60+ days inactive; 1-2 messages a month)",
            journeys=("replenishment", "re_engagement"),
            actions=(),
        ),
        Segment(
            "at_risk",
            "At Risk",
            "Used to buy often and spend well, but have not returned in a long time.",
            'Highly personalized re-engagement campaigns: "We miss you." Send useful '
            "content that solves problems they are facing, accompanied by a limited-time "
            "exclusive privilege to reactivate their account.",
            source=f"Quoted from {_RFM_TABLE} (At Risk, risk of churn)",
            journeys=("re_engagement",),
            actions=("Check open tickets and recent low scores first (seeds/003 recovery)",),
        ),
        Segment(
            "cant_lose",
            "Can't Lose Them",
            "The best customers once (most orders), now long gone quiet.",
            "High-value customers deserve special treatment: a personal call from the owner "
            "to listen and understand what went wrong, offer a solution (refund, replace, help) "
            'and follow up; then the At Risk "We miss you" privilege. Never a generic blast.',
            source=_SILENT + f'{_RFM_TABLE} (At Risk row), seeds/003 ("treating all '
            'customers the same" mistake; problem resolution) and seeds/001 (call customers)',
            journeys=("re_engagement", "birthday"),
            actions=(
                "Owner call (staff task): ask what went wrong and make it right (seeds/003)",
                "Birthday gift box, not a coupon (seeds/000 section 3)",
            ),
        ),
        Segment(
            "hibernating",
            "Hibernating",
            "Last order long ago, few orders, low spend.",
            "One re-engagement offer after 60+ days inactive (\"Haven't seen you, here's 10% "
            'to come back"), then at most 1-2 valuable messages a month (80% useful content, '
            "20% product) with an easy opt-out; do not spam discount codes.",
            source=_SILENT + "seeds/003 (re-engagement; 1-2 messages a month), seeds/001 "
            "(80/20 content) and seeds/000 section 3 (spamming 10% codes erodes margins)",
            journeys=("re_engagement",),
            actions=(),
        ),
        Segment(
            "lost",
            "Lost",
            "Lowest recency and frequency.",
            "One last re-engagement attempt with a come-back offer; if they do not respond, "
            "stop marketing to them and keep only service messages: over-communicating makes "
            "customers tune out.",
            source=_SILENT + 'seeds/003 (re-engagement after 60+ days; "over-communicating" '
            "mistake: 1-2 messages a month, easy opt-out)",
            journeys=("re_engagement",),
            actions=(),
        ),
    )
}
