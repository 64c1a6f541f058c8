"""A demo module with a bug: its changes must be rolled back and reported."""

from __future__ import annotations

import random
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from careloop.shops.models import Shop


def seed_demo(*, ctx: Any, session: Session, shop: Shop, rng: random.Random, now: datetime) -> None:
    shop.name = "changed by a broken module"
    session.flush()
    raise RuntimeError("boom")
