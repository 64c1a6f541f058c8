"""What the support desk reads about a customer from other capabilities: loyalty privileges
through the `Rewards` port (MissingPort when nothing provides it), the RFM segment from the
segments capability's service face (segments imports nothing of support)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from careloop.core.ports import Rewards, port
from careloop.segments.service import current_segment


def entitlements_of(*, session: Session, shop_id: int, customer_id: int, now: datetime) -> set[str]:
    """The customer's active privileges (e.g. "priority_support"), held at `now`."""
    return port(Rewards).entitlements(session, shop_id=shop_id, customer_id=customer_id, now=now)


def segment_of(*, session: Session, shop_id: int, customer_id: int) -> str | None:
    result = current_segment(session=session, shop_id=shop_id, customer_id=customer_id)
    return str(result) if result is not None else None
