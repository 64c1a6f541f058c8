from __future__ import annotations

import random

from sqlalchemy import func, select

from careloop.context import AppContext
from careloop.shops.models import Shop
from careloop.support.demo import HISTORY_TICKETS, OPEN_TICKETS, seed_demo
from careloop.support.models import Ticket
from careloop.support.performance import staff_performance
from tests.support.factories import make_customer


def test_the_demo_desk_has_history_and_open_tickets(ctx: AppContext, shop: Shop) -> None:
    with ctx.sessions() as s, s.begin():
        shop = s.merge(shop)
        for _ in range(5):
            make_customer(s, ctx, shop)
        now = ctx.clock.now()
        seed_demo(ctx=ctx, session=s, shop=shop, rng=random.Random(1), now=now)
        counts = dict(s.execute(select(Ticket.status, func.count()).group_by(Ticket.status)).all())
        assert counts.get("resolved") == HISTORY_TICKETS
        assert sum(counts.values()) == HISTORY_TICKETS + OPEN_TICKETS
        desk = staff_performance(
            session=s, shop=shop, start=now.replace(year=2025), end=now, now=now
        )[-1]
        assert desk.frt.count >= HISTORY_TICKETS and desk.csat is not None
