"""RFM scoring and the segment map, pure: no database, no clock.

Scores are quintiles per shop by rank: a customer's score is 1 + floor(5 x the share of the
shop's customers who do strictly worse). Tied customers therefore always get the same score,
whatever order they arrive in (deterministic ties), and a tie takes the lowest quintile the
tied group reaches, so the many one-order customers of a small shop all get F=1 rather than
being spread over F=1..3 by an arbitrary tie-break.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt

QUINTILES: Final = 5


@dataclass(frozen=True)
class Segment:
    key: str
    label: str
    description: str
    care_strategy: str


# Care strategies: Champions, Loyal and At Risk are quoted from the seed article on RFM
# (seeds/000, section 3); the others apply the seeds' touchpoint timeline and
# re-engagement defaults (seeds/003: Day 14-30 review request, Day 60-90 loyalty invitation,
# "Haven't seen you, here's 10% to come back" after 60+ days, 1-2 messages a month).
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
        ),
        Segment(
            "loyal",
            "Loyal Customers",
            "Regular customers, spending consistently with slightly longer gaps between orders.",
            "Send surprise appreciation gifts for no specific occasion (Surprise & Delight). "
            "Send handwritten thank-you cards for their companionship along with surveys to "
            "gather feedback on new products.",
        ),
        Segment(
            "potential_loyalist",
            "Potential Loyalists",
            "Recent customers with a few orders: one good experience from becoming loyal.",
            "Invite them to the loyalty program (Day 60-90) and offer early access to new "
            "products; ask for a review at Day 14-30 while the experience is fresh.",
        ),
        Segment(
            "new",
            "New Customers",
            "Bought for the first time very recently.",
            "Run the Golden Hours 0-3-7: thank you and confirmation, usage instructions on "
            "day 3, a feedback request with a 10% next-order code on day 7.",
        ),
        Segment(
            "promising",
            "Promising",
            "Recent first-time buyers who have not come back yet.",
            "Deliver value before asking: tips to get more from the product, a check-in "
            "offering help, then a personalized next-purchase suggestion.",
        ),
        Segment(
            "need_attention",
            "Need Attention",
            "Average recency and frequency: drifting, not yet lost.",
            "Reach out with a limited-time offer tailored to what they bought before and ask "
            "how the product is working for them.",
        ),
        Segment(
            "about_to_sleep",
            "About to Sleep",
            "Below-average recency and few orders: about to lapse.",
            "Share useful content about the product they own and a reminder of its care "
            "cycle; at 60+ days inactive, a 'we haven't seen you' message with 10% off.",
        ),
        Segment(
            "at_risk",
            "At Risk",
            "Used to buy often and spend well, but have not returned in a long time.",
            'Highly personalized re-engagement campaigns: "We miss you." Send useful '
            "content that solves problems they are facing, accompanied by a limited-time "
            "exclusive privilege to reactivate their account.",
        ),
        Segment(
            "cant_lose",
            "Can't Lose Them",
            "The best customers once (most orders), now long gone quiet.",
            "A personal call or handwritten note from the owner: ask what went wrong, fix "
            "it, and offer an exclusive privilege to win them back; never a generic blast.",
        ),
        Segment(
            "hibernating",
            "Hibernating",
            "Last order long ago, few orders, low spend.",
            "At most one valuable message a month (new products, relevant tips); a 10% "
            "come-back offer after 60+ days inactive; do not spam.",
        ),
        Segment(
            "lost",
            "Lost",
            "Lowest recency and frequency.",
            "One last re-engagement attempt with a come-back offer; if there is no "
            "response, stop marketing to them and keep only service messages.",
        ),
    )
}

# (R, F) grid. Rows are R 1..5, columns F 1..5: the classic RFM segment grid, with the
# bottom-left corner split into Lost (R=1) and Hibernating (R=2).
_GRID: Final[tuple[tuple[str, ...], ...]] = (
    ("lost", "lost", "at_risk", "at_risk", "cant_lose"),
    ("hibernating", "hibernating", "at_risk", "at_risk", "cant_lose"),
    ("about_to_sleep", "about_to_sleep", "need_attention", "loyal", "loyal"),
    ("promising", "potential_loyalist", "potential_loyalist", "loyal", "loyal"),
    ("new", "potential_loyalist", "potential_loyalist", "champions", "champions"),
)


@dataclass(frozen=True)
class RfmInput:
    customer_id: int
    recency_days: int
    frequency: int
    monetary_minor: int


@dataclass(frozen=True)
class RfmScore:
    customer_id: int
    r: int
    f: int
    m: int
    segment: str


def quintile_scores_array(values: npt.ArrayLike) -> npt.NDArray[np.int64]:
    """Score 1-5 for each value (higher value, higher score); ties share the lowest score."""
    arr = np.asarray(values)
    n = arr.shape[0]
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    worse = np.searchsorted(np.sort(arr, kind="stable"), arr, side="left")
    scores: npt.NDArray[np.int64] = 1 + (QUINTILES * worse.astype(np.int64)) // n
    return scores


def quintile_scores(values: Sequence[float]) -> list[int]:
    """`quintile_scores_array` as plain ints."""
    return [int(v) for v in quintile_scores_array(np.asarray(values, dtype=np.float64))]


def segments_for_arrays(r: npt.NDArray[np.int64], f: npt.NDArray[np.int64]) -> npt.NDArray[np.str_]:
    """Vectorised `segment_for` for a whole shop."""
    grid = np.array(_GRID)
    return grid[r - 1, f - 1]  # type: ignore[no-any-return]


def segment_for(r: int, f: int) -> str:
    """The segment key of an (R, F) pair of 1-5 scores."""
    if not (1 <= r <= QUINTILES and 1 <= f <= QUINTILES):
        raise ValueError(f"RFM scores must be 1-5, got R={r} F={f}")
    return _GRID[r - 1][f - 1]


def score_customers(rows: Sequence[RfmInput]) -> list[RfmScore]:
    """R, F, M scores and segment for every customer of one shop."""
    # Recency: fewer days since the last order is better, so score the negated days.
    r = quintile_scores([-float(row.recency_days) for row in rows])
    f = quintile_scores([float(row.frequency) for row in rows])
    m = quintile_scores([float(row.monetary_minor) for row in rows])
    return [
        RfmScore(row.customer_id, ri, fi, mi, segment_for(ri, fi))
        for row, ri, fi, mi in zip(rows, r, f, m, strict=True)
    ]
