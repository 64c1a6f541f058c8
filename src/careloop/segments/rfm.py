"""RFM scoring and the (R, F) grid of segments, pure: no database, no clock.

Scores are quintiles per shop by rank: a customer's score is 1 + floor(5 x the share of the
shop's customers who do strictly worse). Tied customers therefore always get the same score,
whatever order they arrive in (deterministic ties), and a tie takes the lowest quintile the
tied group reaches, so the many one-order customers of a small shop all get F=1 rather than
being spread over F=1..3 by an arbitrary tie-break.
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
    scores: npt.NDArray[np.int64] = 1 + (QUINTILES * _strictly_worse(arr)) // n
    return scores


def _strictly_worse(arr: npt.NDArray[Any]) -> npt.NDArray[np.int64]:
    """For each value, how many values are strictly smaller. Whole numbers over a short
    range (days since the last order, order counts) are counted in one pass, no sort."""
    low, high = arr.min(), arr.max()
    if high - low < 4 * arr.shape[0] and np.array_equal(arr, np.floor(arr)):
        offset = (arr - low).astype(np.int64)
        counts = np.bincount(offset)
        below = np.cumsum(counts) - counts
        return below[offset]  # type: ignore[no-any-return]
    worse = np.searchsorted(np.sort(arr, kind="stable"), arr, side="left")
    return worse.astype(np.int64)


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
