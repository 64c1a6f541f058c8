"""Demo data of journeys: the shipped playbooks, active in the demo shop."""

from __future__ import annotations

import random
from datetime import datetime

from sqlalchemy.orm import Session

from careloop.context import AppContext
from careloop.journeys.service import install_default_journeys
from careloop.shops.models import Shop


def seed_demo(
    *, ctx: AppContext, session: Session, shop: Shop, rng: random.Random, now: datetime
) -> None:
    install_default_journeys(session=session, clock=ctx.clock, shop=shop)
