"""Order status rules, pure: which status an order is in, given when each change happened.

Status updates arrive out of order (a "delivered" webhook before "paid"); storing the time of
each change and deriving the status from them makes the end state independent of arrival order.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Final

STATUSES: Final = ("placed", "paid", "shipped", "delivered", "returned", "cancelled")
# How far along the lifecycle a status is; returned and cancelled end it.
RANK: Final = {"placed": 0, "paid": 1, "shipped": 2, "delivered": 3, "returned": 4, "cancelled": 4}
TIME_FIELDS: Final = {s: f"{s}_at" for s in STATUSES}


def current_status(times: Mapping[str, datetime | None]) -> str:
    """The furthest status reached; between returned and cancelled, the later one."""
    reached = [(RANK[s], t, s) for s, t in times.items() if t is not None]
    if not reached:
        return "placed"
    return max(reached)[2]


def merge_times(
    stored: Mapping[str, datetime | None], incoming: Mapping[str, datetime | None]
) -> dict[str, datetime]:
    """Times that `incoming` newly sets. A status keeps its first recorded time, so a
    repeated or late duplicate delivery changes nothing."""
    return {
        status: at
        for status, at in incoming.items()
        if at is not None and stored.get(status) is None
    }
