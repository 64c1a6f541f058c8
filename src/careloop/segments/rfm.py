"""RFM scoring and the 11 standard segments by R, F and M, pure: no database, no clock.

Scores (1-5, 5 = best) are quintiles within the shop by *mid-rank*: a value's score is
1 + floor(5 x (customers strictly worse + half the customers tied with it) / customers),
capped at 5. Every tie group shares one score whatever order the rows arrive in (ties
broken consistently), and the group holding the shop's best value always scores 3 or more:
a customer who bought minutes ago is never "Lost" (R=1), even when most of the shop bought
on the same day.

Segments follow the standard R x FM grid (FM = floor((F + M) / 2): frequency and money
together), which the seeds' table summarises: Champions high R, F and M; Loyal Customers
medium R with high F and M; At Risk low R with medium F and high M. So money changes the
segment: two orders of a small total are not a Champion.

Shops with fewer than SMALL_SHOP buyers (50): quintiles of a handful of customers mean
little, so R and F use fixed bands instead (R by days since the last order: <=30 -> 5,
<=60 -> 4, <=90 -> 3, <=180 -> 2, else 1; F by orders: 1..5+ -> 1..5); M stays relative
to the shop (mid-rank quintile). See docs/metrics.md.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import numpy.typing as npt

# The segment map lives in care.py; re-exported here, where callers have always found it.
from careloop.segments.care import SEGMENTS as SEGMENTS
from careloop.segments.care import Segment as Segment

QUINTILES: Final = 5


# Fewer buyers than this: fixed R and F bands (see the module docstring).
SMALL_SHOP: Final = 50
RECENCY_BANDS_DAYS: Final = (30, 60, 90, 180)  # upper bounds of R = 5, 4, 3, 2

# (R, FM) grid. Rows are R 1..5, columns FM 1..5: the classic RFM segment grid, with the
# bottom-left corner split into Lost (R=1) and Hibernating (R=2), and Can't Lose Them the
# standard R = 1 with high F and M (FM 4-5).
_GRID: Final[tuple[tuple[str, ...], ...]] = (
    ("lost", "lost", "at_risk", "cant_lose", "cant_lose"),
    ("hibernating", "hibernating", "at_risk", "at_risk", "at_risk"),
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
    """Score 1-5 for each value (higher value, higher score) by mid-rank; ties share a score."""
    arr = np.asarray(values)
    n = arr.shape[0]
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    below, tied = _worse_and_tied(arr)
    # 1 + floor(5 (below + tied / 2) / n), in integers: floor(5 (2 below + tied) / 2n).
    scores: npt.NDArray[np.int64] = np.minimum(
        1 + (QUINTILES * (2 * below + tied)) // (2 * n), QUINTILES
    )
    return scores


def _worse_and_tied(arr: npt.NDArray[Any]) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """For each value, how many values are strictly smaller and how many equal (itself
    included). Whole numbers over a short range (days since the last order, order counts)
    are counted in one pass, no sort."""
    low, high = arr.min(), arr.max()
    if high - low < 4 * arr.shape[0] and np.array_equal(arr, np.floor(arr)):
        offset = (arr - low).astype(np.int64)
        counts = np.bincount(offset)
        below = np.cumsum(counts) - counts
        return below[offset], counts[offset]
    ordered = np.sort(arr, kind="stable")
    worse = np.searchsorted(ordered, arr, side="left")
    # Each value's tie group starts at `worse` in the sorted array: the group sizes, stored
    # at the group starts, give every value its tie count without a second search.
    starts = np.flatnonzero(np.concatenate(([True], ordered[1:] != ordered[:-1])))
    size_at = np.zeros(ordered.shape[0], dtype=np.int64)
    size_at[starts] = np.diff(np.append(starts, ordered.shape[0]))
    return worse.astype(np.int64), size_at[worse]


def recency_bands(days: npt.ArrayLike) -> npt.NDArray[np.int64]:
    """R for a small shop: 5 within 30 days of the last order, 4 within 60, 3 within 90,
    2 within 180, else 1."""
    arr = np.asarray(days)
    return QUINTILES - np.searchsorted(np.array(RECENCY_BANDS_DAYS), arr, side="left")  # type: ignore[no-any-return]


def frequency_bands(orders: npt.ArrayLike) -> npt.NDArray[np.int64]:
    """F for a small shop: the number of orders, 5 for five or more."""
    return np.clip(np.asarray(orders, dtype=np.int64), 1, QUINTILES)


def rfm_scores_arrays(
    recency_days: npt.ArrayLike, frequency: npt.ArrayLike, monetary: npt.ArrayLike
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """R, F and M scores for every buyer of one shop (the rule in the module docstring)."""
    days = np.asarray(recency_days)
    orders = np.asarray(frequency)
    m = quintile_scores_array(np.asarray(monetary))
    if days.shape[0] < SMALL_SHOP:
        return recency_bands(days), frequency_bands(orders), m
    return quintile_scores_array(-days), quintile_scores_array(orders), m


def quintile_scores(values: Sequence[float]) -> list[int]:
    """`quintile_scores_array` as plain ints."""
    return [int(v) for v in quintile_scores_array(np.asarray(values, dtype=np.float64))]


def fm_score(f: npt.ArrayLike, m: npt.ArrayLike) -> npt.NDArray[np.int64]:
    """The combined frequency-and-money score: floor((F + M) / 2)."""
    return (np.asarray(f, dtype=np.int64) + np.asarray(m, dtype=np.int64)) // 2  # type: ignore[no-any-return]


def segments_for_arrays(
    r: npt.NDArray[np.int64], f: npt.NDArray[np.int64], m: npt.NDArray[np.int64]
) -> npt.NDArray[np.str_]:
    """Vectorised `segment_for` for a whole shop."""
    grid = np.array(_GRID)
    return grid[r - 1, fm_score(f, m) - 1]  # type: ignore[no-any-return]


def segment_for(r: int, f: int, m: int) -> str:
    """The segment key of R, F, M scores (1-5 each)."""
    if not all(1 <= v <= QUINTILES for v in (r, f, m)):
        raise ValueError(f"RFM scores must be 1-5, got R={r} F={f} M={m}")
    return _GRID[r - 1][(f + m) // 2 - 1]


def score_customers(rows: Sequence[RfmInput]) -> list[RfmScore]:
    """R, F, M scores and segment for every customer of one shop."""
    r, f, m = rfm_scores_arrays(
        [row.recency_days for row in rows],
        [row.frequency for row in rows],
        [row.monetary_minor for row in rows],
    )
    segments = segments_for_arrays(r, f, m) if rows else np.zeros(0, dtype=str)
    return [
        RfmScore(row.customer_id, int(ri), int(fi), int(mi), str(seg))
        for row, ri, fi, mi, seg in zip(rows, r, f, m, segments, strict=True)
    ]
