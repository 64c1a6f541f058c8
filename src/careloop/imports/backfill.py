"""Which imported events journeys should still react to.

Journeys trigger on undispatched timeline events (docs/decisions/0002). An import brings
history: an order delivered 18 months ago must not start a review request today. So an
event older than the window is stored already dispatched; a recent one is left for the
journeys, as if it had arrived through the API.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Final

BACKFILL_WINDOW: Final = timedelta(days=2)


def dispatched_at(occurred_at: datetime, now: datetime) -> datetime | None:
    """`now` for history older than the window (journeys skip it), None for live events."""
    return now if occurred_at < now - BACKFILL_WINDOW else None
