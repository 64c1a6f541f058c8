from __future__ import annotations

from datetime import timedelta

import pytest

from careloop.context import AppContext
from careloop.core.clock import VirtualClock
from careloop.core.errors import NotFound
from careloop.shops.models import Shop
from careloop.support import service
from careloop.support.customer360 import customer_360
from careloop.support.performance import quantile, staff_performance
from tests.conftest import ShopFactory
from tests.support.factories import make_customer, make_order, make_staff

# conftest's START is Monday 2026-11-02 10:00 in Ho Chi Minh City.


def test_quantile_interpolates_like_numpy() -> None:
    assert quantile([], 0.5) is None
    assert quantile([1.0, 2.0, 3.0, 4.0], 0.5) == 2.5
    assert quantile([1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0], 0.9) == pytest.approx(9.1)


def test_agent_performance_counts_frt_ttr_in_wall_clock_and_business_hours(
    ctx: AppContext, shop: Shop, clock: VirtualClock
) -> None:
    start = clock.now()
    with ctx.sessions() as s, s.begin():
        shop = s.merge(shop)
        an = make_staff(s, ctx, shop, "an@acme.test", role="owner")
        lan = make_customer(s, ctx, shop)
        # Opened Monday 17:00, answered Tuesday 09:00: 16 h wall-clock, 1.5 h open
        # (17:00-17:30 and 08:00-09:00).
        clock.advance(timedelta(hours=7))
        ticket = service.open_ticket(
            session=s, clock=clock, shop=shop, customer_id=lan.id, subject="Hỏi", body="?"
        )
        clock.advance(timedelta(hours=16))
        service.reply(session=s, clock=clock, shop=shop, ticket_id=ticket.id, body="Dạ")
        clock.advance(timedelta(hours=1))
        service.resolve_ticket(session=s, clock=clock, shop=shop, ticket_id=ticket.id)
        service.record_csat(
            session=s, clock=clock, shop=shop, ticket_id=ticket.id, score=4, source="test"
        )
        task = service.create_task(
            session=s,
            clock=clock,
            shop=shop,
            customer_id=lan.id,
            kind="call",
            title="Gọi",
            due_at=clock.now() + timedelta(hours=1),
            assignee_rule="owner",
            source="test",
            idempotency_key="t1",
        )
        service.complete_task(session=s, clock=clock, shop=shop, task_id=task.id)
        rows = staff_performance(
            session=s, shop=shop, start=start, end=start + timedelta(days=7), now=clock.now()
        )
    agent, desk = rows
    assert agent.email == an.email and desk.staff_id is None
    assert agent.frt.median_hours == 16
    assert agent.frt.median_business_hours == 1.5
    assert agent.ttr.median_hours == 17 and agent.ttr.median_business_hours == 2.5
    assert (agent.fcr_rate, agent.csat, agent.csat_responses) == (1.0, 1.0, 1)
    # The follow-up check-in is still open and due later: not overdue.
    assert (agent.tasks_done, agent.tasks_on_time, agent.tasks_overdue_open) == (1, 1, 0)
    assert agent.tasks_on_time_rate == 1.0


@pytest.fixture
def other_shop(make_shop: ShopFactory) -> Shop:
    return make_shop("other")


def test_customer_360_gathers_profile_orders_tickets_and_consents(
    other_shop: Shop, ctx: AppContext, shop: Shop
) -> None:
    with ctx.sessions() as s, s.begin():
        shop = s.merge(shop)
        lan = make_customer(s, ctx, shop, accepts_marketing=True)
        make_order(s, ctx, shop, lan)
        service.open_ticket(
            session=s, clock=ctx.clock, shop=shop, customer_id=lan.id, subject="Hỏi", body="?"
        )
        view = customer_360(session=s, shop=shop, customer_id=lan.id, now=ctx.clock.now())
        assert view.profile["name"] == "Nguyễn Thị Lan"
        assert view.order_count == 1 and view.lifetime_value_minor == 500_000
        assert [t["subject"] for t in view.open_tickets] == ["Hỏi"]
        assert view.consents["sms"] == "granted"
        assert "ticket.opened" in [e["type"] for e in view.timeline]
        assert view.as_dict()["profile"]["customer_id"] == lan.external_id
        with pytest.raises(NotFound):
            customer_360(
                session=s, shop=s.merge(other_shop), customer_id=lan.id, now=ctx.clock.now()
            )
