"""Which imported events journeys should still react to.

Journeys pass over timeline events written as history (docs/decisions/0028). An import
brings history: an order delivered 18 months ago must not start a review request today. So
an event older than the window is stored as history; a recent one is left for the journeys,
as if it had arrived through the API. Loyalty and feedback read both.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Final

BACKFILL_WINDOW: Final = timedelta(days=2)


def is_history(occurred_at: datetime, now: datetime) -> bool:
    """True for events older than the window (journeys pass over them), False for live ones."""
    return occurred_at < now - BACKFILL_WINDOW
