"""What a stored figure depends on, so a snapshot (metrics/snapshots.py) knows when it is
behind: the data version (newest order and timeline-event ids, which grow with every
recorded change) and the shop settings that change figures without recording an event."""

from __future__ import annotations

import hashlib
import json

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from careloop.customers.models import TimelineEvent
from careloop.orders.models import Order
from careloop.shops.models import Shop


def data_version(session: Session) -> tuple[int, int]:
    """The newest order and timeline-event ids: both grow with every recorded change."""
    orders = session.scalar(select(func.max(Order.id))) or 0
    events = session.scalar(select(func.max(TimelineEvent.id))) or 0
    return int(orders), int(events)


def shop_fingerprint(shop: Shop) -> str:
    """The shop's settings that change figures without recording an event (time zone,
    targets, churn window, business hours): part of every snapshot's identity."""
    state = json.dumps([shop.timezone, shop.business_model, shop.settings], default=str)
    return hashlib.sha1(state.encode(), usedforsecurity=False).hexdigest()
