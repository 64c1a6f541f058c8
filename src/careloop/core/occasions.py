"""One occasion, one reward: the idempotency key every capability uses for the reward of a
customer's birthday or purchase anniversary in a given year.

Why: the loyalty programme (birthday month, anniversary) and the journeys (birthday,
purchase anniversary) can both grant a coupon for the same occasion. Keyed alike, the second
grant finds the first coupon instead of issuing another, whichever runs first.
"""

from __future__ import annotations

from typing import Final, Literal

Occasion = Literal["birthday", "anniversary"]
OCCASIONS: Final = ("birthday", "anniversary")


def occasion_key(kind: Occasion, customer_id: int, year: int) -> str:
    """The reward key of `kind` for `customer_id` in `year` (the year the occasion falls in)."""
    if kind not in OCCASIONS:
        raise ValueError(f"unknown occasion {kind!r} (use {', '.join(OCCASIONS)})")
    return f"occasion:{kind}:{customer_id}:{year}"
